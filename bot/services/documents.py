"""Controlled documents: the manager registers a document with its file, the manager or
the director approves a version for the roles and departments it concerns, it comes into
force (the one before is withdrawn), each person it concerns acknowledges it once; the
sheet and the matrix of acknowledgements; review dates."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.competence import add_months
from bot.domain.dates import local_today
from bot.domain.documents import (
    APPROVERS,
    REVIEW_MONTHS,
    TITLE_MAX,
    Card,
    DocType,
    Document,
    Version,
    VersionStatus,
    can_move,
    clean_code,
    matches,
    visible_to,
)
from bot.domain.models import User
from bot.domain.roles import Role
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.documents import DocumentRepo
from bot.storage.events import EventLog
from bot.storage.users import UserRepo

ENTITY = "document"
Documents = builtins.list[Document]


def audience_of(
    version: Version,
    people: builtins.list[User],
    by_department: dict[int | None, builtins.list[User]] | None = None,
) -> builtins.list[User]:
    """Whom the version concerns; `by_department` (the same people by department) spares
    looking at everyone for a version of a few departments."""
    pool = people
    if version.department_ids and by_department is not None:
        pool = [p for d in sorted(version.department_ids) for p in by_department.get(d, [])]
    return [p for p in pool if version.concerns(p)]


def outstanding(conn: Connection) -> builtins.list[tuple[Version, User]]:
    """(version in force, person it concerns) without an acknowledgement (one sweep reads
    this: bench/documents.py)."""
    repo = DocumentRepo(conn)
    versions = repo.in_force()
    if not versions:
        return []
    people = UserRepo(conn).active()
    by_department: dict[int | None, builtins.list[User]] = {}
    for person in people:
        by_department.setdefault(person.department_id, []).append(person)
    acked = repo.acknowledged_in_force()
    return [
        (version, person)
        for version in versions
        for person in audience_of(version, people, by_department)
        if (version.id, person.id) not in acked
    ]


@dataclass(frozen=True, slots=True)
class Enforced:
    card: Card
    withdrawn: Version | None  # the version it replaced
    readers: builtins.list[User]  # who had acknowledged the replaced one


@dataclass(frozen=True, slots=True)
class SheetRow:
    name: str
    position: str  # roles and department, as a sheet has them
    acknowledged: date | None


@dataclass(frozen=True, slots=True)
class Sheet:
    document: Document
    version: Version
    rows: builtins.list[SheetRow]


@dataclass(frozen=True, slots=True)
class DocMatrix:
    documents: builtins.list[tuple[Document, Version]]
    people: builtins.list[User]
    acks: dict[tuple[int, int], date]  # (version, user) -> the day he acknowledged it


class DocumentService:
    def __init__(
        self, db: Database, clock: Clock, tz: ZoneInfo, remind_days: int, review_days: int
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.remind_days = remind_days
        self.review_days = review_days

    def today(self) -> date:
        return local_today(self.clock.now(), self.tz)

    # -- reading ---------------------------------------------------------------------------

    def _card(self, conn: Connection, document_id: int, actor: User | None) -> Card:
        repo = DocumentRepo(conn)
        document = repo.get(document_id)
        versions = repo.versions(document_id)
        if document is None or not versions:
            raise Refused("documents.not_found")
        if actor is not None and not visible_to(actor, document, versions):
            raise Refused("documents.not_yours")
        card = Card(document, versions, cited_by=repo.ncs_citing(document_id))
        current = card.in_force
        if current is None:
            return card
        acked = {a.user_id: local_today(a.at, self.tz) for a in repo.acks([current.id])}
        people = UserRepo(conn).active()
        return replace(card, acked_on=acked, audience=audience_of(current, people))

    async def card(self, actor: User, document_id: int) -> Card:
        return await self.db.run(lambda conn: self._card(conn, document_id, actor))

    async def card_of_version(self, actor: User, version_id: int) -> Card:
        def work(conn: Connection) -> Card:
            version = DocumentRepo(conn).version(version_id)
            if version is None:
                raise Refused("documents.not_found")
            return self._card(conn, version.document_id, actor)

        return await self.db.run(work)

    async def browse(
        self,
        actor: User,
        kind: DocType | None = None,
        department_id: int | None = None,
        word: str | None = None,
    ) -> builtins.list[tuple[Document, Version]]:
        """The documents he may read (each with its latest version), filtered by type, by a
        department the version in force (else the latest) goes to, or by a typed word."""

        def work(conn: Connection) -> builtins.list[tuple[Document, Version]]:
            repo = DocumentRepo(conn)
            versions: dict[int, builtins.list[Version]] = {}
            for version in repo.versions():
                versions.setdefault(version.document_id, []).append(version)
            found = []
            for document in repo.list():
                own = versions.get(document.id, [])
                if not own or not visible_to(actor, document, own):
                    continue
                if kind is not None and document.type is not kind:
                    continue
                if word is not None and not matches(document, word):
                    continue
                shown = next((v for v in own if v.status is VersionStatus.IN_FORCE), own[-1])
                if department_id is not None and department_id not in shown.department_ids:
                    continue
                found.append((document, own[-1]))
            return found

        return await self.db.run(work)

    async def to_acknowledge(self, actor: User) -> builtins.list[tuple[Document, Version]]:
        def work(conn: Connection) -> builtins.list[tuple[Document, Version]]:
            repo = DocumentRepo(conn)
            found = []
            for version, person in outstanding(conn):
                if person.id == actor.id:
                    document = repo.get(version.document_id)
                    assert document is not None
                    found.append((document, version))
            return found

        return await self.db.run(work)

    async def file_of(self, actor: User, version_id: int) -> tuple[Document, Version]:
        def work(conn: Connection) -> tuple[Document, Version]:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            if version is None:
                raise Refused("documents.not_found")
            card = self._card(conn, version.document_id, actor)
            may = actor.has(Role.MANAGER, Role.OBSERVER) or card.document.owner_id == actor.id
            if not may and not version.concerns(actor):
                raise Refused("documents.not_yours")
            return card.document, version

        return await self.db.run(work)

    # -- registering -------------------------------------------------------------------------

    async def check_code(self, raw: str) -> str:
        code = clean_code(raw)
        if code is None:
            raise Refused("documents.bad_code")

        def work(conn: Connection) -> None:
            if DocumentRepo(conn).by_code(code) is not None:
                raise Refused("documents.code_taken", code=code)

        await self.db.run(work)
        return code

    async def check_title(self, raw: str) -> str:
        return _clean(raw)

    async def create(
        self, actor: User, raw_code: str, raw_title: str, kind: DocType, file: dict[str, Any]
    ) -> Card:
        _manager(actor)
        code = await self.check_code(raw_code)
        title = _clean(raw_title)
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            if repo.by_code(code) is not None:
                raise Refused("documents.code_taken", code=code)
            document_id = repo.add(code, title, kind, actor.id, now)
            version_id = repo.add_version(document_id, 1, file, frozenset(), frozenset(), now)
            EventLog(conn).add(
                now, actor.id, ENTITY, document_id, "created",
                code=code, title=title, type=kind.value, version=version_id,
                file=file.get("sha256") or file.get("file_id"),
            )  # fmt: skip
            return self._card(conn, document_id, None)

        return await self.db.run(work)

    async def new_version(self, actor: User, document_id: int, file: dict[str, Any]) -> Card:
        """A new draft, for the same audience as the version before it."""
        _manager(actor)
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            card = self._card(conn, document_id, None)
            if card.pending is not None:
                raise Refused("documents.draft_exists", number=card.pending.number)
            last = card.latest
            repo = DocumentRepo(conn)
            version_id = repo.add_version(
                document_id, last.number + 1, file, last.roles, last.department_ids, now
            )
            EventLog(conn).add(
                now, actor.id, ENTITY, document_id, "version_added",
                version=version_id, number=last.number + 1,
                file=file.get("sha256") or file.get("file_id"),
            )  # fmt: skip
            return self._card(conn, document_id, None)

        return await self.db.run(work)

    async def people(self) -> builtins.list[User]:
        """Who may own a document: the active staff, by name."""
        users = await self.db.run(lambda conn: UserRepo(conn).active())
        return sorted(users, key=lambda u: u.full_name)

    async def set_owner(self, actor: User, document_id: int, owner_id: int) -> Card:
        _manager(actor)
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            owner = UserRepo(conn).get(owner_id)
            if owner is None or not owner.is_active:
                raise Refused("documents.stale")
            card = self._card(conn, document_id, None)
            if card.document.owner_id != owner_id:
                DocumentRepo(conn).set_owner(document_id, owner_id)
                EventLog(conn).add(now, actor.id, ENTITY, document_id, "owner", owner=owner_id)
            return self._card(conn, document_id, None)

        return await self.db.run(work)

    # -- documents an NC cites -------------------------------------------------------------

    async def citations(
        self, nc_id: int
    ) -> tuple[builtins.list[Document], builtins.list[Document]]:
        """The documents the NC cites, and those it may cite (in force). The caller has
        checked that the person may see the NC."""

        def work(conn: Connection) -> tuple[Documents, Documents]:
            repo = DocumentRepo(conn)
            in_force = {v.document_id for v in repo.in_force()}
            cited = repo.cited_by_nc(nc_id)
            return cited, [d for d in repo.list() if d.id in in_force]

        return await self.db.run(work)

    async def cite(self, actor: User, nc_id: int, document_id: int, present: bool) -> bool:
        """The NC cites the document (present) or no longer does; a second tap of the same
        button changes nothing. True when something changed."""
        if not actor.has(Role.MANAGER, Role.AUDITOR):
            raise Refused("documents.not_citer")
        now = self.clock.now()

        def work(conn: Connection) -> bool:
            repo = DocumentRepo(conn)
            if repo.get(document_id) is None:
                raise Refused("documents.not_found")
            if present:
                changed = repo.cite(nc_id, document_id, actor.id, now)
            else:
                changed = repo.uncite(nc_id, document_id)
            if changed:
                action = "cited" if present else "uncited"
                EventLog(conn).add(now, actor.id, ENTITY, document_id, action, nc=nc_id)
            return changed

        return await self.db.run(work)

    # -- approval and entry into force ---------------------------------------------------------

    async def choose_audience(
        self,
        actor: User,
        version_id: int,
        role: Role | None = None,
        department: int = 0,
        present: bool = True,
    ) -> Card:
        """A role or a department in (present) or out of a draft's audience; the button says
        which, so a second tap changes nothing."""
        _manager(actor)
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            if version is None:
                raise Refused("documents.not_found")
            if version.status is not VersionStatus.DRAFT:
                raise Refused("documents.stale")
            roles, departments = version.roles, version.department_ids
            if role is not None:
                roles = roles | {role} if present else roles - {role}
            elif department:
                departments = departments | {department} if present else departments - {department}
            if (roles, departments) != (version.roles, version.department_ids):
                repo.set_audience(version_id, roles, departments)
                EventLog(conn).add(
                    now, actor.id, ENTITY, version.document_id, "audience", version=version_id,
                    roles=sorted(roles), departments=sorted(departments),
                )  # fmt: skip
            return self._card(conn, version.document_id, None)

        return await self.db.run(work)

    async def approve(self, actor: User, version_id: int) -> Card:
        if not actor.has(*APPROVERS):
            raise Refused("documents.not_approver")
        now, today = self.clock.now(), self.today()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            version = _movable(repo, version_id, VersionStatus.APPROVED)
            if not version.has_audience:
                raise Refused("documents.no_audience")
            if not repo.move(
                version_id, version.status, VersionStatus.APPROVED,
                approved_by=actor.id, approved_on=today,
            ):  # fmt: skip
                raise Refused("documents.stale")
            EventLog(conn).add(
                now, actor.id, ENTITY, version.document_id, "approved",
                version=version_id, on=today.isoformat(),
            )  # fmt: skip
            return self._card(conn, version.document_id, None)

        return await self.db.run(work)

    async def enforce(self, actor: User, version_id: int) -> Enforced:
        """The approved version comes into force today; the one in force is withdrawn and
        points at it."""
        _manager(actor)
        now, today = self.clock.now(), self.today()

        def work(conn: Connection) -> Enforced:
            repo = DocumentRepo(conn)
            version = _movable(repo, version_id, VersionStatus.IN_FORCE)
            previous = next(
                (
                    v
                    for v in repo.versions(version.document_id)
                    if v.status is VersionStatus.IN_FORCE
                ),
                None,
            )
            review = add_months(today, REVIEW_MONTHS)
            if not repo.move(
                version_id, VersionStatus.APPROVED, VersionStatus.IN_FORCE,
                effective_on=today, review_on=review,
            ):  # fmt: skip
                raise Refused("documents.stale")
            events = EventLog(conn)
            events.add(
                now, actor.id, ENTITY, version.document_id, "in_force", version=version_id,
                effective=today.isoformat(), review=review.isoformat(),
            )  # fmt: skip
            readers: builtins.list[User] = []
            if previous is not None:
                repo.move(
                    previous.id, VersionStatus.IN_FORCE, VersionStatus.WITHDRAWN,
                    replaced_by=version_id,
                )  # fmt: skip
                events.add(
                    now, actor.id, ENTITY, version.document_id, "withdrawn",
                    version=previous.id, replaced_by=version_id,
                )  # fmt: skip
                users = UserRepo(conn)
                readers = [
                    user
                    for ack in repo.acks([previous.id])
                    if (user := users.get(ack.user_id)) is not None and user.is_active
                ]
                previous = repo.version(previous.id)
            card = self._card(conn, version.document_id, None)
            return Enforced(card, previous, readers)

        return await self.db.run(work)

    async def withdraw(self, actor: User, version_id: int) -> Card:
        _manager(actor)
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            version = _movable(repo, version_id, VersionStatus.WITHDRAWN)
            if not repo.move(version_id, VersionStatus.IN_FORCE, VersionStatus.WITHDRAWN):
                raise Refused("documents.stale")
            EventLog(conn).add(
                now, actor.id, ENTITY, version.document_id, "withdrawn", version=version_id
            )
            return self._card(conn, version.document_id, None)

        return await self.db.run(work)

    # -- acknowledgement -------------------------------------------------------------------

    async def acknowledge(self, actor: User, version_id: int) -> tuple[Card, bool]:
        """Records that he read the version in force; False when he had already."""
        now = self.clock.now()

        def work(conn: Connection) -> tuple[Card, bool]:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            if version is None:
                raise Refused("documents.not_found")
            if version.status is VersionStatus.WITHDRAWN and version.replaced_by:
                newer = repo.version(version.replaced_by)
                raise Refused("documents.replaced", number=newer.number if newer else "?")
            if version.status is not VersionStatus.IN_FORCE:
                raise Refused("documents.stale")
            if not version.concerns(actor):
                raise Refused("documents.not_yours")
            new = repo.acknowledge(version_id, actor.id, now)
            if new:
                EventLog(conn).add(
                    now, actor.id, ENTITY, version.document_id, "acknowledged", version=version_id
                )
            return self._card(conn, version.document_id, None), new

        return await self.db.run(work)

    # -- review --------------------------------------------------------------------------

    async def still_valid(self, actor: User, version_id: int, drawn: date) -> Card:
        """The owner confirms the version in force at its review: the next review is a year
        after the one due. `drawn`: the review date the button was drawn for."""
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            document = repo.get(version.document_id) if version else None
            if version is None or document is None:
                raise Refused("documents.not_found")
            if document.owner_id != actor.id and not actor.has(Role.MANAGER):
                raise Refused("documents.not_owner")
            if version.status is not VersionStatus.IN_FORCE or version.review_on != drawn:
                raise Refused("documents.stale")
            review = add_months(drawn, REVIEW_MONTHS)
            repo.set_review(version_id, review)
            EventLog(conn).add(
                now, actor.id, ENTITY, document.id, "still_valid",
                version=version_id, review=review.isoformat(),
            )  # fmt: skip
            return self._card(conn, document.id, None)

        return await self.db.run(work)

    async def set_review(self, actor: User, version_id: int, day: date) -> Card:
        _manager(actor)
        if day < self.today():
            raise Refused("documents.review_in_past")
        now = self.clock.now()

        def work(conn: Connection) -> Card:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            if version is None or version.status is not VersionStatus.IN_FORCE:
                raise Refused("documents.stale")
            repo.set_review(version_id, day)
            EventLog(conn).add(
                now, actor.id, ENTITY, version.document_id, "review_set",
                version=version_id, review=day.isoformat(),
            )  # fmt: skip
            return self._card(conn, version.document_id, None)

        return await self.db.run(work)

    # -- the sheet, the matrix, the summary ----------------------------------------------------

    async def sheet(self, actor: User, version_id: int, words: dict[str, str]) -> Sheet:
        """Everyone the version concerns and everyone who acknowledged it, by name.
        `words`: role and "no department" names in the reader's language."""

        def work(conn: Connection) -> Sheet:
            repo = DocumentRepo(conn)
            version = repo.version(version_id)
            if version is None:
                raise Refused("documents.not_found")
            card = self._card(conn, version.document_id, actor)
            if not actor.has(Role.MANAGER, Role.OBSERVER) and card.document.owner_id != actor.id:
                raise Refused("documents.not_owner")
            acks = {a.user_id: a for a in repo.acks([version_id])}
            users = UserRepo(conn)
            people = {p.id: p for p in audience_of(version, users.active())}
            for user_id in acks:
                if user_id not in people and (user := users.get(user_id)) is not None:
                    people[user_id] = user
            rows = [
                SheetRow(
                    person.full_name,
                    _position(person, words),
                    local_today(acks[person.id].at, self.tz) if person.id in acks else None,
                )
                for person in sorted(people.values(), key=lambda p: p.full_name)
            ]
            return Sheet(card.document, version, rows)

        return await self.db.run(work)

    async def matrix(self, actor: User) -> DocMatrix:
        _manager_or_observer(actor)

        def work(conn: Connection) -> DocMatrix:
            repo = DocumentRepo(conn)
            versions = repo.in_force()
            documents = {d.id: d for d in repo.list()}
            pairs = sorted(
                ((documents[v.document_id], v) for v in versions), key=lambda p: p[0].code
            )
            people = sorted(UserRepo(conn).active(), key=lambda p: p.full_name)
            acks = {
                (a.version_id, a.user_id): local_today(a.at, self.tz)
                for a in repo.acks([v.id for v in versions])
            }
            return DocMatrix(pairs, people, acks)

        return await self.db.run(work)

    async def now_counts(self, today: date) -> builtins.list[tuple[str, int]]:
        """For the summary's "now" block: (plural key with {n}, count) of acknowledgements
        outstanding and of reviews overdue."""

        def work(conn: Connection) -> builtins.list[tuple[str, int]]:
            missing = len(outstanding(conn))
            overdue = sum(
                v.review_on is not None and v.review_on < today
                for v in DocumentRepo(conn).in_force()
            )
            return [
                ("documents.now.outstanding", missing),
                ("documents.now.overdue_reviews", overdue),
            ]

        return await self.db.run(work)

    async def labels(self) -> tuple[dict[int, str], dict[int, str]]:
        """Names of people (by user id) and of departments (by id), for the cards."""

        def work(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
            people = {u.id: u.full_name for u in UserRepo(conn).active()}
            departments = {d.id: d.name for d in DepartmentRepo(conn).list()}
            return people, departments

        return await self.db.run(work)


def _position(person: User, words: dict[str, str]) -> str:
    roles = ", ".join(words[f"role.{r.value}"] for r in Role if r in person.roles)
    return f"{roles} · {person.department_name or words['no_department']}"


def _movable(repo: DocumentRepo, version_id: int, target: VersionStatus) -> Version:
    version = repo.version(version_id)
    if version is None:
        raise Refused("documents.not_found")
    if not can_move(version.status, target):
        raise Refused("documents.stale")
    return version


def _manager(actor: User) -> None:
    if not actor.has(Role.MANAGER):
        raise Refused("documents.manager_only")


def _manager_or_observer(actor: User) -> None:
    if not actor.has(Role.MANAGER, Role.OBSERVER):
        raise Refused("documents.manager_only")


def _clean(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Refused("documents.empty")
    if len(text) > TITLE_MAX:
        raise Refused("documents.too_long", limit=TITLE_MAX)
    return text
