"""Plain, display-ready data the report renderers work from.

Everything here is already translated and formatted for the reader (statuses, severities,
names); datetimes are timezone-aware in the school's time zone. The renderers never touch
the database or aiogram, so they are easy to test and to run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

Gettext = Callable[[str], str]
"""Returns the text of a locale key in the requester's language."""


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


@dataclass(frozen=True, slots=True)
class AuditNote:
    kind: str  # as the reader reads it: "наблюдение", "strength"...
    question: int | None  # the question's number, or None for the audit as a whole
    text: str


@dataclass(frozen=True, slots=True)
class CompetenceRow:
    """A person in the competence matrix: per requirement (in the sheet's order) its status
    text and valid-until day, or (None, None) where it does not apply."""

    name: str
    department: str
    cells: list[tuple[str | None, date | None]]
    all_valid: str


def format_percent(value: float | None, gettext: Gettext) -> str:
    """84.2 -> "84,2 %" (ru) / "84.2%" (en); "n/a" when nothing was scored."""
    if value is None:
        return gettext("report.not_scored")
    number = f"{value:.1f}".replace(".", gettext("report.decimal_point"))
    return gettext("report.percent").format(value=number)
