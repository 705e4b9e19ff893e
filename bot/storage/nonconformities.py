"""Nonconformities and their corrective actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    func,
    insert,
    null,
    or_,
    select,
    true,
    update,
)

from bot.domain.nonconformities import (
    OPEN_STATUSES,
    NcFilter,
    NcStatus,
    Nonconformity,
    Severity,
    Source,
    Viewer,
    nc_number,
)
from bot.domain.roles import Role
from bot.storage.db import inserted_id
from bot.storage.schema import (
    audits,
    departments,
    nc_links,
    nonconformities,
    users,
)

nc = nonconformities
_reporter = users.alias("reporter")
_responsible = users.alias("responsible")
_verifier = users.alias("verifier")


def _select() -> Select[*tuple[Any, ...]]:
    return (
        select(
            nc,
            departments.c.name.label("department_name"),
            audits.c.number.label("audit_number"),
            _reporter.c.full_name.label("reporter_name"),
            _responsible.c.full_name.label("responsible_name"),
            _verifier.c.full_name.label("verifier_name"),
        )
        .outerjoin(departments, departments.c.id == nc.c.department_id)
        .outerjoin(audits, audits.c.id == nc.c.audit_id)
        .join(_reporter, _reporter.c.id == nc.c.reporter_id)
        .outerjoin(_responsible, _responsible.c.id == nc.c.responsible_id)
        .outerjoin(_verifier, _verifier.c.id == nc.c.verifier_id)
    )


_SKIP = {"year", "seq"}


def _record(row: Any) -> Nonconformity:
    data = {k: v for k, v in row._mapping.items() if k not in _SKIP}
    data["source"] = Source(data["source"])
    data["status"] = NcStatus(data["status"])
    for key in ("severity", "suggested_severity"):
        data[key] = Severity(data[key]) if data[key] else None
    data["evidence"] = list(data["evidence"] or [])
    data["done_evidence"] = list(data["done_evidence"] or [])
    data["root_cause"] = list(data["root_cause"] or [])
    data["verdict_evidence"] = list(data["verdict_evidence"] or [])
    return Nonconformity(**data)


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL twin of domain.nonconformities.may_see (a test keeps them in step)."""
    if not viewer.roles.isdisjoint({Role.MANAGER, Role.AUDITOR, Role.OBSERVER}):
        return true()
    mine = or_(nc.c.reporter_id == viewer.user_id, nc.c.responsible_id == viewer.user_id)
    if Role.HEAD in viewer.roles and viewer.department_id is not None:
        return or_(mine, nc.c.department_id == viewer.department_id)
    return mine


def _filtered(where: NcFilter, today: date) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if where.status is not None:
        clauses.append(nc.c.status == where.status.value)
    if where.department_id is not None:
        clauses.append(nc.c.department_id == where.department_id)
    if where.severity is not None:
        clauses.append(nc.c.severity == where.severity.value)
    if where.source is not None:
        clauses.append(nc.c.source == where.source.value)
    if where.overdue:
        clauses.append(_overdue(today))
    return clauses


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(
        nc.c.status.in_([NcStatus.ASSIGNED.value, NcStatus.PLANNED.value]),
        nc.c.due_date < today,
    )


class NcRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, year: int, now: datetime, **values: Any) -> int:
        """Numbers run per year with no gaps: the unit of work holds the write lock, so two
        reports at once take consecutive numbers."""
        last = self.conn.execute(select(func.max(nc.c.seq)).where(nc.c.year == year)).scalar()
        seq = int(last or 0) + 1
        row = {
            "number": nc_number(year, seq),
            "year": year,
            "seq": seq,
            "created_at": now,
            "updated_at": now,
            "evidence": [],
            "root_cause": [],
            "done_evidence": [],
            **values,
        }
        return inserted_id(self.conn.execute(insert(nc).values(**row)))

    def get(self, nc_id: int) -> Nonconformity | None:
        row = self.conn.execute(_select().where(nc.c.id == nc_id)).first()
        return _record(row) if row else None

    def update(self, nc_id: int, now: datetime, **values: Any) -> None:
        """Every change makes a new revision of the card."""
        self.conn.execute(
            update(nc)
            .where(nc.c.id == nc_id)
            .values(updated_at=now, revision=nc.c.revision + 1, **values)
        )

    def earlier(self, current: Nonconformity, limit: int = 300) -> list[Nonconformity]:
        """NCs registered before this one, newest first (candidates for "similar")."""
        query = _select().where(nc.c.id < current.id).order_by(nc.c.id.desc()).limit(limit)
        return [_record(row) for row in self.conn.execute(query)]

    def link(self, nc_id: int, similar_id: int, user_id: int, now: datetime) -> bool:
        exists = self.conn.execute(
            select(nc_links.c.nc_id).where(
                nc_links.c.nc_id == nc_id, nc_links.c.similar_id == similar_id
            )
        ).first()
        if exists:
            return False
        self.conn.execute(
            insert(nc_links).values(
                nc_id=nc_id, similar_id=similar_id, linked_by=user_id, linked_at=now
            )
        )
        return True

    def linked(self, nc_id: int) -> list[int]:
        rows = self.conn.execute(
            select(nc_links.c.similar_id).where(nc_links.c.nc_id == nc_id)
        ).all()
        return [row.similar_id for row in rows]

    def page(
        self, viewer: Viewer, where: NcFilter, today: date, offset: int, limit: int
    ) -> tuple[list[Nonconformity], int]:
        clauses = [visible_to(viewer), *_filtered(where, today)]
        total = self.conn.execute(select(func.count()).select_from(nc).where(*clauses)).scalar()
        query = (
            _select()
            .where(*clauses)
            .order_by(nc.c.year.desc(), nc.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_record(row) for row in self.conn.execute(query)], int(total or 0)

    def to_act_on(self, viewer: Viewer, supervisor: bool) -> list[Nonconformity]:
        """What waits for this person: his assigned and planned actions; for a manager or
        an auditor also new NCs to assign and done ones to verify (not his own work)."""
        mine = and_(
            nc.c.responsible_id == viewer.user_id,
            nc.c.status.in_([NcStatus.ASSIGNED.value, NcStatus.PLANNED.value]),
        )
        condition = mine
        if supervisor:
            verify = and_(
                nc.c.status.in_([NcStatus.DONE.value, NcStatus.VERIFIED.value]),
                or_(nc.c.done_by.is_(None), nc.c.done_by != viewer.user_id),
                or_(nc.c.responsible_id.is_(None), nc.c.responsible_id != viewer.user_id),
            )
            condition = or_(mine, nc.c.status == NcStatus.NEW.value, verify)
        query = _select().where(condition).order_by(nc.c.due_date.is_(None), nc.c.due_date, nc.c.id)
        return [_record(row) for row in self.conn.execute(query)]

    def open_overdue(self, today: date) -> list[Nonconformity]:
        query = _select().where(_overdue(today)).order_by(nc.c.due_date, nc.c.id)
        return [_record(row) for row in self.conn.execute(query)]

    def of_audit(self, audit_id: int) -> list[Nonconformity]:
        query = _select().where(nc.c.audit_id == audit_id).order_by(nc.c.seq)
        return [_record(row) for row in self.conn.execute(query)]


class ReminderRow:
    """The few fields reminders need, for thousands of open actions at once. `done_at` and
    `updated_at` are read only where a rule needs them (a done or a verified NC)."""

    __slots__ = (
        "created_at", "department", "done_at", "due_date", "id", "number", "recheck_due",
        "responsible_id", "severity", "status", "updated_at", "verifier_id",
    )  # fmt: skip

    def __init__(self, row: Any) -> None:
        # By position: a sweep builds thousands, and a named look-up costs more.
        (self.id, self.number, status, severity, self.due_date, self.responsible_id,
         self.verifier_id, self.done_at, self.created_at, self.updated_at, self.recheck_due,
         self.department) = row  # fmt: skip
        self.status = NcStatus(status)
        self.severity = Severity(severity) if severity else None

    id: int
    number: str
    due_date: date | None
    responsible_id: int | None
    verifier_id: int | None
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime | None
    recheck_due: date | None
    department: str | None


def reminder_rows(
    conn: Connection,
    *,
    today: date,
    capa_until: date,
    aged_before: datetime,
    waited_before: datetime,
) -> list[ReminderRow]:
    """The NCs a reminder may be due for now, and only those (a superset the rules narrow):
    an action due by `capa_until` or overdue, a re-check due by today, a verification or a
    verdict waiting since before `waited_before`, an NC unassigned or unclassified since
    before `aged_before`. Each part reads its own index, so a sweep costs what is due, not
    what is open."""

    def columns(moments: bool) -> Select[Any]:
        # Parsing a stored moment is most of a row's cost: the parts for planned actions and
        # re-checks (thousands) skip the two their rules never read.
        done_at = nc.c.done_at if moments else null().label("done_at")
        updated_at = nc.c.updated_at if moments else null().label("updated_at")
        return select(
            nc.c.id, nc.c.number, nc.c.status, nc.c.severity, nc.c.due_date,
            nc.c.responsible_id, nc.c.verifier_id, done_at, nc.c.created_at, updated_at,
            nc.c.recheck_due, departments.c.name.label("department"),
        ).outerjoin(departments, departments.c.id == nc.c.department_id)  # fmt: skip

    open_statuses = [s.value for s in OPEN_STATUSES]
    planned = [NcStatus.ASSIGNED.value, NcStatus.PLANNED.value]
    # A status's own part comes before the hygiene parts: the first read of a row is kept.
    parts = (
        columns(False).where(nc.c.status.in_(planned), nc.c.due_date <= capa_until),
        columns(False).where(nc.c.status == NcStatus.CLOSED.value, nc.c.recheck_due <= today),
        columns(True).where(
            nc.c.status == NcStatus.VERIFIED.value, nc.c.updated_at < waited_before
        ),
        columns(True).where(nc.c.status == NcStatus.DONE.value, nc.c.done_at < waited_before),
        columns(True).where(nc.c.status == NcStatus.NEW.value, nc.c.created_at < aged_before),
        columns(True).where(
            nc.c.severity.is_(None),
            nc.c.status.in_(open_statuses),
            nc.c.created_at < aged_before,
        ),
    )
    found: dict[int, ReminderRow] = {}
    for query in parts:
        for row in conn.execute(query).all():  # one fetch, not a call per row
            if row[0] not in found:
                found[row[0]] = ReminderRow(row)
    return [found[key] for key in sorted(found)]


def counts_since(conn: Connection, since: datetime) -> tuple[int, int]:
    """NCs opened and closed since the moment."""
    opened = conn.execute(select(func.count()).where(nc.c.created_at >= since)).scalar()
    closed = conn.execute(
        select(func.count()).where(nc.c.closed_at >= since, nc.c.status == NcStatus.CLOSED.value)
    ).scalar()
    return int(opened or 0), int(closed or 0)


def waiting_for_someone(conn: Connection) -> list[Nonconformity]:
    """NCs whose next step is someone's other than the responsible's working on it: to be
    assigned (new), verified (done), judged (verified), or a due date decided; the one
    waiting longest first (by when it last changed)."""
    waiting = nc.c.status.in_(("new", "done", "verified")) | (
        nc.c.requested_due_date.is_not(None) & (nc.c.status != "closed")
    )
    query = _select().where(waiting).order_by(nc.c.updated_at, nc.c.id)
    return [_record(row) for row in conn.execute(query)]
