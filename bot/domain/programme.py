"""The audit programme's rules (ISO 9001 9.2.2, ISO 19011 5): who may audit what, when the
lines of a school year fall, and how often a line should recur given the results so far.

Plain Python, no I/O: the services load the facts and these decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.school_calendar import (
    SchoolCalendar,
    is_working_day,
    next_working_day,
    school_year_bounds,
)

# -- independence: no auditor audits his own work ----------------------------------------------


def independence_problem(
    candidate_id: int,
    candidate_department_id: int | None,
    audited_department_id: int | None,
    respondent_ids: Iterable[int],
) -> str | None:
    """Why this person may not be on the audit team, as a refusal key; None if he may.

    - a department's audit: nobody from that department audits it;
    - any audit: an auditor is never one of its respondents. For a whole-school audit this
      is what keeps him from answering, and then judging, the questions about his own
      department's work.
    """
    if audited_department_id is not None and candidate_department_id == audited_department_id:
        return "audits.own_department"
    if candidate_id in set(respondent_ids):
        return "audits.auditor_is_respondent"
    return None


def respondent_problem(person_id: int, team_ids: Iterable[int]) -> str | None:
    """A member of the audit team is not asked to answer its questionnaire."""
    return "audits.respondent_on_team" if person_id in set(team_ids) else None


# -- recurring lines ---------------------------------------------------------------------------


class Frequency(StrEnum):
    TERM = "term"  # each term of the school calendar
    TWICE = "twice"  # twice a school year
    YEARLY = "yearly"  # once a school year


SOONER = {Frequency.YEARLY: Frequency.TWICE, Frequency.TWICE: Frequency.TERM}
LATER = {Frequency.TERM: Frequency.TWICE, Frequency.TWICE: Frequency.YEARLY}
AUDIT_DAYS = 14  # from an audit's start to its deadline
SETTLE_DAYS = 14  # an audit starts two weeks into its term, once lessons have settled


@dataclass(frozen=True, slots=True)
class Window:
    """One term of a given school year, with real dates."""

    name: str
    start: date
    end: date


def term_windows(calendar: SchoolCalendar, year: int, year_start: tuple[int, int]) -> list[Window]:
    """The calendar's terms as they fall in the school year beginning in `year`, in order."""
    first, last = school_year_bounds(year, year_start)
    windows = []
    for term in calendar.terms:
        if term.yearly:
            begin = date(year, term.start.month, term.start.day)
            if begin < first:
                begin = date(year + 1, term.start.month, term.start.day)
            end = term.last_day_from(begin)
        else:
            begin, end = term.start, term.end
        if first <= begin <= last:
            windows.append(Window(term.name, begin, end))
    return sorted(windows, key=lambda w: w.start)


def chosen_windows(windows: Sequence[Window], frequency: Frequency) -> list[Window]:
    """Each term; twice: the first term of each half of the year; yearly: the second term
    (the first settles the year in)."""
    if frequency is Frequency.TERM or not windows:
        return list(windows)
    if frequency is Frequency.TWICE:
        return [windows[0], windows[len(windows) // 2]] if len(windows) > 1 else list(windows)
    return [windows[min(1, len(windows) - 1)]]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One generated audit: its term, dates, and the day first aimed at when the calendar
    moved it (a holiday or a weekend)."""

    window: Window
    start: date
    deadline: date
    moved_from: date | None
    holiday: str | None = None  # the holiday it was moved out of (None: a weekend)


def occurrences(
    calendar: SchoolCalendar,
    year: int,
    year_start: tuple[int, int],
    frequency: Frequency,
    today: date,
) -> list[Occurrence]:
    """The audits a line generates: dates on working days, never in the holidays; a term
    already over is skipped, a term under way starts the audit from today."""
    found = []
    for window in chosen_windows(term_windows(calendar, year, year_start), frequency):
        aim = max(window.start + timedelta(days=SETTLE_DAYS), today)
        if aim > window.end:
            continue
        start = next_working_day(aim, calendar)
        deadline = next_working_day(start + timedelta(days=AUDIT_DAYS), calendar)
        moved = aim if start != aim and not is_working_day(aim, calendar) else None
        holiday = calendar.holiday_on(aim)
        found.append(Occurrence(window, start, deadline, moved, holiday.name if holiday else None))
    return found


# -- how often, from the results ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PastAudit:
    """A closed audit of the same checklist and department: its compliance and how many
    nonconformities it raised."""

    closed_on: date
    overall: float | None
    raised: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    frequency: Frequency
    reason: str  # a locale key: programme.reason.*
    params: dict[str, float]  # percent and threshold, or count: the view formats them


REASON_KEYS = tuple(
    f"programme.reason.{key}"
    for key in ("low", "major", "clean", "first", "steady", "risk_high", "risk_critical")
)
RAISING_LEVELS = ("high", "critical")  # a risk level (bot.domain.risks.Level) that raises


def suggest_frequency(
    past: Sequence[PastAudit],
    open_major: int,
    threshold: float,
    usual: Frequency = Frequency.TWICE,
    risk: str | None = None,
) -> Suggestion:
    """Each term when the department has a high or critical open risk (`risk`: the highest
    level in the register, ISO 19011 5.4.2); sooner when the last compliance is below
    `threshold` or major NCs are open in the department; less often after two clean audits
    in a row (at or above the threshold, nothing raised); else the usual pace. `past`
    newest first."""
    if risk in RAISING_LEVELS:
        return Suggestion(Frequency.TERM, f"programme.reason.risk_{risk}", {})
    latest = past[0] if past else None
    if latest is not None and latest.overall is not None and latest.overall < threshold:
        return Suggestion(
            SOONER.get(usual, Frequency.TERM),
            "programme.reason.low",
            {"percent": latest.overall, "threshold": threshold},
        )
    if open_major:
        return Suggestion(
            SOONER.get(usual, Frequency.TERM), "programme.reason.major", {"count": open_major}
        )
    clean = [
        p for p in past[:2] if p.overall is not None and p.overall >= threshold and not p.raised
    ]
    if len(clean) == 2:
        return Suggestion(LATER.get(usual, Frequency.YEARLY), "programme.reason.clean", {})
    if latest is None:
        return Suggestion(usual, "programme.reason.first", {})
    return Suggestion(usual, "programme.reason.steady", {})


# The audit objective (bot.domain.audits.Objective) a shipped checklist serves; any other
# checklist serves the strategy and quality objectives. A generated audit can be changed.
OBJECTIVE_OF = {
    "legal_compliance": "legal",
    "safety": "legal",
    "supervisory_orders": "supervisory",
    "contract_requirements": "contract",
    "supplier_evaluation": "suppliers",
    "risks_opportunities": "risks",
    "strategy_objectives": "strategy",
}


def objective_for(template_code: str) -> str:
    return OBJECTIVE_OF.get(template_code, "strategy")
