"""Audit findings by question (ISO 19011): the auditor sees how many submitted answers hit
each question's nonconformity trigger, and records one finding per question — a
nonconformity (one NC, with the count and the answers' evidence), an observation, an
opportunity for improvement — or dismisses it; strengths (good practice) too. Respondents
are not named unless the auditor chooses to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.audits import Audit, AuditStatus
from bot.domain.checklists import Checklist, Question
from bot.domain.findings import Facts, Finding, FindingKind, question_facts
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity, Source
from bot.domain.roles import Role
from bot.domain.scoring import is_nonconforming
from bot.services.errors import Refused
from bot.services.nonconformities import NcService, clean
from bot.services.templates import TemplateService
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.documents import DocumentRepo
from bot.storage.events import EventLog
from bot.storage.findings import FindingRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.programme import ANONYMOUS_USER, ProgrammeRepo

NOTE_MAX = 2000


@dataclass(frozen=True, slots=True)
class AuditFindings:
    audit: Audit
    checklist: Checklist
    facts: list[Facts]  # questions with triggering answers, in checklist order
    findings: list[Finding]
    submitted: int
    respondents: int
    numbers: dict[int, str]  # NC id -> its number, for the NCs raised from this audit

    def of_question(self, question_id: str) -> list[Finding]:
        return [f for f in self.findings if f.question_id == question_id]

    def facts_of(self, index: int) -> Facts | None:
        return next((f for f in self.facts if f.index == index), None)

    def question(self, index: int) -> Question:
        if not 0 <= index < self.checklist.question_count:
            raise Refused("questionnaire.no_such_question")
        return self.checklist.questions[index]


class FindingService:
    def __init__(
        self, db: Database, clock: Clock, templates: TemplateService, ncs: NcService
    ) -> None:
        self.db = db
        self.clock = clock
        self.templates = templates
        self.ncs = ncs

    @staticmethod
    def _audit(conn: Connection, actor: User, audit_id: int) -> Audit:
        """The audit, if this person runs it (a manager or its lead auditor)."""
        audit = AuditRepo(conn).get(audit_id)
        if audit is None:
            raise Refused("audits.not_found")
        if not (actor.has(Role.MANAGER) or audit.lead_auditor_id == actor.id):
            raise Refused("access.read_only" if actor.has(Role.OBSERVER) else "audits.not_yours")
        co_auditors = {m for m, _ in ProgrammeRepo(conn).team(audit_id)}
        if not (
            actor.has(Role.MANAGER) or audit.lead_auditor_id == actor.id or actor.id in co_auditors
        ):
            raise Refused("audits.not_yours")
        if audit.status is AuditStatus.CANCELLED:
            raise Refused("audits.not_active")
        return audit

    def _overview(self, conn: Connection, actor: User, audit_id: int) -> AuditFindings:
        audit = self._audit(conn, actor, audit_id)
        checklist = self.templates.checklist_in(conn, audit.template_id)
        people = AuditRepo(conn).respondents(audit_id)
        submitted = {p.user_id for p in people if p.submitted_at is not None}
        records = AnswerRepo(conn).all_for_audit(audit_id)
        anonymous = ProgrammeRepo(conn).options(audit_id).anonymous
        if anonymous:  # the submitted answers, kept without their respondents (issue 12)
            records = ProgrammeRepo(conn).anonymous_answers(audit_id)
        given = {ANONYMOUS_USER} if anonymous else submitted
        facts = question_facts(checklist, records, given)
        return AuditFindings(
            audit=audit,
            checklist=checklist,
            facts=facts,
            findings=FindingRepo(conn).of_audit(audit_id),
            submitted=len(submitted),
            respondents=len(people),
            numbers={nc.id: nc.number for nc in NcRepo(conn).of_audit(audit_id)},
        )

    async def overview(self, actor: User, audit_id: int) -> AuditFindings:
        return await self.db.run(lambda conn: self._overview(conn, actor, audit_id))

    async def of_audit(self, audit_id: int) -> list[Finding]:
        return await self.db.run(lambda conn: FindingRepo(conn).of_audit(audit_id))

    async def raise_nc(
        self, actor: User, audit_id: int, index: int, named: bool = False
    ) -> Nonconformity:
        """One NC for the question, with its facts and the triggering answers' evidence;
        the head of the audited department is its responsible."""
        now = self.clock.now()

        def work(conn: Connection) -> Nonconformity:
            overview = self._overview(conn, actor, audit_id)
            question = overview.question(index)
            facts = overview.facts_of(index)
            if facts is None:
                raise Refused("findings.nothing_to_raise")
            if any(f.kind is FindingKind.NONCONFORMITY for f in overview.of_question(question.id)):
                raise Refused("findings.already_raised")
            finding = facts.as_json()
            if named and not ProgrammeRepo(conn).options(audit_id).anonymous:
                finding["respondents"] = _names(conn, audit_id, question)
            nc = self.ncs.create_in(
                conn,
                actor,
                "raised_from_audit",
                source=Source.AUDIT.value,
                description=question.text,
                department_id=overview.audit.department_id,
                audit_id=audit_id,
                question_id=question.id,
                clause=question.clause,
                evidence=list(facts.evidence),
                finding=finding,
            )
            FindingRepo(conn).add(
                audit_id, FindingKind.NONCONFORMITY, actor.id, now,
                question_id=question.id, facts=finding, nc_id=nc.id,
            )  # fmt: skip
            _cite_question_document(conn, nc.id, question.document, actor.id, now)
            return nc

        return await self.db.run(work)

    async def record(
        self,
        actor: User,
        audit_id: int,
        kind: FindingKind,
        text: str | None,
        index: int | None = None,
    ) -> Finding:
        """An observation, an opportunity for improvement, a strength (of a question or of
        the whole audit), or a question dismissed."""
        if kind is FindingKind.NONCONFORMITY:
            raise Refused("stale")
        note = clean(text, "finding", NOTE_MAX) if text is not None else None
        if note is None and kind is not FindingKind.DISMISSED:
            raise Refused("nc.finding_empty")
        now = self.clock.now()

        def work(conn: Connection) -> Finding:
            overview = self._overview(conn, actor, audit_id)
            question_id, facts = None, None
            if index is not None:
                question = overview.question(index)
                question_id = question.id
                found = overview.facts_of(index)
                facts = found.as_json() if found else None
            finding_id = FindingRepo(conn).add(
                audit_id, kind, actor.id, now, question_id=question_id, text=note, facts=facts
            )
            EventLog(conn).add(
                now, actor.id, "audit", audit_id, f"finding_{kind.value}",
                question_id=question_id, finding_id=finding_id,
            )  # fmt: skip
            return next(f for f in FindingRepo(conn).of_audit(audit_id) if f.id == finding_id)

        return await self.db.run(work)


def _names(conn: Connection, audit_id: int, question: Question) -> list[str]:
    """Who gave the triggering answers (only when the auditor chooses to name them)."""
    people = {p.user_id: p for p in AuditRepo(conn).respondents(audit_id)}
    names = []
    for record in AnswerRepo(conn).all_for_audit(audit_id):
        person = people.get(record.user_id)
        if (
            record.question_id == question.id
            and person is not None
            and person.submitted_at is not None
            and record.value is not None
            and is_nonconforming(question, record.value)
        ):
            names.append(person.full_name)
    return sorted(names)


def _cite_question_document(
    conn: Connection, nc_id: int, code: str | None, actor_id: int, now: datetime
) -> None:
    """An NC raised from a question that checks a document cites that document."""
    if not code:
        return
    repo = DocumentRepo(conn)
    document = repo.by_code(code)
    if document is not None:
        repo.cite(nc_id, document.id, actor_id, now)
