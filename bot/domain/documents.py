"""Controlled documents (ISO 9001 7.5): a document's versions move draft → approved → in
force → withdrawn, each in force version is read by the people it concerns, and each of
them acknowledges it once. Plain rules, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.models import User
from bot.domain.roles import Role


class DocType(StrEnum):
    POLICY = "policy"
    REGULATION = "regulation"  # положение
    INSTRUCTION = "instruction"
    ORDER = "order"  # приказ
    FORM = "form"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    IN_FORCE = "in_force"
    WITHDRAWN = "withdrawn"


# The only moves a version makes; anything else is a stale button.
TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.APPROVED}),
    VersionStatus.APPROVED: frozenset({VersionStatus.IN_FORCE}),
    VersionStatus.IN_FORCE: frozenset({VersionStatus.WITHDRAWN}),
    VersionStatus.WITHDRAWN: frozenset(),
}

# Who approves a document: the quality manager or the director (the observer role).
APPROVERS = frozenset({Role.MANAGER, Role.OBSERVER})
CODE_MAX = 30
TITLE_MAX = 200
REVIEW_MONTHS = 12  # a version in force is reviewed a year after it came into force


def can_move(current: VersionStatus, target: VersionStatus) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    code: str
    title: str
    type: DocType
    owner_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    document_id: int
    number: int
    status: VersionStatus
    file: dict[str, Any]
    roles: frozenset[Role] = frozenset()
    department_ids: frozenset[int] = frozenset()
    approved_by: int | None = None
    approved_on: date | None = None
    effective_on: date | None = None
    review_on: date | None = None
    replaced_by: int | None = None  # the version that took this one's place
    created_at: datetime | None = None

    @property
    def has_audience(self) -> bool:
        return bool(self.roles or self.department_ids)

    def concerns(self, person: User) -> bool:
        """The people it goes to: those of the chosen roles (any, when none is chosen) in
        the chosen departments (any, when none is chosen)."""
        if not self.has_audience or not person.is_active:
            return False
        if self.roles and self.roles.isdisjoint(person.roles):
            return False
        return not self.department_ids or person.department_id in self.department_ids


@dataclass(frozen=True, slots=True)
class Ack:
    version_id: int
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Card:
    """A document with its versions (oldest first) and the acknowledgements of the one in
    force."""

    document: Document
    versions: list[Version]
    acked_on: dict[int, date] = field(default_factory=dict)  # user id -> the local day he
    # acknowledged the one in force
    audience: list[User] = field(default_factory=list)  # whom the one in force concerns
    cited_by: list[str] = field(default_factory=list)  # numbers of the NCs that cite it

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def in_force(self) -> Version | None:
        return next((v for v in self.versions if v.status is VersionStatus.IN_FORCE), None)

    @property
    def pending(self) -> Version | None:
        """A draft or an approved version not yet in force."""
        latest = self.latest
        if latest.status in (VersionStatus.DRAFT, VersionStatus.APPROVED):
            return latest
        return None

    @property
    def not_acknowledged(self) -> list[User]:
        return [p for p in self.audience if p.id not in self.acked_on]


def visible_to(person: User, document: Document, versions: Iterable[Version]) -> bool:
    """Managers and observers read every document; others the ones in force that concern
    them and those they own."""
    if person.has(Role.MANAGER, Role.OBSERVER) or document.owner_id == person.id:
        return True
    return any(v.status is VersionStatus.IN_FORCE and v.concerns(person) for v in versions)


def matches(document: Document, word: str) -> bool:
    """A typed word found in the code or the title, whatever the case (Cyrillic too)."""
    needle = word.casefold().strip()
    return bool(needle) and (
        needle in document.code.casefold() or needle in document.title.casefold()
    )


def clean_code(raw: str) -> str | None:
    code = " ".join(raw.split())
    return code if code and len(code) <= CODE_MAX else None
