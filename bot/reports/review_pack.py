"""What a management review pack holds (ISO 9001:2015 9.3.2 a–f and the decisions of 9.3.3),
assembled by bot/services/reviews.py and drawn as a DOCX by bot/reports/review.py (which
alone imports python-docx: a start of the bot needs only this).

Inputs from features not built here come through SECTION_PROVIDERS (name -> lines of text
for the period, None: no data yet): "surveys" (customer satisfaction), "suppliers"
(external providers), "risks" (risks and opportunities), "documents" (documents and their
acknowledgements). Another feature registers its provider with `register_section(...)`;
bot/services/integration.py registers all four in app assembly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from bot.domain.objectives import Review
from bot.domain.summaries import Summary
from bot.reports.model import Gettext

# (conn, the period's first day, its last day or today if sooner, gettext) -> lines or None
SectionProvider = Callable[[Connection, date, date, Gettext], list[str] | None]
SECTION_PROVIDERS: dict[str, SectionProvider] = {}
SEAMS = ("surveys", "suppliers", "risks", "documents")


def register_section(name: str, provider: SectionProvider) -> None:
    SECTION_PROVIDERS[name] = provider


@dataclass(frozen=True, slots=True)
class ActionLine:
    """A decision followed as an action: its text and its NC record's state."""

    kind: str  # a DecisionKind value
    text: str
    number: str
    status: str  # an NcStatus value
    responsible: str
    due: date | None
    overdue: bool = False  # still open past its due date


@dataclass(frozen=True, slots=True)
class KpiLine:
    objective: str
    name: str
    values: str  # "1 четверть: 86,8 %; 2 четверть: —"
    target: str
    threshold: str
    standing: str
    chart: bytes | None = None


@dataclass(slots=True)
class ReviewPack:
    review: Review
    director: str
    previous: list[ActionLine] = field(default_factory=list)
    objectives: list[tuple[str, ...]] = field(default_factory=list)  # title, owner, status
    kpis: list[KpiLine] = field(default_factory=list)
    summary: Summary | None = None
    audits: list[tuple[str, ...]] = field(default_factory=list)
    competence_share: float | None = None
    competence_expired: int = 0
    reminders_sent: int = 0
    improvements: list[str] = field(default_factory=list)
    decisions: list[ActionLine] = field(default_factory=list)
    sections: dict[str, list[str] | None] = field(default_factory=dict)


def gather_sections(
    conn: Connection, start: date, end: date, gettext: Gettext
) -> dict[str, list[str] | None]:
    return {
        name: (
            SECTION_PROVIDERS[name](conn, start, end, gettext)
            if name in SECTION_PROVIDERS
            else None
        )
        for name in SEAMS
    }
