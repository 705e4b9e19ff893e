"""Quality objectives and their KPIs: the manager defines them, the bot works out the
computed values and asks owners for the reported ones at each period's end, a KPI past its
threshold becomes an NC or an improvement opportunity in one tap."""

from __future__ import annotations

import builtins
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.models import User
from bot.domain.nonconformities import NcAction, NcStatus, Nonconformity, Severity, Source
from bot.domain.objectives import (
    COMMENT_MAX,
    NAME_MAX,
    REPORTED,
    TITLE_MAX,
    UNIT_MAX,
    Direction,
    Frequency,
    Kpi,
    KpiValue,
    Objective,
    Slot,
    Standing,
    Status,
    asked_for,
    limits_problem,
    objective_status,
    slots_for,
    standing,
)
from bot.domain.roles import Role
from bot.domain.school_calendar import Period, school_year_bounds, school_year_of
from bot.services.calendar import CalendarService
from bot.services.errors import Refused
from bot.services.kpi_sources import SOURCES, Span, measure
from bot.services.nonconformities import NcService
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.objectives import ObjectiveRepo
from bot.storage.users import UserRepo

ENTITY = "objective"
NC = "nc"
OBJECTIVE_FIELDS = ("title", "process", "owner", "period")
KPI_FIELDS = ("name", "unit", "target", "threshold", "frequency")
# A target typed that the threshold would then pass: said of the target, not the threshold.
TARGET_PROBLEMS = {
    "objectives.threshold_above": "objectives.target_below_threshold",
    "objectives.threshold_below": "objectives.target_above_threshold",
}


def revision_mark(objective: Objective, kpis: Iterable[Kpi]) -> str:
    """A short digest of what the card shows of the objective and its KPIs: an edit button
    carries it, and a button drawn before a change no longer matches (no revision column
    needed; a change undone makes the old card current again, which it then is)."""
    shown = (
        objective.title, objective.process, objective.owner_id, objective.period_start,
        objective.period_end, objective.active,
        [(k.id, k.name, k.unit, k.target, k.threshold, k.frequency.value) for k in kpis],
    )  # fmt: skip
    return f"{zlib.crc32(repr(shown).encode()):08x}"


class StaleObjective(Refused):
    """An edit button from an older card: nothing changed; the card as it is now is shown."""

    def __init__(self, objective_id: int) -> None:
        super().__init__("objectives.stale")
        self.objective_id = objective_id


@dataclass(frozen=True, slots=True)
class KpiSeries:
    kpi: Kpi
    points: list[tuple[Slot, float | None]]  # the periods begun so far, oldest first
    reported: dict[str, KpiValue]

    @property
    def latest(self) -> tuple[Slot, float] | None:
        found = [(slot, value) for slot, value in self.points if value is not None]
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class ObjectiveCard:
    objective: Objective
    owner: str
    status: Status
    series: list[KpiSeries]

    @property
    def mark(self) -> str:
        return revision_mark(self.objective, [s.kpi for s in self.series])


@dataclass(frozen=True, slots=True)
class Awaited:
    """A reported value its owner has not given yet for a period that has ended."""

    kpi: Kpi
    objective: Objective
    slot: Slot


@dataclass(frozen=True, slots=True)
class Entered:
    kpi: Kpi
    slot: Slot
    value: float
    standing: Standing
    saved: bool  # False: a value for this period was given already (it stays)


def load_series(
    conn: Connection, objective: Objective, kpi: Kpi, today: date, terms: Iterable[Period],
    tz: ZoneInfo, memo: dict[tuple[str, date, date], float | None] | None = None,
) -> KpiSeries:  # fmt: skip
    """The KPI's value for each period begun so far. `memo` keeps the computed ones while
    many KPIs are read at once: they share sources and periods (one school year's months and
    terms), and a measure reads the whole period's audits and actions."""
    memo = {} if memo is None else memo
    reported = {v.period: v for v in ObjectiveRepo(conn).values(kpi.id)}
    points: list[tuple[Slot, float | None]] = []
    for slot in slots_for(kpi, objective, terms):
        if slot.start > today:
            break
        if kpi.reported:
            value = reported[slot.key].value if slot.key in reported else None
        else:
            key = (kpi.source, slot.start, slot.end)
            if key not in memo:
                memo[key] = measure(kpi.source, Span(conn, slot.start, slot.end, today, tz))
            value = memo[key]
        points.append((slot, value))
    return KpiSeries(kpi, points, reported)


def load_cards(
    conn: Connection, today: date, terms: Iterable[Period], tz: ZoneInfo
) -> list[ObjectiveCard]:
    repo, users = ObjectiveRepo(conn), UserRepo(conn)
    terms = tuple(terms)
    cards = []
    memo: dict[tuple[str, date, date], float | None] = {}
    for objective in repo.objectives():
        series = [
            load_series(conn, objective, k, today, terms, tz, memo) for k in repo.kpis(objective.id)
        ]
        latest = [(s.kpi, s.latest[1] if s.latest else None) for s in series]
        status = objective_status(latest, objective.period_end < today)
        owner = users.get(objective.owner_id)
        cards.append(ObjectiveCard(objective, owner.full_name if owner else "—", status, series))
    return cards


def awaited_values(conn: Connection, today: date, terms: Iterable[Period]) -> list[Awaited]:
    """Reported values due (their period ended today or before) and not given."""
    repo = ObjectiveRepo(conn)
    given = {(v.kpi_id, v.period) for v in repo.values()}
    objectives = {o.id: o for o in repo.objectives()}
    terms = tuple(terms)
    found = []
    for kpi in repo.kpis():
        objective = objectives.get(kpi.objective_id)
        if objective is None or not kpi.reported:
            continue
        for slot in asked_for(slots_for(kpi, objective, terms), kpi.created_on, today):
            if (kpi.id, slot.key) not in given:
                found.append(Awaited(kpi, objective, slot))
    return found


class ObjectiveService(SchoolDay):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        calendar: CalendarService,
        ncs: NcService,
        year_start: tuple[int, int] = (9, 1),
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.calendar = calendar
        self.ncs = ncs
        self.year_start = year_start

    def terms(self) -> tuple[Period, ...]:
        return self.calendar.current().terms

    @staticmethod
    def sources() -> builtins.list[str]:
        """The KPI sources one may choose: reported by the owner, then the computed ones."""
        return [REPORTED, *SOURCES]

    # -- reading ---------------------------------------------------------------------------

    async def cards(self) -> builtins.list[ObjectiveCard]:
        today, terms = self.today(), self.terms()
        return await self.db.run(lambda conn: load_cards(conn, today, terms, self.tz))

    async def card(self, objective_id: int) -> ObjectiveCard:
        for card in await self.cards():
            if card.objective.id == objective_id:
                return card
        raise Refused("objectives.not_found")

    async def series(self, kpi_id: int) -> tuple[Objective, KpiSeries]:
        today, terms = self.today(), self.terms()

        def work(conn: Connection) -> tuple[Objective, KpiSeries]:
            repo = ObjectiveRepo(conn)
            kpi = repo.kpi(kpi_id)
            objective = repo.objective(kpi.objective_id) if kpi else None
            if kpi is None or objective is None or not objective.active:
                raise Refused("objectives.not_found")
            return objective, load_series(conn, objective, kpi, today, terms, self.tz)

        return await self.db.run(work)

    async def people(self) -> builtins.list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).active())

    async def now_counts(self, today: date) -> builtins.list[tuple[str, int]]:
        """For /summary "now": (plural locale key with {n}, count) — objectives at risk (or
        missed) and reported KPI values awaited from their owners."""
        terms = self.terms()

        def work(conn: Connection) -> builtins.list[tuple[str, int]]:
            cards = load_cards(conn, today, terms, self.tz)
            risky = sum(c.status in (Status.AT_RISK, Status.MISSED) for c in cards)
            return [
                ("objectives.now.at_risk", risky),
                ("objectives.now.awaited", len(awaited_values(conn, today, terms))),
            ]

        return await self.db.run(work)

    # -- defining (manager) ----------------------------------------------------------------

    async def add_objective(
        self, actor: User, raw_title: str, raw_process: str, owner_id: int
    ) -> Objective:
        _manager(actor)
        title, process = clean(raw_title, TITLE_MAX), clean(raw_process, TITLE_MAX)
        now, today = self.clock.now(), self.today()
        first, last = school_year_bounds(school_year_of(today, self.year_start), self.year_start)

        def work(conn: Connection) -> Objective:
            owner = UserRepo(conn).get(owner_id)
            if owner is None or not owner.is_active:
                raise Refused("objectives.no_owner")
            repo = ObjectiveRepo(conn)
            objective_id = repo.add_objective(title, process, owner.id, first, last, now)
            EventLog(conn).add(now, actor.id, ENTITY, objective_id, "created", title=title)
            found = repo.objective(objective_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def add_kpi(self, actor: User, objective_id: int, draft: dict[str, Any]) -> Kpi:
        """`draft`: name, unit, direction, target, threshold, frequency, source (as the
        wizard collected them, each already checked on its step)."""
        _manager(actor)
        direction, frequency = Direction(draft["direction"]), Frequency(draft["frequency"])
        target, threshold = float(draft["target"]), float(draft["threshold"])
        problem = limits_problem(direction, target, threshold)
        if problem:
            raise Refused(problem)
        if draft["source"] not in self.sources():
            raise Refused("stale")
        kpi = Kpi(
            0, objective_id, clean(draft["name"], NAME_MAX), clean(draft["unit"], UNIT_MAX),
            direction, target, threshold, frequency, draft["source"],
        )  # fmt: skip
        now = self.clock.now()

        def work(conn: Connection) -> Kpi:
            repo = ObjectiveRepo(conn)
            if repo.objective(objective_id) is None:
                raise Refused("objectives.not_found")
            kpi_id = repo.add_kpi(kpi, now)
            EventLog(conn).add(
                now, actor.id, ENTITY, objective_id, "kpi_added", kpi=kpi_id, name=kpi.name,
                source=kpi.source, target=target, threshold=threshold,
            )  # fmt: skip
            found = repo.kpi(kpi_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def check_mark(self, objective_id: int, seen: str) -> ObjectiveCard:
        """The card, if it is still as the button was drawn; StaleObjective otherwise."""
        card = await self.card(objective_id)
        if card.mark != seen:
            raise StaleObjective(objective_id)
        return card

    async def edit_objective(
        self, actor: User, objective_id: int, seen: str, field: str, value: Any
    ) -> Objective:
        """One field of the objective changed, logged with its value before and after.
        `value`: a text for title and process, a user id for owner, (start, end) for period."""
        _manager(actor)
        if field in ("title", "process"):
            values: dict[str, Any] = {field: clean(str(value), TITLE_MAX)}
        elif field == "owner":
            values = {"owner_id": int(value)}
        elif field == "period":
            start, end = value
            if not isinstance(start, date) or not isinstance(end, date) or start > end:
                raise Refused("objectives.bad_period")
            values = {"period_start": start, "period_end": end}
        else:
            raise Refused("stale")
        now = self.clock.now()

        def work(conn: Connection) -> Objective:
            repo = ObjectiveRepo(conn)
            objective = _current(repo, objective_id, seen)
            if "owner_id" in values:
                owner = UserRepo(conn).get(values["owner_id"])
                if owner is None or not owner.is_active:
                    raise Refused("objectives.no_owner")
            before = {k: getattr(objective, k) for k in values}
            if before != values:
                repo.update_objective(objective_id, **values)
                EventLog(conn).add(
                    now, actor.id, ENTITY, objective_id, "edited", field=field,
                    before=_plain(before), after=_plain(values),
                )  # fmt: skip
            found = repo.objective(objective_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def kpi_for_edit(self, kpi_id: int, seen: str) -> tuple[Kpi, ObjectiveCard]:
        """The KPI and its objective's card, if the card is still as the button was drawn."""
        kpi = await self.db.run(lambda conn: ObjectiveRepo(conn).kpi(kpi_id))
        if kpi is None:
            raise Refused("objectives.not_found")
        return kpi, await self.check_mark(kpi.objective_id, seen)

    async def edit_kpi(self, actor: User, kpi_id: int, seen: str, field: str, value: Any) -> Kpi:
        """One field of a KPI changed (name, unit, target, threshold, frequency), logged with
        its value before and after; a target or threshold that would cross the other is
        refused with the reason."""
        _manager(actor)
        if field == "name":
            checked: Any = clean(str(value), NAME_MAX)
        elif field == "unit":
            checked = clean(str(value), UNIT_MAX)
        elif field in ("target", "threshold"):
            checked = float(value)
        elif field == "frequency":
            try:
                checked = Frequency(value)
            except ValueError:
                raise Refused("stale") from None
        else:
            raise Refused("stale")
        now = self.clock.now()

        def work(conn: Connection) -> Kpi:
            repo = ObjectiveRepo(conn)
            kpi = repo.kpi(kpi_id)
            if kpi is None:
                raise Refused("objectives.not_found")
            _current(repo, kpi.objective_id, seen)
            # Reported values are kept by their period: a new frequency would lose them.
            moved = field == "frequency" and checked != kpi.frequency
            if moved and kpi.reported and repo.values(kpi_id):
                raise Refused("objectives.frequency_has_values")
            target = checked if field == "target" else kpi.target
            threshold = checked if field == "threshold" else kpi.threshold
            problem = limits_problem(kpi.direction, target, threshold)
            if problem:
                raise Refused(TARGET_PROBLEMS[problem] if field == "target" else problem)
            before = getattr(kpi, field)
            if before != checked:
                stored = checked.value if isinstance(checked, Frequency) else checked
                repo.update_kpi(kpi_id, **{field: stored})
                EventLog(conn).add(
                    now, actor.id, ENTITY, kpi.objective_id, "kpi_edited", kpi=kpi_id,
                    field=field, before=_plain({field: before})[field], after=stored,
                )  # fmt: skip
            found = repo.kpi(kpi_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def archive(self, actor: User, objective_id: int) -> None:
        """No longer pursued: off the list, the reviews' packs and the reminders; its
        values and actions stay in the database. A second tap: not found."""
        _manager(actor)
        now = self.clock.now()

        def work(conn: Connection) -> None:
            if not ObjectiveRepo(conn).archive(objective_id):
                raise Refused("objectives.not_found")
            EventLog(conn).add(now, actor.id, ENTITY, objective_id, "archived")

        await self.db.run(work)

    # -- reported values -------------------------------------------------------------------

    async def slot(self, actor: User, kpi_id: int, period: str) -> tuple[Kpi, Objective, Slot]:
        """A period the owner (or a manager) may give this KPI's value for now."""
        terms, today = self.terms(), self.today()

        def work(conn: Connection) -> tuple[Kpi, Objective, Slot]:
            repo = ObjectiveRepo(conn)
            kpi = repo.kpi(kpi_id)
            objective = repo.objective(kpi.objective_id) if kpi else None
            if kpi is None or objective is None or not kpi.reported:
                raise Refused("objectives.not_found")
            if actor.id != objective.owner_id and not actor.has(Role.MANAGER):
                raise Refused("objectives.not_owner")
            slot = next((s for s in slots_for(kpi, objective, terms) if s.key == period), None)
            if slot is None or slot.end > today:
                raise Refused("stale")
            if any(v.period == period for v in repo.values(kpi.id)):
                raise Refused("objectives.value_given")
            return kpi, objective, slot

        return await self.db.run(work)

    async def enter_value(
        self,
        actor: User,
        kpi_id: int,
        period: str,
        value: float,
        comment: str | None,
        evidence: builtins.list[dict[str, Any]],
    ) -> Entered:
        kpi, _, slot = await self.slot(actor, kpi_id, period)
        text = " ".join(comment.split())[:COMMENT_MAX] if comment else None
        now = self.clock.now()

        def work(conn: Connection) -> bool:
            record = KpiValue(kpi.id, slot.key, value, text, evidence, actor.id)
            saved = ObjectiveRepo(conn).add_value(record, now)
            if saved:
                EventLog(conn).add(
                    now, actor.id, ENTITY, kpi.objective_id, "value", kpi=kpi.id,
                    period=slot.key, value=value,
                )  # fmt: skip
            return saved

        saved = await self.db.run(work)
        return Entered(kpi, slot, value, standing(kpi, value), saved)

    # -- a KPI past its threshold ----------------------------------------------------------

    async def raise_action(
        self, actor: User, kpi_id: int, period: str, improvement: bool, description: str
    ) -> tuple[Nonconformity, bool]:
        """An NC of source "objective" (or, `improvement`, an improvement opportunity) for the
        KPI's value of the period, its owner responsible. Once per KPI and period: a second
        tap returns the one raised (False)."""
        today, terms, now = self.today(), self.terms(), self.clock.now()

        def work(conn: Connection) -> tuple[Nonconformity, bool]:
            repo = ObjectiveRepo(conn)
            kpi = repo.kpi(kpi_id)
            objective = repo.objective(kpi.objective_id) if kpi else None
            if kpi is None or objective is None:
                raise Refused("objectives.not_found")
            if actor.id != objective.owner_id and not actor.has(Role.MANAGER):
                raise Refused("objectives.not_owner")
            existing = repo.action_for(kpi.id, period)
            if existing is not None:
                found = NcRepo(conn).get(existing)
                assert found is not None
                return found, False
            series = load_series(conn, objective, kpi, today, terms, self.tz)
            value = next((v for s, v in series.points if s.key == period), None)
            if value is None or standing(kpi, value) is not Standing.BREACH:
                raise Refused("stale")
            severity = Severity.IMPROVEMENT.value if improvement else None
            nc = assign_new(
                self.ncs, conn, actor, objective.owner_id, now,
                source=Source.OBJECTIVE.value, description=description, severity=severity,
            )  # fmt: skip
            repo.add_action(kpi.id, period, nc.id)
            return nc, True

        return await self.db.run(work)


def assign_new(
    ncs: NcService, conn: Connection, actor: User, owner_id: int, now: Any, **values: Any
) -> Nonconformity:
    """An NC registered and at once given to `owner_id` (with a due date and the action
    itself when `values` name them: then it is planned, and the ordinary due reminders
    follow it)."""
    nc = ncs.create_in(conn, actor, "reported", **values)
    planned = values.get("corrective_action") is not None and values.get("due_date") is not None
    status = NcStatus.PLANNED if planned else NcStatus.ASSIGNED
    NcRepo(conn).update(nc.id, now, status=status.value, responsible_id=owner_id)
    EventLog(conn).add(
        now, actor.id, NC, nc.id, NcAction.ASSIGN.value, to=status.value, responsible_id=owner_id
    )
    found = NcRepo(conn).get(nc.id)
    assert found is not None
    return found


def _current(repo: ObjectiveRepo, objective_id: int, seen: str) -> Objective:
    """The objective in the register, as the button was drawn for (else StaleObjective)."""
    objective = repo.objective(objective_id)
    if objective is None or not objective.active:
        raise Refused("objectives.not_found")
    if revision_mark(objective, repo.kpis(objective_id)) != seen:
        raise StaleObjective(objective_id)
    return objective


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the event log's JSON keeps them (dates as ISO text, enums as their value)."""
    return {
        k: v.isoformat() if isinstance(v, date) else v.value if isinstance(v, Frequency) else v
        for k, v in values.items()
    }


def _manager(actor: User) -> None:
    if not actor.has(Role.MANAGER):
        raise Refused("objectives.manager_only")


def clean(raw: str, limit: int) -> str:
    """A typed text of an objective or a review, its spaces collapsed; refused when nothing
    is left or it is longer than `limit`."""
    text = " ".join(raw.split())
    if not text:
        raise Refused("objectives.empty")
    if len(text) > limit:
        raise Refused("objectives.too_long", limit=limit)
    return text
