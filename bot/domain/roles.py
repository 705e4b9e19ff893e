"""Roles and who may use which command: the one table the handlers, menus, /help and
set_my_commands all read."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    MANAGER = "manager"
    AUDITOR = "auditor"
    HEAD = "head"
    TEACHER = "teacher"
    OBSERVER = "observer"


ALL_ROLES: tuple[Role, ...] = tuple(Role)
EVERYONE: frozenset[Role] = frozenset(Role)
MANAGER_ONLY: frozenset[Role] = frozenset({Role.MANAGER})
PROGRAM_READERS: frozenset[Role] = frozenset({Role.MANAGER, Role.AUDITOR, Role.HEAD, Role.OBSERVER})

# Commands in the order they are shown; the roles that may use each.
COMMAND_ROLES: dict[str, frozenset[Role]] = {
    "menu": EVERYONE,
    "help": EVERYONE,
    "language": EVERYONE,
    "cancel": EVERYONE,
    "audits": EVERYONE,
    "report": EVERYONE,
    "actions": EVERYONE,
    "ncr": EVERYONE,
    # Everyone: his own qualifications and certificates; a head also his department's
    # matrix; the manager the requirements, any department's matrix and the school's XLSX.
    "competence": EVERYONE,
    "program": PROGRAM_READERS,
    "summary": frozenset({Role.MANAGER, Role.OBSERVER}),
    "overdue": frozenset({Role.MANAGER, Role.HEAD}),
    "export": MANAGER_ONLY,
    "newaudit": MANAGER_ONLY,
    "templates": MANAGER_ONLY,
    "calendar": MANAGER_ONLY,
    "departments": MANAGER_ONLY,
    "invite": MANAGER_ONLY,
    "users": MANAGER_ONLY,
    "backup": MANAGER_ONLY,
    # Everyone reads the documents that concern him; observers all; the manager edits.
    "docs": EVERYONE,
    # The manager defines objectives; heads and the director read them.
    "objectives": frozenset({Role.MANAGER, Role.HEAD, Role.OBSERVER}),
    "review": MANAGER_ONLY,
    "surveys": MANAGER_ONLY,
    # Everyone reads the register and proposes a risk or an opportunity; the manager
    # accepts, scores and treats them.
    "risks": EVERYONE,
    "suppliers": MANAGER_ONLY,
}

# Commands a stranger may see (the default scope of set_my_commands).
PUBLIC_COMMANDS: tuple[str, ...] = ("start", "help")


def may_use(command: str, roles: Iterable[Role]) -> bool:
    allowed = COMMAND_ROLES.get(command)
    return allowed is not None and not allowed.isdisjoint(roles)


def commands_for(roles: Iterable[Role]) -> list[str]:
    held = frozenset(roles)
    return [name for name, allowed in COMMAND_ROLES.items() if not allowed.isdisjoint(held)]


def parse_roles(raw: str) -> frozenset[Role]:
    return frozenset(Role(part) for part in raw.split(",") if part)


def format_roles(roles: Iterable[Role]) -> str:
    return ",".join(role.value for role in ALL_ROLES if role in set(roles))
