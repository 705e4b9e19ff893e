"""Nonconformities (NC) and their corrective actions: states, who may do what, numbering.

The workflow is one table (TRANSITIONS): for each action, the states it starts from, the
state it leads to, and who may take it. Handlers, buttons and tests all read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.roles import Role
from bot.domain.texts import same_text


class NcStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    PLANNED = "planned"
    DONE = "done"
    VERIFIED = "verified"
    CLOSED = "closed"
    REJECTED = "rejected"


class Severity(StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"
    IMPROVEMENT = "improvement"


class Source(StrEnum):
    AUDIT = "audit"
    REPORT = "report"
    SUPERVISORY_ORDER = "supervisory_order"
    COMPLAINT = "complaint"
    OTHER = "other"
    OBJECTIVE = "objective"  # a KPI past its threshold (issue 15)
    REVIEW = "review"  # a management review's decision (issue 15)
    SURVEY = "survey"  # an improvement opportunity from a satisfaction survey
    EXTERNAL_PROVIDER = "external_provider"  # raised against a supplier


class NcAction(StrEnum):
    CLASSIFY = "classify"  # severity and clause
    ASSIGN = "assign"  # choose the responsible (the department head by default)
    REASSIGN = "reassign"  # another responsible for a planned action, with a reason
    REJECT = "reject"  # with a reason
    PLAN = "plan"  # accept: correction, root cause, corrective action, due date
    REQUEST_DUE = "request_due"  # ask for a new due date, with a reason
    DECIDE_DUE = "decide_due"  # grant or refuse a requested due date
    DONE = "done"  # the action is implemented, with evidence
    VERIFY = "verify"  # implementation checked; effectiveness judged later
    EFFECTIVE = "effective"  # effectiveness confirmed: closed
    NOT_EFFECTIVE = "not_effective"  # back to planned, with a note
    RECHECK = "recheck"  # a closed NC's effectiveness confirmed again at its re-check
    REOPEN = "reopen"  # a closed NC found not effective after all: back to planned


class Actor(StrEnum):
    """Who may act: by role, or by being this NC's responsible."""

    SUPERVISOR = "supervisor"  # a manager or an auditor
    MANAGER = "manager"
    RESPONSIBLE = "responsible"


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[NcStatus]
    target: NcStatus | None  # None: the status stays
    actor: Actor


S = NcStatus
TRANSITIONS: dict[NcAction, Transition] = {
    NcAction.CLASSIFY: Transition(
        frozenset({S.NEW, S.ASSIGNED, S.PLANNED, S.DONE, S.VERIFIED}), None, Actor.SUPERVISOR
    ),
    NcAction.ASSIGN: Transition(frozenset({S.NEW, S.ASSIGNED}), S.ASSIGNED, Actor.SUPERVISOR),
    NcAction.REASSIGN: Transition(frozenset({S.PLANNED}), None, Actor.MANAGER),
    NcAction.REJECT: Transition(frozenset({S.NEW, S.ASSIGNED}), S.REJECTED, Actor.SUPERVISOR),
    NcAction.PLAN: Transition(frozenset({S.ASSIGNED}), S.PLANNED, Actor.RESPONSIBLE),
    NcAction.REQUEST_DUE: Transition(frozenset({S.PLANNED}), None, Actor.RESPONSIBLE),
    NcAction.DECIDE_DUE: Transition(frozenset({S.PLANNED}), None, Actor.MANAGER),
    NcAction.DONE: Transition(frozenset({S.PLANNED}), S.DONE, Actor.RESPONSIBLE),
    NcAction.VERIFY: Transition(frozenset({S.DONE}), S.VERIFIED, Actor.SUPERVISOR),
    NcAction.EFFECTIVE: Transition(frozenset({S.DONE, S.VERIFIED}), S.CLOSED, Actor.SUPERVISOR),
    NcAction.NOT_EFFECTIVE: Transition(
        frozenset({S.DONE, S.VERIFIED}), S.PLANNED, Actor.SUPERVISOR
    ),
    NcAction.RECHECK: Transition(frozenset({S.CLOSED}), None, Actor.SUPERVISOR),
    NcAction.REOPEN: Transition(frozenset({S.CLOSED}), S.PLANNED, Actor.SUPERVISOR),
}
del S

# A verdict on the action must come from someone other than the person who did it.
VERDICTS = frozenset(
    {
        NcAction.VERIFY,
        NcAction.EFFECTIVE,
        NcAction.NOT_EFFECTIVE,
        NcAction.RECHECK,
        NcAction.REOPEN,
    }
)
# Actions that start from a closed NC only while its re-check is pending.
RECHECKS = frozenset({NcAction.RECHECK, NcAction.REOPEN})
OPEN_STATUSES = frozenset(
    {NcStatus.NEW, NcStatus.ASSIGNED, NcStatus.PLANNED, NcStatus.DONE, NcStatus.VERIFIED}
)
MAX_WHYS = 5


def written_before(text: str, correction: str | None, whys: Sequence[str]) -> bool:
    """Whether a plan's earlier field (the correction, a why) already says `text`: the
    person sent a message again after a lost answer, not the next step's content."""
    return any(same_text(text, value) for value in [correction or "", *whys] if value)


def nc_number(year: int, seq: int) -> str:
    return f"NC-{year}-{seq:03d}"


@dataclass(slots=True)
class Nonconformity:
    id: int
    number: str
    source: Source
    status: NcStatus
    description: str
    reporter_id: int
    created_at: datetime
    department_id: int | None = None
    department_name: str | None = None
    audit_id: int | None = None
    audit_number: str | None = None
    answer_id: int | None = None
    question_id: str | None = None
    clause: str | None = None
    severity: Severity | None = None
    suggested_severity: Severity | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    reporter_name: str | None = None
    responsible_id: int | None = None
    responsible_name: str | None = None
    external_ref: str | None = None
    correction: str | None = None
    root_cause: list[str] = field(default_factory=list)
    corrective_action: str | None = None
    due_date: date | None = None
    requested_due_date: date | None = None
    due_request_reason: str | None = None
    done_note: str | None = None
    done_evidence: list[dict[str, Any]] = field(default_factory=list)
    done_by: int | None = None
    done_at: datetime | None = None
    verifier_id: int | None = None
    verifier_name: str | None = None
    effective: bool | None = None
    verification_note: str | None = None
    rejection_reason: str | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    revision: int = 0
    finding: dict[str, Any] | None = None  # see domain.findings.Facts
    verdict_evidence: list[dict[str, Any]] = field(default_factory=list)
    recheck_due: date | None = None

    def is_overdue(self, today: date) -> bool:
        return (
            self.due_date is not None
            and self.status in (NcStatus.ASSIGNED, NcStatus.PLANNED)
            and self.due_date < today
        )


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: enough to decide what he may see and do, without Telegram types."""

    user_id: int
    roles: frozenset[Role]
    department_id: int | None


def is_supervisor(viewer: Viewer) -> bool:
    return not viewer.roles.isdisjoint({Role.MANAGER, Role.AUDITOR})


def may_see(viewer: Viewer, nc: Nonconformity) -> bool:
    """Managers, auditors and observers see all; a head his department's; anyone the
    NCs he reported or is responsible for."""
    if not viewer.roles.isdisjoint({Role.MANAGER, Role.AUDITOR, Role.OBSERVER}):
        return True
    if viewer.user_id in (nc.reporter_id, nc.responsible_id):
        return True
    return (
        Role.HEAD in viewer.roles
        and nc.department_id is not None
        and nc.department_id == viewer.department_id
    )


def may_act(viewer: Viewer, nc: Nonconformity, action: NcAction) -> bool:
    if nc.status not in TRANSITIONS[action].sources or not is_actor(viewer, nc, action):
        return False
    if action is NcAction.DECIDE_DUE:
        return nc.requested_due_date is not None
    if action in RECHECKS:
        return nc.recheck_due is not None
    return True


def is_actor(viewer: Viewer, nc: Nonconformity, action: NcAction) -> bool:
    """Whether the action is this person's to take on this NC, whatever its state now:
    what tells "not yours" from "no longer possible"."""
    transition = TRANSITIONS[action]
    if transition.actor is Actor.RESPONSIBLE:
        allowed = nc.responsible_id == viewer.user_id
    elif transition.actor is Actor.MANAGER:
        allowed = Role.MANAGER in viewer.roles
    else:
        allowed = is_supervisor(viewer)
    if allowed and action in VERDICTS:
        allowed = viewer.user_id not in (nc.done_by, nc.responsible_id)
    return allowed


def allowed_actions(viewer: Viewer, nc: Nonconformity) -> list[NcAction]:
    return [action for action in NcAction if may_act(viewer, nc, action)]


def days_left(due: date, today: date) -> int:
    """Positive: days left; negative: days overdue."""
    return (due - today).days


@dataclass(frozen=True, slots=True)
class NcFilter:
    status: NcStatus | None = None
    department_id: int | None = None
    severity: Severity | None = None
    source: Source | None = None
    overdue: bool = False


def default_due(severity: Severity | None, start: date, days: dict[str, int]) -> date | None:
    """The due date a severity sets by default (settings), counted from `start`."""
    if severity is None or severity.value not in days:
        return None
    return start + timedelta(days=days[severity.value])


def escalation_after(severity: Severity | None, days: dict[str, int], default: int) -> int | None:
    """Days overdue after which managers are told: per severity (settings); an
    unclassified NC uses the general setting; a severity without an entry never escalates."""
    if severity is None:
        return default
    return days.get(severity.value)
