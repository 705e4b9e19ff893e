"""Ids of the updates this bot has handled (see `RedeliveryMiddleware`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from bot.storage.db import upsert
from bot.storage.schema import handled_updates as h


class HandledUpdates:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def newest(self) -> int:
        return self.conn.execute(select(func.max(h.c.update_id))).scalar() or 0

    def seen(self, update_id: int, since: datetime) -> bool:
        """Whether the update was handled at `since` or later."""
        found = self.conn.execute(
            select(h.c.update_id).where(h.c.update_id == update_id, h.c.handled_at >= since)
        )
        return found.first() is not None

    def add(self, update_id: int, at: datetime) -> None:
        """An old record of the same id (another bot's, over a day ago) takes the new time."""
        statement = upsert(self.conn, h).values(update_id=update_id, handled_at=at)
        self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[h.c.update_id], set_={"handled_at": statement.excluded.handled_at}
            )
        )

    def forget_before(self, at: datetime) -> int:
        """Telegram keeps an unconfirmed update for 24 hours; older ids can never return."""
        return self.conn.execute(delete(h).where(h.c.handled_at < at)).rowcount
