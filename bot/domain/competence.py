"""Staff competence (ISO 9001 7.2): what each kind of staff needs, how long it stays valid,
and the status of each person's requirement on a day. Plain rules, no I/O."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.roles import Role

INTERNAL_AUDITOR = "internal_auditor"  # the requirement that lets someone lead an audit


class RecordStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Status(StrEnum):
    """A person's standing on one requirement."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


STATUS_ICONS: dict[Status, str] = {
    Status.VALID: "✅",
    Status.EXPIRING: "⚠️",
    Status.EXPIRED: "❌",
    Status.MISSING: "—",
}


@dataclass(frozen=True, slots=True)
class Requirement:
    id: int
    code: str | None  # a shipped one's code: its name comes from the locale until renamed
    name: str | None
    roles: frozenset[Role]
    months: int
    course: bool  # a course: its hours are asked for
    active: bool = True

    def applies_to(self, roles: Iterable[Role]) -> bool:
        return self.active and not self.roles.isdisjoint(roles)


@dataclass(frozen=True, slots=True)
class Record:
    id: int
    user_id: int
    requirement_id: int
    completed_on: date
    hours: int | None
    evidence: list[dict[str, Any]]
    status: RecordStatus
    created_at: datetime
    reviewer_id: int | None = None
    reason: str | None = None


# The shipped requirements: code, roles, months, a course (hours asked).
DEFAULTS: tuple[tuple[str, frozenset[Role], int, bool], ...] = (
    ("kpk", frozenset({Role.TEACHER}), 36, True),
    ("first_aid", frozenset({Role.TEACHER, Role.HEAD}), 36, False),
    ("labour_protection", frozenset(Role), 36, False),
    ("attestation", frozenset({Role.TEACHER}), 60, False),
    (INTERNAL_AUDITOR, frozenset({Role.AUDITOR, Role.MANAGER}), 36, True),
)

MONTHS_MAX = 240
HOURS_MAX = 2000


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(completed_on: date, months: int) -> date:
    return add_months(completed_on, months)


def status_on(expiry: date | None, today: date, window_days: int) -> Status:
    """Valid until the expiry day (inclusive); expiring within `window_days` of it."""
    if expiry is None:
        return Status.MISSING
    left = (expiry - today).days
    if left < 0:
        return Status.EXPIRED
    return Status.EXPIRING if left <= window_days else Status.VALID


def counts_as_valid(status: Status) -> bool:
    return status in (Status.VALID, Status.EXPIRING)


@dataclass(frozen=True, slots=True)
class Cell:
    status: Status
    expires: date | None = None
    pending: bool = False  # a certificate waits for confirmation


@dataclass(frozen=True, slots=True)
class MatrixRow:
    user_id: int
    name: str
    department: str | None
    cells: dict[int, Cell] = field(default_factory=dict)  # requirement id -> cell (applicable)

    @property
    def all_valid(self) -> bool:
        return all(counts_as_valid(cell.status) for cell in self.cells.values())


@dataclass(frozen=True, slots=True)
class Matrix:
    requirements: list[Requirement]
    rows: list[MatrixRow]

    @property
    def staff(self) -> list[MatrixRow]:
        """People at least one requirement applies to."""
        return [row for row in self.rows if row.cells]

    @property
    def share(self) -> float | None:
        """Percent of staff with every requirement valid (None: nobody to count)."""
        staff = self.staff
        if not staff:
            return None
        return round(100 * sum(row.all_valid for row in staff) / len(staff), 1)

    @property
    def expired(self) -> int:
        return sum(
            cell.status is Status.EXPIRED for row in self.rows for cell in row.cells.values()
        )


def latest_confirmed(records: Iterable[Record]) -> dict[tuple[int, int], Record]:
    """(user, requirement) -> the confirmed record completed last."""
    found: dict[tuple[int, int], Record] = {}
    for record in records:
        if record.status is not RecordStatus.CONFIRMED:
            continue
        key = (record.user_id, record.requirement_id)
        current = found.get(key)
        if current is None or (record.completed_on, record.id) > (
            current.completed_on,
            current.id,
        ):
            found[key] = record
    return found


def cell_for(
    requirement: Requirement,
    record: Record | None,
    today: date,
    window_days: int,
    pending: bool = False,
) -> Cell:
    expiry = expires_on(record.completed_on, requirement.months) if record else None
    return Cell(status_on(expiry, today, window_days), expiry, pending)
