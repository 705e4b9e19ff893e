"""External providers (ISO 9001 8.4): their status and the yearly evaluation by weighted
criteria. The score is 0–100: each criterion's mark 1–5 counts (mark − 1) / 4 of its weight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.competence import add_months

CRITERIA = ("quality", "timeliness", "compliance", "responsiveness")
DEFAULT_WEIGHTS = {"quality": 40, "timeliness": 20, "compliance": 25, "responsiveness": 15}
WEIGHT_MAX = 100
WEIGHT_STEP = 5
MARKS = (1, 2, 3, 4, 5)
EVALUATION_MONTHS = 12


class SupplierStatus(StrEnum):
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    EXCLUDED = "excluded"


def weighted_score(marks: dict[str, int], weights: dict[str, int]) -> int:
    """0–100. Raises ValueError when a criterion has no mark 1–5 or no weight is set."""
    total = sum(weights.get(c, 0) for c in CRITERIA)
    if total <= 0:
        raise ValueError("every weight is zero")
    if any(marks.get(c) not in MARKS for c in CRITERIA):
        raise ValueError("a mark 1 to 5 for every criterion")
    value = sum(weights.get(c, 0) * (marks[c] - 1) / 4 for c in CRITERIA) / total * 100
    return round(value)


def suggested_status(score: int) -> SupplierStatus:
    """From 80 approved, from 60 conditional, below that excluded (the manager decides)."""
    if score >= 80:
        return SupplierStatus.APPROVED
    if score >= 60:
        return SupplierStatus.CONDITIONAL
    return SupplierStatus.EXCLUDED


@dataclass(frozen=True, slots=True)
class Evaluation:
    id: int
    supplier_id: int
    evaluated_on: date
    marks: dict[str, int]
    weights: dict[str, int]
    score: int
    evaluated_by: int
    by_name: str | None = None


@dataclass(slots=True)
class Supplier:
    id: int
    name: str
    supplies: str
    status: SupplierStatus
    created_on: date
    contract_from: date | None = None
    contract_to: date | None = None
    contact: str | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    last_evaluated: date | None = None
    last_score: int | None = None

    @property
    def excluded(self) -> bool:
        return self.status is SupplierStatus.EXCLUDED

    @property
    def evaluation_due(self) -> date | None:
        """A year after the last evaluation; a provider never evaluated is due from the day
        it was added. None for an excluded one."""
        if self.excluded:
            return None
        if self.last_evaluated is None:
            return self.created_on
        return add_months(self.last_evaluated, EVALUATION_MONTHS)
