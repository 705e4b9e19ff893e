"""The notification ledger: one row per reminder identity; sent only once Telegram accepted.

Statuses: pending -> sending (claimed by one sweep) -> sent; or back to pending with a
later attempt (network error, 5xx); blocked (the user blocked the bot); obsolete (its
reason is gone: the NC was closed, the due date moved). A claim that was never finished
(the process died while sending) is taken again after CLAIM_TIMEOUT: a crash in the
middle of one HTTP call may repeat that one message; nothing else is ever sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from bot.domain.reminders import Due, Key
from bot.storage.schema import notifications, snoozes

CLAIM_TIMEOUT = timedelta(minutes=5)
n = notifications


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    key: Key
    attempts: int


class LedgerRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, due: Iterable[Due], now: datetime) -> int:
        """Adds the reminders not yet in the ledger; returns how many were new."""
        wanted = {d.key: d for d in due}
        if not wanted:
            return 0
        kinds = {key[0] for key in wanted}
        objects = {key[1] for key in wanted}
        existing = {
            (row.kind, row.object_id, row.recipient_id, row.slot)
            for row in self.conn.execute(
                select(n.c.kind, n.c.object_id, n.c.recipient_id, n.c.slot).where(
                    n.c.kind.in_(kinds), n.c.object_id.in_(objects)
                )
            )
        }
        rows = [
            {
                "kind": key[0],
                "object_id": key[1],
                "recipient_id": key[2],
                "slot": key[3],
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            for key in wanted
            if key not in existing
        ]
        if rows:
            self.conn.execute(insert(n), rows)
        return len(rows)

    def claim(self, now: datetime, current: set[Key], limit: int) -> list[Claimed]:
        """Takes the pending reminders that are due now and still wanted; marks the ones
        whose reason is gone as obsolete."""
        stale = now - CLAIM_TIMEOUT
        rows = self.conn.execute(
            select(n.c.id, n.c.kind, n.c.object_id, n.c.recipient_id, n.c.slot, n.c.attempts)
            .where(
                or_(
                    and_(n.c.status == "pending", n.c.next_attempt_at <= now),
                    and_(n.c.status == "sending", n.c.claimed_at < stale),
                )
            )
            .order_by(n.c.id)
            .limit(limit)
        ).all()
        claimed, obsolete = [], []
        for row in rows:
            key = (row.kind, row.object_id, row.recipient_id, row.slot)
            if key in current:
                claimed.append(Claimed(row.id, key, row.attempts))
            else:
                obsolete.append(row.id)
        if obsolete:
            self.conn.execute(update(n).where(n.c.id.in_(obsolete)).values(status="obsolete"))
        if claimed:
            self.conn.execute(
                update(n)
                .where(n.c.id.in_([c.id for c in claimed]))
                .values(status="sending", claimed_at=now)
            )
        return claimed

    def finish(
        self, notification_id: int, status: str, now: datetime, error: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = now
        self.conn.execute(update(n).where(n.c.id == notification_id).values(**values))

    def retry_later(self, notification_id: int, attempts: int, at: datetime, error: str) -> None:
        self.conn.execute(
            update(n)
            .where(n.c.id == notification_id)
            .values(status="pending", attempts=attempts, next_attempt_at=at, last_error=error[:300])
        )

    def sent_count(self, kind: str | None = None) -> int:
        query = select(n.c.id).where(n.c.status == "sent")
        if kind:
            query = query.where(n.c.kind == kind)
        return len(self.conn.execute(query).all())

    # -- snoozes ------------------------------------------------------------------------

    def snooze(self, kind: str, object_id: int, user_id: int, until: datetime) -> None:
        where = and_(
            snoozes.c.kind == kind, snoozes.c.object_id == object_id, snoozes.c.user_id == user_id
        )
        self.conn.execute(delete(snoozes).where(where))
        self.conn.execute(
            insert(snoozes).values(kind=kind, object_id=object_id, user_id=user_id, until=until)
        )

    def snoozed(self, now: datetime) -> set[tuple[str, int, int]]:
        rows = self.conn.execute(
            select(snoozes.c.kind, snoozes.c.object_id, snoozes.c.user_id).where(
                snoozes.c.until > now
            )
        )
        return {(row.kind, row.object_id, row.user_id) for row in rows}
