"""The one evidence collector: what a photo or file message holds, and one confirmation for
an album, whatever the flow (a questionnaire answer, a report, a done action).

An album reaches the bot as one message per photo, sharing a `media_group_id`. One person's
updates are handled in order, so each photo is stored by its own update and none is lost;
only the confirmation waits: it is sent once the album has been quiet for a moment, under
the same per-person lock as the person's updates, so it reports every photo of the album
and never overtakes what the person did next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import Message

from bot.inflight import InFlight
from bot.services.files import FileService

log = logging.getLogger(__name__)
Confirm = Callable[[], Awaitable[None]]
ALBUM_QUIET = 0.8  # seconds without a new photo of the album before it is confirmed


def evidence_item(message: Message) -> dict[str, Any] | None:
    """A photo (its largest size) or a document, as the records keep it."""
    group = message.media_group_id
    if message.photo:
        return {"file_id": message.photo[-1].file_id, "kind": "photo", "group": group}
    if message.document:
        return {
            "file_id": message.document.file_id,
            "kind": "document",
            "name": message.document.file_name,
            "group": group,
        }
    return None


async def received_item(message: Message, files: FileService) -> dict[str, Any] | None:
    """The evidence item of a photo or file message, its bytes downloaded once into the
    school's store (refused, in the sender's language, when larger than FILE_MAX_MB). When
    Telegram cannot give the file now, the item keeps its file id alone and the start-up
    pass fetches it later: the person's evidence is never refused for that."""
    item = evidence_item(message)
    if item is None:
        return None
    size = message.photo[-1].file_size if message.photo else None
    if message.document is not None:
        size = message.document.file_size
    files.check_size(size)
    bot = message.bot
    assert bot is not None
    try:
        buffer = await bot.download(item["file_id"])
    except (TelegramAPIError, OSError, TimeoutError) as error:
        log.warning("file %s not downloaded now: %s", item["file_id"], error)
        return item
    assert buffer is not None
    return await files.keep(item, buffer.read())


@dataclass
class _Pending:
    task: asyncio.Task[None]
    confirming: bool = False


class EvidenceCollector:
    def __init__(
        self, isolation: BaseEventIsolation, inflight: InFlight, quiet: float = ALBUM_QUIET
    ) -> None:
        self.isolation = isolation
        self.inflight = inflight
        self.quiet = quiet
        self._albums: dict[tuple[int, str], _Pending] = {}

    async def confirm(self, message: Message, key: StorageKey, confirm: Confirm) -> None:
        """Runs `confirm` for a single file now; for a photo of an album, once, after the
        album's last photo (each new photo of the album postpones it)."""
        group = message.media_group_id
        if group is None:
            await confirm()
            return
        album = (message.chat.id, group)
        pending = self._albums.get(album)
        if pending is not None and not pending.confirming:
            pending.task.cancel()
        task = self.inflight.spawn(self._later(album, key, confirm), name=f"album-{group}")
        self._albums[album] = _Pending(task)

    async def _later(self, album: tuple[int, str], key: StorageKey, confirm: Confirm) -> None:
        await asyncio.sleep(self.quiet)
        pending = self._albums.get(album)
        if pending is None or pending.task is not asyncio.current_task():
            return
        pending.confirming = True
        try:
            async with self.isolation.lock(key):
                await confirm()
        finally:
            if self._albums.get(album) is pending:
                del self._albums[album]
