"""What the storage hands out: plain, immutable records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.roles import Role


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    name: str
    head_user_id: int | None = None
    head_name: str | None = None
    staff_count: int = 0


@dataclass(frozen=True, slots=True)
class User:
    id: int
    tg_id: int
    full_name: str
    username: str | None
    language: str | None
    department_id: int | None
    is_active: bool
    bot_blocked: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)
    department_name: str | None = None
    commands_hash: str | None = None

    def has(self, *roles: Role) -> bool:
        return self.is_active and not self.roles.isdisjoint(roles)


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    roles: frozenset[Role]
    department_id: int | None
    expires_at: datetime
    uses_left: int
    created_by: int | None
    revoked_at: datetime | None
    created_at: datetime
    department_name: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    actor_id: int | None
    entity: str
    entity_id: int | None
    action: str
    data: dict[str, Any]
