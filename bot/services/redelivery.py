"""Telegram delivers an update again when its offset was not confirmed before the process
died (polling) or its answer was lost (webhook). Handling it twice would store a "why" as
the next why or the corrective action, or a tap twice. So each handled update's id is kept
for a day, and one that comes back is skipped.

Reads are rare: update ids only grow, so an id above the newest one recorded when this
process started cannot have been handled before; only the backlog of a restart is looked
up. Each handled update costs one small insert, in a transaction of its own after the
handler, or in the handler's one unit of work that changes something (`HandledInUnit`, a
questionnaire tap): the change and its update's record then commit together.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.updates import HandledUpdates

KEEP = timedelta(hours=26)  # Telegram keeps an unconfirmed update for 24 hours


@dataclass
class Handling:
    """The update being handled (set by RedeliveryMiddleware for its handler)."""

    update_id: int
    at: datetime
    recorded: bool = False


handling: contextvars.ContextVar[Handling | None] = contextvars.ContextVar("handling", default=None)


class HandledInUnit:
    """Records the update being handled inside the handler's unit of work that changes
    something, once that unit has committed; the middleware then writes nothing."""

    def __init__(self) -> None:
        self._current = handling.get()
        self._written = False

    def write(self, conn: Connection) -> None:
        current = self._current
        if current is not None and not current.recorded:
            HandledUpdates(conn).add(current.update_id, current.at)
            self._written = True

    def committed(self) -> None:
        if self._written and self._current is not None:
            self._current.recorded = True


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
        # On PostgreSQL another process may have handled it since this one started.
        if update_id > self._before_start and not self.db.shared:
            return False
        # Only within the day Telegram may send it again: a new bot's (a new token's) ids
        # begin again from 1, and an old bot's record of id 1 is not that update.
        since = self.clock.now() - KEEP
        return await self.db.run(lambda conn: HandledUpdates(conn).seen(update_id, since))

    def _start(self, conn: Connection) -> int:
        handled = HandledUpdates(conn)
        handled.forget_before(self.clock.now() - KEEP)
        return handled.newest()

    async def record(self, update_id: int) -> None:
        at = self.clock.now()
        await self.db.run(lambda conn: HandledUpdates(conn).add(update_id, at))
