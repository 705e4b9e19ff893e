"""Files sent into a dialog step (shared by the flows that keep them in the dialog's data
until the step is finished): each photo or file is added as its update arrives, and the
step answers once, after an album's last photo, only if the person is still at that step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message

from bot.domain.texts import meaningful
from bot.evidence import EvidenceCollector, received_item
from bot.services.files import FileService

NOTE_MAX = 2000  # a caption taken as the step's note is cut like a typed note


async def collect_file(
    message: Message,
    state: FSMContext,
    evidence: EvidenceCollector,
    file_store: FileService,
    step: State,
    then: Callable[[dict[str, Any]], Awaitable[None]],
    *,
    same: tuple[str, ...] = (),
    caption_as: str | None = None,
) -> None:
    """Adds the message's file to the dialog's `evidence`; a meaningful caption becomes the
    `caption_as` field while that is still empty. Once the album is quiet, `then(data)` runs
    if the dialog is still at `step` for the same `same` fields: he may have gone on
    meanwhile, and the files are kept with what he went on to."""
    data = await state.get_data()
    item = await received_item(message, file_store)
    assert item is not None  # the step's filter lets photos and files only
    update: dict[str, Any] = {"evidence": [*data.get("evidence", []), item]}
    caption = message.caption
    if caption_as and caption and not data.get(caption_as) and meaningful(caption):
        update[caption_as] = caption.strip()[:NOTE_MAX]
    await state.update_data(**update)

    async def confirm() -> None:
        if await state.get_state() != step.state:
            return
        current = await state.get_data()
        if any(current.get(key) != data.get(key) for key in same):
            return
        await then(current)

    await evidence.confirm(message, state.key, confirm)
