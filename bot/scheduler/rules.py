"""What is due now, computed from the database (one read, no state kept between sweeps)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from bot.config import Settings
from bot.domain.audits import AuditStatus
from bot.domain.competence import RecordStatus, latest_confirmed
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import NcStatus, escalation_after
from bot.domain.reminders import Due, Key, Kind, applicable_offset, days_between, digest_slot
from bot.domain.roles import Role
from bot.services.competence import load_matrix
from bot.services.documents import outstanding
from bot.services.templates import TemplateService
from bot.storage.audits import AuditRepo
from bot.storage.competence import CompetenceRepo
from bot.storage.departments import DepartmentRepo
from bot.storage.documents import DocumentRepo
from bot.storage.nonconformities import counts_since, reminder_rows
from bot.storage.notifications import LedgerRepo
from bot.storage.users import UserRepo


def compute_due(
    conn: Connection, now: datetime, settings: Settings, templates: TemplateService
) -> dict[Key, Due]:
    zone = settings.tz
    today = now.astimezone(zone).date()
    people = {u.id: u for u in UserRepo(conn).active() if not u.bot_blocked}
    snoozed = LedgerRepo(conn).snoozed(now)
    due: list[Due] = []

    def add(kind: Kind, object_id: int, user_id: int | None, slot: str, **params: object) -> None:
        if user_id in people and (kind.value, object_id, user_id) not in snoozed:
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

    managers = [u.id for u in people.values() if u.has(Role.MANAGER)]
    overdue_by_department: Counter[str] = Counter()
    for row in reminder_rows(conn):
        base = {"number": row.number, "nc_id": row.id}
        created = row.created_at.astimezone(zone).date()
        # Hygiene: an NC nobody owns or nobody classified does not wait in silence.
        if days_between(created, today) >= settings.unassigned_days:
            age = days_between(created, today)
            for user_id in managers:
                if row.status is NcStatus.NEW:
                    add(Kind.UNASSIGNED, row.id, user_id, created.isoformat(), days=age, **base)
                elif row.severity is None and row.status is not NcStatus.CLOSED:
                    add(Kind.UNCLASSIFIED, row.id, user_id, created.isoformat(), days=age, **base)
        if row.status is NcStatus.CLOSED:
            if row.recheck_due is not None and row.recheck_due <= today:
                slot = row.recheck_due.isoformat()
                add(Kind.RECHECK, row.id, row.verifier_id, slot, **base)
            continue
        if row.status is NcStatus.VERIFIED:
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
        due_text = format_date(row.due_date)
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
            responsible = people.get(row.responsible_id or 0)
            for user_id in managers:
                add(
                    Kind.ESCALATION, row.id, user_id, f"{row.due_date.isoformat()}:esc",
                    days=late, due=due_text,
                    responsible=responsible.full_name if responsible else "—",
                    department=row.department or "—", **base,
                )  # fmt: skip

    _competence(conn, today, settings, people, managers, add)
    _documents(conn, today, settings, people, add)

    weekday, hour, minute = settings.digest_at
    digest = digest_slot(now, zone, weekday, hour, minute)
    if digest is not None:
        readers = [u.id for u in people.values() if u.has(Role.MANAGER, Role.OBSERVER)]
        if readers:
            params = _digest(conn, now, settings, overdue_by_department)
            for user_id in readers:
                add(Kind.DIGEST, 0, user_id, digest, **params)
    return {d.key: d for d in due}


def _competence(
    conn: Connection,
    today: date,
    settings: Settings,
    people: dict[int, User],
    managers: list[int],
    add: Callable[..., None],
) -> None:
    """A confirmed qualification or training N days before it expires (the person and the
    head of his department), and once when it has expired (the managers). The slots carry
    the expiry day, so a renewal (a newer record) starts afresh."""
    offsets = settings.competence_remind_days
    matrix = load_matrix(conn, people.values(), today, max(offsets, default=0))
    heads = {d.id: d.head_user_id for d in DepartmentRepo(conn).list()}
    requirements = {r.id: r for r in matrix.requirements}
    latest = latest_confirmed(CompetenceRepo(conn).records((RecordStatus.CONFIRMED,)))
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


def _documents(
    conn: Connection,
    today: date,
    settings: Settings,
    people: dict[int, User],
    add: Callable[..., None],
) -> None:
    """A version in force goes once to each person it concerns who has not acknowledged it,
    and once more DOC_ACK_REMIND_DAYS after that reached him; its owner is asked
    DOC_REVIEW_NOTICE_DAYS before the review date (the slot carries the date: a new one asks
    again)."""
    repo = DocumentRepo(conn)
    documents = {d.id: d for d in repo.list()}
    told = LedgerRepo(conn).sent_at(Kind.DOC_ACK.value)
    for version, person in outstanding(conn):
        document = documents[version.document_id]
        assert version.effective_on is not None
        params = {"code": document.code, "title": document.title, "number": version.number,
                  "effective": format_date(version.effective_on)}  # fmt: skip
        add(Kind.DOC_ACK, version.id, person.id, "new", **params)
        # Counted from the day it reached him: a newcomer (or a message held over the
        # weekend) is not reminded together with the first message.
        reached = told.get((version.id, person.id))
        if reached is None:
            continue
        waiting = days_between(reached.astimezone(settings.tz).date(), today)
        if waiting >= settings.doc_ack_remind_days:
            slot = f"d{settings.doc_ack_remind_days}"
            add(Kind.DOC_ACK_REMIND, version.id, person.id, slot, days=waiting, **params)
    for version in repo.in_force():
        if version.review_on is None:
            continue
        days = days_between(today, version.review_on)
        if days <= settings.doc_review_notice_days:
            document = documents[version.document_id]
            add(
                Kind.DOC_REVIEW, version.id, document.owner_id, version.review_on.isoformat(),
                code=document.code, title=document.title, number=version.number, days=days,
                document_id=document.id,
                review=format_date(version.review_on), drawn=version.review_on.toordinal(),
            )  # fmt: skip
