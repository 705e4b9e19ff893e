"""Which reminder is due, and when messages may go out. Plain rules, no I/O.

A reminder is identified by (kind, object, recipient, slot); the notification ledger keeps
one row per identity, which is what makes each go out exactly once. Slots are chosen so
that a reminder that fell due while the bot was down goes out once when it is back, and
stale ones are superseded rather than sent in a burst:
- "N days before" kinds use the nearest offset that still applies (an audit 3 days away
  gets the 7-day reminder once; at 1 day the 1-day one; a missed 7-day slot is not sent
  after the 1-day one applies);
- the daily overdue reminder's slot is today's date, so after three days down only
  today's goes;
- slots of due-date reminders include the due date, so a changed due date moves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    AUDIT_OPENED = "audit_opened"
    AUDIT_SOON = "audit_soon"
    QUESTIONNAIRE_DUE = "questionnaire_due"
    CAPA_DUE = "capa_due"
    CAPA_OVERDUE = "capa_overdue"
    ESCALATION = "escalation"
    UNVERIFIED = "unverified"
    UNASSIGNED = "unassigned"  # an NC nobody was made responsible for: managers
    UNCLASSIFIED = "unclassified"  # an open NC without a severity: managers
    NO_VERDICT = "no_verdict"  # verified, effectiveness not judged: the verifier
    RECHECK = "recheck"  # a closed NC's effectiveness re-check is due: the verifier
    DIGEST = "digest"
    COMPETENCE_EXPIRING = "competence_expiring"  # N days before: the person and his head
    COMPETENCE_EXPIRED = "competence_expired"  # the managers
    # Events: someone acted and the next person is told. Their words are kept in the
    # ledger (they cannot be worked out again), and they are never made obsolete.
    NC_EVENT = "nc_event"
    SUBMITTED = "submitted"
    NUDGE = "nudge"
    COMPETENCE_EVENT = "competence_event"  # a certificate to confirm, confirmed, rejected
    DOC_ACK = "doc_ack"  # a version in force: each person it concerns, once
    DOC_ACK_REMIND = "doc_ack_remind"  # not acknowledged after N days: once more
    DOC_REVIEW = "doc_review"  # N days before the review date: the owner
    DOC_EVENT = "doc_event"  # a version withdrawn: who had read it learns which replaces it
    AUDIT_RESULTS = "audit_results"  # event: a closed audit's results, to acknowledge
    RESULTS_UNREAD = "results_unread"  # every N days: results not yet acknowledged
    KPI_VALUE_DUE = "kpi_value_due"  # a reported KPI's value for an ended period: its owner
    KPI_BREACH = "kpi_breach"  # a computed KPI past its threshold for a period: its owner
    REVIEW_EVENT = "review_event"  # a management review to approve, approved
    RISK_ACTION_DUE = "risk_action_due"  # N days before (CAPA_REMINDER_DAYS): its owner
    RISK_ACTION_OVERDUE = "risk_action_overdue"  # daily once late: its owner
    SUPPLIER_EVALUATION = "supplier_evaluation"  # a provider's yearly evaluation is due
    RISK_PROPOSED = "risk_proposed"  # a proposed risk waits for the managers, once
    AUDIT_EVENT = "audit_event"  # a planned audit changed: its team and respondents
    PROGRAMME_EVENT = "programme_event"  # the year's programme to approve, or its decision
    RISK_REVIEW = "risk_review"  # a risk's review date has come: its owner, once


# Each feature adds its event kinds on a line of its own.
EVENT_KINDS = frozenset({Kind.NC_EVENT, Kind.SUBMITTED, Kind.NUDGE, Kind.COMPETENCE_EVENT})
EVENT_KINDS |= {Kind.DOC_EVENT}
EVENT_KINDS |= {Kind.AUDIT_RESULTS}
EVENT_KINDS |= {Kind.REVIEW_EVENT}
EVENT_KINDS |= {Kind.AUDIT_EVENT, Kind.PROGRAMME_EVENT}


Key = tuple[str, int, int, str]  # kind, object id, recipient user id, slot


@dataclass(frozen=True, slots=True)
class Due:
    kind: Kind
    object_id: int
    recipient_id: int
    slot: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> Key:
        return (self.kind.value, self.object_id, self.recipient_id, self.slot)


def applicable_offset(days_until: int, offsets: tuple[int, ...]) -> int | None:
    """The nearest configured offset that still applies: the smallest offset not below
    `days_until` (offsets are days before the event)."""
    if days_until < 0:
        return None
    candidates = [offset for offset in offsets if offset >= days_until]
    return min(candidates) if candidates else None


def in_quiet_time(moment: datetime, zone: ZoneInfo, hours: tuple[int, int], weekends: bool) -> bool:
    """Quiet hours like (21, 8) wrap past midnight; weekends are Saturday and Sunday."""
    local = moment.astimezone(zone)
    if weekends and local.weekday() >= 5:
        return True
    start, end = hours
    if start == end:
        return False
    if start < end:
        return start <= local.hour < end
    return local.hour >= start or local.hour < end


DIGEST_GRACE = timedelta(days=2)


def digest_slot(
    moment: datetime, zone: ZoneInfo, weekday: int, hour: int, minute: int
) -> str | None:
    """The week's digest slot from this week's digest time until two days after it (a bot
    that was down on Monday still sends it on Tuesday; a stale one is not sent)."""
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    send_at = datetime.combine(monday + timedelta(days=weekday), time(hour, minute), zone)
    if not send_at <= local < send_at + DIGEST_GRACE:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def days_between(start: date, end: date) -> int:
    return (end - start).days
