"""What is due now, computed from the database (one read, no state kept between sweeps).

Each rule asks only for what may fall due (indexed windows: an action due within the
reminder offsets, a verification waiting long enough, …), and only the people those
reminders go to are loaded, so a sweep costs what is due, not what is open."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from bot.config import Settings
from bot.domain.audits import AuditStatus
from bot.domain.competence import RecordStatus, latest_confirmed
from bot.domain.dates import format_date
from bot.domain.nonconformities import NcStatus, escalation_after
from bot.domain.reminders import Due, Key, Kind, applicable_offset, days_between, digest_slot
from bot.domain.roles import Role
from bot.services.competence import load_matrix
from bot.services.templates import TemplateService
from bot.storage.audits import AuditRepo
from bot.storage.competence import CompetenceRepo
from bot.storage.departments import DepartmentRepo
from bot.storage.nonconformities import counts_since, reminder_rows
from bot.storage.notifications import LedgerRepo
from bot.storage.users import UserRepo


def compute_due(
    conn: Connection, now: datetime, settings: Settings, templates: TemplateService
) -> dict[Key, Due]:
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
                for user_id in {audit.lead_auditor_id, *(r.user_id for r in respondents)}:
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
        for person in respondents:
            if person.submitted_at is not None:
                continue
            params = {**base, "deadline": format_date(audit.deadline), "total": total,
                      "answered": person.answered}  # fmt: skip
            add(Kind.AUDIT_OPENED, audit.id, person.user_id, "open", **params)
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

    weekday, hour, minute = settings.digest_at
    digest = digest_slot(now, zone, weekday, hour, minute)
    if digest is not None:
        readers = [u.id for u in users.reachable_with(Role.MANAGER, Role.OBSERVER)]
        if readers:
            params = _digest(conn, now, settings, overdue_by_department)
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
    the expiry day, so a renewal (a newer record) starts afresh. Only people with a
    confirmed record are read: nobody else can have one expiring."""
    offsets = settings.competence_remind_days
    latest = latest_confirmed(CompetenceRepo(conn).records((RecordStatus.CONFIRMED,)))
    if not latest:
        return
    people = UserRepo(conn).reachable(user_id for user_id, _ in latest)
    matrix = load_matrix(conn, people.values(), today, max(offsets, default=0))
    heads = {d.id: d.head_user_id for d in DepartmentRepo(conn).list()}
    requirements = {r.id: r for r in matrix.requirements}
    for row in matrix.rows:
        person = people[row.user_id]
        for requirement_id, cell in row.cells.items():
            record = latest.get((row.user_id, requirement_id))
            if record is None or cell.expires is None:
                continue
            requirement = requirements[requirement_id]
            params = {
                "name": person.full_name, "code": requirement.code, "req": requirement.name,
                "expires": format_date(cell.expires), "requirement_id": requirement_id,
            }  # fmt: skip
            days = days_between(today, cell.expires)
            if days >= 0:
                offset = applicable_offset(days, offsets)
                if offset is None:
                    continue
                slot = f"{cell.expires.isoformat()}:d{offset}"
                head = heads.get(person.department_id or 0)
                for user_id in {person.id, head}:
                    add(
                        Kind.COMPETENCE_EXPIRING, record.id, user_id, slot,
                        days=days, own=user_id == person.id, **params,
                    )  # fmt: skip
            else:
                for user_id in managers:
                    add(Kind.COMPETENCE_EXPIRED, record.id, user_id, cell.expires.isoformat(),
                        **params)  # fmt: skip


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
