"""Staff competence: requirements (manager), certificates sent from chat and confirmed by
the head of the person's department (or a manager when there is none), the matrix, and
who may lead an audit."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.competence import (
    HOURS_MAX,
    INTERNAL_AUDITOR,
    MONTHS_MAX,
    Cell,
    Matrix,
    MatrixRow,
    Record,
    RecordStatus,
    Requirement,
    Status,
    cell_for,
    counts_as_valid,
    latest_confirmed,
)
from bot.domain.models import Department, User
from bot.domain.roles import Role
from bot.services.errors import Refused
from bot.storage.competence import CompetenceRepo
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.users import UserRepo

NAME_MAX = 200
REASON_MAX = 1000
ENTITY = "competence"
NO_DEPARTMENT = 0  # the matrix of the people outside every department


def load_matrix(conn: Connection, people: Iterable[User], today: date, window: int) -> Matrix:
    """People × active requirements that apply to them, as of `today`."""
    repo = CompetenceRepo(conn)
    requirements = repo.requirements()
    records = repo.records((RecordStatus.CONFIRMED, RecordStatus.PENDING))
    latest = latest_confirmed(records)
    pending = {(r.user_id, r.requirement_id) for r in records if r.status is RecordStatus.PENDING}
    rows = []
    for person in people:
        cells = {
            req.id: cell_for(
                req,
                latest.get((person.id, req.id)),
                today,
                window,
                (person.id, req.id) in pending,
            )
            for req in requirements
            if req.applies_to(person.roles)
        }
        rows.append(MatrixRow(person.id, person.full_name, person.department_name, cells))
    return Matrix(requirements, rows)


@dataclass(frozen=True, slots=True)
class Submitted:
    record: Record
    requirement: Requirement
    reviewers: list[User]


@dataclass(frozen=True, slots=True)
class Reviewed:
    record: Record
    requirement: Requirement
    owner: User


class CompetenceService(SchoolDay):
    def __init__(
        self, db: Database, clock: Clock, tz: ZoneInfo, remind_days: tuple[int, ...]
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.window = max(remind_days, default=0)  # "expiring": within the first reminder

    # -- requirements (manager) ------------------------------------------------------------

    async def requirements(self, active_only: bool = False) -> list[Requirement]:
        return await self.db.run(lambda conn: CompetenceRepo(conn).requirements(active_only))

    async def requirement(self, requirement_id: int) -> Requirement:
        found = await self.db.run(lambda conn: CompetenceRepo(conn).requirement(requirement_id))
        if found is None:
            raise Refused("competence.not_found")
        return found

    async def add_requirement(self, actor: User, raw_name: str) -> Requirement:
        name = _clean(raw_name, NAME_MAX)
        now = self.clock.now()

        def work(conn: Connection) -> Requirement | None:
            repo = CompetenceRepo(conn)
            draft = Requirement(0, None, name, frozenset({Role.TEACHER}), 36, False)
            requirement_id = repo.add_requirement(draft, now)
            EventLog(conn).add(now, actor.id, ENTITY, requirement_id, "created", name=name)
            return repo.requirement(requirement_id)

        found = await self.db.run(work)
        assert found is not None
        return found

    async def change(self, actor: User, requirement_id: int, **changes: Any) -> Requirement:
        """Renames, sets the months, a role, the course flag or archives a requirement."""
        if "name" in changes:
            changes["name"] = _clean(changes["name"], NAME_MAX)
        if "months" in changes:
            raw = str(changes["months"]).strip()
            if not raw.isdigit() or not 1 <= int(raw) <= MONTHS_MAX:
                raise Refused("competence.bad_months", limit=MONTHS_MAX)
            changes["months"] = int(raw)
        now = self.clock.now()
        asked = dict(changes)

        def work(conn: Connection) -> Requirement:
            changes = dict(asked)  # a unit run again (PostgreSQL) starts from what was asked
            repo = CompetenceRepo(conn)
            current = repo.requirement(requirement_id)
            if current is None:
                raise Refused("competence.not_found")
            role, role_on = changes.pop("role", None), changes.pop("role_on", True)
            if role is not None:
                roles = current.roles | {Role(role)} if role_on else current.roles - {Role(role)}
                if not roles:
                    raise Refused("competence.no_roles")
                changes["roles"] = roles
            updated = replace(current, **changes)
            repo.save_requirement(updated)
            logged = {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in changes.items()}
            EventLog(conn).add(now, actor.id, ENTITY, requirement_id, "changed", **logged)
            return updated

        return await self.db.run(work)

    # -- a person's records ----------------------------------------------------------------

    async def mine(self, user: User) -> builtins.list[tuple[Requirement, Cell]]:
        today = self.today()

        def work(conn: Connection) -> Matrix:
            return load_matrix(conn, [user], today, self.window)

        matrix = await self.db.run(work)
        cells = matrix.rows[0].cells
        return [(req, cells[req.id]) for req in matrix.requirements if req.id in cells]

    async def submit(
        self,
        actor: User,
        requirement_id: int,
        completed_on: date,
        hours: int | None,
        evidence: builtins.list[dict[str, Any]],
    ) -> Submitted:
        if completed_on > self.today():
            raise Refused("competence.date_in_future")
        if hours is not None and not 1 <= hours <= HOURS_MAX:
            raise Refused("competence.bad_hours", limit=HOURS_MAX)
        if not evidence:
            raise Refused("competence.no_file")
        now = self.clock.now()

        def work(conn: Connection) -> Submitted:
            repo = CompetenceRepo(conn)
            requirement = repo.requirement(requirement_id)
            if requirement is None or not requirement.active:
                raise Refused("competence.not_found")
            record_id = repo.add_record(
                actor.id, requirement_id, completed_on, hours, evidence, now
            )
            EventLog(conn).add(
                now, actor.id, ENTITY, record_id, "record_added",
                requirement=requirement_id, completed_on=completed_on.isoformat(), hours=hours,
            )  # fmt: skip
            record = repo.record(record_id)
            assert record is not None
            return Submitted(record, requirement, _reviewers(conn, actor))

        return await self.db.run(work)

    async def record(self, actor: User, record_id: int) -> tuple[Record, Requirement, User]:
        """A record its owner, his head or a manager may see."""

        def work(conn: Connection) -> tuple[Record, Requirement, User]:
            repo = CompetenceRepo(conn)
            record = repo.record(record_id)
            owner = UserRepo(conn).get(record.user_id) if record else None
            if record is None or owner is None:
                raise Refused("competence.not_found")
            if actor.id != owner.id and not _may_review(conn, actor, owner):
                raise Refused("competence.not_yours")
            requirement = repo.requirement(record.requirement_id)
            assert requirement is not None
            return record, requirement, owner

        return await self.db.run(work)

    async def review(
        self, actor: User, record_id: int, confirm: bool, reason: str | None = None
    ) -> Reviewed:
        if not confirm:
            reason = _clean(reason or "", REASON_MAX)
        now = self.clock.now()

        def work(conn: Connection) -> Reviewed:
            repo = CompetenceRepo(conn)
            record = repo.record(record_id)
            owner = UserRepo(conn).get(record.user_id) if record else None
            if record is None or owner is None:
                raise Refused("competence.not_found")
            if not _may_review(conn, actor, owner):
                raise Refused("competence.not_reviewer")
            status = RecordStatus.CONFIRMED if confirm else RecordStatus.REJECTED
            if not repo.review(record_id, status, actor.id, now, reason):
                raise Refused("competence.already_reviewed")
            EventLog(conn).add(now, actor.id, ENTITY, record_id, status.value, reason=reason)
            settled = repo.record(record_id)
            requirement = repo.requirement(record.requirement_id)
            assert settled is not None and requirement is not None
            return Reviewed(settled, requirement, owner)

        return await self.db.run(work)

    # -- the matrix --------------------------------------------------------------------------

    async def headed(self, actor: User) -> Department | None:
        """The department this person heads, if any."""

        def work(conn: Connection) -> Department | None:
            repo = DepartmentRepo(conn)
            ids = repo.headed_by(actor.id)
            return repo.get(ids[0]) if ids else None

        return await self.db.run(work)

    async def matrix(self, actor: User, department_id: int | None) -> Matrix:
        """One department's matrix (NO_DEPARTMENT: those outside every department), or the
        whole school's (None, managers). A head sees his own department's only."""
        today = self.today()

        def work(conn: Connection) -> Matrix:
            headed = DepartmentRepo(conn).headed_by(actor.id)
            if not actor.has(Role.MANAGER) and (
                department_id is None or department_id not in headed
            ):
                raise Refused("competence.not_your_department")
            people = UserRepo(conn).active()
            if department_id is not None:
                wanted = department_id or None
                people = [p for p in people if p.department_id == wanted]
            return load_matrix(conn, people, today, self.window)

        return await self.db.run(work)

    # -- auditors (ISO 19011 7) --------------------------------------------------------------

    async def auditors(
        self, people: builtins.list[User]
    ) -> tuple[builtins.list[User], builtins.list[tuple[User, Cell]]]:
        """Those who may lead an audit, and those who may not with their internal-auditor
        standing. The rule applies once the school keeps these records: the requirement is
        in force and at least one training of it has been confirmed."""
        today = self.today()

        def work(conn: Connection) -> tuple[Requirement | None, Matrix | None]:
            repo = CompetenceRepo(conn)
            requirement = repo.by_code(INTERNAL_AUDITOR)
            if requirement is None or not requirement.active:
                return None, None
            if not repo.has_confirmed(requirement.id):
                return requirement, None
            return requirement, load_matrix(conn, people, today, self.window)

        requirement, matrix = await self.db.run(work)
        if requirement is None or matrix is None:
            return people, []
        offered, not_offered = [], []
        for person, row in zip(people, matrix.rows, strict=True):
            records = latest_or_missing(row, requirement)
            if counts_as_valid(records.status):
                offered.append(person)
            else:
                not_offered.append((person, records))
        return offered, not_offered

    async def may_lead(self, person: User) -> bool:
        offered, _ = await self.auditors([person])
        return bool(offered)


def latest_or_missing(row: MatrixRow, requirement: Requirement) -> Cell:
    """The person's standing on the requirement, whether or not his roles name it."""
    return row.cells.get(requirement.id) or Cell(Status.MISSING)


def _clean(raw: str, limit: int) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Refused("competence.empty")
    if len(text) > limit:
        raise Refused("competence.too_long", limit=limit)
    return text


def _may_review(conn: Connection, actor: User, owner: User) -> bool:
    if actor.has(Role.MANAGER):
        return True
    if owner.department_id is None or actor.id == owner.id:
        return False
    department = DepartmentRepo(conn).get(owner.department_id)
    return department is not None and department.head_user_id == actor.id and actor.is_active


def _reviewers(conn: Connection, owner: User) -> builtins.list[User]:
    """The head of his department (not himself), else the managers."""
    users = UserRepo(conn)
    if owner.department_id is not None:
        department = DepartmentRepo(conn).get(owner.department_id)
        if department and department.head_user_id and department.head_user_id != owner.id:
            head = users.get(department.head_user_id)
            if head is not None and head.is_active:
                return [head]
    return [u for u in users.active() if u.has(Role.MANAGER)]
