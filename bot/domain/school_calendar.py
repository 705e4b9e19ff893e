"""The school calendar: terms and holidays, the school year, and the next working day.

Plain Python. A calendar is a small YAML file: `terms` and `holidays`, each a list of
`{name, start, end}` with dates as `DD.MM` (the same days every year; a holiday may cross
the new year: 31.12–11.01) or as `DD.MM.YYYY` (that year only, e.g. this year's exact
spring holidays). `parse_calendar()` refuses a file whole, naming every problem, as checklist
templates are refused. The default ships in `templates/calendar.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.domain.checklist_files import _decode, _read_yaml, describe
from bot.domain.checklists import Problem, one_line
from bot.paths import ROOT

DEFAULT_CALENDAR = ROOT / "templates" / "calendar.yaml"
MAX_PERIODS = 60
NAME_MAX = 80
LISTS = ("terms", "holidays")
FIELDS = ("name", "start", "end")
# Every problem of a calendar file that is the calendar's own (the others: checklist.error.*)
PROBLEM_KEYS = tuple(
    f"calendar.error.{key}"
    for key in ("missing", "no_name", "bad_date", "mixed_dates", "end_before_start", "too_long")
)
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*$")
_FULL = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


# -- the school year ---------------------------------------------------------------------------


def parse_year_start(text: str) -> tuple[int, int]:
    """`09-01` (month-day, as SCHOOL_YEAR_START is set) -> (9, 1); ValueError if it is not
    a day every year has (29 February is not)."""
    match = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", text)
    if not match:
        raise ValueError("expected a month and a day like 09-01")
    month, day = int(match[1]), int(match[2])
    try:
        date(2025, month, day)  # not a leap year: a start every year has
    except ValueError:
        raise ValueError(f"{text!r} is not a day of every year, e.g. 09-01") from None
    return month, day


def school_year_of(day: date, start: tuple[int, int] = (9, 1)) -> int:
    """The school year containing `day`, named by the calendar year it begins in (2026 for
    1 Sep 2026 – 31 Aug 2027 with the default start): the one rule for /program and
    /summary."""
    month, first = start
    return day.year if (day.month, day.day) >= (month, first) else day.year - 1


def school_year_bounds(year: int, start: tuple[int, int] = (9, 1)) -> tuple[date, date]:
    """The first and the last day of the school year that begins in `year`."""
    month, first = start
    begin = date(year, month, first)
    return begin, date(year + 1, month, first) - timedelta(days=1)


def school_year_months(year: int, start: tuple[int, int] = (9, 1)) -> list[tuple[int, int]]:
    """(year, month) of the school year's twelve months, from its first."""
    month = start[0]
    return [(year + (month - 1 + n) // 12, (month - 1 + n) % 12 + 1) for n in range(12)]


# -- terms and holidays ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """A term or a holiday. `year` None: the same days every year (start/end as (month, day),
    an end before the start crosses the new year); else start and end are in that year only
    (end may be in the next year)."""

    name: str
    start: date  # for a yearly period: any year, only month and day count
    end: date
    yearly: bool

    def contains(self, day: date) -> bool:
        if not self.yearly:
            return self.start <= day <= self.end
        md = (day.month, day.day)
        first, last = (self.start.month, self.start.day), (self.end.month, self.end.day)
        if first <= last:
            return first <= md <= last
        return md >= first or md <= last  # crosses the new year

    def last_day_from(self, day: date) -> date:
        """The last day of this period's stretch that contains `day`."""
        if not self.yearly:
            return self.end
        end = date(day.year, self.end.month, self.end.day)
        return end if end >= day else date(day.year + 1, self.end.month, self.end.day)


@dataclass(frozen=True, slots=True)
class SchoolCalendar:
    terms: tuple[Period, ...]
    holidays: tuple[Period, ...]

    def holiday_on(self, day: date) -> Period | None:
        return next((h for h in self.holidays if h.contains(day)), None)

    def term_on(self, day: date) -> Period | None:
        return next((t for t in self.terms if t.contains(day)), None)


def is_working_day(day: date, calendar: SchoolCalendar) -> bool:
    return day.weekday() < 5 and calendar.holiday_on(day) is None


def next_working_day(day: date, calendar: SchoolCalendar) -> date:
    """`day` itself if it is a working day, else the first working day after it: holidays
    and weekends are not working days (31.12.2026 -> 12.01.2027)."""
    for _ in range(800):  # a year of holidays at most, whatever the file says
        if is_working_day(day, calendar):
            return day
        holiday = calendar.holiday_on(day)
        day = (holiday.last_day_from(day) if holiday else day) + timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Moved:
    """A date that fell on a day off and where it moved: `holiday` names the holiday, None
    for a weekend."""

    asked: date
    moved_to: date
    holiday: str | None


def working_date(day: date, calendar: SchoolCalendar, weekends: bool = True) -> Moved | None:
    """Where a deadline (`weekends` True) or a start date (only holidays move it) on `day`
    goes; None when it stays."""
    holiday = calendar.holiday_on(day)
    if holiday is None and (not weekends or day.weekday() < 5):
        return None
    return Moved(day, next_working_day(day, calendar), holiday.name if holiday else None)


# -- the YAML file -----------------------------------------------------------------------------


class CalendarError(Exception):
    """A calendar file was refused; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.key} {p.params}" for p in problems[:5]))


def _date_of(text: str) -> tuple[date, bool] | None:
    """`25.10` -> (that day in a leap year, yearly); `25.10.2026` -> (the date, not yearly)."""
    try:
        if match := _DAY_MONTH.match(text):
            return date(2028, int(match[2]), int(match[1])), True
        if match := _FULL.match(text):
            return date(int(match[3]), int(match[2]), int(match[1])), False
    except ValueError:
        return None
    return None


def _periods(data: Any, name: str, problems: list[Problem]) -> list[Period]:
    items = data.get(name)
    if items is None:
        if name == "terms":
            problems.append(Problem("calendar.error.missing", {}, field=name))
        return []
    if not isinstance(items, list):
        problems.append(Problem("checklist.error.expected_list", {}, field=name))
        return []
    if len(items) > MAX_PERIODS:
        problems.append(Problem("checklist.error.too_many", {"max": str(MAX_PERIODS)}, field=name))
        return []
    found: list[Period] = []
    for number, item in enumerate(items, 1):
        where = f"{name}[{number}]"
        if not isinstance(item, dict):
            problems.append(Problem("checklist.error.expected_mapping", {}, field=where))
            continue
        for key in item:
            if key not in FIELDS:
                problems.append(
                    Problem("checklist.error.unknown_field", {}, field=f"{where}.{one_line(key)}")
                )
        title = item.get("name")
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem("calendar.error.no_name", {}, field=f"{where}.name"))
            title = ""
        elif len(title) > NAME_MAX:
            problems.append(
                Problem(
                    "checklist.error.too_long",
                    {"max": str(NAME_MAX), "length": str(len(title))},
                    field=f"{where}.name",
                )
            )
        ends: list[tuple[date, bool]] = []
        for field in ("start", "end"):
            raw = item.get(field)
            if isinstance(raw, date):  # YAML's own 2026-10-25
                value: tuple[date, bool] | None = (raw, False)
            else:  # unquoted 25.10 is the number 25.1 to YAML: refused, asked in quotes
                value = _date_of(raw) if isinstance(raw, str) else None
            if value is None:
                problems.append(
                    Problem(
                        "calendar.error.bad_date",
                        {"value": one_line(raw) if raw is not None else "—"},
                        field=f"{where}.{field}",
                    )
                )
            else:
                ends.append(value)
        if len(ends) != 2:
            continue
        (start, yearly), (end, end_yearly) = ends
        if yearly != end_yearly:
            problems.append(Problem("calendar.error.mixed_dates", {}, field=where))
            continue
        if not yearly and end < start:
            problems.append(Problem("calendar.error.end_before_start", {}, field=where))
            continue
        if not yearly and (end - start).days > 366:
            problems.append(Problem("calendar.error.too_long", {}, field=where))
            continue
        found.append(Period(title.strip(), start, end, yearly))
    return found


def parse_calendar(source: str | bytes) -> SchoolCalendar:
    """YAML text -> SchoolCalendar; raises CalendarError with every problem found."""
    text = _decode(source)
    if isinstance(text, Problem):
        raise CalendarError([Problem(f"checklist.error.{text.key}", text.params)])
    data, problems = _read_yaml(text)
    problems = [Problem(f"checklist.error.{p.key}", p.params, field=p.field) for p in problems]
    if data is None and not problems:
        problems.append(Problem("checklist.error.empty_file", {}))
    if problems:
        raise CalendarError(problems)
    if not isinstance(data, dict):
        raise CalendarError([Problem("checklist.error.not_mapping", {})])
    for key in data:
        if key not in LISTS:
            problems.append(Problem("checklist.error.unknown_field", {}, field=one_line(key)))
    terms = _periods(data, "terms", problems)
    holidays = _periods(data, "holidays", problems)
    if not problems and not terms:
        problems.append(Problem("calendar.error.missing", {}, field="terms"))
    if problems:
        raise CalendarError(problems)
    return SchoolCalendar(tuple(terms), tuple(holidays))


def load_calendar(path: Path | None = None) -> SchoolCalendar:
    """The calendar in `path` (default: the shipped one)."""
    return parse_calendar((path or DEFAULT_CALENDAR).read_bytes())


def describe_problem(problem: Problem, gettext: Callable[[str], str]) -> str:
    """One line: where in the file, then what is wrong (`problem.key` is the full locale key;
    the reading problems are the checklists' own)."""
    if problem.key.startswith("checklist.error."):
        return describe(replace(problem, key=problem.key.removeprefix("checklist.error.")), gettext)
    what = gettext(problem.key).format(**problem.params)
    if problem.field:
        where = gettext("checklist.where.field").format(field=problem.field)
        what = gettext("checklist.where.line").format(where=where, problem=what)
    return what[:1].upper() + what[1:]
