"""Audit results reported to management (ISO 9001 9.2.2 c, ISO 19011 6.5): who is told of a
closed audit's results, and when someone who has not acknowledged them is reminded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.models import User
from bot.domain.roles import Role


class AckRole(StrEnum):
    """As whom a person is told: the order is the report's distribution list's."""

    DIRECTOR = "director"  # an observer: top management
    HEAD = "head"  # the head of the audited department
    TEAM = "team"  # the audit team


@dataclass(frozen=True, slots=True)
class Ack:
    audit_id: int
    user_id: int
    full_name: str
    role: AckRole
    told_at: datetime
    acknowledged_at: datetime | None


def recipients(
    people: Iterable[User], head_id: int | None, team_ids: Iterable[int], actor_id: int | None
) -> list[tuple[int, AckRole]]:
    """Each active director, the department's head and the audit team, once each (as the
    first of these he is), but the one who closed the audit: he knows the results."""
    active = {p.id: p for p in people if p.is_active}
    chosen: dict[int, AckRole] = {}
    for person in active.values():
        if person.has(Role.OBSERVER):
            chosen.setdefault(person.id, AckRole.DIRECTOR)
    if head_id in active:
        chosen.setdefault(head_id, AckRole.HEAD)
    for user_id in team_ids:
        if user_id in active:
            chosen.setdefault(user_id, AckRole.TEAM)
    chosen.pop(actor_id or 0, None)
    order = list(AckRole)
    return sorted(chosen.items(), key=lambda item: (order.index(item[1]), item[0]))


def reminder_slot(told_on: date, today: date, every_days: int) -> str | None:
    """Every `every_days` days after being told, while not acknowledged: the slot names the
    round, so each round goes once and a bot that was down sends only the latest."""
    days = (today - told_on).days
    if every_days <= 0 or days < every_days:
        return None
    return f"r{days // every_days}"
