"""What is due now, computed from the database (one read, on the read connection).

Each rule asks only for what may fall due (indexed windows: an action due within the
reminder offsets, a verification waiting long enough, a risk action by its due date, a
qualification by its expiry, …), and only the people those reminders go to are loaded, so
a sweep costs what is due, not what is open. The one rule whose answer is costly and no
window narrows (who has to acknowledge which document) is kept between sweeps in a `Memo`
with the marks it was drawn from, and worked out again only when they change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from bot.config import Settings
from bot.domain.acknowledgements import reminder_slot
from bot.domain.audits import AuditStatus
from bot.domain.competence import add_months, expires_on
from bot.domain.dates import format_date
from bot.domain.nonconformities import NcStatus, escalation_after
from bot.domain.objectives import REMIND_EVERY_DAYS, Kpi, Standing, slots_for, standing
from bot.domain.objectives import Status as ObjectiveStatus
from bot.domain.reminders import Due, Key, Kind, applicable_offset, days_between, digest_slot
from bot.domain.risks import RiskStatus
from bot.domain.roles import Role
from bot.domain.school_calendar import CalendarError, Period, SchoolCalendar, load_calendar
from bot.services.documents import outstanding
from bot.services.kpi_sources import Span, measure
from bot.services.objectives import awaited_values, load_cards
from bot.services.templates import TemplateService
from bot.storage.acknowledgements import AckRepo
from bot.storage.audits import AuditRepo
from bot.storage.competence import CompetenceRepo
from bot.storage.departments import DepartmentRepo
from bot.storage.documents import DocumentRepo
from bot.storage.nonconformities import counts_since, reminder_rows
from bot.storage.notifications import LedgerRepo
from bot.storage.objectives import ObjectiveRepo
from bot.storage.programme import ProgrammeRepo
from bot.storage.risks import RiskRepo
from bot.storage.suppliers import SupplierRepo
from bot.storage.users import UserRepo

# What a rule found: kind, object, recipient, slot, the message's words.
Found = tuple[Kind, int, int | None, str, dict[str, object]]


@dataclass
class Memo:
    """What a rule found at the last sweep, with the marks of what it read then (kept by
    the Sweeper). A rule whose answer is costly to work out and seldom changes (who has to
    acknowledge which document) reads only its marks each sweep — few, indexed rows — and
    works its answer out again only when they differ. The marks are read from the
    database, so a second process's change is seen as well."""

    kept: dict[str, tuple[object, list[Found]]] = field(default_factory=dict)

    def get(self, rule: str, marks: object, work: Callable[[], list[Found]]) -> list[Found]:
        kept = self.kept.get(rule)
        if kept is not None and kept[0] == marks:
            return kept[1]
        found = work()
        self.kept[rule] = (marks, found)
        return found


def compute_due(
    conn: Connection,
    now: datetime,
    settings: Settings,
    templates: TemplateService,
    calendar: SchoolCalendar | None = None,
    memo: Memo | None = None,
) -> dict[Key, Due]:
    """`calendar`: the school calendar the app holds (CalendarService); read from its file
    only when none is given (the benches). `memo`: what the rules found at the last sweep
    (the Sweeper's); without one every rule works its answer out afresh."""
    zone = settings.tz
    today = now.astimezone(zone).date()
    snoozed = LedgerRepo(conn).snoozed(now)
    due: list[Due] = []
    # Candidates first; only the people they go to are read (active, not blocked) at the end.
    responsible_of: dict[int, int | None] = {}  # an escalated NC: its responsible's name

    def add(kind: Kind, object_id: int, user_id: int | None, slot: str, **params: object) -> None:
        if user_id is not None and (kind.value, object_id, user_id) not in snoozed:
            due.append(Due(kind, object_id, user_id, slot, params))

    audits = AuditRepo(conn)
    for audit in audits.with_status((AuditStatus.PLANNED, AuditStatus.OPEN)):
        respondents = audits.respondents(audit.id)
        base = {"number": audit.number, "title": audit.title, "audit_id": audit.id}
        if audit.status is AuditStatus.PLANNED:
            days = days_between(today, audit.start_date)
            offset = applicable_offset(days, settings.audit_reminder_days)
            if offset is not None and days > 0:
                start = format_date(audit.start_date)
                team = [m for m, _ in ProgrammeRepo(conn).team(audit.id)]  # co-auditors
                for user_id in {audit.lead_auditor_id, *team, *(r.user_id for r in respondents)}:
                    add(
                        Kind.AUDIT_SOON,
                        audit.id,
                        user_id,
                        f"d{offset}",
                        days=days,
                        start=start,
                        **base,
                    )
            continue
        total = templates.checklist_in(conn, audit.template_id).question_count
        days = days_between(today, audit.deadline)
        offset = applicable_offset(days, settings.questionnaire_reminder_days)
        anonymous = ProgrammeRepo(conn).options(audit.id).anonymous  # issue 12
        for person in respondents:
            if person.submitted_at is not None:
                continue
            params = {**base, "deadline": format_date(audit.deadline), "total": total,
                      "answered": person.answered}  # fmt: skip
            add(Kind.AUDIT_OPENED, audit.id, person.user_id, "open", anonymous=anonymous, **params)
            if offset is not None:
                add(
                    Kind.QUESTIONNAIRE_DUE,
                    audit.id,
                    person.user_id,
                    f"d{offset}",
                    days=days,
                    **params,
                )

    users = UserRepo(conn)
    managers = [u.id for u in users.reachable_with(Role.MANAGER)]
    overdue_by_department: Counter[str] = Counter()

    def day_start(day: date) -> datetime:  # the first moment of a local day
        return datetime.combine(day, time(), zone)

    rows = reminder_rows(
        conn,
        today=today,
        capa_until=today + timedelta(days=max(settings.capa_reminder_days, default=-1)),
        aged_before=day_start(today - timedelta(days=settings.unassigned_days - 1)),
        waited_before=day_start(today - timedelta(days=settings.verification_wait_days - 1)),
    )
    dates: dict[date, str] = {}  # thousands of actions share a few due dates
    for row in rows:
        base = {"number": row.number, "nc_id": row.id}
        # Hygiene: an NC nobody owns or nobody classified does not wait in silence.
        if row.status is NcStatus.NEW or (
            row.severity is None and row.status is not NcStatus.CLOSED
        ):
            created = row.created_at.astimezone(zone).date()
            age = days_between(created, today)
            if age >= settings.unassigned_days:
                kind = Kind.UNASSIGNED if row.status is NcStatus.NEW else Kind.UNCLASSIFIED
                for user_id in managers:
                    add(kind, row.id, user_id, created.isoformat(), days=age, **base)
        if row.status is NcStatus.CLOSED:
            if row.recheck_due is not None and row.recheck_due <= today:
                slot = row.recheck_due.isoformat()
                add(Kind.RECHECK, row.id, row.verifier_id, slot, **base)
            continue
        if row.status is NcStatus.VERIFIED:
            if row.updated_at is not None:  # read for a verified NC waiting long enough
                verified = row.updated_at.astimezone(zone).date()
                waiting = days_between(verified, today)
                if waiting >= settings.verification_wait_days:
                    slot = verified.isoformat()
                    add(Kind.NO_VERDICT, row.id, row.verifier_id, slot, days=waiting, **base)
            continue
        if row.status is NcStatus.DONE and row.done_at is not None:
            waiting = days_between(row.done_at.astimezone(zone).date(), today)
            if waiting >= settings.verification_wait_days:
                slot = row.done_at.astimezone(zone).date().isoformat()
                for user_id in managers:
                    add(Kind.UNVERIFIED, row.id, user_id, slot, days=waiting, **base)
            continue
        if row.due_date is None or row.status not in (NcStatus.ASSIGNED, NcStatus.PLANNED):
            continue
        days = days_between(today, row.due_date)
        due_text = dates.get(row.due_date) or dates.setdefault(
            row.due_date, format_date(row.due_date)
        )
        if days >= 0:
            offset = applicable_offset(days, settings.capa_reminder_days)
            if offset is not None:
                slot = f"{row.due_date.isoformat()}:d{offset}"
                add(
                    Kind.CAPA_DUE, row.id, row.responsible_id, slot, days=days, due=due_text, **base
                )
            continue
        late = -days
        overdue_by_department[row.department or "—"] += 1
        add(
            Kind.CAPA_OVERDUE,
            row.id,
            row.responsible_id,
            today.isoformat(),
            days=late,
            due=due_text,
            **base,
        )
        threshold = escalation_after(
            row.severity, settings.severity_escalation_days, settings.escalation_days
        )
        if threshold is not None and late >= threshold:
            responsible_of[row.id] = row.responsible_id
            for user_id in managers:
                add(
                    Kind.ESCALATION, row.id, user_id, f"{row.due_date.isoformat()}:esc",
                    days=late, due=due_text, responsible="—",
                    department=row.department or "—", **base,
                )  # fmt: skip

    _competence(conn, today, settings, managers, add)
    _documents(conn, today, settings, add, memo)
    _results_unread(conn, today, settings, add)
    terms = (calendar or load_calendar_for(settings)).terms
    _objectives(conn, today, settings, terms, add)
    _risk_actions(conn, today, settings, add)
    _risks_proposed(conn, users, managers, add)
    _risk_reviews(conn, today, managers, add)
    _supplier_evaluations(conn, today, managers, add)

    weekday, hour, minute = settings.digest_at
    digest = digest_slot(now, zone, weekday, hour, minute)
    if digest is not None:
        readers = [u.id for u in users.reachable_with(Role.MANAGER, Role.OBSERVER)]
        # For two days after its time the digest's slot is open, but once every reader's
        # message is settled in the ledger its lines (every objective's card, the risks,
        # the providers) would change nothing: recording or claiming. Not worked out again.
        settled = LedgerRepo(conn).settled(Kind.DIGEST.value, 0, digest, readers)
        if readers and not settled:
            params = _digest(conn, now, settings, overdue_by_department)
            params["objectives_at_risk"] = objectives_at_risk(conn, today, terms, settings)
            params["risks_untreated"], params["evaluations_due"] = risks_and_providers(conn, today)
            for user_id in readers:
                add(Kind.DIGEST, 0, user_id, digest, **params)
    people = users.reachable(
        [d.recipient_id for d in due] + [i for i in responsible_of.values() if i is not None]
    )
    for d in due:
        if d.kind is Kind.ESCALATION:
            responsible = people.get(responsible_of[d.object_id] or 0)
            d.params["responsible"] = responsible.full_name if responsible else "—"
    return {d.key: d for d in due if d.recipient_id in people}


def _competence(
    conn: Connection,
    today: date,
    settings: Settings,
    managers: list[int],
    add: Callable[..., None],
) -> None:
    """A confirmed qualification or training N days before it expires (the person and the
    head of his department), and once when it has expired (the managers). The slots carry
    the expiry day, so a renewal (a newer record) starts afresh. Read: per requirement,
    only the latest confirmed records whose expiry falls by the largest offset from today
    (completed by a cutoff: the index on requirement, status, completion), and the people
    they belong to — not every record and everyone with one."""
    offsets = settings.competence_remind_days
    horizon = today + timedelta(days=max(offsets, default=0))
    repo = CompetenceRepo(conn)
    requirements = {r.id: r for r in repo.requirements()}  # the active ones, as the matrix
    # A month shorter than the day clamps the expiry back by up to 3 days: a wider cutoff,
    # the exact expiry decided below.
    cutoffs = {
        r.id: add_months(horizon, -r.months) + timedelta(days=3) for r in requirements.values()
    }
    records = repo.latest_confirmed_by(cutoffs)
    if not records:
        return
    people = UserRepo(conn).reachable(record.user_id for record in records)
    heads = {d.id: d.head_user_id for d in DepartmentRepo(conn).list()}
    for record in records:
        person = people.get(record.user_id)
        requirement = requirements[record.requirement_id]
        if person is None or not requirement.applies_to(person.roles):
            continue
        expires = expires_on(record.completed_on, requirement.months)
        if expires > horizon:
            continue
        params = {
            "name": person.full_name, "code": requirement.code, "req": requirement.name,
            "expires": format_date(expires), "requirement_id": requirement.id,
        }  # fmt: skip
        days = days_between(today, expires)
        if days >= 0:
            offset = applicable_offset(days, offsets)
            if offset is None:
                continue
            slot = f"{expires.isoformat()}:d{offset}"
            head = heads.get(person.department_id or 0)
            for user_id in {person.id, head}:
                add(
                    Kind.COMPETENCE_EXPIRING, record.id, user_id, slot,
                    days=days, own=user_id == person.id, **params,
                )  # fmt: skip
        else:
            for user_id in managers:
                add(Kind.COMPETENCE_EXPIRED, record.id, user_id, expires.isoformat(), **params)


def _results_unread(
    conn: Connection, today: date, settings: Settings, add: Callable[..., None]
) -> None:
    """Every RESULTS_REMIND_DAYS days, whoever has not acknowledged a closed audit's results
    is reminded (in working hours, as every reminder). Only those told at least that many
    days ago are read (the index on acknowledged_at, told_at): nobody told since is due."""
    repo, audits = AuditRepo(conn), {}  # an audit read once for all who await its results
    told_by = today - timedelta(days=settings.results_remind_days - 1)
    told_before = datetime.combine(told_by, time(), settings.tz)
    for ack, number, title in AckRepo(conn).waiting(told_before):
        told_on = ack.told_at.astimezone(settings.tz).date()
        slot = reminder_slot(told_on, today, settings.results_remind_days)
        if slot is None:
            continue
        if ack.audit_id not in audits:
            audits[ack.audit_id] = repo.get(ack.audit_id)
        audit = audits[ack.audit_id]
        if audit is None or audit.status is not AuditStatus.CLOSED:
            continue
        add(
            Kind.RESULTS_UNREAD, ack.audit_id, ack.user_id, slot,
            number=number, title=title, department=audit.department_name or "",
            overall=(audit.results or {}).get("overall"), conclusion="",
        )  # fmt: skip


def _digest(
    conn: Connection, now: datetime, settings: Settings, overdue: Counter[str]
) -> dict[str, object]:
    today = now.astimezone(settings.tz).date()
    monday = today - timedelta(days=today.weekday())
    next_sunday = monday + timedelta(days=13)
    coming = [
        f"{a.number} «{a.title}» {format_date(a.start_date)}–{format_date(a.deadline)}"
        for a in AuditRepo(conn).with_status((AuditStatus.PLANNED, AuditStatus.OPEN))
        if a.start_date <= next_sunday and a.deadline >= monday
    ]
    opened, closed = counts_since(conn, now - timedelta(days=7))
    return {
        "audits": coming,
        "opened": opened,
        "closed": closed,
        "overdue": sorted(overdue.items(), key=lambda item: (-item[1], item[0])),
    }


def _documents(
    conn: Connection,
    today: date,
    settings: Settings,
    add: Callable[..., None],
    memo: Memo | None = None,
) -> None:
    """A version in force goes once to each person it concerns who has not acknowledged it,
    and once more DOC_ACK_REMIND_DAYS after that reached him; its owner is asked
    DOC_REVIEW_NOTICE_DAYS before the review date (the slot carries the date: a new one asks
    again).

    Who has not acknowledged what is every version in force × everyone it concerns (300 ×
    2,000 staff: bench/documents.py), and it changes only when a version, its document, an
    acknowledgement or a person's department, roles or activity does — or the day does. So
    with a memo each sweep reads just those marks (the versions in force, the number of
    acknowledgements, which only grows, and the people's three columns) and works the
    answer out again only when they differ. The ledger's "reached him" needs no mark: a
    message sent since reached him today, and the reminder waits at least a day."""
    repo = DocumentRepo(conn)

    def work() -> list[Found]:
        return _documents_found(conn, today, settings)

    if memo is None:
        found = work()
    else:
        marks = (
            today, settings.doc_ack_remind_days, settings.doc_review_notice_days,
            repo.in_force_marks(), repo.ack_count(), UserRepo(conn).audience_marks(),
        )  # fmt: skip
        found = memo.get("documents", marks, work)
    for kind, object_id, user_id, slot, params in found:
        add(kind, object_id, user_id, slot, **params)


def _documents_found(conn: Connection, today: date, settings: Settings) -> list[Found]:
    repo = DocumentRepo(conn)
    found: list[Found] = []
    versions = repo.in_force()
    if not versions:
        return found
    documents = {d.id: d for d in repo.list()}
    told = LedgerRepo(conn).sent_at(Kind.DOC_ACK.value)
    words: dict[int, dict[str, object]] = {}  # a version's words, shared by its readers
    for version, person in outstanding(conn):
        params = words.get(version.id)
        if params is None:
            document = documents[version.document_id]
            assert version.effective_on is not None
            params = words[version.id] = {
                "code": document.code, "title": document.title, "number": version.number,
                "effective": format_date(version.effective_on),
            }  # fmt: skip
        found.append((Kind.DOC_ACK, version.id, person.id, "new", params))
        # Counted from the day it reached him: a newcomer (or a message held over the
        # weekend) is not reminded together with the first message.
        reached = told.get((version.id, person.id))
        if reached is None:
            continue
        waiting = days_between(reached.astimezone(settings.tz).date(), today)
        if waiting >= settings.doc_ack_remind_days:
            slot = f"d{settings.doc_ack_remind_days}"
            found.append(
                (Kind.DOC_ACK_REMIND, version.id, person.id, slot, {"days": waiting, **params})
            )
    for version in versions:
        if version.review_on is None:
            continue
        days = days_between(today, version.review_on)
        if days <= settings.doc_review_notice_days:
            document = documents[version.document_id]
            found.append((
                Kind.DOC_REVIEW, version.id, document.owner_id, version.review_on.isoformat(),
                {"code": document.code, "title": document.title, "number": version.number,
                 "days": days, "document_id": document.id,
                 "review": format_date(version.review_on),
                 "drawn": version.review_on.toordinal()},
            ))  # fmt: skip
    return found


def _objectives(
    conn: Connection,
    today: date,
    settings: Settings,
    terms: Iterable[Period],
    add: Callable[..., None],
) -> None:
    """A reported KPI's value to its owner from the last day of each period until given
    (again every REMIND_EVERY_DAYS; quiet hours hold it like any reminder), and a computed
    KPI past its threshold for the latest ended period, once, with the action buttons.
    Only that period is measured for a computed KPI (KPIs of one source share it), not
    every period of the year as its card shows them: an earlier one cannot fall due."""
    for item in awaited_values(conn, today, terms):
        late = days_between(item.slot.end, today)
        add(
            Kind.KPI_VALUE_DUE, item.kpi.id, item.objective.owner_id,
            f"{item.slot.key}:r{late // REMIND_EVERY_DAYS}",
            name=item.kpi.name, objective=item.objective.title, period=item.slot.name,
            key=item.slot.key, days=late,
        )  # fmt: skip
    repo = ObjectiveRepo(conn)
    objectives = repo.objectives()
    if not objectives:
        return
    actions = repo.actions()
    kpis: dict[int, list[Kpi]] = {}
    for kpi in repo.kpis():
        kpis.setdefault(kpi.objective_id, []).append(kpi)
    terms = tuple(terms)
    measured: dict[tuple[str, date, date], float | None] = {}
    for objective in objectives:
        for kpi in kpis.get(objective.id, []):
            if kpi.reported:
                continue
            ended = [s for s in slots_for(kpi, objective, terms) if s.end < today]
            if not ended or (kpi.id, ended[-1].key) in actions:
                continue
            slot = ended[-1]
            key = (kpi.source, slot.start, slot.end)
            if key not in measured:
                span = Span(conn, slot.start, slot.end, today, settings.tz)
                measured[key] = measure(kpi.source, span)
            value = measured[key]
            if value is None or standing(kpi, value) is not Standing.BREACH:
                continue
            add(
                Kind.KPI_BREACH, kpi.id, objective.owner_id, slot.key,
                name=kpi.name, objective=objective.title, period=slot.name,
                key=slot.key, value=value, threshold=kpi.threshold, unit=kpi.unit,
            )  # fmt: skip


def objectives_at_risk(
    conn: Connection, today: date, terms: Iterable[Period], settings: Settings
) -> int:
    """The weekly digest's line: objectives at risk or missed."""
    cards = load_cards(conn, today, terms, settings.tz)
    return sum(c.status in (ObjectiveStatus.AT_RISK, ObjectiveStatus.MISSED) for c in cards)


def risks_and_providers(conn: Connection, today: date) -> tuple[int, int]:
    """The weekly digest's lines (issue 16): high or critical risks without a treatment that
    acts on them, and providers whose yearly evaluation is due."""
    untreated = sum(r.needs_treatment() for r in RiskRepo(conn).list((RiskStatus.ACTIVE,)))
    due = sum(
        s.evaluation_due is not None and s.evaluation_due <= today
        for s in SupplierRepo(conn).list()
    )
    return untreated, due


def load_calendar_for(settings: Settings) -> SchoolCalendar:
    """The school calendar in use: the manager's file beside the database (as
    CalendarService keeps it), else the shipped one; a spoilt file counts as absent."""
    from bot.services.calendar import FILE_NAME

    path = settings.database_path.parent / FILE_NAME
    try:
        return load_calendar(path if path.exists() else None)
    except CalendarError:
        return load_calendar()


def _risk_actions(
    conn: Connection, today: date, settings: Settings, add: Callable[..., None]
) -> None:
    """A risk's treatment action, as a corrective action is: N days before its due date
    (CAPA_REMINDER_DAYS), then daily once late; to its owner. Slots carry the due date.
    Only actions not done and due within the largest offset are read (index on done_at,
    due_date), not every open one."""
    until = today + timedelta(days=max(settings.capa_reminder_days, default=-1))
    for action, risk in RiskRepo(conn).actions_due(until):
        params = {"number": risk.number, "text": action.text[:200], "risk_id": risk.id,
                  "due": format_date(action.due_date)}  # fmt: skip
        days = days_between(today, action.due_date)
        if days >= 0:
            offset = applicable_offset(days, settings.capa_reminder_days)
            if offset is not None:
                slot = f"{action.due_date.isoformat()}:d{offset}"
                add(Kind.RISK_ACTION_DUE, action.id, action.owner_id, slot, days=days, **params)
        else:
            add(Kind.RISK_ACTION_OVERDUE, action.id, action.owner_id, today.isoformat(),
                days=-days, **params)  # fmt: skip


def _supplier_evaluations(
    conn: Connection, today: date, managers: list[int], add: Callable[..., None]
) -> None:
    """A provider's yearly evaluation, once when it falls due (the slot is the due day):
    to its owner, or the managers when it has none. Only the providers whose evaluation
    may have come are read (never evaluated, or a year since the last), not the register."""
    for supplier in SupplierRepo(conn).evaluations_due(today):
        due = supplier.evaluation_due
        if supplier.excluded or due is None or due > today:
            continue
        params = {"name": supplier.name, "due": format_date(due)}
        for user_id in [supplier.owner_id] if supplier.owner_id else managers:
            add(Kind.SUPPLIER_EVALUATION, supplier.id, user_id, due.isoformat(), **params)


def _risks_proposed(
    conn: Connection, users: UserRepo, managers: list[int], add: Callable[..., None]
) -> None:
    """A risk proposed in chat, once to each manager while it waits (accepted or rejected:
    the reminder is obsolete). Read: the proposed risks only (index on status), without
    their actions and events."""
    proposed = RiskRepo(conn).proposed()
    authors = users.reachable(r.proposed_by for r in proposed) if proposed else {}
    for risk in proposed:
        author = authors.get(risk.proposed_by)
        params = {"number": risk.number, "title": risk.title[:200],
                  "name": author.full_name if author else "—", "of": risk.kind.value}  # fmt: skip
        for user_id in managers:
            if user_id != risk.proposed_by:
                add(Kind.RISK_PROPOSED, risk.id, user_id, "proposed", **params)


def _risk_reviews(
    conn: Connection, today: date, managers: list[int], add: Callable[..., None]
) -> None:
    """A risk in the register whose review date has come: once per review date, to its
    owner (the managers when it has none). Read: the risks whose review date has come
    (index on status, review_on), not the register."""
    for risk in RiskRepo(conn).reviews_due(today):
        if risk.review_on is None:  # the query's window; for the type checker
            continue
        params = {"number": risk.number, "title": risk.title[:200],
                  "date": format_date(risk.review_on)}  # fmt: skip
        for user_id in [risk.owner_id] if risk.owner_id else managers:
            add(Kind.RISK_REVIEW, risk.id, user_id, risk.review_on.isoformat(), **params)
