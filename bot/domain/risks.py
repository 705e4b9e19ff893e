"""Risks and opportunities (ISO 9001 6.1): the score, its level and the treatments.

The score is likelihood × impact, each 1–5 (so 1–25). Levels: 1–4 low, 5–9 medium,
10–16 high, 20–25 critical — the usual 5×5 matrix; a high or critical risk must have a
treatment other than "accept" to count as treated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

MARKS = (1, 2, 3, 4, 5)


class RiskKind(StrEnum):
    RISK = "risk"
    OPPORTUNITY = "opportunity"


class RiskStatus(StrEnum):
    PROPOSED = "proposed"  # in chat, waiting for the manager
    ACTIVE = "active"  # in the register
    REJECTED = "rejected"
    CLOSED = "closed"


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Treatment(StrEnum):
    ACCEPT = "accept"
    REDUCE = "reduce"
    AVOID = "avoid"
    TRANSFER = "transfer"
    PURSUE = "pursue"  # an opportunity's


LEVEL_ICONS = {Level.LOW: "🟢", Level.MEDIUM: "🟡", Level.HIGH: "🟠", Level.CRITICAL: "🔴"}
RISK_TREATMENTS = (Treatment.ACCEPT, Treatment.REDUCE, Treatment.AVOID, Treatment.TRANSFER)
OPPORTUNITY_TREATMENTS = (Treatment.PURSUE, Treatment.ACCEPT)


def score(likelihood: int | None, impact: int | None) -> int | None:
    """likelihood × impact, or None while either is not set. Raises ValueError outside 1–5."""
    if likelihood is None or impact is None:
        return None
    if likelihood not in MARKS or impact not in MARKS:
        raise ValueError("likelihood and impact are 1 to 5")
    return likelihood * impact


def level_of(value: int) -> Level:
    if value <= 4:
        return Level.LOW
    if value <= 9:
        return Level.MEDIUM
    if value <= 16:
        return Level.HIGH
    return Level.CRITICAL


def treatments_for(kind: RiskKind) -> tuple[Treatment, ...]:
    return OPPORTUNITY_TREATMENTS if kind is RiskKind.OPPORTUNITY else RISK_TREATMENTS


@dataclass(slots=True)
class RiskAction:
    id: int
    risk_id: int
    text: str
    owner_id: int
    due_date: date
    done_at: datetime | None = None
    owner_name: str | None = None

    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_date < today


@dataclass(slots=True)
class Risk:
    id: int
    kind: RiskKind
    status: RiskStatus
    title: str
    proposed_by: int
    created_at: datetime
    department_id: int | None = None
    department_name: str | None = None
    cause: str | None = None
    consequence: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    treatment: Treatment | None = None
    review_on: date | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    revision: int = 0
    actions: list[RiskAction] = field(default_factory=list)
    process: str | None = None  # the QMS process it belongs to (beside its department)
    closed_reason: str | None = None  # why it was closed, when it is

    @property
    def number(self) -> str:
        return f"R-{self.id:03d}"

    @property
    def score(self) -> int | None:
        return score(self.likelihood, self.impact)

    @property
    def level(self) -> Level | None:
        value = self.score
        return None if value is None else level_of(value)

    @property
    def residual_score(self) -> int | None:
        return score(self.residual_likelihood, self.residual_impact)

    @property
    def residual_level(self) -> Level | None:
        value = self.residual_score
        return None if value is None else level_of(value)

    def needs_treatment(self) -> bool:
        """A high or critical risk in the register without a treatment that acts on it."""
        return (
            self.status is RiskStatus.ACTIVE
            and self.kind is RiskKind.RISK
            and self.level in (Level.HIGH, Level.CRITICAL)
            and self.treatment in (None, Treatment.ACCEPT)
        )
