"""Plain, display-ready data the report renderers work from.

Everything here is already translated and formatted for the reader (statuses, severities,
names); datetimes are timezone-aware in the school's time zone. The renderers never touch
the database or aiogram, so they are easy to test and to run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.domain.numbers import percent

Gettext = Callable[[str], str]
"""Returns the text of a locale key in the requester's language."""

# Colours that mean what they show: done and closed green, waiting amber, overdue red.
STATUS_COLORS = {
    "new": "#8A8A8A",
    "assigned": "#E0A526",
    "planned": "#2F6DB5",
    "done": "#7CC47F",
    "verified": "#3A9D4B",
    "closed": "#1E6B30",
    "rejected": "#5A5A5A",
    "overdue": "#C8382E",
}


@dataclass(frozen=True, slots=True)
class AuditRow:
    number: str
    title: str
    department: str
    template: str
    status: str
    lead_auditor: str
    start_date: date
    deadline: date
    respondents: int
    submitted: int
    compliance: float | None
    """Percent, 0..100 (e.g. 84.2); None when nothing was scored."""
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    audit_number: str
    respondent: str
    department: str
    section: str
    question_number: int
    clause: str
    question: str
    answer: str
    score: float | None
    """Contribution of the answer to compliance, 0..1; None when it is not scored."""
    nonconforming: bool
    comment: str
    evidence: int
    answered_at: datetime
    evidence_files: str = ""
    """Each piece of evidence by name (a document's file name; photos numbered)."""


Who = tuple[str, str, str]
"""Audit number, respondent (the anonymous name for an anonymous audit), department."""
Fact = tuple[str, int, str, str, str, float | None, bool]
"""Section, question number, clause, question, answer as shown, score, nonconforming."""


@dataclass(frozen=True, slots=True)
class AnswerStream:
    """The answers sheet as the export reads it, for speed: each row is a tuple of keys
    `(who, fact, comment, evidence, answered_at, evidence)`, and the functions below turn a
    key into its cells' values. Thousands of answers share a few hundred keys, so the
    writer builds each key's cells once instead of once per answer (issue 17)."""

    rows: Iterable[tuple[Any, ...]]
    who: Callable[[Any], Who]
    fact: Callable[[Any], Fact]
    evidence: Callable[[Any], int]
    """The number of pieces of evidence (see `AnswerRow.evidence`)."""
    answered_at: Callable[[Any], datetime]
    """The school's wall time (naive, or aware in the school's zone)."""
    evidence_files: Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class NcRow:
    number: str
    source: str
    status: str
    severity: str
    department: str
    clause: str
    description: str
    reporter: str
    responsible: str
    created_at: datetime
    due_date: date | None
    closed_at: datetime | None
    days_overdue: int | None
    audit_number: str


@dataclass(frozen=True, slots=True)
class ActionRow:
    nc_number: str
    responsible: str
    correction: str
    root_cause: str
    corrective_action: str
    due_date: date | None
    status: str
    done_at: datetime | None
    effective: bool | None
    verifier: str
    verification_note: str


@dataclass(frozen=True, slots=True)
class Finding:
    number: int
    clause: str
    question: str
    summary: str
    evidence: int
    nonconforming: bool
    comments: list[str] = field(default_factory=list)
    """The respondents' comments, without their names (the report names no respondent)."""
    files: list[str] = field(default_factory=list)
    """The evidence by name: a document's file name, "photo" for a photo."""
    photos: list[bytes] = field(default_factory=list)
    """The answers' photos as the school's file store keeps them (at most REPORT_PHOTOS_MAX),
    drawn as thumbnails under the finding."""


@dataclass(frozen=True, slots=True)
class AuditReport:
    number: str
    title: str
    department: str
    objectives: list[str]
    scope: str
    criteria: str
    lead_auditor: str
    participants: list[str]
    start_date: date
    deadline: date
    closed_at: datetime | None
    template: str
    template_version: int
    overall: float | None
    """Percent, 0..100; None when nothing was scored."""
    by_section: dict[str, float | None]
    by_clause: dict[str, float | None]
    findings: list[Finding]
    ncs: list[NcRow]
    conclusion: str
    notes: list[AuditNote] = field(default_factory=list)
    """Observations, opportunities for improvement and strengths (ISO 19011)."""
    documents: list[str] = field(default_factory=list)
    """The controlled documents the checklist's questions check, as the reader reads them."""
    acknowledgements: list[AckRow] = field(default_factory=list)
    """Who was told of the results, and when he acknowledged them (ISO 9001 9.2.2 c)."""
    issued_on: date | None = None
    """The report's date of issue (the day the audit was closed)."""
    director: str = ""
    """Who approves the report («УТВЕРЖДАЮ»): the school's director, if known."""
    team: list[str] = field(default_factory=list)
    """The audit team besides the lead auditor."""
    methods: list[str] = field(default_factory=list)
    """How the evidence was gathered (questionnaire, document review, observation)."""
    locations: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AckRow:
    name: str
    role: str  # as the reader reads it: "руководство", "audit team"
    told_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditNote:
    kind: str  # as the reader reads it: "наблюдение", "strength"...
    question: int | None  # the question's number, or None for the audit as a whole
    text: str
    code: str = ""  # FindingKind: "observation", "improvement", "strength"


@dataclass(frozen=True, slots=True)
class CompetenceRow:
    """A person in the competence matrix: per requirement (in the sheet's order) its status
    text and valid-until day, or (None, None) where it does not apply."""

    name: str
    department: str
    cells: list[tuple[str | None, date | None]]
    all_valid: str


def format_percent(value: float | None, gettext: Gettext) -> str:
    """84.2 -> "84,2 %" (ru) / "84.2%" (en); "н/д" / "n/a" when nothing was scored: the
    one rule for a compliance figure in chat (`format_percent(v, _)`), files and charts,
    bot.domain.numbers in the language `gettext` speaks."""
    if value is None:
        return gettext("report.not_scored")
    return percent(value, gettext("number.locale"))
