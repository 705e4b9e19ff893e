"""Users and their roles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, update

from bot.domain.models import User
from bot.domain.roles import Role
from bot.storage.changes import changed
from bot.storage.db import inserted_id
from bot.storage.schema import departments, user_roles, users

_COLUMNS = (
    users.c.id,
    users.c.tg_id,
    users.c.full_name,
    users.c.username,
    users.c.language,
    users.c.department_id,
    users.c.is_active,
    users.c.bot_blocked,
    users.c.commands_hash,
    departments.c.name.label("department_name"),
)


class UserRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _load(self, where: ColumnElement[bool], *, order: bool = False) -> list[User]:
        query = select(*_COLUMNS).outerjoin(departments, departments.c.id == users.c.department_id)
        query = query.where(where)
        if order:
            query = query.order_by(users.c.is_active.desc(), users.c.full_name, users.c.id)
        rows = (self.conn.execute(query)).all()
        ids = [row.id for row in rows]
        roles: dict[int, set[Role]] = defaultdict(set)
        if ids:
            for row in self.conn.execute(select(user_roles).where(user_roles.c.user_id.in_(ids))):
                roles[row.user_id].add(Role(row.role))
        return [User(**row._mapping, roles=frozenset(roles[row.id])) for row in rows]

    def by_tg_id(self, tg_id: int) -> User | None:
        found = self._load(users.c.tg_id == tg_id)
        return found[0] if found else None

    def get(self, user_id: int) -> User | None:
        found = self._load(users.c.id == user_id)
        return found[0] if found else None

    def page(self, offset: int, limit: int) -> tuple[list[User], int]:
        total = (self.conn.execute(select(func.count()).select_from(users))).scalar_one()
        query = (
            select(users.c.id)
            .order_by(users.c.is_active.desc(), users.c.full_name, users.c.id)
            .offset(offset)
            .limit(limit)
        )
        ids = [row.id for row in self.conn.execute(query)]
        return self._load(users.c.id.in_(ids), order=True), int(total)

    def with_menus(self) -> list[User]:
        """People whose command menu the bot keeps: the active, and the deactivated whose
        menu is still to be removed."""
        return self._load(users.c.is_active.is_(True) | users.c.commands_hash.is_not(None))

    def active(self, department_id: int | None = None) -> list[User]:
        where: ColumnElement[bool] = users.c.is_active.is_(True)
        if department_id is not None:
            where = where & (users.c.department_id == department_id)
        return self._load(where, order=True)

    def audience_marks(self) -> tuple[list[tuple[int, int | None, bool]], list[tuple[int, str]]]:
        """Who is active, in which department, with which roles, as plain rows (no User
        built): what decides whom a document concerns, compared between sweeps."""
        people = select(users.c.id, users.c.department_id, users.c.is_active).order_by(users.c.id)
        roles = select(user_roles.c.user_id, user_roles.c.role).order_by(
            user_roles.c.user_id, user_roles.c.role
        )
        return (
            [(row[0], row[1], bool(row[2])) for row in self.conn.execute(people)],
            [(row[0], row[1]) for row in self.conn.execute(roles)],
        )

    def reachable(self, ids: Iterable[int]) -> dict[int, User]:
        """The active people among `ids` the bot can write to, by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        where = users.c.id.in_(wanted) & users.c.is_active.is_(True)
        return {u.id: u for u in self._load(where & users.c.bot_blocked.is_(False))}

    def reachable_with(self, *roles: Role) -> list[User]:
        """The active people with any of the roles the bot can write to (the index on
        roles: no scan of all users)."""
        having = select(user_roles.c.user_id).where(user_roles.c.role.in_([r.value for r in roles]))
        where = users.c.id.in_(having) & users.c.is_active.is_(True)
        return self._load(where & users.c.bot_blocked.is_(False), order=True)

    def add(
        self,
        tg_id: int,
        full_name: str,
        username: str | None,
        language: str | None,
        department_id: int | None,
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(users).values(
                tg_id=tg_id,
                full_name=full_name,
                username=username,
                language=language,
                department_id=department_id,
                is_active=True,
                bot_blocked=False,
                created_at=now,
            )
        )
        changed(self.conn)
        return inserted_id(result)

    def set_roles(self, user_id: int, roles: Iterable[Role]) -> None:
        self.conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
        values = [{"user_id": user_id, "role": role.value} for role in set(roles)]
        if values:
            self.conn.execute(insert(user_roles), values)
        changed(self.conn)

    def update(self, user_id: int, **values: object) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(**values))
        changed(self.conn)
