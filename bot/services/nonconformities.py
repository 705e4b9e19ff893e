"""Nonconformities: reporting, raising from audits, and the corrective-action workflow.

Every change runs in one unit of work that re-reads the NC, checks the workflow table
(domain.nonconformities.TRANSITIONS) for this person, writes, and logs an event with
the status before and after. Refusals name what was refused; nothing is ever deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.audits import AnswerRecord, AuditStatus
from bot.domain.checklists import Question, is_nonconforming
from bot.domain.dates import local_today
from bot.domain.models import Event, User
from bot.domain.nonconformities import (
    MAX_WHYS,
    NcAction,
    NcFilter,
    NcStatus,
    Nonconformity,
    Severity,
    Source,
    Viewer,
    may_act,
    may_see,
)
from bot.domain.roles import Role
from bot.services.errors import Refused
from bot.services.templates import TemplateService
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.users import UserRepo

NC = "nc"
TEXT_MAX = 2000
REF_MAX = 200
CLAUSE = re.compile(r"^(?:[4-9]|10)(?:\.\d{1,2}){0,3}$")


def viewer_of(user: User) -> Viewer:
    return Viewer(user_id=user.id, roles=user.roles, department_id=user.department_id)


def clean(raw: str, key: str, limit: int = TEXT_MAX) -> str:
    text = raw.strip()
    if not text:
        raise Refused(f"nc.{key}_empty")
    if len(text) > limit:
        raise Refused("nc.too_long", limit=limit)
    return text


@dataclass(slots=True)
class ReportDraft:
    department_id: int | None
    description: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    suggested_severity: Severity | None = None
    source: Source = Source.REPORT
    external_ref: str | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """An answer that hit its question's nonconformity trigger, not yet raised or dismissed."""

    answer: AnswerRecord
    index: int
    question: Question
    respondent: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    event: Event
    actor_name: str | None


class NcService:
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, templates: TemplateService):
        self.db = db
        self.clock = clock
        self.tz = tz
        self.templates = templates

    def today(self) -> date:
        return local_today(self.clock.now(), self.tz)

    # -- raising -------------------------------------------------------------------------

    async def report(self, actor: User, draft: ReportDraft) -> Nonconformity:
        description = clean(draft.description, "description")
        if draft.source is not Source.REPORT and not actor.has(Role.MANAGER):
            raise Refused("nc.not_allowed")
        external_ref = clean(draft.external_ref, "ref", REF_MAX) if draft.external_ref else None
        if draft.due_date is not None and draft.due_date < self.today():
            raise Refused("nc.due_in_past")
        now = self.clock.now()
        year = local_today(now, self.tz).year

        def work(conn: Connection) -> Nonconformity:
            if (
                draft.department_id is not None
                and DepartmentRepo(conn).get(draft.department_id) is None
            ):
                raise Refused("departments.not_found")
            repo = NcRepo(conn)
            nc_id = repo.add(
                year,
                now,
                source=draft.source.value,
                status=NcStatus.NEW.value,
                description=description,
                reporter_id=actor.id,
                department_id=draft.department_id,
                evidence=draft.evidence,
                suggested_severity=draft.suggested_severity.value
                if draft.suggested_severity
                else None,
                external_ref=external_ref,
                due_date=draft.due_date,
            )
            created = repo.get(nc_id)
            assert created is not None
            EventLog(conn).add(
                now, actor.id, NC, nc_id, "reported", to=NcStatus.NEW.value, number=created.number,
                source=draft.source.value,
            )  # fmt: skip
            return created

        return await self.db.run(work)

    async def raise_from_answer(self, actor: User, audit_id: int, answer_id: int) -> Nonconformity:
        """One tap on an answer: the NC is prefilled with the audit, question, clause, the
        answer with its comment, and the respondent's evidence."""
        now = self.clock.now()

        def work(conn: Connection) -> Nonconformity:
            audit = self._audit_to_run(conn, actor, audit_id)
            record = next(
                (a for a in AnswerRepo(conn).all_for_audit(audit_id) if a.id == answer_id), None
            )
            if record is None:
                raise Refused("nc.no_answer")
            repo = NcRepo(conn)
            if answer_id in repo.raised_answers(audit_id):
                raise Refused("nc.already_raised")
            checklist = self.templates.checklist_in(conn, audit.template_id)
            index, question = next(
                (i, q) for i, q in enumerate(checklist.questions) if q.id == record.question_id
            )
            respondent = UserRepo(conn).get(record.user_id)
            department = audit.department_id or (respondent.department_id if respondent else None)
            description = _from_answer_text(audit.number, index, question, record)
            nc_id = repo.add(
                local_today(now, self.tz).year,
                now,
                source=Source.AUDIT.value,
                status=NcStatus.NEW.value,
                description=description,
                reporter_id=actor.id,
                department_id=department,
                audit_id=audit_id,
                answer_id=answer_id,
                question_id=question.id,
                clause=question.clause,
                evidence=list(record.evidence),
            )
            created = repo.get(nc_id)
            assert created is not None
            EventLog(conn).add(
                now, actor.id, NC, nc_id, "raised_from_audit", to=NcStatus.NEW.value,
                number=created.number, audit_id=audit_id, answer_id=answer_id,
            )  # fmt: skip
            return created

        return await self.db.run(work)

    def _audit_to_run(self, conn: Connection, actor: User, audit_id: int) -> Any:
        audit = AuditRepo(conn).get(audit_id)
        if audit is None:
            raise Refused("audits.not_found")
        if not (actor.has(Role.MANAGER) or audit.lead_auditor_id == actor.id):
            raise Refused("audits.not_yours")
        if audit.status is AuditStatus.CANCELLED:
            raise Refused("audits.not_active")
        return audit

    async def proposals(self, actor: User, audit_id: int) -> list[Proposal]:
        def work(conn: Connection) -> list[Proposal]:
            audit = self._audit_to_run(conn, actor, audit_id)
            checklist = self.templates.checklist_in(conn, audit.template_id)
            by_id = {q.id: (i, q) for i, q in enumerate(checklist.questions)}
            records = AnswerRepo(conn).all_for_audit(audit_id)
            repo = NcRepo(conn)
            handled = repo.raised_answers(audit_id) | repo.dismissed_answers(
                [r.id for r in records]
            )
            names = {r.user_id: r.full_name for r in AuditRepo(conn).respondents(audit_id)}
            found = []
            for record in records:
                if record.id in handled or record.value is None or record.question_id not in by_id:
                    continue
                index, question = by_id[record.question_id]
                if is_nonconforming(question, record.value):
                    found.append(Proposal(record, index, question, names.get(record.user_id, "?")))
            return sorted(found, key=lambda p: (p.index, p.respondent))

        return await self.db.run(work)

    async def dismiss(self, actor: User, audit_id: int, answer_id: int) -> None:
        now = self.clock.now()

        def work(conn: Connection) -> None:
            self._audit_to_run(conn, actor, audit_id)
            if not any(a.id == answer_id for a in AnswerRepo(conn).all_for_audit(audit_id)):
                raise Refused("nc.no_answer")
            if NcRepo(conn).dismiss(answer_id, actor.id, now):
                EventLog(conn).add(now, actor.id, "answer", answer_id, "finding_dismissed")

        await self.db.run(work)

    # -- reading -------------------------------------------------------------------------

    async def get(self, user: User, nc_id: int) -> Nonconformity:
        found = await self.db.run(lambda conn: NcRepo(conn).get(nc_id))
        if found is None or not may_see(viewer_of(user), found):
            raise Refused("nc.not_found")  # the same words whether it exists or not
        return found

    async def history(self, user: User, nc_id: int) -> list[HistoryLine]:
        await self.get(user, nc_id)

        def work(conn: Connection) -> list[HistoryLine]:
            users = UserRepo(conn)
            names: dict[int, str | None] = {}
            lines = []
            for event in EventLog(conn).for_entity(NC, nc_id):
                if event.actor_id is not None and event.actor_id not in names:
                    person = users.get(event.actor_id)
                    names[event.actor_id] = person.full_name if person else None
                lines.append(
                    HistoryLine(event, names.get(event.actor_id) if event.actor_id else None)
                )
            return lines

        return await self.db.run(work)

    async def page(
        self, user: User, where: NcFilter, page: int, size: int
    ) -> tuple[list[Nonconformity], int]:
        today = self.today()
        return await self.db.run(
            lambda conn: NcRepo(conn).page(viewer_of(user), where, today, page * size, size)
        )

    async def to_act_on(self, user: User) -> list[Nonconformity]:
        supervisor = user.has(Role.MANAGER, Role.AUDITOR)
        return await self.db.run(lambda conn: NcRepo(conn).to_act_on(viewer_of(user), supervisor))

    async def of_audit(self, audit_id: int) -> list[Nonconformity]:
        return await self.db.run(lambda conn: NcRepo(conn).of_audit(audit_id))

    async def people(self) -> list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).active())

    async def managers(self) -> list[User]:
        return [person for person in await self.people() if person.has(Role.MANAGER)]

    async def person(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        return await self.db.run(lambda conn: UserRepo(conn).get(user_id))

    async def default_responsible(self, nc: Nonconformity) -> int | None:
        if nc.department_id is None:
            return None
        department = await self.db.run(lambda conn: DepartmentRepo(conn).get(nc.department_id))
        return department.head_user_id if department else None

    # -- the workflow --------------------------------------------------------------------

    async def _act(
        self,
        user: User,
        nc_id: int,
        action: NcAction,
        change: Callable[[Connection, Nonconformity], dict[str, Any]],
        **details: Any,
    ) -> Nonconformity:
        now = self.clock.now()
        viewer = viewer_of(user)

        def work(conn: Connection) -> Nonconformity:
            repo = NcRepo(conn)
            current = repo.get(nc_id)
            if current is None or not may_see(viewer, current):
                raise Refused("nc.not_found")
            if not may_act(viewer, current, action):
                raise Refused("nc.not_allowed")
            values = change(conn, current)
            repo.update(nc_id, now, **values)
            fresh = repo.get(nc_id)
            assert fresh is not None
            EventLog(conn).add(
                now, user.id, NC, nc_id, action.value,
                **{"from": current.status.value, "to": fresh.status.value}, **details,
            )  # fmt: skip
            return fresh

        return await self.db.run(work)

    async def classify(
        self, user: User, nc_id: int, severity: Severity | None = None, clause: str | None = None
    ) -> Nonconformity:
        values: dict[str, Any] = {}
        if severity is not None:
            values["severity"] = severity.value
        if clause is not None:
            clause = clause.strip()
            if not CLAUSE.match(clause):
                raise Refused("nc.bad_clause")
            values["clause"] = clause
        return await self._act(user, nc_id, NcAction.CLASSIFY, lambda _c, _n: values, **values)

    async def assign(self, user: User, nc_id: int, responsible_id: int) -> Nonconformity:
        def change(conn: Connection, _: Nonconformity) -> dict[str, Any]:
            person = UserRepo(conn).get(responsible_id)
            if person is None or not person.is_active:
                raise Refused("users.not_found")
            return {"status": NcStatus.ASSIGNED.value, "responsible_id": responsible_id}

        return await self._act(user, nc_id, NcAction.ASSIGN, change, responsible_id=responsible_id)

    async def reject(self, user: User, nc_id: int, reason: str) -> Nonconformity:
        text = clean(reason, "reason")
        values = {
            "status": NcStatus.REJECTED.value,
            "rejection_reason": text,
            "closed_at": self.clock.now(),
        }
        return await self._act(user, nc_id, NcAction.REJECT, lambda _c, _n: values, note=text)

    async def plan(
        self,
        user: User,
        nc_id: int,
        correction: str | None,
        whys: list[str],
        action: str,
        due: date,
    ) -> Nonconformity:
        causes = [clean(why, "why") for why in whys][:MAX_WHYS]
        if not causes:
            raise Refused("nc.why_empty")
        text = clean(action, "action")
        fixed = clean(correction, "correction") if correction else None
        if due < self.today():
            raise Refused("nc.due_in_past")
        values = {
            "status": NcStatus.PLANNED.value,
            "correction": fixed,
            "root_cause": causes,
            "corrective_action": text,
            "due_date": due,
            "requested_due_date": None,
            "due_request_reason": None,
        }
        return await self._act(
            user, nc_id, NcAction.PLAN, lambda _c, _n: values, due_date=due.isoformat()
        )

    async def request_due(self, user: User, nc_id: int, due: date, reason: str) -> Nonconformity:
        text = clean(reason, "reason")
        if due < self.today():
            raise Refused("nc.due_in_past")
        values = {"requested_due_date": due, "due_request_reason": text}
        return await self._act(
            user, nc_id, NcAction.REQUEST_DUE, lambda _c, _n: values,
            requested=due.isoformat(), note=text,
        )  # fmt: skip

    async def decide_due(self, user: User, nc_id: int, grant: bool) -> Nonconformity:
        def change(_: Connection, current: Nonconformity) -> dict[str, Any]:
            values: dict[str, Any] = {"requested_due_date": None, "due_request_reason": None}
            if grant:
                values["due_date"] = current.requested_due_date
            return values

        return await self._act(user, nc_id, NcAction.DECIDE_DUE, change, granted=grant)

    async def done(
        self, user: User, nc_id: int, note: str, evidence: list[dict[str, Any]]
    ) -> Nonconformity:
        text = clean(note, "done_note")
        values = {
            "status": NcStatus.DONE.value,
            "done_note": text,
            "done_evidence": evidence,
            "done_by": user.id,
            "done_at": self.clock.now(),
        }
        return await self._act(
            user, nc_id, NcAction.DONE, lambda _c, _n: values, note=text, evidence=len(evidence)
        )

    async def verify(self, user: User, nc_id: int) -> Nonconformity:
        values = {"status": NcStatus.VERIFIED.value, "verifier_id": user.id}
        return await self._act(user, nc_id, NcAction.VERIFY, lambda _c, _n: values)

    async def effective(self, user: User, nc_id: int, note: str | None = None) -> Nonconformity:
        text = clean(note, "note") if note else None
        values = {
            "status": NcStatus.CLOSED.value,
            "verifier_id": user.id,
            "effective": True,
            "verification_note": text,
            "closed_at": self.clock.now(),
        }
        return await self._act(user, nc_id, NcAction.EFFECTIVE, lambda _c, _n: values, note=text)

    async def not_effective(self, user: User, nc_id: int, note: str) -> Nonconformity:
        text = clean(note, "note")
        values = {
            "status": NcStatus.PLANNED.value,
            "verifier_id": user.id,
            "effective": False,
            "verification_note": text,
            "done_by": None,
            "done_at": None,
        }
        return await self._act(
            user, nc_id, NcAction.NOT_EFFECTIVE, lambda _c, _n: values, note=text
        )


def _from_answer_text(number: str, index: int, question: Question, record: AnswerRecord) -> str:
    """Language-neutral facts; the card shows them in the reader's language."""
    lines = [f"{number} · Q{index + 1} [{question.clause}] {question.text}", f"→ {record.value}"]
    if record.comment:
        lines.append(f"💬 {record.comment}")
    return "\n".join(lines)
