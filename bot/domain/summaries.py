"""Periods and the numbers of a QMS summary, computed from plain rows (tested by hand)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.clauses import clause_sort_key
from bot.domain.school_calendar import school_year_bounds, school_year_of


class Period(StrEnum):
    MONTH = "month"
    TERM = "term"
    YEAR = "year"


def period_bounds(
    period: Period, today: date, year_start: tuple[int, int] = (9, 1)
) -> tuple[date, date]:
    """[start, end) of the period holding today. The school year is the one /program shows
    (`school_year_of`, from SCHOOL_YEAR_START, 1 September by default); its halves run to
    the new year and from it."""
    if period is Period.MONTH:
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    first, last = school_year_bounds(school_year_of(today, year_start), year_start)
    end = last + timedelta(days=1)
    if period is Period.YEAR:
        return first, end
    new_year = date(first.year + 1, 1, 1)
    if first.month == 1 and first.day == 1:  # a school year of the calendar year: no halves
        return first, end
    return (first, new_year) if today < new_year else (new_year, end)


def previous_bounds(
    period: Period, start: date, year_start: tuple[int, int] = (9, 1)
) -> tuple[date, date]:
    """The period just before the one starting at `start`."""
    return period_bounds(period, start - timedelta(days=1), year_start)


@dataclass(frozen=True, slots=True)
class AuditFact:
    status: str
    department: str
    overall: float | None
    by_clause: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class NcFact:
    status: str
    severity: str | None
    due_date: date | None
    closed_on: date | None
    done_on: date | None


@dataclass(slots=True)
class Summary:
    start: date
    end: date
    audits: Counter[str] = field(default_factory=Counter)  # planned / open / closed
    compliance: float | None = None
    by_department: dict[str, float | None] = field(default_factory=dict)
    weakest: list[tuple[str, float]] = field(default_factory=list)
    nc_status: Counter[str] = field(default_factory=Counter)
    nc_severity: Counter[str] = field(default_factory=Counter)
    on_time: int = 0
    overdue: int = 0
    previous_compliance: float | None = None
    previous_ncs: int = 0

    @property
    def ncs(self) -> int:
        return sum(self.nc_status.values())


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), 1) if items else None


def summarize(
    start: date,
    end: date,
    today: date,
    audits: list[AuditFact],
    ncs: list[NcFact],
    previous_audits: list[AuditFact],
    previous_ncs: list[NcFact],
) -> Summary:
    """Audits are those starting in the period; NCs those raised in it. Compliance is the
    mean of the closed audits' overall results (each audit counts once); a department's
    likewise; a clause's is the mean over the closed audits that scored it. An action is
    on time when it was done (or closed) by its due date; overdue when it is still open
    past it or was done late."""
    summary = Summary(start=start, end=end)
    summary.audits.update(a.status for a in audits)
    closed = [a for a in audits if a.status == "closed" and a.overall is not None]
    summary.compliance = _mean(a.overall for a in closed if a.overall is not None)
    departments: dict[str, list[float]] = defaultdict(list)
    clauses: dict[str, list[float]] = defaultdict(list)
    for audit in closed:
        departments[audit.department].append(audit.overall or 0.0)
        for clause, percent in audit.by_clause.items():
            if percent is not None:
                clauses[clause].append(percent)
    summary.by_department = {name: _mean(values) for name, values in sorted(departments.items())}
    ranked = sorted(
        ((clause, _mean(values) or 0.0) for clause, values in clauses.items()),
        key=lambda item: (item[1], clause_sort_key(item[0])),
    )
    summary.weakest = ranked[:5]
    summary.nc_status.update(nc.status for nc in ncs)
    summary.nc_severity.update(nc.severity or "unset" for nc in ncs)
    for nc in ncs:
        if nc.due_date is None or nc.status == "rejected":
            continue
        finished = nc.done_on or nc.closed_on
        if finished is not None:
            if finished <= nc.due_date:
                summary.on_time += 1
            else:
                summary.overdue += 1
        elif nc.due_date < today:
            summary.overdue += 1
    previous_closed = [
        a.overall for a in previous_audits if a.status == "closed" and a.overall is not None
    ]
    summary.previous_compliance = _mean(v for v in previous_closed if v is not None)
    summary.previous_ncs = len(previous_ncs)
    return summary
