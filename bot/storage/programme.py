"""The audit programme's rows: recurring lines, the director's decisions, audit teams, each
audit's options, and the answers of anonymous audits (kept without the respondent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from bot.domain.audits import AnswerRecord
from bot.storage.db import inserted_id
from bot.storage.schema import (
    anonymous_answers,
    answers,
    audit_options,
    audit_team,
    audits,
    checklist_templates,
    departments,
    events,
    nonconformities,
    programme_decisions,
    programme_lines,
    users,
)

ANONYMOUS_USER = 0  # the user id an anonymous answer shows: nobody


@dataclass(frozen=True, slots=True)
class Options:
    revision: int = 0
    anonymous: bool = False
    line_id: int | None = None


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    year: int
    template_id: int
    template_title: str
    template_code: str
    department_id: int | None
    department_name: str | None
    frequency: str
    lead_auditor_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    year: int
    decision: str  # submitted | approved | returned
    comment: str | None
    actor_id: int
    actor_name: str
    at: datetime


class ProgrammeRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- options and the team ------------------------------------------------------------

    def options(self, audit_id: int) -> Options:
        row = self.conn.execute(
            select(audit_options).where(audit_options.c.audit_id == audit_id)
        ).first()
        if row is None:  # an audit planned before options existed
            return Options()
        return Options(row.revision, bool(row.anonymous), row.line_id)

    def options_of(self, audit_ids: list[int]) -> dict[int, Options]:
        rows = self.conn.execute(
            select(audit_options).where(audit_options.c.audit_id.in_(audit_ids))
        )
        return {r.audit_id: Options(r.revision, bool(r.anonymous), r.line_id) for r in rows}

    def set_options(
        self, audit_id: int, anonymous: bool = False, line_id: int | None = None
    ) -> None:
        self.conn.execute(
            insert(audit_options).values(
                audit_id=audit_id, revision=0, anonymous=anonymous, line_id=line_id
            )
        )

    def bump(self, audit_id: int, revision: int) -> bool:
        """Moves the audit to the next revision if it is still at `revision` (a button drawn
        for an older one is stale)."""
        if (
            self.conn.execute(
                select(audit_options.c.audit_id).where(audit_options.c.audit_id == audit_id)
            ).first()
            is None
        ):
            self.set_options(audit_id)
        result = self.conn.execute(
            update(audit_options)
            .where(audit_options.c.audit_id == audit_id, audit_options.c.revision == revision)
            .values(revision=revision + 1)
        )
        return result.rowcount == 1

    def team(self, audit_id: int) -> list[tuple[int, str]]:
        """The co-auditors: (user id, name), by name."""
        rows = self.conn.execute(
            select(users.c.id, users.c.full_name)
            .join(audit_team, audit_team.c.user_id == users.c.id)
            .where(audit_team.c.audit_id == audit_id)
            .order_by(users.c.full_name)
        )
        return [(r.id, r.full_name) for r in rows]

    def set_team(self, audit_id: int, user_ids: list[int]) -> None:
        self.conn.execute(delete(audit_team).where(audit_team.c.audit_id == audit_id))
        if user_ids:
            self.conn.execute(
                insert(audit_team), [{"audit_id": audit_id, "user_id": u} for u in user_ids]
            )

    def on_team(self, user_id: int) -> list[int]:
        """The audits this person is a co-auditor of."""
        rows = self.conn.execute(
            select(audit_team.c.audit_id).where(audit_team.c.user_id == user_id)
        )
        return [r.audit_id for r in rows]

    # -- recurring lines -----------------------------------------------------------------

    def add_line(self, **values: Any) -> int:
        return inserted_id(self.conn.execute(insert(programme_lines).values(**values)))

    def lines(self, year: int) -> list[Line]:
        query = (
            select(
                programme_lines.c.id,
                programme_lines.c.year,
                programme_lines.c.template_id,
                checklist_templates.c.title.label("template_title"),
                checklist_templates.c.code.label("template_code"),
                programme_lines.c.department_id,
                departments.c.name.label("department_name"),
                programme_lines.c.frequency,
                programme_lines.c.lead_auditor_id,
                programme_lines.c.created_at,
            )
            .join(checklist_templates, checklist_templates.c.id == programme_lines.c.template_id)
            .outerjoin(departments, departments.c.id == programme_lines.c.department_id)
            .where(programme_lines.c.year == year)
            .order_by(programme_lines.c.id)
        )
        return [Line(**row._mapping) for row in self.conn.execute(query)]

    def same_line(self, year: int, template_code: str, department_id: int | None) -> bool:
        """Whether the year already has a line of this checklist for this department."""
        return any(
            line.template_code == template_code and line.department_id == department_id
            for line in self.lines(year)
        )

    # -- the director's decisions ----------------------------------------------------------

    def add_decision(self, **values: Any) -> None:
        self.conn.execute(insert(programme_decisions).values(**values))

    def decisions(self, year: int) -> list[Decision]:
        """Newest first."""
        query = (
            select(
                programme_decisions.c.year,
                programme_decisions.c.decision,
                programme_decisions.c.comment,
                programme_decisions.c.actor_id,
                users.c.full_name.label("actor_name"),
                programme_decisions.c.at,
            )
            .join(users, users.c.id == programme_decisions.c.actor_id)
            .where(programme_decisions.c.year == year)
            .order_by(programme_decisions.c.id.desc())
        )
        return [Decision(**row._mapping) for row in self.conn.execute(query)]

    def approval_event(self, year: int) -> int:
        """The id of the event of the year's latest approval (0: never approved)."""
        query = select(func.max(events.c.id)).where(
            events.c.entity == "programme",
            events.c.entity_id == year,
            events.c.action == "approved",
        )
        return int(self.conn.execute(query).scalar() or 0)

    def changes_since(self, year: int, audit_ids: list[int], after_event: int = 0) -> int:
        """Changes to the year's programme logged after the event `after_event`: audits
        planned, edited or cancelled, lines added (by event order: the clock may stand)."""
        query = select(func.count()).where(
            events.c.id > after_event,
            or_(
                (events.c.entity == "programme")
                & (events.c.entity_id == year)
                & (events.c.action == "line_added"),
                (events.c.entity == "audit")
                & events.c.entity_id.in_(audit_ids)
                & events.c.action.in_(["planned", "edited", "cancelled"]),
            ),
        )
        return int(self.conn.execute(query).scalar() or 0)

    # -- anonymous answers -------------------------------------------------------------------

    def anonymise(self, audit_id: int, user_id: int) -> int:
        """Moves a respondent's answers to the anonymous table (no user id) and deletes them
        from his own; returns how many moved."""
        rows = self.conn.execute(
            select(answers.c.question_id, answers.c.value, answers.c.comment, answers.c.evidence)
            .where(answers.c.audit_id == audit_id, answers.c.user_id == user_id)
            .order_by(answers.c.question_id)
        ).all()
        if rows:
            self.conn.execute(
                insert(anonymous_answers),
                [
                    {
                        "audit_id": audit_id,
                        "question_id": r.question_id,
                        "value": r.value,
                        "comment": r.comment,
                        "evidence": list(r.evidence or []),
                    }
                    for r in rows
                ],
            )
        self.conn.execute(
            delete(answers).where(answers.c.audit_id == audit_id, answers.c.user_id == user_id)
        )
        return len(rows)

    def anonymous_answers(self, audit_id: int) -> list[AnswerRecord]:
        rows = self.conn.execute(
            select(anonymous_answers)
            .where(anonymous_answers.c.audit_id == audit_id)
            .order_by(anonymous_answers.c.id)
        )
        return [
            AnswerRecord(
                id=r.id,
                user_id=ANONYMOUS_USER,
                question_id=r.question_id,
                value=r.value,
                comment=r.comment,
                evidence=list(r.evidence or []),
            )
            for r in rows
        ]

    def open_major(self, department_id: int | None) -> int:
        """Open major nonconformities of the department (of the school: all of them)."""
        query = select(func.count()).where(
            nonconformities.c.severity == "major",
            nonconformities.c.status.not_in(["closed", "rejected"]),
        )
        if department_id is not None:
            query = query.where(nonconformities.c.department_id == department_id)
        return int(self.conn.execute(query).scalar() or 0)

    def year_audit_ids(self, first: Any, last: Any) -> list[int]:
        rows = self.conn.execute(
            select(audits.c.id).where(audits.c.start_date.between(first, last))
        )
        return [r.id for r in rows]
