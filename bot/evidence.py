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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import Message

from bot.inflight import InFlight

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
