"""The notification ledger: one row per reminder or event message identity.

Statuses: pending -> claimed (by one sweep) -> sending (its HTTP call began) -> sent; or
back to pending with a later attempt when the send provably did not happen (429, no
connection, the Bot API's own error); unknown (the request went out and its answer was
lost, or the process died during the call: it is not sent again);
blocked (the user blocked the bot); failed (Telegram refused it); obsolete (its reason is
gone: the NC was closed, the due date moved).

A claim whose call never began goes back to pending; one whose call began and was never
settled becomes "unknown", like a lost answer. So a message goes out at most once per
identity, and only a call that may have reached Telegram is left unrepeated; the next slot
of a recurring reminder covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, select, text, update

from bot.domain.reminders import EVENT_KINDS, Due, Key, Kind
from bot.storage.schema import notifications, snoozes

OPEN_STATUSES = frozenset({"pending", "claimed", "sending"})  # a message not yet settled
CLAIM_TIMEOUT = timedelta(minutes=5)  # far longer than one HTTP call may take
n = notifications
_INSERT_REMINDER = text(
    "INSERT INTO notifications (kind, object_id, recipient_id, slot, status, attempts,"
    " created_at, next_attempt_at) VALUES (:kind, :object_id, :recipient_id, :slot,"
    " 'pending', 0, :at, :at)"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    key: Key
    attempts: int
    params: dict[str, object] | None = None  # an event's words

    def as_due(self) -> Due:
        kind, object_id, recipient_id, slot = self.key
        return Due(Kind(kind), object_id, recipient_id, slot, dict(self.params or {}))


class LedgerRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, due: Iterable[Due], now: datetime) -> int:
        """Adds the reminders not yet in the ledger; returns how many were new."""
        return self._insert({d.key: d for d in due}, now, with_params=False)

    def _insert(self, wanted: dict[Key, Due], now: datetime, with_params: bool) -> int:
        if not wanted:
            return 0
        kinds = {key[0] for key in wanted}
        objects = {key[1] for key in wanted}
        slots = {key[3] for key in wanted}  # not every past day's row of a recurring reminder
        existing = {
            tuple(row)
            for row in self.conn.execute(
                select(n.c.kind, n.c.object_id, n.c.recipient_id, n.c.slot).where(
                    n.c.kind.in_(kinds), n.c.object_id.in_(objects), n.c.slot.in_(slots)
                )
            ).all()
        }
        fresh = [(key, due) for key, due in wanted.items() if key not in existing]
        if not fresh:
            return 0
        # The same moment and status for every row, written once (per-row values are what a
        # sweep's first recording of thousands of reminders costs); a reminder has no words.
        common = {"status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now}
        keys = ("kind", "object_id", "recipient_id", "slot")
        rows: list[dict[str, object]] = [dict(zip(keys, key, strict=True)) for key, _ in fresh]
        if with_params:
            for row, (_, due) in zip(rows, fresh, strict=True):
                row["params"] = due.params
            self.conn.execute(insert(n).values(**common), rows)
        else:
            # Plain text with the moment converted once: a typed INSERT converts every
            # row's values again (2.5× the cost of thousands of first reminders).
            stamp = n.c.created_at.type.dialect_impl(self.conn.dialect).bind_processor(
                self.conn.dialect
            )
            at = stamp(now) if stamp else now
            self.conn.execute(_INSERT_REMINDER, [{**row, "at": at} for row in rows])
        return len(rows)

    def record_events(self, events: Iterable[Due], now: datetime) -> int:
        """Adds event messages with their words; an identity already recorded is kept."""
        return self._insert({d.key: d for d in events}, now, with_params=True)

    def recover(self) -> tuple[int, int]:
        """At start (this process is the database's only one): messages a dead process had
        claimed but not begun go back to pending; those it was sending become "unknown"
        (the HTTP call may have reached Telegram). Returns (released, unknown)."""
        released = self.conn.execute(
            update(n).where(n.c.status == "claimed").values(status="pending")
        ).rowcount
        unknown = self.conn.execute(
            update(n)
            .where(n.c.status == "sending")
            .values(status="unknown", last_error="the process stopped while sending")
        ).rowcount
        return released, unknown

    def claim(
        self, now: datetime, current: set[Key] | None, limit: int, events_only: bool = False
    ) -> list[Claimed]:
        """Takes the pending messages that are due now — events always, reminders while
        they are still wanted (`current`) — and marks the others obsolete. Claimed rows
        belong to this sweep; `sending` marks each just before its HTTP call."""
        return self.claim_some(now, current, limit, events_only)[0]

    def claim_some(
        self, now: datetime, current: set[Key] | None, limit: int, events_only: bool = False
    ) -> tuple[list[Claimed], int]:
        """`claim`, and how many pending rows it looked at (claimed or made obsolete): fewer
        than `limit` means none is left, so a sweep can claim in short units of work."""
        stale = now - CLAIM_TIMEOUT  # a claim of a process that is gone (several processes)
        self.conn.execute(
            update(n)
            .where(n.c.status == "claimed", n.c.claimed_at < stale)
            .values(status="pending")
        )
        self.conn.execute(
            update(n)
            .where(n.c.status == "sending", n.c.claimed_at < stale)
            .values(status="unknown", last_error="the process stopped while sending")
        )
        query = select(
            n.c.id, n.c.kind, n.c.object_id, n.c.recipient_id, n.c.slot, n.c.attempts, n.c.params
        ).where(n.c.status == "pending", n.c.next_attempt_at <= now)
        if events_only:
            query = query.where(n.c.kind.in_([kind.value for kind in EVENT_KINDS]))
        # PostgreSQL: rows another process's sweep is claiming are left to it (SQLite has no
        # such clause and needs none: one process). SERIALIZABLE makes the claim atomic either
        # way: two sweeps claiming one row conflict, and the retried one finds it claimed.
        query = query.order_by(n.c.id).limit(limit).with_for_update(skip_locked=True)
        rows = self.conn.execute(query).all()
        claimed, obsolete = [], []
        for row in rows:
            key = (row.kind, row.object_id, row.recipient_id, row.slot)
            if row.kind in EVENT_KINDS or (current is not None and key in current):
                claimed.append(Claimed(row.id, key, row.attempts, row.params))
            elif current is not None:
                obsolete.append(row.id)
        if obsolete:
            self.conn.execute(update(n).where(n.c.id.in_(obsolete)).values(status="obsolete"))
        if claimed:
            self.conn.execute(
                update(n)
                .where(n.c.id.in_([c.id for c in claimed]))
                .values(status="claimed", claimed_at=now)
            )
        return claimed, len(rows)

    def sending(self, ids: list[int], now: datetime) -> None:
        self.conn.execute(update(n).where(n.c.id.in_(ids)).values(status="sending", claimed_at=now))

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
        return self.count("sent", kind)

    def count(self, status: str, kind: str | None = None) -> int:
        query = select(n.c.id).where(n.c.status == status)
        if kind:
            query = query.where(n.c.kind == kind)
        return len(self.conn.execute(query).all())

    def waiting(self) -> int:
        """Messages not yet settled (pending or being sent)."""
        return len(
            self.conn.execute(select(n.c.id).where(n.c.status.in_(("pending", "sending")))).all()
        )

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

    def settled(self, kind: str, object_id: int, slot: str, recipients: Iterable[int]) -> bool:
        """Whether every recipient's message of this identity is in the ledger and settled
        (sent, or given up: not pending, claimed or being sent) — nothing left to record or
        to claim (the unique index's kind and object, then the slot)."""
        rows = self.conn.execute(
            select(n.c.recipient_id, n.c.status).where(
                n.c.kind == kind, n.c.object_id == object_id, n.c.slot == slot
            )
        ).all()
        done = {row.recipient_id for row in rows if row.status not in OPEN_STATUSES}
        waiting = any(row.status in OPEN_STATUSES for row in rows)
        return not waiting and set(recipients) <= done

    def sent_at(self, kind: str) -> dict[tuple[int, int], datetime]:
        """(object, recipient) -> when a message of this kind reached him."""
        rows = self.conn.execute(
            select(n.c.object_id, n.c.recipient_id, n.c.sent_at).where(
                n.c.kind == kind, n.c.status == "sent", n.c.sent_at.is_not(None)
            )
        )
        return {(row.object_id, row.recipient_id): row.sent_at for row in rows}
