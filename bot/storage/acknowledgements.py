"""Who was told of an audit's results, and who acknowledged them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bot.domain.acknowledgements import Ack, AckRole
from bot.storage.schema import audit_acks, audits, users

a = audit_acks


class AckRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, audit_id: int, people: list[tuple[int, AckRole]], now: datetime) -> int:
        """Records who is told; one already recorded is kept as he was. Returns the new."""
        known = {ack.user_id for ack in self.of_audit(audit_id)}
        rows = [
            {"audit_id": audit_id, "user_id": user_id, "role": role.value, "told_at": now}
            for user_id, role in people
            if user_id not in known
        ]
        if rows:
            self.conn.execute(insert(a), rows)
        return len(rows)

    def of_audit(self, audit_id: int) -> list[Ack]:
        query = (
            select(a, users.c.full_name)
            .join(users, users.c.id == a.c.user_id)
            .where(a.c.audit_id == audit_id)
        )
        order = list(AckRole)
        found = [_ack(row) for row in self.conn.execute(query)]
        return sorted(found, key=lambda ack: (order.index(ack.role), ack.full_name))

    def acknowledge(self, audit_id: int, user_id: int, now: datetime) -> bool:
        """True when this call recorded it (False: already acknowledged, or not told)."""
        done = self.conn.execute(
            update(a)
            .where(a.c.audit_id == audit_id, a.c.user_id == user_id, a.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now)
        )
        return done.rowcount == 1

    def waiting(self, told_before: datetime | None = None) -> list[tuple[Ack, str, str]]:
        """Every acknowledgement still awaited (of people told before `told_before`: the
        index on acknowledged_at, told_at), with its audit's number and title."""
        query = (
            select(a, users.c.full_name, audits.c.number, audits.c.title)
            .join(users, users.c.id == a.c.user_id)
            .join(audits, audits.c.id == a.c.audit_id)
            .where(a.c.acknowledged_at.is_(None))
            .order_by(a.c.audit_id, a.c.user_id)
        )
        if told_before is not None:
            query = query.where(a.c.told_at < told_before)
        return [(_ack(row), row.number, row.title) for row in self.conn.execute(query)]


def _ack(row: object) -> Ack:
    data = row._mapping  # type: ignore[attr-defined]
    return Ack(
        audit_id=data["audit_id"],
        user_id=data["user_id"],
        full_name=data["full_name"],
        role=AckRole(data["role"]),
        told_at=data["told_at"],
        acknowledged_at=data["acknowledged_at"],
    )
