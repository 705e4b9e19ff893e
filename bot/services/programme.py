"""The school year's audit programme (ISO 9001 9.2.2): recurring lines that generate the
audits, the frequency suggested from the results, the director's approval; and who may be on
an audit's team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.audits import Audit, AuditDraft, AuditStatus
from bot.domain.competence import Cell
from bot.domain.models import User
from bot.domain.programme import (
    Frequency,
    Occurrence,
    PastAudit,
    Suggestion,
    independence_problem,
    objective_for,
    occurrences,
    suggest_frequency,
)
from bot.domain.roles import Role
from bot.domain.school_calendar import school_year_bounds
from bot.services.accounts import AccountService
from bot.services.audits import TEXT_MAX, AuditService, clean_text
from bot.services.calendar import CalendarService
from bot.services.competence import CompetenceService
from bot.services.errors import Refused
from bot.services.templates import TemplateService
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.programme import Decision, Line, ProgrammeRepo
from bot.storage.templates import TemplateRepo
from bot.storage.users import UserRepo


@dataclass(frozen=True, slots=True)
class Candidates:
    """Who may be on an audit's team, and why the others are not offered."""

    offered: list[User]
    untrained: list[tuple[User, Cell]]  # no valid internal-auditor training
    not_independent: list[tuple[User, str]]  # would audit his own work: a refusal key


async def team_candidates(
    accounts: AccountService,
    competence: CompetenceService,
    department_id: int | None,
    respondent_ids: list[int],
    leave_out: set[int] | None = None,
) -> Candidates:
    """Auditors and managers, trained (ISO 19011 7) and independent of what is audited
    (bot.domain.programme.independence_problem); `leave_out` are not listed at all."""
    people = [
        p
        for p in await accounts.active()
        if p.has(Role.AUDITOR, Role.MANAGER) and p.id not in (leave_out or set())
    ]
    trained, untrained = await competence.auditors(people)
    offered, not_independent = [], []
    for person in trained:
        problem = independence_problem(
            person.id, person.department_id, department_id, respondent_ids
        )
        if problem:
            not_independent.append((person, problem))
        else:
            offered.append(person)
    return Candidates(offered, list(untrained), not_independent)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the year's programme stands with the director: the latest step (None: never
    sent), and how many changes were made after its approval."""

    latest: Decision | None
    approved: Decision | None
    changed_since: int
    stamp: int  # all the programme's changes so far: a decision button is drawn for it


@dataclass(frozen=True, slots=True)
class Generated:
    line_id: int
    audits: list[tuple[Audit, Occurrence]]


class ProgrammeService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        audits: AuditService,
        templates: TemplateService,
        calendar: CalendarService,
        threshold: float,
        risk_levels: Callable[[], Awaitable[Mapping[int | None, str]]] | None = None,
    ) -> None:
        self.db = db
        # Issue 16: the highest risk level per department (RiskService.top_levels).
        self.risk_levels = risk_levels
        self.clock = clock
        self.audits = audits
        self.templates = templates
        self.calendar = calendar
        self.threshold = threshold  # PROGRAMME_LOW_COMPLIANCE

    async def lines(self, year: int) -> list[Line]:
        return await self.db.run(lambda conn: ProgrammeRepo(conn).lines(year))

    async def suggest(self, template_id: int, department_id: int | None) -> Suggestion:
        """How often this checklist should audit this department, from its closed audits
        (newest first) and the department's open major NCs."""
        info = await self.templates.info(template_id)

        def work(conn: Connection) -> tuple[list[PastAudit], int]:
            past = []
            for audit in reversed(AuditRepo(conn).in_years()):
                if audit.status is not AuditStatus.CLOSED:
                    continue
                if audit.department_id != department_id:
                    continue
                template = TemplateRepo(conn).info(audit.template_id)
                if template is None or template.code != info.code:
                    continue
                overall = (audit.results or {}).get("overall")
                raised = len(NcRepo(conn).of_audit(audit.id))
                closed = audit.closed_at.date() if audit.closed_at else audit.deadline
                past.append(PastAudit(closed, overall, raised))
            majors = ProgrammeRepo(conn).open_major(department_id)
            return past, majors

        past, majors = await self.db.run(work)
        past.sort(key=lambda p: p.closed_on, reverse=True)
        levels = await self.risk_levels() if self.risk_levels is not None else {}
        risk = levels.get(department_id)
        return suggest_frequency(past, majors, self.threshold, risk=str(risk) if risk else None)

    async def add_line(
        self,
        actor: User,
        year: int,
        template_id: int,
        department_id: int | None,
        frequency: Frequency,
        lead_auditor_id: int,
        criteria: str,
    ) -> Generated:
        """A recurring line and the audits it generates this school year: on working days,
        never in the holidays (the school calendar), of the department's staff, led by the
        chosen auditor. Each is an ordinary planned audit, editable from its card."""
        if not actor.has(Role.MANAGER):
            raise Refused("audits.not_yours")
        info = await self.templates.info(template_id)
        today = self.audits.today()
        planned = occurrences(
            self.calendar.current(), year, self.audits.year_start, frequency, today
        )
        if not planned:
            raise Refused("programme.nothing_left")

        def work(conn: Connection) -> int:
            repo = ProgrammeRepo(conn)
            if repo.same_line(year, info.code, department_id):
                raise Refused("programme.line_exists")
            line_id = repo.add_line(
                year=year,
                template_id=template_id,
                department_id=department_id,
                frequency=frequency.value,
                lead_auditor_id=lead_auditor_id,
                created_by=actor.id,
                created_at=self.clock.now(),
            )
            EventLog(conn).add(
                self.clock.now(),
                actor.id,
                "programme",
                year,
                "line_added",
                line=line_id,
                template=info.code,
                department=department_id,
                frequency=frequency.value,
            )
            return line_id

        staff = await self.db.run(lambda conn: UserRepo(conn).active(department_id))
        respondents = [p.id for p in staff if p.id != lead_auditor_id]
        if not respondents:
            raise Refused("audits.no_respondents")
        line_id = await self.db.run(work)
        made = []
        for item in planned:
            draft = AuditDraft(
                title=f"{info.title} · {item.window.name}",
                department_id=department_id,
                template_id=template_id,
                objectives=[objective_for(info.code)],
                scope=info.title,
                criteria=criteria,
                lead_auditor_id=lead_auditor_id,
                respondent_ids=respondents,
                start_date=item.start,
                deadline=item.deadline,
            )
            made.append((await self.audits.plan(actor, draft, line_id), item))
        return Generated(line_id, made)

    async def standing(self, year: int) -> Standing:
        first, last = school_year_bounds(year, self.audits.year_start)

        def work(conn: Connection) -> Standing:
            repo = ProgrammeRepo(conn)
            ids = repo.year_audit_ids(first, last)
            decisions = repo.decisions(year)
            latest = decisions[0] if decisions else None
            approved = next((d for d in decisions if d.decision == "approved"), None)
            changed = repo.changes_since(year, ids, repo.approval_event(year)) if approved else 0
            stamp = repo.changes_since(year, ids)
            return Standing(latest, approved, changed, stamp)

        return await self.db.run(work)

    async def submit(self, actor: User, year: int) -> list[User]:
        """Sends the year's programme to the director(s); returns them (to be told)."""
        if not actor.has(Role.MANAGER):
            raise Refused("audits.not_yours")
        if not await self.audits.program(year):
            raise Refused("programme.empty")

        def work(conn: Connection) -> list[User]:
            now = self.clock.now()
            ProgrammeRepo(conn).add_decision(
                year=year, decision="submitted", comment=None, actor_id=actor.id, at=now
            )
            EventLog(conn).add(now, actor.id, "programme", year, "submitted")
            return [p for p in UserRepo(conn).active() if p.has(Role.OBSERVER)]

        return await self.db.run(work)

    async def decide(
        self, actor: User, year: int, stamp: int, approve: bool, comment: str | None = None
    ) -> list[User]:
        """The director approves the programme as it was when drawn (`stamp`), or returns it
        with a comment; returns the managers to tell. Approving an approved, unchanged
        programme again changes nothing."""
        if not actor.has(Role.OBSERVER):
            raise Refused("programme.not_director")
        if not approve:
            comment = clean_text(comment or "", TEXT_MAX, "programme.comment")
        current = await self.standing(year)
        if current.stamp != stamp:
            raise Refused("programme.changed")
        latest = current.latest
        approved = latest is not None and latest.decision == "approved"
        if approve and approved and not current.changed_since:  # a second tap
            raise Refused("programme.already_approved")  # (changed since, it may be again)
        decision = "approved" if approve else "returned"

        def work(conn: Connection) -> list[User]:
            now = self.clock.now()
            ProgrammeRepo(conn).add_decision(
                year=year, decision=decision, comment=comment, actor_id=actor.id, at=now
            )
            EventLog(conn).add(now, actor.id, "programme", year, decision, comment=comment)
            return [p for p in UserRepo(conn).active() if p.has(Role.MANAGER)]

        return await self.db.run(work)
