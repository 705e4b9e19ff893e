"""Quality objectives (ISO 9001 6.2) and their KPIs; management reviews (9.3). Plain rules:
the periods a KPI is measured for, how a value stands against its target and threshold, an
objective's status, and reading a number as staff type it. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.school_calendar import Period

REPORTED = "reported"  # a KPI's source when its owner enters the values
REMIND_EVERY_DAYS = 3  # a reported value still awaited is asked for again this often
TITLE_MAX = 300
NAME_MAX = 200
UNIT_MAX = 20
COMMENT_MAX = 2000


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"


class Frequency(StrEnum):
    MONTH = "month"
    TERM = "term"


class Standing(StrEnum):
    """A value against its KPI: the target met, short of it, or past the threshold."""

    MET = "met"
    SHORT = "short"
    BREACH = "breach"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"


STATUS_ICONS: dict[Status, str] = {
    Status.ON_TRACK: "🟢",
    Status.AT_RISK: "🟡",
    Status.MISSED: "🔴",
    Status.NO_DATA: "⚪️",
}
STANDING_ICONS: dict[Standing, str] = {
    Standing.MET: "✅",
    Standing.SHORT: "⚠️",
    Standing.BREACH: "❌",
}


@dataclass(frozen=True, slots=True)
class Objective:
    id: int
    title: str
    process: str
    owner_id: int
    period_start: date
    period_end: date
    active: bool = True


@dataclass(frozen=True, slots=True)
class Kpi:
    id: int
    objective_id: int
    name: str
    unit: str
    direction: Direction
    target: float
    threshold: float
    frequency: Frequency
    source: str  # REPORTED or a computed source's name
    created_on: date | None = None

    @property
    def reported(self) -> bool:
        return self.source == REPORTED


@dataclass(frozen=True, slots=True)
class KpiValue:
    kpi_id: int
    period: str
    value: float
    comment: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    entered_by: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """One measuring period of a KPI: a month or a term of the school calendar."""

    key: str  # 2026-09 for a month, t2026-11-05 (the term's first day) for a term
    start: date
    end: date  # inclusive
    name: str  # "09.2026", or the term's name in the calendar ("2 четверть")


def month_slots(first: date, last: date) -> list[Slot]:
    slots = []
    day = first.replace(day=1)
    while day <= last:
        following = (day + timedelta(days=32)).replace(day=1)
        slots.append(Slot(f"{day:%Y-%m}", day, following - timedelta(days=1), f"{day:%m.%Y}"))
        day = following
    return slots


def term_slots(first: date, last: date, terms: Iterable[Period]) -> list[Slot]:
    """The calendar's terms that begin within [first, last], in order. A yearly term falls in
    the year that keeps it inside the objective's period (September in the first calendar
    year of a school year, March in the second)."""
    found = []
    for term in terms:
        if not term.yearly:
            starts = [term.start]
        else:
            starts = []
            for year in range(first.year, last.year + 1):
                try:
                    starts.append(term.start.replace(year=year))
                except ValueError:  # 29 February
                    continue
        for start in starts:
            if not first <= start <= last:
                continue
            end = term.end if not term.yearly else term.last_day_from(start)
            found.append(Slot(f"t{start.isoformat()}", start, min(end, last), term.name))
    return sorted(found, key=lambda slot: slot.start)


def slots_for(kpi: Kpi, objective: Objective, terms: Iterable[Period]) -> list[Slot]:
    if kpi.frequency is Frequency.MONTH:
        return month_slots(objective.period_start, objective.period_end)
    return term_slots(objective.period_start, objective.period_end, terms)


def asked_for(slots: Sequence[Slot], created_on: date | None, today: date) -> list[Slot]:
    """The ended periods whose value the owner is asked for: those that ended since the KPI
    was defined, and the last one that ended before (a KPI defined in November asks for
    October, not for every month since September)."""
    ended = [slot for slot in slots if slot.end <= today]
    if created_on is None:
        return ended
    before = [slot for slot in ended if slot.end < created_on]
    return before[-1:] + [slot for slot in ended if slot.end >= created_on]


def standing(kpi: Kpi, value: float) -> Standing:
    """Higher is better: at or above the target is met, below the threshold a breach; lower
    is better the other way round."""
    sign = 1 if kpi.direction is Direction.HIGHER else -1
    if sign * value >= sign * kpi.target:
        return Standing.MET
    if sign * value < sign * kpi.threshold:
        return Standing.BREACH
    return Standing.SHORT


def limits_problem(direction: Direction, target: float, threshold: float) -> str | None:
    """The threshold is the bad side of the target (or equal to it): None when so."""
    if direction is Direction.HIGHER and threshold > target:
        return "objectives.threshold_above"
    if direction is Direction.LOWER and threshold < target:
        return "objectives.threshold_below"
    return None


def objective_status(latest: Sequence[tuple[Kpi, float | None]], ended: bool) -> Status:
    """From each KPI's latest value: no value at all is no data; any KPI past its threshold,
    or short of its target once the objective's period is over, is missed (at the end) or
    at risk (before it); every KPI with a value at its target is on track."""
    values = [(kpi, value) for kpi, value in latest if value is not None]
    if not values:
        return Status.NO_DATA
    standings = [standing(kpi, value) for kpi, value in values]
    if all(s is Standing.MET for s in standings):
        return Status.ON_TRACK
    if ended:
        return Status.MISSED
    return Status.AT_RISK


_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def parse_number(text: str) -> float | None:
    """86,8 / 86.8 / 86,8 % / 1 200 -> a number; anything else None."""
    raw = text.strip().replace("\u00a0", " ").removesuffix("%").strip()
    raw = raw.replace(" ", "").replace(",", ".")
    if not _NUMBER.fullmatch(raw):
        return None
    return float(raw)


# -- management reviews --------------------------------------------------------------------


class ReviewStatus(StrEnum):
    DRAFT = "draft"  # the pack built, decisions being entered
    SENT = "sent"  # waiting for the director's «Утверждаю»
    APPROVED = "approved"


class DecisionKind(StrEnum):
    """ISO 9001 9.3.3: opportunities for improvement, changes to the QMS, resource needs."""

    IMPROVEMENT = "improvement"
    QMS_CHANGE = "qms_change"
    RESOURCES = "resources"


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    held_on: date
    period_start: date
    period_end: date
    participants: str
    external_issues: str | None
    internal_issues: str | None
    status: ReviewStatus
    created_by: int
    pack_file_id: str | None = None
    approved_by: int | None = None
    approved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    review_id: int
    kind: DecisionKind
    text: str
    nc_id: int
