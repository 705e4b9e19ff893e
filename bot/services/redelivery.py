"""Telegram delivers an update again when its offset was not confirmed before the process
died (polling) or its answer was lost (webhook). Handling it twice would store a "why" as
the next why or the corrective action, or a tap twice. So each handled update's id is kept
for a day, and one that comes back is skipped.

Reads are rare: update ids only grow, so an id above the newest one recorded when this
process started cannot have been handled before; only the backlog of a restart is looked
up. Each handled update costs one small insert.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Connection

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.updates import HandledUpdates

KEEP = timedelta(hours=26)  # Telegram keeps an unconfirmed update for 24 hours


class HandledLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._before_start: int | None = None
        self._loading = asyncio.Lock()

    async def already_handled(self, update_id: int) -> bool:
        if self._before_start is None:
            async with self._loading:
                if self._before_start is None:
                    self._before_start = await self.db.run(self._start)
        if update_id > self._before_start:
            return False
        return await self.db.run(lambda conn: HandledUpdates(conn).seen(update_id))

    def _start(self, conn: Connection) -> int:
        handled = HandledUpdates(conn)
        handled.forget_before(self.clock.now() - KEEP)
        return handled.newest()

    async def record(self, update_id: int) -> None:
        at = self.clock.now()
        await self.db.run(lambda conn: HandledUpdates(conn).add(update_id, at))
