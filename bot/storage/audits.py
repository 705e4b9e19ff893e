"""Audits and their respondents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, func, insert, select, update

from bot.domain.audits import Audit, AuditStatus, Respondent, audit_number
from bot.storage.db import inserted_id
from bot.storage.schema import (
    answers,
    audit_respondents,
    audits,
    checklist_templates,
    departments,
    users,
)

_lead = users.alias("lead")


def _select() -> Select[*tuple[Any, ...]]:
    return (
        select(
            audits.c.id,
            audits.c.number,
            audits.c.title,
            audits.c.department_id,
            departments.c.name.label("department_name"),
            audits.c.template_id,
            checklist_templates.c.title.label("template_title"),
            audits.c.objectives,
            audits.c.scope,
            audits.c.criteria,
            audits.c.lead_auditor_id,
            _lead.c.full_name.label("lead_auditor_name"),
            audits.c.start_date,
            audits.c.deadline,
            audits.c.status,
            audits.c.conclusion,
            audits.c.results,
            audits.c.created_by,
            audits.c.opened_at,
            audits.c.closed_at,
        )
        .outerjoin(departments, departments.c.id == audits.c.department_id)
        .join(checklist_templates, checklist_templates.c.id == audits.c.template_id)
        .join(_lead, _lead.c.id == audits.c.lead_auditor_id)
    )


def _audit(row: Any) -> Audit:
    data = dict(row._mapping)
    data["status"] = AuditStatus(data["status"])
    data["objectives"] = list(data["objectives"])
    return Audit(**data)


# Asked on every answer, so built once (SQLAlchemy reuses its cache key).
_STANDING = (
    select(audits.c.status, audit_respondents.c.submitted_at)
    .join(audit_respondents, audit_respondents.c.audit_id == audits.c.id)
    .where(
        audits.c.id == bindparam("audit_id"), audit_respondents.c.user_id == bindparam("user_id")
    )
)


class AuditRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        *,
        title: str,
        department_id: int | None,
        template_id: int,
        objectives: list[str],
        scope: str,
        criteria: str,
        lead_auditor_id: int,
        start_date: date,
        deadline: date,
        respondent_ids: list[int],
        created_by: int,
        now: datetime,
    ) -> int:
        """Numbers run per year without gaps: the caller's transaction holds the write
        lock, so two managers planning at once cannot take the same number."""
        year = start_date.year
        last = self.conn.execute(select(func.max(audits.c.seq)).where(audits.c.year == year))
        seq = int(last.scalar() or 0) + 1
        result = self.conn.execute(
            insert(audits).values(
                number=audit_number(year, seq),
                year=year,
                seq=seq,
                title=title,
                department_id=department_id,
                template_id=template_id,
                objectives=objectives,
                scope=scope,
                criteria=criteria,
                lead_auditor_id=lead_auditor_id,
                start_date=start_date,
                deadline=deadline,
                status=AuditStatus.PLANNED.value,
                created_by=created_by,
                created_at=now,
            )
        )
        audit_id = inserted_id(result)
        self.conn.execute(
            insert(audit_respondents),
            [{"audit_id": audit_id, "user_id": user_id} for user_id in respondent_ids],
        )
        return audit_id

    def get(self, audit_id: int) -> Audit | None:
        row = (self.conn.execute(_select().where(audits.c.id == audit_id))).first()
        return _audit(row) if row else None

    def starting_between(self, first: date, last: date) -> list[Audit]:
        """Audits starting from `first` to `last` inclusive, by start date."""
        query = _select().where(audits.c.start_date.between(first, last))
        return [
            _audit(row)
            for row in self.conn.execute(
                query.order_by(audits.c.start_date, audits.c.year, audits.c.seq)
            )
        ]

    def in_years(self) -> list[Audit]:
        """Every audit, oldest first (for the export)."""
        query = _select().order_by(audits.c.year, audits.c.seq)
        return [_audit(row) for row in self.conn.execute(query)]

    def due_to_open(self, today: date) -> list[Audit]:
        query = _select().where(
            audits.c.status == AuditStatus.PLANNED.value, audits.c.start_date <= today
        )
        return [_audit(row) for row in self.conn.execute(query.order_by(audits.c.id))]

    def led_by(self, user_id: int, statuses: tuple[AuditStatus, ...]) -> list[Audit]:
        query = _select().where(
            audits.c.lead_auditor_id == user_id,
            audits.c.status.in_([s.value for s in statuses]),
        )
        return [_audit(row) for row in self.conn.execute(query.order_by(audits.c.id))]

    def with_status(self, statuses: tuple[AuditStatus, ...]) -> list[Audit]:
        query = _select().where(audits.c.status.in_([s.value for s in statuses]))
        return [_audit(row) for row in self.conn.execute(query.order_by(audits.c.id))]

    def set_status(self, audit_id: int, status: AuditStatus, **values: Any) -> bool:
        """Moves only from a different status, so a repeated request does nothing."""
        result = self.conn.execute(
            update(audits)
            .where(audits.c.id == audit_id, audits.c.status != status.value)
            .values(status=status.value, **values)
        )
        return result.rowcount == 1

    def respondents(self, audit_id: int, user_id: int | None = None) -> list[Respondent]:
        answered = (
            select(func.count())
            .where(
                answers.c.audit_id == audit_id,
                answers.c.user_id == audit_respondents.c.user_id,
                answers.c.value.is_not(None),
            )
            .scalar_subquery()
        )
        query = (
            select(
                users.c.id.label("user_id"),
                users.c.tg_id,
                users.c.full_name,
                users.c.language,
                answered.label("answered"),
                audit_respondents.c.submitted_at,
            )
            .join(users, users.c.id == audit_respondents.c.user_id)
            .where(audit_respondents.c.audit_id == audit_id)
            .order_by(users.c.full_name)
        )
        if user_id is not None:
            query = query.where(audit_respondents.c.user_id == user_id)
        return [Respondent(**row._mapping) for row in self.conn.execute(query)]

    def respondent(self, audit_id: int, user_id: int) -> Respondent | None:
        found = self.respondents(audit_id, user_id)
        return found[0] if found else None

    def open_for(self, user_id: int) -> list[tuple[Audit, Respondent]]:
        """Open audits where the user is a respondent who has not submitted yet."""
        query = (
            _select()
            .join(
                audit_respondents,
                and_(
                    audit_respondents.c.audit_id == audits.c.id,
                    audit_respondents.c.user_id == user_id,
                ),
            )
            .where(
                audits.c.status == AuditStatus.OPEN.value,
                audit_respondents.c.submitted_at.is_(None),
            )
            .order_by(audits.c.deadline, audits.c.id)
        )
        found = []
        for row in self.conn.execute(query):
            audit = _audit(row)
            person = self.respondent(audit.id, user_id)
            assert person is not None
            found.append((audit, person))
        return found

    def standing(self, audit_id: int, user_id: int) -> tuple[AuditStatus, datetime | None] | None:
        """The audit's status and when this respondent submitted; None if he is not one."""
        row = self.conn.execute(_STANDING, {"audit_id": audit_id, "user_id": user_id}).first()
        return (AuditStatus(row.status), row.submitted_at) if row else None

    def mark_submitted(self, audit_id: int, user_id: int, now: datetime) -> bool:
        result = self.conn.execute(
            update(audit_respondents)
            .where(
                audit_respondents.c.audit_id == audit_id,
                audit_respondents.c.user_id == user_id,
                audit_respondents.c.submitted_at.is_(None),
            )
            .values(submitted_at=now)
        )
        return result.rowcount == 1

    def change(self, audit_id: int, **values: Any) -> bool:
        """Changes a planned audit's fields (an open or closed one is not changed)."""
        result = self.conn.execute(
            update(audits)
            .where(audits.c.id == audit_id, audits.c.status == AuditStatus.PLANNED.value)
            .values(**values)
        )
        return result.rowcount == 1

    def set_respondents(self, audit_id: int, user_ids: list[int]) -> None:
        """A planned audit's respondents become `user_ids` (nobody has answered yet)."""
        self.conn.execute(delete(audit_respondents).where(audit_respondents.c.audit_id == audit_id))
        if user_ids:
            self.conn.execute(
                insert(audit_respondents),
                [{"audit_id": audit_id, "user_id": user_id} for user_id in user_ids],
            )
