"""KPI values the bot works out itself: a registry of name -> measure of a period.

A measure reads the database for one period and returns a number, or None for "no data
yet" (nothing to count in the period, or the feature behind it is not there). Another
feature plugs its own in with `register(...)` at import time; the names are stored in each
KPI's `source`, and the locale has `objectives.source.<name>` for each.

Registered empty here and filled in app assembly by bot/services/integration.py (the
features were built in parallel): `acknowledgements` (issue 14, controlled documents) and
`parent_satisfaction` (issue 16, surveys: the mean score on the 1–5 scale).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.domain.summaries import Summary, summarize
from bot.storage.summaries import audit_facts, nc_facts
from bot.storage.users import UserRepo


@dataclass(frozen=True, slots=True)
class Span:
    """The period measured: its first and last day (inclusive), and today (a running period
    is measured up to today)."""

    conn: Connection
    start: date
    end: date
    today: date
    tz: ZoneInfo


Measure = Callable[[Span], float | None]
SOURCES: dict[str, Measure] = {}


def register(name: str, measure: Measure) -> None:
    SOURCES[name] = measure


def measure(name: str, span: Span) -> float | None:
    found = SOURCES.get(name)
    return found(span) if found is not None else None


def _summary(span: Span) -> Summary:
    end = span.end + timedelta(days=1)
    return summarize(
        span.start,
        end,
        span.today,
        audit_facts(span.conn, span.start, end),
        nc_facts(span.conn, span.start, end, span.tz),
        [],
        [],
    )


def audit_compliance(span: Span) -> float | None:
    """The mean result of the audits closed that started in the period (as /summary)."""
    return _summary(span).compliance


def actions_on_time(span: Span) -> float | None:
    """Percent of the period's corrective actions with a due date that were done by it."""
    summary = _summary(span)
    counted = summary.on_time + summary.overdue
    return round(100 * summary.on_time / counted, 1) if counted else None


def competence_valid(span: Span) -> float | None:
    """Percent of staff with every competence requirement valid at the period's end (or
    today while it runs): the share of /competence's matrix."""
    from bot.services.competence import load_matrix  # competence imports nothing of ours

    day = min(span.end, span.today)
    return load_matrix(span.conn, UserRepo(span.conn).active(), day, 0).share


def no_data_yet(span: Span) -> float | None:
    return None


register("audit_compliance", audit_compliance)
register("actions_on_time", actions_on_time)
register("competence_valid", competence_valid)
register("acknowledgements", no_data_yet)  # issue 14 replaces it with the documents' share
register("parent_satisfaction", no_data_yet)  # issue 16 replaces it with the surveys' mean
