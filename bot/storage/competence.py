"""Competence requirements and each person's records."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from bot.domain.competence import Record, RecordStatus, Requirement
from bot.domain.roles import format_roles, parse_roles
from bot.storage.db import inserted_id
from bot.storage.schema import competence_records, competence_requirements

req_t, rec_t = competence_requirements, competence_records


def _requirement(row: Row[Any]) -> Requirement:
    return Requirement(
        id=row.id,
        code=row.code,
        name=row.name,
        roles=parse_roles(row.roles),
        months=row.months,
        course=row.course,
        active=row.active,
    )


def _record(row: Row[Any]) -> Record:
    return Record(
        id=row.id,
        user_id=row.user_id,
        requirement_id=row.requirement_id,
        completed_on=row.completed_on,
        hours=row.hours,
        evidence=list(row.evidence or []),
        status=RecordStatus(row.status),
        created_at=row.created_at,
        reviewer_id=row.reviewer_id,
        reason=row.reason,
    )


class CompetenceRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def requirements(self, active_only: bool = True) -> list[Requirement]:
        query = select(req_t).order_by(req_t.c.id)
        if active_only:
            query = query.where(req_t.c.active.is_(True))
        return [_requirement(row) for row in self.conn.execute(query)]

    def requirement(self, requirement_id: int) -> Requirement | None:
        row = self.conn.execute(select(req_t).where(req_t.c.id == requirement_id)).first()
        return _requirement(row) if row else None

    def by_code(self, code: str) -> Requirement | None:
        row = self.conn.execute(select(req_t).where(req_t.c.code == code)).first()
        return _requirement(row) if row else None

    def add_requirement(self, requirement: Requirement, now: datetime) -> int:
        result = self.conn.execute(
            insert(req_t).values(
                code=requirement.code,
                name=requirement.name,
                roles=format_roles(requirement.roles),
                months=requirement.months,
                course=requirement.course,
                active=requirement.active,
                created_at=now,
            )
        )
        return inserted_id(result)

    def save_requirement(self, requirement: Requirement) -> None:
        self.conn.execute(
            update(req_t)
            .where(req_t.c.id == requirement.id)
            .values(
                name=requirement.name,
                roles=format_roles(requirement.roles),
                months=requirement.months,
                course=requirement.course,
                active=requirement.active,
            )
        )

    def add_record(
        self,
        user_id: int,
        requirement_id: int,
        completed_on: date,
        hours: int | None,
        evidence: builtins.list[dict[str, Any]],
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(rec_t).values(
                user_id=user_id,
                requirement_id=requirement_id,
                completed_on=completed_on,
                hours=hours,
                evidence=evidence,
                status=RecordStatus.PENDING.value,
                created_at=now,
            )
        )
        return inserted_id(result)

    def record(self, record_id: int) -> Record | None:
        row = self.conn.execute(select(rec_t).where(rec_t.c.id == record_id)).first()
        return _record(row) if row else None

    def review(
        self,
        record_id: int,
        status: RecordStatus,
        reviewer_id: int,
        now: datetime,
        reason: str | None = None,
    ) -> bool:
        """Settles a pending record; False when it was settled meanwhile (a double tap)."""
        result = self.conn.execute(
            update(rec_t)
            .where(rec_t.c.id == record_id, rec_t.c.status == RecordStatus.PENDING.value)
            .values(status=status.value, reviewer_id=reviewer_id, reviewed_at=now, reason=reason)
        )
        return result.rowcount == 1

    def records(self, statuses: tuple[RecordStatus, ...] | None = None) -> builtins.list[Record]:
        query = select(rec_t).order_by(rec_t.c.id)
        if statuses is not None:
            query = query.where(rec_t.c.status.in_([s.value for s in statuses]))
        return [_record(row) for row in self.conn.execute(query)]

    def latest_confirmed_by(self, cutoffs: dict[int, date]) -> builtins.list[Record]:
        """Per requirement, the confirmed records completed by its cutoff that no later
        confirmed record of the same person and requirement replaced (the index on
        requirement, status, completion; the newer one looked up by person)."""
        if not cutoffs:
            return []
        confirmed = RecordStatus.CONFIRMED.value
        newer = rec_t.alias("newer")
        replaced = (
            select(newer.c.id)
            .where(
                newer.c.user_id == rec_t.c.user_id,
                newer.c.requirement_id == rec_t.c.requirement_id,
                newer.c.status == confirmed,
                or_(
                    newer.c.completed_on > rec_t.c.completed_on,
                    and_(newer.c.completed_on == rec_t.c.completed_on, newer.c.id > rec_t.c.id),
                ),
            )
            .exists()
        )
        window = or_(
            *(
                and_(
                    rec_t.c.requirement_id == requirement_id,
                    rec_t.c.status == confirmed,
                    rec_t.c.completed_on <= cutoff,
                )
                for requirement_id, cutoff in sorted(cutoffs.items())
            )
        )
        query = select(rec_t).where(window, ~replaced).order_by(rec_t.c.id)
        return [_record(row) for row in self.conn.execute(query)]

    def of_user(self, user_id: int) -> builtins.list[Record]:
        query = select(rec_t).where(rec_t.c.user_id == user_id).order_by(rec_t.c.id)
        return [_record(row) for row in self.conn.execute(query)]

    def has_confirmed(self, requirement_id: int) -> bool:
        query = select(rec_t.c.id).where(
            rec_t.c.requirement_id == requirement_id,
            rec_t.c.status == RecordStatus.CONFIRMED.value,
        )
        return self.conn.execute(query.limit(1)).first() is not None
