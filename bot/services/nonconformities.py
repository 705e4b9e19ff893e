"""Nonconformities: reporting, raising from audits, and the corrective-action workflow.

Every change runs in one unit of work that re-reads the NC, checks the workflow table
(domain.nonconformities.TRANSITIONS) for this person, writes, and logs an event with
the status before and after. Refusals name what was refused; nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.clauses import is_clause
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
    default_due,
    is_actor,
    may_act,
    may_see,
)
from bot.domain.roles import Role
from bot.domain.texts import meaningful, similar
from bot.services.errors import Refused, StaleCard
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.users import UserRepo

NC = "nc"
TEXT_MAX = 2000
REF_MAX = 200


def viewer_of(user: User) -> Viewer:
    return Viewer(user_id=user.id, roles=user.roles, department_id=user.department_id)


def clean(raw: str, key: str, limit: int = TEXT_MAX, content: bool = True) -> str:
    """The text as it will be kept; refused when empty, too long, or (for what a record
    must say) not content at all: "готово", "-", "ok"."""
    text = raw.strip()
    if not text:
        raise Refused(f"nc.{key}_empty")
    if len(text) > limit:
        raise Refused("nc.too_long", limit=limit)
    if content and not meaningful(text):
        raise Refused("nc.not_content")
    return text


def text_refused(refusal: Refused) -> bool:
    """The refusal is of the typed text itself (`clean`'s: empty, too long, says nothing):
    the question stays for him to write it again; any other refusal ends the dialog."""
    return refusal.key in ("nc.not_content", "nc.too_long") or refusal.key.endswith("_empty")


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
class HistoryLine:
    event: Event
    actor_name: str | None


@dataclass(frozen=True, slots=True)
class SimilarNc:
    """An earlier NC like this one, and why (ISO 9001 10.2.1 b)."""

    nc: Nonconformity
    reasons: tuple[str, ...]  # "clause", "question", "department", "words"
    linked: bool


SIMILAR_SHOWN = 5


class NcService(SchoolDay):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        templates: TemplateService,
        due_days: dict[str, int] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.templates = templates
        self.due_days = due_days if due_days is not None else {"major": 14, "minor": 30}

    # -- raising -------------------------------------------------------------------------

    async def report(self, actor: User, draft: ReportDraft) -> Nonconformity:
        description = clean(draft.description, "description")
        if draft.source is not Source.REPORT and not actor.has(Role.MANAGER):
            raise Refused("nc.not_allowed")
        external_ref = clean(draft.external_ref, "ref", REF_MAX) if draft.external_ref else None
        if draft.due_date is not None and draft.due_date < self.today():
            raise Refused("nc.due_in_past")

        def work(conn: Connection) -> Nonconformity:
            if (
                draft.department_id is not None
                and DepartmentRepo(conn).get(draft.department_id) is None
            ):
                raise Refused("departments.not_found")
            suggested = draft.suggested_severity
            return self.create_in(
                conn,
                actor,
                "reported",
                source=draft.source.value,
                description=description,
                department_id=draft.department_id,
                evidence=draft.evidence,
                suggested_severity=suggested.value if suggested else None,
                external_ref=external_ref,
                due_date=draft.due_date,
            )

        return await self.db.run(work)

    def create_in(self, conn: Connection, actor: User, event: str, **values: Any) -> Nonconformity:
        """Registers an NC inside a unit of work. The head of its department becomes the
        responsible at once (DESIGN §2); without one the NC waits for a manager."""
        now = self.clock.now()
        repo = NcRepo(conn)
        head = self._head_of(conn, values.get("department_id"))
        status = NcStatus.ASSIGNED if head is not None else NcStatus.NEW
        nc_id = repo.add(
            local_today(now, self.tz).year,
            now,
            reporter_id=actor.id,
            status=status.value,
            responsible_id=head,
            **values,
        )
        created = repo.get(nc_id)
        assert created is not None
        log = EventLog(conn)
        log.add(
            now, actor.id, NC, nc_id, event, to=NcStatus.NEW.value, number=created.number,
            source=values.get("source"),
        )  # fmt: skip
        if head is not None:  # the bot assigned the head: the history says so, not the reporter
            log.add(
                now, None, NC, nc_id, NcAction.ASSIGN.value, to=status.value,
                responsible_id=head, default=True,
            )  # fmt: skip
        return created

    @staticmethod
    def _head_of(conn: Connection, department_id: int | None) -> int | None:
        if department_id is None:
            return None
        department = DepartmentRepo(conn).get(department_id)
        if department is None or department.head_user_id is None:
            return None
        head = UserRepo(conn).get(department.head_user_id)
        return head.id if head is not None and head.is_active else None

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
        department_id = nc.department_id
        if department_id is None:
            return None
        department = await self.db.run(lambda conn: DepartmentRepo(conn).get(department_id))
        return department.head_user_id if department else None

    # -- the workflow --------------------------------------------------------------------

    @staticmethod
    def check_step(viewer: Viewer, nc: Nonconformity, action: NcAction, seen: int | None) -> None:
        """Refuses a step that is not this person's; calls stale a button from an older card
        or one this state no longer allows (a reminder's "done" after it was done)."""
        if not is_actor(viewer, nc, action):
            raise not_allowed(viewer)
        if (seen is not None and seen != nc.revision) or not may_act(viewer, nc, action):
            raise StaleCard(nc.id)

    async def ready(
        self, user: User, nc_id: int, action: NcAction, seen: int | None
    ) -> Nonconformity:
        """The NC, when this step is possible now: checked before the person is asked to type."""
        nc = await self.get(user, nc_id)
        self.check_step(viewer_of(user), nc, action, seen)
        return nc

    async def _act(
        self,
        user: User,
        nc_id: int,
        action: NcAction,
        change: Callable[[Connection, Nonconformity], dict[str, Any] | None],
        seen: int | None = None,
        **details: Any,
    ) -> Nonconformity:
        """One workflow step: re-read, check the state (and the revision of the card the
        button came from, when it says), change, log. A change that turns out to change
        nothing (`change` returns None) is no step at all."""
        now = self.clock.now()
        viewer = viewer_of(user)

        def work(conn: Connection) -> Nonconformity:
            repo = NcRepo(conn)
            current = repo.get(nc_id)
            if current is None or not may_see(viewer, current):
                raise Refused("nc.not_found")
            self.check_step(viewer, current, action, seen)
            values = change(conn, current)
            if values is None:
                return current
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
        self,
        user: User,
        nc_id: int,
        severity: Severity | None = None,
        clause: str | None = None,
        seen: int | None = None,
    ) -> Nonconformity:
        """Severity and clause. A severity also sets the default due date of an action not
        planned yet (settings: SEVERITY_DUE_DAYS)."""
        values: dict[str, Any] = {}
        if severity is not None:
            values["severity"] = severity.value
        if clause is not None:
            clause = clause.strip()
            if not is_clause(clause):
                raise Refused("nc.bad_clause")
            values["clause"] = clause

        def change(_: Connection, current: Nonconformity) -> dict[str, Any] | None:
            if all(getattr(current, k) == v for k, v in values.items()):
                return None  # the same severity tapped twice
            update = dict(values)
            planned = current.status not in (NcStatus.NEW, NcStatus.ASSIGNED)
            if severity is not None and not planned and current.due_date is None:
                due = default_due(severity, self.today(), self.due_days)
                if due is not None:
                    update["due_date"] = due
            return update

        return await self._act(user, nc_id, NcAction.CLASSIFY, change, seen, **values)

    def suggested_due(self, nc: Nonconformity) -> date | None:
        """The date the plan step proposes: the NC's due date, else its severity's."""
        return nc.due_date or default_due(nc.severity, self.today(), self.due_days)

    async def assign(
        self, user: User, nc_id: int, responsible_id: int, seen: int | None = None
    ) -> Nonconformity:
        """The responsible of an NC not yet planned; the same person again changes nothing."""

        def change(conn: Connection, current: Nonconformity) -> dict[str, Any] | None:
            if current.responsible_id == responsible_id and current.status is NcStatus.ASSIGNED:
                return None
            person = UserRepo(conn).get(responsible_id)
            if person is None or not person.is_active:
                raise Refused("users.not_found")
            return {"status": NcStatus.ASSIGNED.value, "responsible_id": responsible_id}

        return await self._act(
            user, nc_id, NcAction.ASSIGN, change, seen, responsible_id=responsible_id
        )

    async def reassign(
        self, user: User, nc_id: int, responsible_id: int, reason: str, seen: int | None = None
    ) -> Nonconformity:
        """Another responsible for a planned action (its plan stays), with a reason."""
        text = clean(reason, "reason")

        def change(conn: Connection, current: Nonconformity) -> dict[str, Any] | None:
            if current.responsible_id == responsible_id:
                return None
            person = UserRepo(conn).get(responsible_id)
            if person is None or not person.is_active:
                raise Refused("users.not_found")
            return {"responsible_id": responsible_id}

        return await self._act(
            user, nc_id, NcAction.REASSIGN, change, seen,
            responsible_id=responsible_id, note=text,
        )  # fmt: skip

    async def reject(
        self, user: User, nc_id: int, reason: str, seen: int | None = None
    ) -> Nonconformity:
        text = clean(reason, "reason")
        values = {
            "status": NcStatus.REJECTED.value,
            "rejection_reason": text,
            "closed_at": self.clock.now(),
        }
        return await self._act(user, nc_id, NcAction.REJECT, lambda _c, _n: values, seen, note=text)

    async def plan(
        self,
        user: User,
        nc_id: int,
        correction: str | None,
        whys: list[str],
        action: str,
        due: date,
        seen: int | None = None,
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
            user, nc_id, NcAction.PLAN, lambda _c, _n: values, seen, due_date=due.isoformat()
        )

    async def request_due(
        self, user: User, nc_id: int, due: date, reason: str, seen: int | None = None
    ) -> Nonconformity:
        text = clean(reason, "reason")
        if due < self.today():
            raise Refused("nc.due_in_past")
        values = {"requested_due_date": due, "due_request_reason": text}
        return await self._act(
            user, nc_id, NcAction.REQUEST_DUE, lambda _c, _n: values, seen,
            requested=due.isoformat(), note=text,
        )  # fmt: skip

    async def decide_due(
        self, user: User, nc_id: int, grant: bool, seen: int | None = None
    ) -> Nonconformity:
        def change(_: Connection, current: Nonconformity) -> dict[str, Any]:
            values: dict[str, Any] = {"requested_due_date": None, "due_request_reason": None}
            if grant:
                values["due_date"] = current.requested_due_date
            return values

        return await self._act(user, nc_id, NcAction.DECIDE_DUE, change, seen, granted=grant)

    async def done(
        self,
        user: User,
        nc_id: int,
        note: str,
        evidence: list[dict[str, Any]],
        seen: int | None = None,
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
            user, nc_id, NcAction.DONE, lambda _c, _n: values, seen,
            note=text, evidence=len(evidence),
        )  # fmt: skip

    async def verify(self, user: User, nc_id: int, seen: int | None = None) -> Nonconformity:
        values = {"status": NcStatus.VERIFIED.value, "verifier_id": user.id}
        return await self._act(user, nc_id, NcAction.VERIFY, lambda _c, _n: values, seen)

    async def effective(
        self,
        user: User,
        nc_id: int,
        note: str,
        evidence: list[dict[str, Any]] | None = None,
        recheck_days: int = 0,
        seen: int | None = None,
    ) -> Nonconformity:
        """Closed as effective, with what shows it (ISO 9001 10.2.1 d) and, when asked, a
        re-check after `recheck_days` that reminds the verifier and may reopen it."""
        text = clean(note, "note")
        recheck = self.today() + timedelta(days=recheck_days) if recheck_days > 0 else None
        values = {
            "status": NcStatus.CLOSED.value,
            "verifier_id": user.id,
            "effective": True,
            "verification_note": text,
            "verdict_evidence": list(evidence or []),
            "closed_at": self.clock.now(),
            "recheck_due": recheck,
        }
        return await self._act(
            user, nc_id, NcAction.EFFECTIVE, lambda _c, _n: values, seen, note=text,
            evidence=len(evidence or []), recheck=recheck.isoformat() if recheck else None,
        )  # fmt: skip

    async def not_effective(
        self, user: User, nc_id: int, note: str, seen: int | None = None
    ) -> Nonconformity:
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
            user, nc_id, NcAction.NOT_EFFECTIVE, lambda _c, _n: values, seen, note=text
        )

    async def recheck(
        self, user: User, nc_id: int, note: str, seen: int | None = None
    ) -> Nonconformity:
        """At the re-check: still effective; the NC stays closed, the re-check is done."""
        text = clean(note, "note")
        values = {"recheck_due": None}
        return await self._act(
            user, nc_id, NcAction.RECHECK, lambda _c, _n: values, seen, note=text
        )

    async def reopen(
        self, user: User, nc_id: int, reason: str, seen: int | None = None
    ) -> Nonconformity:
        """At the re-check: the problem came back; the action is planned again."""
        text = clean(reason, "note")
        values = {
            "status": NcStatus.PLANNED.value,
            "effective": False,
            "verification_note": text,
            "recheck_due": None,
            "closed_at": None,
            "done_by": None,
            "done_at": None,
        }
        return await self._act(user, nc_id, NcAction.REOPEN, lambda _c, _n: values, seen, note=text)

    # -- similar nonconformities (ISO 9001 10.2.1 b) -------------------------------------

    async def similar(self, user: User, nc_id: int) -> list[SimilarNc]:
        """Earlier NCs with the same clause, question or department, or similar words:
        linked ones first, then by how many reasons they share."""
        current = await self.get(user, nc_id)
        viewer = viewer_of(user)

        def work(conn: Connection) -> list[SimilarNc]:
            repo = NcRepo(conn)
            linked = set(repo.linked(nc_id))
            found = []
            for other in repo.earlier(current):
                if not may_see(viewer, other):
                    continue
                reasons = _shared(current, other)
                if reasons or other.id in linked:
                    found.append(SimilarNc(other, reasons, other.id in linked))
            found.sort(key=lambda s: (not s.linked, -len(s.reasons), -s.nc.id))
            return found[:SIMILAR_SHOWN]

        return await self.db.run(work)

    async def link(self, user: User, nc_id: int, similar_id: int) -> Nonconformity:
        """Notes that an earlier NC is the same problem again (the head or a supervisor)."""
        current = await self.get(user, nc_id)
        await self.get(user, similar_id)
        if similar_id == nc_id:
            raise Refused("stale")
        if not (user.has(Role.MANAGER, Role.AUDITOR) or current.responsible_id == user.id):
            raise not_allowed(viewer_of(user))
        now = self.clock.now()

        def work(conn: Connection) -> None:
            if NcRepo(conn).link(nc_id, similar_id, user.id, now):
                EventLog(conn).add(now, user.id, NC, nc_id, "linked", similar_id=similar_id)

        await self.db.run(work)
        return current

    async def causes_of_similar(self, user: User, nc_id: int) -> list[str]:
        """Root causes found for similar NCs, for the root-cause step to offer."""
        causes: list[str] = []
        for other in await self.similar(user, nc_id):
            for cause in other.nc.root_cause[-1:]:  # the root, not the first "why"
                if cause not in causes:
                    causes.append(cause)
        return causes


def _shared(current: Nonconformity, other: Nonconformity) -> tuple[str, ...]:
    reasons = []
    if current.clause and other.clause == current.clause:
        reasons.append("clause")
    if current.question_id and other.question_id == current.question_id:
        reasons.append("question")
    if current.department_id and other.department_id == current.department_id:
        reasons.append("department")
    if similar(current.description, other.description):
        reasons.append("words")
    # The same department alone is too common to call two problems similar.
    return tuple(reasons) if reasons and reasons != ["department"] else ()


def not_allowed(viewer: Viewer) -> Refused:
    """The refusal of a step that is not this person's; an observer is told he only reads."""
    if Role.OBSERVER in viewer.roles:
        return Refused("access.read_only")
    return Refused("nc.not_allowed")
