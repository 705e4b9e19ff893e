"""A respondent's questionnaire: every answer stored the moment it is given, frozen on submit.

Every write re-checks, inside its own transaction, that the audit is open and the
questionnaire not yet submitted, so an old button or a double tap cannot change what is
frozen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.audits import AnswerRecord, Audit, AuditStatus, Respondent, evidence_pieces
from bot.domain.checklists import AnswerType, Checklist, Question
from bot.domain.models import User
from bot.domain.scoring import evidence_required, normalize_answer
from bot.services.errors import Refused
from bot.services.templates import TemplateService
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.programme import ProgrammeRepo

COMMENT_MAX = 1000
ANSWER_CACHE = 5000  # respondents' answer sets kept in memory
BAD_VALUE = {
    AnswerType.NUMBER: "questionnaire.bad_number",
    AnswerType.TEXT: "questionnaire.bad_text",
}
EVIDENCE_MAX = 20


@dataclass(frozen=True, slots=True)
class Questionnaire:
    audit: Audit
    checklist: Checklist
    respondent: Respondent
    answers: dict[str, AnswerRecord]
    anonymous: bool = False  # once submitted, the answers are no longer his (issue 12)

    @property
    def total(self) -> int:
        return self.checklist.question_count

    @property
    def answered(self) -> int:
        return sum(1 for q in self.checklist.questions if self.value(q) is not None)

    @property
    def submitted(self) -> bool:
        return self.respondent.submitted_at is not None

    def question(self, index: int) -> Question:
        if not 0 <= index < self.total:
            raise Refused("questionnaire.no_such_question")
        return self.checklist.questions[index]

    def record(self, question: Question) -> AnswerRecord | None:
        return self.answers.get(question.id)

    def value(self, question: Question) -> str | None:
        record = self.answers.get(question.id)
        return record.value if record else None

    def pieces(self, question: Question) -> int:
        record = self.answers.get(question.id)
        return evidence_pieces(record.evidence) if record else 0

    def needs_evidence(self, question: Question) -> bool:
        """The answer given asks for evidence that is not attached yet."""
        return evidence_required(question, self.value(question)) and self.pieces(question) == 0

    def first_unanswered(self) -> int | None:
        for index, question in enumerate(self.checklist.questions):
            if self.value(question) is None or self.needs_evidence(question):
                return index
        return None

    def missing(self) -> list[int]:
        """Indexes of required questions that block submission."""
        return [
            index
            for index, question in enumerate(self.checklist.questions)
            if question.required and (self.value(question) is None or self.needs_evidence(question))
        ]


# What a caller does in an answer's own transaction, with the questionnaire as answered.
After = Callable[[Connection, "Questionnaire"], None]


class QuestionnaireService:
    def __init__(self, db: Database, clock: Clock, templates: TemplateService) -> None:
        self.db = db
        self.clock = clock
        self.templates = templates
        self._audits: dict[int, Audit] = {}  # title, dates, template: fixed once planned
        # A respondent's answers, kept after every read and write: only this service writes
        # them, only in the database's thread, and this process is the database's only
        # one, so every tap need not read all 40.
        self._answers: OrderedDict[tuple[int, int], dict[str, AnswerRecord]] = OrderedDict()
        self._answers_lock = threading.Lock()  # read in the database thread, kept in both
        # On PostgreSQL other processes write them too, and a unit kept them before it may
        # be run again after a conflict: they are read every time there.
        self._keep_answers = not db.shared
        self._anonymous: dict[int, bool] = {}  # fixed once planned, like the audit

    def _is_anonymous(self, conn: Connection, audit_id: int) -> bool:
        if audit_id not in self._anonymous:
            self._anonymous[audit_id] = ProgrammeRepo(conn).options(audit_id).anonymous
        return self._anonymous[audit_id]

    async def open_for(self, user: User) -> list[tuple[Audit, Respondent, int]]:
        def work(conn: Connection) -> list[tuple[Audit, Respondent]]:
            return AuditRepo(conn).open_for(user.id)

        found = await self.db.run(work)
        return [
            (audit, person, (await self.templates.checklist(audit.template_id)).question_count)
            for audit, person in found
        ]

    def _load(self, conn: Connection, user: User, audit_id: int) -> Questionnaire:
        """Two light queries: the audit's status with the respondent's submission, and his
        answers. What else an audit says never changes once planned, so it is kept."""
        repo = AuditRepo(conn)
        standing = repo.standing(audit_id, user.id)
        if standing is None:
            raise Refused("questionnaire.not_yours")
        status, submitted_at = standing
        if audit_id not in self._audits:
            found = repo.get(audit_id)
            assert found is not None
            self._audits[audit_id] = found
        audit = replace(self._audits[audit_id], status=status)
        if audit.status is AuditStatus.PLANNED:
            raise Refused("questionnaire.not_open_yet")
        if audit.status is not AuditStatus.OPEN:
            raise Refused("questionnaire.closed")
        checklist = self.templates.checklist_in(conn, audit.template_id)
        key = (audit_id, user.id)
        with self._answers_lock:
            answers = self._answers.get(key)
        if answers is None:
            answers = AnswerRepo(conn).of(audit_id, user.id)
            self._keep(key, answers)
        person = Respondent(
            user_id=user.id,
            tg_id=user.tg_id,
            full_name=user.full_name,
            language=user.language,
            answered=sum(1 for a in answers.values() if a.value is not None),
            submitted_at=submitted_at,
        )
        return Questionnaire(audit, checklist, person, answers, self._is_anonymous(conn, audit_id))

    def _keep(self, key: tuple[int, int], answers: dict[str, AnswerRecord] | None) -> None:
        with self._answers_lock:
            if answers is None or not self._keep_answers:
                self._answers.pop(key, None)
                return
            self._answers[key] = answers
            self._answers.move_to_end(key)
            while len(self._answers) > ANSWER_CACHE:
                self._answers.popitem(last=False)

    async def load(self, user: User, audit_id: int) -> Questionnaire:
        return await self.db.run(lambda conn: self._load(conn, user, audit_id))

    async def _write(
        self,
        user: User,
        audit_id: int,
        index: int,
        action: str,
        compute: Callable[[Question, AnswerRecord | None], dict[str, Any]],
        after: After | None = None,
    ) -> Questionnaire:
        """Reads the current answer and writes the new fields in one transaction, so two
        updates at once (an album of photos, a double tap) never lose one another."""

        def work(conn: Connection) -> Questionnaire:
            questionnaire = write(conn)
            if after is not None:
                after(conn, questionnaire)
            return questionnaire

        def write(conn: Connection) -> Questionnaire:
            questionnaire = self._load(conn, user, audit_id)
            if questionnaire.submitted:
                raise Refused("questionnaire.submitted")
            question = questionnaire.question(index)
            record = questionnaire.record(question)
            values = compute(question, record)
            if not values:
                return questionnaire
            now = self.clock.now()
            answer_id = AnswerRepo(conn).save(audit_id, user.id, question.id, now, record, **values)
            changed = {k: v for k, v in values.items() if record is None or getattr(record, k) != v}
            if changed:
                details = {k: v for k, v in changed.items() if k != "evidence"}
                if "evidence" in changed:
                    details["evidence"] = len(changed["evidence"])
                if self._is_anonymous(conn, audit_id):
                    details = {}  # an anonymous audit's log says who answered, never what
                EventLog(conn).add(
                    now,
                    user.id,
                    "answer",
                    answer_id,
                    action,
                    audit_id=audit_id,
                    question_id=question.id,
                    **details,
                )
            # The stored row now equals `record` updated with `values`: no need to read it.
            fresh = AnswerRecord(
                id=answer_id,
                user_id=user.id,
                question_id=question.id,
                value=record.value if record else None,
                comment=record.comment if record else None,
                evidence=list(record.evidence) if record else [],
            )
            for name, value in values.items():
                setattr(fresh, name, value)
            answers = {**questionnaire.answers, question.id: fresh}
            # Kept here, on the database's thread, before the next unit of work can read
            # it: an album's photos are written one after another, each seeing the last.
            self._keep((audit_id, user.id), answers)
            return replace(questionnaire, answers=answers)

        try:
            return await self.db.run(work)
        except Exception:
            self._keep((audit_id, user.id), None)  # read afresh next time
            raise

    async def answer(
        self,
        user: User,
        audit_id: int,
        index: int,
        raw: str,
        *,
        tapped: bool = False,
        after: After | None = None,
    ) -> Questionnaire:
        """Stores an answer as typed, or as tapped (a choice travels as its option's number).
        `after` runs in the same transaction with the questionnaire as answered (the tap's
        next dialog step: one transaction per tap)."""

        def value_of(question: Question, _: AnswerRecord | None) -> dict[str, Any]:
            given = raw
            if tapped and question.type is AnswerType.CHOICE:
                options = question.options or []
                if not raw.isdigit() or int(raw) >= len(options):
                    raise Refused("questionnaire.bad_value")
                given = options[int(raw)]
            value = normalize_answer(question, given)
            if value is None:
                raise Refused(BAD_VALUE.get(question.type, "questionnaire.bad_value"))
            return {"value": value}

        return await self._write(user, audit_id, index, "answered", value_of, after)

    async def comment(self, user: User, audit_id: int, index: int, raw: str) -> Questionnaire:
        text = raw.strip()
        if not text:
            raise Refused("questionnaire.comment_empty")
        if len(text) > COMMENT_MAX:
            raise Refused("questionnaire.comment_long", limit=COMMENT_MAX)
        return await self._write(
            user, audit_id, index, "commented", lambda _q, _r: {"comment": text}
        )

    async def add_evidence(
        self, user: User, audit_id: int, index: int, item: dict[str, Any]
    ) -> tuple[Questionnaire, bool]:
        """Attaches a photo or file; says whether it began a new piece of evidence (an
        album's later photos join the piece its first photo began)."""
        new_piece = False

        def append(_: Question, record: AnswerRecord | None) -> dict[str, Any]:
            nonlocal new_piece
            new_piece = False  # a unit run again (PostgreSQL) decides afresh
            evidence = list(record.evidence) if record else []
            if any(e["file_id"] == item["file_id"] for e in evidence):
                return {}  # the same file delivered twice
            if evidence_pieces(evidence) >= EVIDENCE_MAX:
                raise Refused("questionnaire.evidence_full", limit=EVIDENCE_MAX)
            group = item.get("group")
            new_piece = group is None or all(e.get("group") != group for e in evidence)
            return {"evidence": [*evidence, item]}

        questionnaire = await self._write(user, audit_id, index, "evidence_added", append)
        return questionnaire, new_piece

    async def submit(self, user: User, audit_id: int) -> tuple[Questionnaire, list[int]]:
        """Freezes the answers; returns the blocking questions instead when some remain."""

        def work(conn: Connection) -> tuple[Questionnaire, list[int]]:
            questionnaire = self._load(conn, user, audit_id)
            if questionnaire.submitted:
                raise Refused("questionnaire.submitted")
            missing = questionnaire.missing()
            if missing:
                return questionnaire, missing
            now = self.clock.now()
            AuditRepo(conn).mark_submitted(audit_id, user.id, now)
            EventLog(conn).add(now, user.id, "audit", audit_id, "submitted")
            frozen = self._load(conn, user, audit_id)
            if self._is_anonymous(conn, audit_id):
                # Who submitted stays (for reminders); what he answered moves away from him.
                ProgrammeRepo(conn).anonymise(audit_id, user.id)
                self._keep((audit_id, user.id), None)
            return frozen, []

        return await self.db.run(work)
