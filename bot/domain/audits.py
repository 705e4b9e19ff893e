"""Audits: statuses, objectives, numbering and the planning rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.models import User
from bot.domain.roles import Role


class AuditStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Objective(StrEnum):
    """The audit objectives the seed lists (DESIGN §2)."""

    STRATEGY = "strategy"
    LEGAL = "legal"
    SUPERVISORY = "supervisory"
    CONTRACT = "contract"
    FUTURE = "future"
    SUPPLIERS = "suppliers"
    RISKS = "risks"


def audit_number(year: int, seq: int) -> str:
    return f"A-{year}-{seq:03d}"


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    id: int
    code: str
    language: str
    version: int
    title: str
    question_count: int


@dataclass(frozen=True, slots=True)
class Audit:
    id: int
    number: str
    title: str
    department_id: int | None
    department_name: str | None
    template_id: int
    template_title: str
    objectives: list[str]
    scope: str
    criteria: str
    lead_auditor_id: int
    lead_auditor_name: str
    start_date: date
    deadline: date
    status: AuditStatus
    conclusion: str | None
    results: dict[str, Any] | None
    created_by: int
    opened_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Respondent:
    user_id: int
    tg_id: int
    full_name: str
    language: str | None
    answered: int
    submitted_at: datetime | None


@dataclass(slots=True)
class AnswerRecord:
    id: int
    user_id: int
    question_id: str
    value: str | None
    comment: str | None
    evidence: list[dict[str, Any]]


@dataclass(slots=True)
class AuditDraft:
    """What the planning wizard collects before the audit is created."""

    title: str = ""
    department_id: int | None = None
    template_id: int | None = None
    objectives: list[str] = field(default_factory=list)
    scope: str = ""
    criteria: str = ""
    lead_auditor_id: int | None = None
    respondent_ids: list[int] = field(default_factory=list)
    start_date: date | None = None
    deadline: date | None = None
    co_auditor_ids: list[int] = field(default_factory=list)  # the team beside the lead
    anonymous: bool = False


def evidence_pieces(evidence: list[dict[str, Any]]) -> int:
    """Photos sent together as one album count as one piece of evidence."""
    return len({item.get("group") or item["file_id"] for item in evidence})


def may_run(user: User, audit: Audit) -> bool:
    """Who may change an audit (remind, conclude, close, raise findings): a manager or its
    lead auditor. Everyone else who may see it (an observer, a person told its results)
    only reads."""
    return user.has(Role.MANAGER) or audit.lead_auditor_id == user.id


@dataclass(frozen=True, slots=True)
class AuditChange:
    """What the manager changes in a planned audit; None: stays as it is."""

    start_date: date | None = None
    deadline: date | None = None
    scope: str | None = None
    criteria: str | None = None
    lead_auditor_id: int | None = None
    co_auditor_ids: list[int] | None = None
    respondent_ids: list[int] | None = None
