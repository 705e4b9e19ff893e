"""Planning, opening, running and closing audits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.acknowledgements import Ack, recipients
from bot.domain.audits import (
    AnswerRecord,
    Audit,
    AuditChange,
    AuditDraft,
    AuditStatus,
    Objective,
    Respondent,
    may_run,
)
from bot.domain.models import User
from bot.domain.programme import independence_problem
from bot.domain.roles import Role
from bot.domain.school_calendar import school_year_bounds, school_year_of
from bot.domain.scoring import compute_results
from bot.services.errors import Refused
from bot.services.templates import TemplateService
from bot.storage.acknowledgements import AckRepo
from bot.storage.answers import AnswerRepo
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.programme import Options, ProgrammeRepo
from bot.storage.users import UserRepo

AUDIT = "audit"
TITLE_MAX = 200
TEXT_MAX = 2000
CONCLUSION_MAX = 3500
ACTIVE = (AuditStatus.PLANNED, AuditStatus.OPEN)


def clean_text(raw: str, limit: int, key: str) -> str:
    text = raw.strip()
    if not text:
        raise Refused(f"{key}_empty")
    if len(text) > limit:
        raise Refused(f"{key}_long", limit=limit)
    return text


def check_dates(start: date | None, deadline: date | None, today: date) -> None:
    if start is not None and start < today:
        raise Refused("audits.start_in_past")
    if start is not None and deadline is not None and deadline < start:
        raise Refused("audits.deadline_before_start")


def check_team(
    users: UserRepo, team: list[int], department_id: int | None, respondents: list[int]
) -> None:
    """No auditor audits his own work (bot.domain.programme.independence_problem)."""
    for member_id in team:
        member = users.get(member_id)
        if member is None or not member.is_active:
            raise Refused("users.not_found")
        if not member.has(Role.AUDITOR, Role.MANAGER):
            raise Refused("audits.not_an_auditor")
        problem = independence_problem(member.id, member.department_id, department_id, respondents)
        if problem:
            raise Refused(problem)


def check_auditor(auditor: User, department_id: int | None) -> None:
    if not auditor.has(Role.AUDITOR, Role.MANAGER):
        raise Refused("audits.not_an_auditor")
    if department_id is not None and auditor.department_id == department_id:
        raise Refused("audits.own_department")


class AuditService(SchoolDay):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        templates: TemplateService,
        tz: ZoneInfo,
        year_start: tuple[int, int] = (9, 1),
    ) -> None:
        self.db = db
        self.clock = clock
        self.templates = templates
        self.tz = tz
        self.year_start = year_start  # SCHOOL_YEAR_START: the programme's year

    async def plan(self, actor: User, draft: AuditDraft, line_id: int | None = None) -> Audit:
        """Creates the audit from a finished draft, re-checking every rule: the wizard
        checked them step by step, but time passed and people changed since."""
        title = clean_text(draft.title, TITLE_MAX, "audits.title")
        scope = clean_text(draft.scope, TEXT_MAX, "audits.scope")
        criteria = clean_text(draft.criteria, TEXT_MAX, "audits.criteria")
        if draft.template_id is None or draft.lead_auditor_id is None:
            raise Refused("audits.incomplete")
        if draft.start_date is None or draft.deadline is None:
            raise Refused("audits.incomplete")
        check_dates(draft.start_date, draft.deadline, self.today())
        objectives = [o for o in draft.objectives if o in {x.value for x in Objective}]
        if not objectives:
            raise Refused("audits.no_objectives")
        await self.templates.info(draft.template_id)

        lead_auditor_id, template_id = draft.lead_auditor_id, draft.template_id
        start, deadline = draft.start_date, draft.deadline

        def work(conn: Connection) -> Audit:
            users = UserRepo(conn)
            auditor = users.get(lead_auditor_id)
            if auditor is None or not auditor.is_active:
                raise Refused("users.not_found")
            check_auditor(auditor, draft.department_id)
            co_auditors = sorted(set(draft.co_auditor_ids) - {auditor.id})
            team = {auditor.id, *co_auditors}
            respondents = sorted(set(draft.respondent_ids) - team)
            if not respondents:
                raise Refused("audits.no_respondents")
            for user_id in respondents:
                person = users.get(user_id)
                if person is None or not person.is_active:
                    raise Refused("users.not_found")
            check_team(users, [auditor.id, *co_auditors], draft.department_id, respondents)
            repo = AuditRepo(conn)
            now = self.clock.now()
            audit_id = repo.add(
                title=title,
                department_id=draft.department_id,
                template_id=template_id,
                objectives=objectives,
                scope=scope,
                criteria=criteria,
                lead_auditor_id=auditor.id,
                start_date=start,
                deadline=deadline,
                respondent_ids=respondents,
                created_by=actor.id,
                now=now,
            )
            programme = ProgrammeRepo(conn)
            programme.set_options(audit_id, draft.anonymous, line_id)
            programme.set_team(audit_id, co_auditors)
            audit = repo.get(audit_id)
            assert audit is not None
            fields = asdict(draft)
            fields.update(start_date=start.isoformat(), deadline=deadline.isoformat())
            EventLog(conn).add(
                now, actor.id, AUDIT, audit_id, "planned", number=audit.number, **fields
            )
            return audit

        return await self.db.run(work)

    async def open_due(self) -> list[tuple[Audit, list[Respondent]]]:
        """Opens every planned audit whose start date has come; returns them with the
        respondents to tell. Safe to run again: an open audit is not opened twice."""
        today = self.today()
        opened: list[tuple[Audit, list[Respondent]]] = []

        def work(conn: Connection) -> None:
            repo, log = AuditRepo(conn), EventLog(conn)
            for audit in repo.due_to_open(today):
                now = self.clock.now()
                if repo.set_status(audit.id, AuditStatus.OPEN, opened_at=now):
                    log.add(now, None, AUDIT, audit.id, "opened")
                    fresh = repo.get(audit.id)
                    assert fresh is not None
                    opened.append((fresh, repo.respondents(audit.id)))

        await self.db.run(work)
        return opened

    async def get(self, audit_id: int) -> Audit:
        def work(conn: Connection) -> Audit | None:
            return AuditRepo(conn).get(audit_id)

        audit = await self.db.run(work)
        if audit is None:
            raise Refused("audits.not_found")
        return audit

    async def get_to_run(self, user: User, audit_id: int) -> Audit:
        """The audit, if this user may run it: a manager, its lead auditor or a co-auditor."""
        audit = await self.get(audit_id)
        if may_run(user, audit) or await self.in_team(user, audit_id):
            return audit
        raise Refused("access.read_only" if user.has(Role.OBSERVER) else "audits.not_yours")

    async def open_to_run(self, user: User, audit_id: int) -> Audit:
        """The audit, if this user may run it and it is open (its respondents may still be
        reminded, its conclusion written)."""
        audit = await self.get_to_run(user, audit_id)
        if audit.status is not AuditStatus.OPEN:
            raise Refused("audits.not_open")
        return audit

    async def in_team(self, user: User, audit_id: int) -> bool:
        return user.id in {member for member, _ in await self.team(audit_id)}

    async def get_to_read(self, user: User, audit_id: int) -> Audit:
        """The audit, if this user may read its card, results and report: who may run it,
        an observer (top management reads everything), and whoever was told its results."""
        audit = await self.get(audit_id)
        if user.has(Role.MANAGER, Role.OBSERVER) or audit.lead_auditor_id == user.id:
            return audit
        if await self.in_team(user, audit_id):
            return audit
        told = await self.db.run(lambda c: AckRepo(c).of_audit(audit_id))
        if any(ack.user_id == user.id for ack in told):
            return audit
        raise Refused("audits.not_yours")

    async def acks(self, audit_id: int) -> list[Ack]:
        return await self.db.run(lambda c: AckRepo(c).of_audit(audit_id))

    async def acknowledge(self, user: User, audit_id: int) -> tuple[Audit, Ack, bool]:
        """Records that this person read the results; tapping twice records it once.
        Returns the audit, his acknowledgement and whether this tap recorded it."""
        audit = await self.get(audit_id)

        def work(conn: Connection) -> tuple[Ack, bool]:
            repo = AckRepo(conn)
            now = self.clock.now()
            recorded = repo.acknowledge(audit_id, user.id, now)
            mine = next((a for a in repo.of_audit(audit_id) if a.user_id == user.id), None)
            if mine is None:
                raise Refused("acks.not_told")
            if recorded:
                EventLog(conn).add(now, user.id, AUDIT, audit_id, "acknowledged")
            return mine, recorded

        ack, recorded = await self.db.run(work)
        return audit, ack, recorded

    def school_year(self, day: date | None = None) -> int:
        """The school year holding `day` (today by default), by the year it begins in."""
        return school_year_of(day or self.today(), self.year_start)

    async def program(self, year: int) -> list[Audit]:
        """The audits of the school year beginning in `year`, by start date."""
        first, last = school_year_bounds(year, self.year_start)

        def work(conn: Connection) -> list[Audit]:
            return AuditRepo(conn).starting_between(first, last)

        return await self.db.run(work)

    async def running(self, user: User) -> list[Audit]:
        def work(conn: Connection) -> list[Audit]:
            repo = AuditRepo(conn)
            if user.has(Role.MANAGER):
                return repo.with_status(ACTIVE)
            led = repo.led_by(user.id, ACTIVE)
            on_team = [repo.get(audit_id) for audit_id in ProgrammeRepo(conn).on_team(user.id)]
            led += [a for a in on_team if a is not None and a.status in ACTIVE]  # co-auditor
            return sorted(led, key=lambda a: a.id)

        return await self.db.run(work)

    async def respondents(self, audit_id: int) -> list[Respondent]:
        def work(conn: Connection) -> list[Respondent]:
            return AuditRepo(conn).respondents(audit_id)

        return await self.db.run(work)

    async def answers(self, audit_id: int) -> list[AnswerRecord]:
        """The answers given; of an anonymous audit, the submitted ones without anyone's id."""

        def work(conn: Connection) -> list[AnswerRecord]:
            programme = ProgrammeRepo(conn)
            if programme.options(audit_id).anonymous:
                return programme.anonymous_answers(audit_id)
            return AnswerRepo(conn).all_for_audit(audit_id)

        return await self.db.run(work)

    async def close(self, actor: User, audit_id: int, raw_conclusion: str) -> Audit:
        """Stores the conclusion and the compliance results of the submitted questionnaires."""
        conclusion = clean_text(raw_conclusion, CONCLUSION_MAX, "audits.conclusion")
        audit = await self.get_to_run(actor, audit_id)
        checklist = await self.templates.checklist(audit.template_id)

        def work(conn: Connection) -> Audit | None:
            repo = AuditRepo(conn)
            current = repo.get(audit_id)
            assert current is not None
            if current.status is not AuditStatus.OPEN:
                raise Refused("audits.not_open")
            submitted = {r.user_id for r in repo.respondents(audit_id) if r.submitted_at}
            if not submitted:
                raise Refused("audits.nothing_submitted")
            records = AnswerRepo(conn).all_for_audit(audit_id)
            if ProgrammeRepo(conn).options(audit_id).anonymous:
                records, submitted = ProgrammeRepo(conn).anonymous_answers(audit_id), {0}
            given = [
                (a.question_id, a.value)
                for a in records
                if a.user_id in submitted and a.value is not None
            ]
            results = compute_results(checklist, given)
            stored = {
                "overall": results.overall,
                "by_section": results.by_section,
                "by_clause": results.by_clause,
                "scored": results.scored,
                "respondents": sum(1 for r in repo.respondents(audit_id) if r.submitted_at),
            }
            now = self.clock.now()
            repo.set_status(
                audit_id, AuditStatus.CLOSED, conclusion=conclusion, results=stored, closed_at=now
            )
            EventLog(conn).add(now, actor.id, AUDIT, audit_id, "closed", overall=results.overall)
            # ISO 9001 9.2.2 c: the results go to management; the handler tells them.
            head = DepartmentRepo(conn).get(current.department_id or 0)
            told = recipients(
                UserRepo(conn).active(),
                head.head_user_id if head else None,
                [current.lead_auditor_id],
                actor.id,
            )
            AckRepo(conn).add(audit_id, told, now)
            return repo.get(audit_id)

        closed = await self.db.run(work)
        assert closed is not None
        return closed

    async def cancel(self, actor: User, audit_id: int) -> Audit:
        if not actor.has(Role.MANAGER):
            raise Refused("access.read_only" if actor.has(Role.OBSERVER) else "audits.not_yours")

        def work(conn: Connection) -> Audit | None:
            repo = AuditRepo(conn)
            audit = repo.get(audit_id)
            if audit is None:
                raise Refused("audits.not_found")
            if audit.status not in ACTIVE:
                raise Refused("audits.not_active")
            now = self.clock.now()
            repo.set_status(audit_id, AuditStatus.CANCELLED, closed_at=now)
            EventLog(conn).add(now, actor.id, AUDIT, audit_id, "cancelled")
            return repo.get(audit_id)

        cancelled = await self.db.run(work)
        assert cancelled is not None
        return cancelled

    # -- the audit team, options and changes of a planned audit (issue 12) -----------------

    async def team(self, audit_id: int) -> list[tuple[int, str]]:
        """The co-auditors (id, name) beside the lead auditor."""

        def work(conn: Connection) -> list[tuple[int, str]]:
            return ProgrammeRepo(conn).team(audit_id)

        return await self.db.run(work)

    async def options(self, audit_id: int) -> Options:
        def work(conn: Connection) -> Options:
            return ProgrammeRepo(conn).options(audit_id)

        return await self.db.run(work)

    async def options_of(self, audit_ids: list[int]) -> dict[int, Options]:
        """Each audit's options (one missing: planned before they existed, the defaults)."""

        def work(conn: Connection) -> dict[int, Options]:
            return ProgrammeRepo(conn).options_of(audit_ids)

        found = await self.db.run(work)
        return {audit_id: found.get(audit_id, Options()) for audit_id in audit_ids}

    async def edit(
        self, actor: User, audit_id: int, revision: int, change: AuditChange
    ) -> tuple[Audit, list[tuple[int, str]]]:
        """Changes a planned audit (the manager's), re-checking the rules the wizard checks,
        as one event with what was before and after. Returns the audit and whom to tell
        what: (user id, locale key). A button drawn for an older revision is stale."""
        if not actor.has(Role.MANAGER):
            raise Refused("audits.not_yours")
        today = self.today()

        def work(conn: Connection) -> tuple[Audit, list[tuple[int, str]]]:
            repo, programme, users = AuditRepo(conn), ProgrammeRepo(conn), UserRepo(conn)
            audit = repo.get(audit_id)
            if audit is None:
                raise Refused("audits.not_found")
            if audit.status is not AuditStatus.PLANNED:
                raise Refused("audits.not_planned")
            if programme.options(audit_id).revision != revision:
                raise Refused("stale")
            team_before = [audit.lead_auditor_id, *(m for m, _ in programme.team(audit_id))]
            people_before = [r.user_id for r in repo.respondents(audit_id)]
            values: dict[str, object] = {}
            before: dict[str, object] = {}
            start = change.start_date or audit.start_date
            deadline = change.deadline or audit.deadline
            if change.start_date or change.deadline:
                check_dates(start, deadline, today)
                values.update(start_date=start, deadline=deadline)
                before.update(start_date=audit.start_date, deadline=audit.deadline)
            if change.scope is not None:
                values["scope"] = clean_text(change.scope, TEXT_MAX, "audits.scope")
                before["scope"] = audit.scope
            if change.criteria is not None:
                values["criteria"] = clean_text(change.criteria, TEXT_MAX, "audits.criteria")
                before["criteria"] = audit.criteria
            lead = change.lead_auditor_id or audit.lead_auditor_id
            co = change.co_auditor_ids
            if co is None:
                co = [m for m in team_before[1:] if m != lead]
            team = [lead, *sorted(set(co) - {lead})]
            people = change.respondent_ids if change.respondent_ids is not None else people_before
            people = sorted(set(people) - set(team))
            if not people:
                raise Refused("audits.no_respondents")
            for user_id in people:
                person = users.get(user_id)
                if person is None or not person.is_active:
                    raise Refused("users.not_found")
            check_team(users, team, audit.department_id, people)
            if lead != audit.lead_auditor_id:
                values["lead_auditor_id"] = lead
                before["lead_auditor_id"] = audit.lead_auditor_id
            if not programme.bump(audit_id, revision):
                raise Refused("stale")
            if values:
                repo.change(audit_id, **values)
            if team != team_before:
                programme.set_team(audit_id, team[1:])
            if people != sorted(people_before):
                repo.set_respondents(audit_id, people)
            details = bool(values.keys() - {"lead_auditor_id"})
            told = _whom_to_tell(actor.id, team_before, team, people_before, people, details)
            after = dict(values)
            EventLog(conn).add(
                self.clock.now(),
                actor.id,
                AUDIT,
                audit_id,
                "edited",
                before={k: _plain(v) for k, v in before.items()},
                after={k: _plain(v) for k, v in after.items()},
                team=[team_before, team],
                respondents=[sorted(people_before), people],
            )
            fresh = repo.get(audit_id)
            assert fresh is not None
            return fresh, told

        return await self.db.run(work)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _whom_to_tell(
    actor_id: int,
    team_before: list[int],
    team: list[int],
    people_before: list[int],
    people: list[int],
    details_changed: bool,
) -> list[tuple[int, str]]:
    """Those added or removed are told so; those who stay are told of changed dates,
    scope or criteria. The manager who made the change is not told of it."""
    told: list[tuple[int, str]] = []
    for user_id in team:
        if user_id not in team_before:
            told.append((user_id, "audit.told.team_added"))
        elif details_changed:
            told.append((user_id, "audit.told.changed"))
    told += [(u, "audit.told.team_removed") for u in team_before if u not in team]
    for user_id in people:
        if user_id not in people_before:
            told.append((user_id, "audit.told.added"))
        elif details_changed:
            told.append((user_id, "audit.told.changed"))
    told += [(u, "audit.told.removed") for u in people_before if u not in people]
    return [(u, key) for u, key in told if u != actor_id]
