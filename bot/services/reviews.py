"""Management reviews (ISO 9001 9.3): the pack assembled from the bot's data for a school
year, the record (date, participants, the pack, the decisions) with the director's
«Утверждаю», and each decision followed as an action with an owner and a due date."""

from __future__ import annotations

import asyncio
import builtins
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.domain import numbers
from bot.domain.competence import Status as CompetenceStatus
from bot.domain.models import User
from bot.domain.nonconformities import OPEN_STATUSES, Nonconformity, Severity, Source
from bot.domain.objectives import (
    Decision,
    DecisionKind,
    Review,
    ReviewStatus,
    standing,
)
from bot.domain.roles import Role
from bot.domain.school_calendar import school_year_bounds, school_year_of
from bot.domain.summaries import summarize
from bot.reports.model import Gettext, format_percent
from bot.reports.review_pack import ActionLine, KpiLine, ReviewPack, gather_sections
from bot.services.competence import load_matrix
from bot.services.errors import Refused
from bot.services.objectives import ObjectiveService, assign_new, clean, load_cards
from bot.storage.audits import AuditRepo
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.objectives import ObjectiveRepo, raised_between, sent_between
from bot.storage.summaries import audit_facts, nc_facts
from bot.storage.users import UserRepo

ENTITY = "review"
Chart = tuple[list[tuple[str, float | None]], float, float, str]  # points, target, limit, unit
TEXT_MAX = 3000


@dataclass(frozen=True, slots=True)
class Approval:
    review: Review
    people: list[User]  # whom to tell


class ReviewService:
    def __init__(self, db: Database, objectives: ObjectiveService) -> None:
        self.db = db
        self.objectives = objectives
        self.clock = objectives.clock
        self.tz: ZoneInfo = objectives.tz
        self.year_start = objectives.year_start

    def today(self) -> date:
        return self.objectives.today()

    def years(self) -> builtins.list[int]:
        """The school year now and the one before, the ones a review may be of."""
        year = school_year_of(self.today(), self.year_start)
        return [year, year - 1]

    async def list(self) -> builtins.list[Review]:
        return await self.db.run(lambda conn: ObjectiveRepo(conn).reviews())

    async def get(self, review_id: int) -> Review:
        found = await self.db.run(lambda conn: ObjectiveRepo(conn).review(review_id))
        if found is None:
            raise Refused("reviews.not_found")
        return found

    async def decisions(self, review_id: int) -> builtins.list[Decision]:
        return await self.db.run(lambda conn: ObjectiveRepo(conn).decisions(review_id))

    async def create(
        self,
        actor: User,
        year: int,
        external: str | None,
        internal: str | None,
        participants: str,
    ) -> Review:
        if not actor.has(Role.MANAGER):
            raise Refused("objectives.manager_only")
        if year not in self.years():
            raise Refused("stale")
        first, last = school_year_bounds(year, self.year_start)
        now = self.clock.now()
        draft = Review(
            0, self.today(), first, last, _clean(participants), _optional(external),
            _optional(internal), ReviewStatus.DRAFT, actor.id,
        )  # fmt: skip

        def work(conn: Connection) -> Review:
            repo = ObjectiveRepo(conn)
            review_id = repo.add_review(draft, now)
            EventLog(conn).add(now, actor.id, ENTITY, review_id, "created", year=year)
            found = repo.review(review_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def set_pack(self, review_id: int, file_id: str) -> None:
        await self.db.run(lambda conn: ObjectiveRepo(conn).set_pack(review_id, file_id))

    # -- the pack --------------------------------------------------------------------------

    async def pack(self, review_id: int, gettext: Gettext) -> bytes:
        from bot.reports.charts import kpi_over_time
        from bot.reports.review import build_review_pack

        review = await self.get(review_id)
        pack, charts = await self.db.run(lambda conn: self._gather(conn, review, gettext))
        for index, (points, target, threshold, unit) in enumerate(charts):
            line = pack.kpis[index]
            image = await asyncio.to_thread(
                kpi_over_time, line.name, points, target, threshold, unit, gettext
            )
            pack.kpis[index] = replace(line, chart=image)
        return await asyncio.to_thread(build_review_pack, pack, gettext)

    def _gather(
        self, conn: Connection, review: Review, gettext: Gettext
    ) -> tuple[ReviewPack, builtins.list[Chart]]:
        start, last = review.period_start, review.period_end
        end = last + timedelta(days=1)
        today = min(self.today(), last)
        repo, users, ncs = ObjectiveRepo(conn), UserRepo(conn), NcRepo(conn)
        names = {u.id: u.full_name for u in users.active()}
        directors = [u.full_name for u in users.active() if u.has(Role.OBSERVER)]
        pack = ReviewPack(review, directors[0] if directors else "")

        def action_line(decision: Decision) -> ActionLine | None:
            nc = ncs.get(decision.nc_id)
            if nc is None:
                return None
            responsible = names.get(nc.responsible_id or 0, "—")
            overdue = (
                nc.status in OPEN_STATUSES
                and nc.due_date is not None
                and (nc.due_date < self.today())
            )
            return ActionLine(decision.kind.value, decision.text, nc.number, nc.status.value,
                              responsible, nc.due_date, overdue)  # fmt: skip

        earlier = [r for r in repo.reviews() if (r.held_on, r.id) < (review.held_on, review.id)]
        for other in earlier:
            pack.previous += [a for d in repo.decisions(other.id) if (a := action_line(d))]
        pack.decisions = [a for d in repo.decisions(review.id) if (a := action_line(d))]

        locale = gettext("number.locale")
        charts: builtins.list[Chart] = []
        for card in load_cards(conn, today, self.objectives.terms(), self.tz):
            status = gettext(f"objectives.status.{card.status.value}")
            pack.objectives.append((card.objective.title, card.owner, status))
            for series in card.series:
                kpi = series.kpi

                def show(value: float | None, unit: str = kpi.unit) -> str:
                    return numbers.amount(value, unit, locale)

                values = "; ".join(f"{s.name}: {show(v)}" for s, v in series.points) or "—"
                latest = series.latest
                state = (
                    gettext(f"objectives.standing.{standing(kpi, latest[1]).value}")
                    if latest else gettext("objectives.no_value")
                )  # fmt: skip
                pack.kpis.append(KpiLine(card.objective.title, kpi.name, values,
                                         show(kpi.target), show(kpi.threshold), state))  # fmt: skip
                charts.append(
                    ([(s.name, v) for s, v in series.points], kpi.target, kpi.threshold, kpi.unit)
                )

        pack.summary = summarize(
            start, end, today, audit_facts(conn, start, end), nc_facts(conn, start, end, self.tz),
            [], [],
        )  # fmt: skip
        results = {}
        for fact_audit in AuditRepo(conn).starting_between(start, last):
            overall = (fact_audit.results or {}).get("overall")
            results[fact_audit.id] = (
                fact_audit.number, fact_audit.title, fact_audit.department_name or "—",
                gettext(f"audit.status.{fact_audit.status.value}"),
                format_percent(overall, gettext),
            )  # fmt: skip
        pack.audits = list(results.values())
        matrix = load_matrix(conn, users.active(), today, 0)
        pack.competence_share = matrix.share
        pack.competence_expired = sum(
            c.status is CompetenceStatus.EXPIRED for r in matrix.rows for c in r.cells.values()
        )
        since = datetime.combine(start, time(), self.tz)
        until = datetime.combine(end, time(), self.tz)
        pack.reminders_sent = sent_between(conn, since, until)
        pack.improvements = [
            f"{nc.number}: {nc.description.splitlines()[0][:200]}"
            for nc in raised_between(conn, since, until)
            if nc.severity is Severity.IMPROVEMENT
        ]
        pack.sections = gather_sections(conn, start, today, gettext)
        return pack, charts

    # -- decisions (9.3.3) -----------------------------------------------------------------

    async def add_decision(
        self,
        actor: User,
        review_id: int,
        kind: DecisionKind,
        raw_text: str,
        owner_id: int,
        due: date,
    ) -> tuple[Decision, Nonconformity]:
        """The decision, and the action that follows it: an NC record of source "review",
        planned, the owner responsible, due `due`: the ordinary due reminders follow it."""
        if not actor.has(Role.MANAGER):
            raise Refused("objectives.manager_only")
        text = _clean(raw_text)
        if due < self.today():
            raise Refused("nc.due_in_past")
        now = self.clock.now()

        def work(conn: Connection) -> tuple[Decision, Nonconformity]:
            repo = ObjectiveRepo(conn)
            review = repo.review(review_id)
            if review is None:
                raise Refused("reviews.not_found")
            if review.status is not ReviewStatus.DRAFT:  # the director has the pack already
                raise Refused("reviews.already_sent")
            owner = UserRepo(conn).get(owner_id)
            if owner is None or not owner.is_active:
                raise Refused("objectives.no_owner")
            severity = Severity.IMPROVEMENT.value if kind is DecisionKind.IMPROVEMENT else None
            nc = assign_new(
                self.objectives.ncs, conn, actor, owner.id, now,
                source=Source.REVIEW.value, description=text, severity=severity,
                corrective_action=text, due_date=due,
            )  # fmt: skip
            decision_id = repo.add_decision(review_id, kind, text, nc.id, now)
            EventLog(conn).add(now, actor.id, ENTITY, review_id, "decision", nc=nc.id)
            return Decision(decision_id, review_id, kind, text, nc.id), nc

        return await self.db.run(work)

    # -- «Утверждаю» -----------------------------------------------------------------------

    async def send(self, actor: User, review_id: int) -> Approval:
        """To the director (the observers) for approval; once."""
        now = self.clock.now()

        def work(conn: Connection) -> Approval:
            repo = ObjectiveRepo(conn)
            if repo.review(review_id) is None:
                raise Refused("reviews.not_found")
            if not repo.set_status(review_id, (ReviewStatus.DRAFT,), ReviewStatus.SENT):
                raise Refused("reviews.already_sent")
            EventLog(conn).add(now, actor.id, ENTITY, review_id, "sent")
            found = repo.review(review_id)
            assert found is not None
            people = [u for u in UserRepo(conn).active() if u.has(Role.OBSERVER)]
            return Approval(found, people)

        return await self.db.run(work)

    async def approve(self, actor: User, review_id: int) -> Approval:
        if not actor.has(Role.OBSERVER):
            raise Refused("reviews.director_only")
        now = self.clock.now()

        def work(conn: Connection) -> Approval:
            repo = ObjectiveRepo(conn)
            current = repo.review(review_id)
            if current is None:
                raise Refused("reviews.not_found")
            if current.status is ReviewStatus.APPROVED:
                raise Refused("reviews.already_approved")
            moved = repo.set_status(
                review_id, (ReviewStatus.DRAFT, ReviewStatus.SENT), ReviewStatus.APPROVED,
                approved_by=actor.id, approved_at=now,
            )  # fmt: skip
            if not moved:
                raise Refused("reviews.already_approved")
            EventLog(conn).add(now, actor.id, ENTITY, review_id, "approved")
            found = repo.review(review_id)
            assert found is not None
            creator = UserRepo(conn).get(found.created_by)
            return Approval(found, [creator] if creator else [])

        return await self.db.run(work)


def _clean(raw: str) -> str:
    return clean(raw, TEXT_MAX)


def _optional(raw: str | None) -> str | None:
    return _clean(raw) if raw and raw.strip() else None
