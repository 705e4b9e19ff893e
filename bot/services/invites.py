"""Invite links: made by the manager, spent by a colleague on /start."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.invites import USES_CHOICES, hash_token, new_token
from bot.domain.models import Invite, User
from bot.domain.roles import Role, format_roles
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.invites import InviteRepo

INVITE = "invite"


class InviteService:
    def __init__(self, db: Database, clock: Clock, ttl_days: int) -> None:
        self.db = db
        self.clock = clock
        self.ttl = timedelta(days=ttl_days)

    async def create(
        self, actor: User, roles: frozenset[Role], department_id: int | None, uses: int
    ) -> tuple[str, Invite]:
        if not roles:
            raise Refused("invite.no_roles")
        if uses not in USES_CHOICES:
            raise Refused("invite.bad_uses")
        now = self.clock.now()
        token = new_token()

        def work(conn: Connection) -> Invite | None:
            if department_id is not None and DepartmentRepo(conn).get(department_id) is None:
                raise Refused("departments.not_found")
            repo = InviteRepo(conn)
            invite_id = repo.add(
                hash_token(token), roles, department_id, now + self.ttl, uses, actor.id, now
            )
            EventLog(conn).add(
                now,
                actor.id,
                INVITE,
                invite_id,
                "created",
                roles=format_roles(roles),
                department_id=department_id,
                uses=uses,
            )
            return repo.get(invite_id)

        invite = await self.db.run(work)
        assert invite is not None
        return token, invite

    async def usable(self) -> list[Invite]:
        def work(conn: Connection) -> list[Invite]:
            return InviteRepo(conn).usable(self.clock.now())

        return await self.db.run(work)

    async def revoke(self, actor: User, invite_id: int) -> None:
        now = self.clock.now()

        def work(conn: Connection) -> None:
            if not InviteRepo(conn).revoke(invite_id, now):
                raise Refused("invite.not_found")
            EventLog(conn).add(now, actor.id, INVITE, invite_id, "revoked")

        await self.db.run(work)
