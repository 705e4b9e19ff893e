"""The school year's audit programme (ISO 9001 9.2.2): recurring lines that generate the
audits, the frequency suggested from the results, the director's approval; and who may be on
an audit's team."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.competence import Cell
from bot.domain.models import User
from bot.domain.programme import independence_problem
from bot.domain.roles import Role
from bot.services.accounts import AccountService
from bot.services.competence import CompetenceService


@dataclass(frozen=True, slots=True)
class Candidates:
    """Who may be on an audit's team, and why the others are not offered."""

    offered: list[User]
    untrained: list[tuple[User, Cell]]  # no valid internal-auditor training
    not_independent: list[tuple[User, str]]  # would audit his own work: a refusal key


async def team_candidates(
    accounts: AccountService,
    competence: CompetenceService,
    department_id: int | None,
    respondent_ids: list[int],
    leave_out: set[int] | None = None,
) -> Candidates:
    """Auditors and managers, trained (ISO 19011 7) and independent of what is audited
    (bot.domain.programme.independence_problem); `leave_out` are not listed at all."""
    people = [
        p
        for p in await accounts.active()
        if p.has(Role.AUDITOR, Role.MANAGER) and p.id not in (leave_out or set())
    ]
    trained, untrained = await competence.auditors(people)
    offered, not_independent = [], []
    for person in trained:
        problem = independence_problem(
            person.id, person.department_id, department_id, respondent_ids
        )
        if problem:
            not_independent.append((person, problem))
        else:
            offered.append(person)
    return Candidates(offered, list(untrained), not_independent)
