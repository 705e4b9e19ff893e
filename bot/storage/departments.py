"""Departments."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update

from bot.domain.models import Department
from bot.storage.changes import changed
from bot.storage.db import inserted_id
from bot.storage.schema import departments, users


def _query() -> Select[*tuple[Any, ...]]:
    staff = (
        select(func.count())
        .where(users.c.department_id == departments.c.id, users.c.is_active.is_(True))
        .scalar_subquery()
    )
    head = users.alias("head")
    return select(
        departments.c.id,
        departments.c.name,
        departments.c.head_user_id,
        head.c.full_name.label("head_name"),
        staff.label("staff_count"),
    ).outerjoin(head, head.c.id == departments.c.head_user_id)


class DepartmentRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list(self) -> list[Department]:
        rows = self.conn.execute(_query().order_by(departments.c.name))
        return [Department(**row._mapping) for row in rows]

    def get(self, department_id: int) -> Department | None:
        row = (self.conn.execute(_query().where(departments.c.id == department_id))).first()
        return Department(**row._mapping) if row else None

    def name_taken(self, name: str, except_id: int | None = None) -> bool:
        query = select(departments.c.id, departments.c.name)
        for row in self.conn.execute(query):
            # casefold in Python: SQLite's lower() only folds ASCII, and names are Cyrillic
            if row.name.casefold() == name.casefold() and row.id != except_id:
                return True
        return False

    def add(self, name: str, now: datetime) -> int:
        result = self.conn.execute(insert(departments).values(name=name, created_at=now))
        return inserted_id(result)

    def rename(self, department_id: int, name: str) -> None:
        self.conn.execute(
            update(departments).where(departments.c.id == department_id).values(name=name)
        )
        changed(self.conn)  # a person carries his department's name

    def set_head(self, department_id: int, user_id: int | None) -> None:
        self.conn.execute(
            update(departments)
            .where(departments.c.id == department_id)
            .values(head_user_id=user_id)
        )
        changed(self.conn)

    # builtins.list: in this class, `list` is the method above
    def headed_by(self, user_id: int) -> builtins.list[int]:
        rows = self.conn.execute(
            select(departments.c.id).where(departments.c.head_user_id == user_id)
        )
        return [row.id for row in rows]
