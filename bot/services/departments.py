"""Departments: add, rename, appoint a head."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.models import Department, User
from bot.domain.roles import Role, format_roles
from bot.services.errors import Refused
from bot.services.invalidation import then_call
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.users import UserRepo

NAME_MAX = 100
DEPARTMENT = "department"


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Refused("departments.name_empty")
    if len(name) > NAME_MAX:
        raise Refused("departments.name_long", limit=NAME_MAX)
    return name


class DepartmentService:
    def __init__(
        self, db: Database, clock: Clock, people_changed: Callable[[], None] = lambda: None
    ) -> None:
        self.db = db
        self.clock = clock
        self.people_changed = people_changed  # a head's roles and a department's name change

    async def list(self) -> list[Department]:
        def work(conn: Connection) -> list[Department]:
            return DepartmentRepo(conn).list()

        return await self.db.run(work)

    async def get(self, department_id: int) -> Department:
        def work(conn: Connection) -> Department | None:
            return DepartmentRepo(conn).get(department_id)

        found = await self.db.run(work)
        if found is None:
            raise Refused("departments.not_found")
        return found

    async def add(self, actor: User, raw_name: str) -> Department:
        name = clean_name(raw_name)

        def work(conn: Connection) -> Department | None:
            repo = DepartmentRepo(conn)
            if repo.name_taken(name):
                raise Refused("departments.name_taken", name=name)
            department_id = repo.add(name, self.clock.now())
            EventLog(conn).add(
                self.clock.now(), actor.id, DEPARTMENT, department_id, "created", name=name
            )
            return repo.get(department_id)

        found = await self.db.run(work)
        assert found is not None
        return found

    @then_call("people_changed")
    async def rename(self, actor: User, department_id: int, raw_name: str) -> Department:
        name = clean_name(raw_name)

        def work(conn: Connection) -> Department | None:
            repo = DepartmentRepo(conn)
            current = repo.get(department_id)
            if current is None:
                raise Refused("departments.not_found")
            if repo.name_taken(name, except_id=department_id):
                raise Refused("departments.name_taken", name=name)
            repo.rename(department_id, name)
            EventLog(conn).add(
                self.clock.now(),
                actor.id,
                DEPARTMENT,
                department_id,
                "renamed",
                before=current.name,
                after=name,
            )
            return repo.get(department_id)

        found = await self.db.run(work)
        assert found is not None
        return found

    @then_call("people_changed")
    async def set_head(self, actor: User, department_id: int, user_id: int | None) -> Department:
        """The head gets the `head` role and joins the department; a person heads one
        department at most, so a previous headship of his is cleared."""
        now = self.clock.now()

        def work(conn: Connection) -> Department | None:
            repo, users, log = DepartmentRepo(conn), UserRepo(conn), EventLog(conn)
            current = repo.get(department_id)
            if current is None:
                raise Refused("departments.not_found")
            if user_id is not None:
                head = users.get(user_id)
                if head is None or not head.is_active:
                    raise Refused("users.not_found")
                for other in repo.headed_by(user_id):
                    if other != department_id:
                        repo.set_head(other, None)
                        log.add(now, actor.id, DEPARTMENT, other, "head_changed", after=None)
                if Role.HEAD not in head.roles:
                    roles = head.roles | {Role.HEAD}
                    users.set_roles(head.id, roles)
                    log.add(
                        now,
                        actor.id,
                        "user",
                        head.id,
                        "roles_changed",
                        before=format_roles(head.roles),
                        after=format_roles(roles),
                    )
                if head.department_id != department_id:
                    users.update(head.id, department_id=department_id)
                    log.add(
                        now,
                        actor.id,
                        "user",
                        head.id,
                        "department_changed",
                        before=head.department_id,
                        after=department_id,
                    )
            repo.set_head(department_id, user_id)
            log.add(
                now,
                actor.id,
                DEPARTMENT,
                department_id,
                "head_changed",
                before=current.head_user_id,
                after=user_id,
            )
            return repo.get(department_id)

        found = await self.db.run(work)
        assert found is not None
        return found
