"""Invites. The token itself is never stored, only its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from bot.domain.models import Invite
from bot.domain.roles import Role, format_roles, parse_roles
from bot.storage.db import inserted_id
from bot.storage.schema import departments, invites

_COLUMNS = (
    invites.c.id,
    invites.c.roles,
    invites.c.department_id,
    invites.c.expires_at,
    invites.c.uses_left,
    invites.c.created_by,
    invites.c.revoked_at,
    invites.c.created_at,
    departments.c.name.label("department_name"),
)


def _invite(row: Row[*tuple[Any, ...]]) -> Invite:
    data = dict(row._mapping)
    data["roles"] = parse_roles(data["roles"])
    return Invite(**data)


class InviteRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _select(self) -> Select[*tuple[Any, ...]]:
        return select(*_COLUMNS).outerjoin(departments, departments.c.id == invites.c.department_id)

    def add(
        self,
        token_hash: str,
        roles: frozenset[Role],
        department_id: int | None,
        expires_at: datetime,
        uses: int,
        created_by: int,
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(invites).values(
                token_hash=token_hash,
                roles=format_roles(roles),
                department_id=department_id,
                expires_at=expires_at,
                uses_left=uses,
                created_by=created_by,
                created_at=now,
            )
        )
        return inserted_id(result)

    def by_hash(self, token_hash: str) -> Invite | None:
        row = (self.conn.execute(self._select().where(invites.c.token_hash == token_hash))).first()
        return _invite(row) if row else None

    def get(self, invite_id: int) -> Invite | None:
        row = (self.conn.execute(self._select().where(invites.c.id == invite_id))).first()
        return _invite(row) if row else None

    def usable(self, now: datetime) -> list[Invite]:
        query = (
            self._select()
            .where(
                invites.c.revoked_at.is_(None),
                invites.c.uses_left > 0,
                invites.c.expires_at > now,
            )
            .order_by(invites.c.created_at.desc())
        )
        return [_invite(row) for row in self.conn.execute(query)]

    def take_one_use(self, invite_id: int) -> bool:
        """Atomically spend one use; False when none was left."""
        result = self.conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.uses_left > 0)
            .values(uses_left=invites.c.uses_left - 1)
        )
        return result.rowcount == 1

    def revoke(self, invite_id: int, now: datetime) -> bool:
        result = self.conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1
