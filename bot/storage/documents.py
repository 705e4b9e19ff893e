"""The register of controlled documents, their versions and acknowledgements."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from bot.domain.documents import Ack, DocType, Document, Version, VersionStatus
from bot.domain.roles import Role, format_roles, parse_roles
from bot.storage.db import inserted_id
from bot.storage.schema import (
    document_acks,
    document_versions,
    documents,
    nc_documents,
    nonconformities,
)

doc_t, ver_t, ack_t = documents, document_versions, document_acks


def _document(row: Row[Any]) -> Document:
    return Document(row.id, row.code, row.title, DocType(row.type), row.owner_id, row.created_at)


def _version(row: Row[Any]) -> Version:
    return Version(
        id=row.id,
        document_id=row.document_id,
        number=row.number,
        status=VersionStatus(row.status),
        file=dict(row.file or {}),
        roles=parse_roles(row.roles),
        department_ids=frozenset(int(d) for d in row.departments or []),
        approved_by=row.approved_by,
        approved_on=row.approved_on,
        effective_on=row.effective_on,
        review_on=row.review_on,
        replaced_by=row.replaced_by,
        created_at=row.created_at,
    )


class DocumentRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- documents -----------------------------------------------------------------------

    def add(self, code: str, title: str, kind: DocType, owner_id: int, now: datetime) -> int:
        result = self.conn.execute(
            insert(doc_t).values(
                code=code, title=title, type=kind.value, owner_id=owner_id, created_at=now
            )
        )
        return inserted_id(result)

    def get(self, document_id: int) -> Document | None:
        row = self.conn.execute(select(doc_t).where(doc_t.c.id == document_id)).first()
        return _document(row) if row else None

    def by_code(self, code: str) -> Document | None:
        rows = self.conn.execute(select(doc_t)).all()  # casefold: SQLite's lower() is ASCII
        return next((_document(r) for r in rows if r.code.casefold() == code.casefold()), None)

    def set_owner(self, document_id: int, owner_id: int) -> None:
        self.conn.execute(update(doc_t).where(doc_t.c.id == document_id).values(owner_id=owner_id))

    def list(self) -> builtins.list[Document]:
        return [_document(r) for r in self.conn.execute(select(doc_t).order_by(doc_t.c.code))]

    # -- versions ------------------------------------------------------------------------

    def add_version(
        self,
        document_id: int,
        number: int,
        file: dict[str, Any],
        roles: frozenset[Role],
        department_ids: frozenset[int],
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(ver_t).values(
                document_id=document_id,
                number=number,
                status=VersionStatus.DRAFT.value,
                file=file,
                roles=format_roles(roles),
                departments=sorted(department_ids),
                created_at=now,
            )
        )
        return inserted_id(result)

    def version(self, version_id: int) -> Version | None:
        row = self.conn.execute(select(ver_t).where(ver_t.c.id == version_id)).first()
        return _version(row) if row else None

    def versions(self, document_id: int | None = None) -> builtins.list[Version]:
        query = select(ver_t).order_by(ver_t.c.document_id, ver_t.c.number)
        if document_id is not None:
            query = query.where(ver_t.c.document_id == document_id)
        return [_version(r) for r in self.conn.execute(query)]

    def in_force(self) -> builtins.list[Version]:
        query = select(ver_t).where(ver_t.c.status == VersionStatus.IN_FORCE.value)
        return [_version(r) for r in self.conn.execute(query.order_by(ver_t.c.id))]

    def in_force_marks(self) -> builtins.list[tuple[Any, ...]]:
        """What the sweep's document rule reads of the versions in force and their
        documents, as plain rows (one indexed query): compared between sweeps, a change
        of any of them means the rule is worked out again."""
        columns = (
            *(ver_t.c[name] for name in ("id", "number", "roles", "departments")),
            *(ver_t.c[name] for name in ("effective_on", "review_on")),
            *(doc_t.c[name] for name in ("id", "code", "title", "owner_id")),
        )
        query = (
            select(*columns)
            .join(doc_t, doc_t.c.id == ver_t.c.document_id)
            .where(ver_t.c.status == VersionStatus.IN_FORCE.value)
            .order_by(ver_t.c.id)
        )
        return [tuple(row) for row in self.conn.execute(query)]

    def ack_count(self) -> int:
        """Acknowledgements are only ever added: their number tells whether one came."""
        return int(self.conn.execute(select(func.count()).select_from(ack_t)).scalar_one())

    def set_audience(
        self, version_id: int, roles: frozenset[Role], department_ids: frozenset[int]
    ) -> None:
        self.conn.execute(
            update(ver_t)
            .where(ver_t.c.id == version_id)
            .values(roles=format_roles(roles), departments=sorted(department_ids))
        )

    def move(
        self, version_id: int, current: VersionStatus, target: VersionStatus, **values: Any
    ) -> bool:
        """Moves a version on from `current` only; False when it moved meanwhile."""
        result = self.conn.execute(
            update(ver_t)
            .where(ver_t.c.id == version_id, ver_t.c.status == current.value)
            .values(status=target.value, **values)
        )
        return result.rowcount == 1

    def set_review(self, version_id: int, review_on: date) -> None:
        self.conn.execute(update(ver_t).where(ver_t.c.id == version_id).values(review_on=review_on))

    # -- acknowledgements ----------------------------------------------------------------

    def acknowledge(self, version_id: int, user_id: int, now: datetime) -> bool:
        """False when he had acknowledged it already (a second tap)."""
        # One writer, transactions taken with BEGIN IMMEDIATE: the check cannot race.
        found = self.conn.execute(
            select(ack_t.c.at).where(ack_t.c.version_id == version_id, ack_t.c.user_id == user_id)
        ).first()
        if found is not None:
            return False
        self.conn.execute(insert(ack_t).values(version_id=version_id, user_id=user_id, at=now))
        return True

    def acknowledged_in_force(self) -> set[tuple[int, int]]:
        """(version, user) of every acknowledgement of a version in force."""
        query = (
            select(ack_t.c.version_id, ack_t.c.user_id)
            .join(ver_t, ver_t.c.id == ack_t.c.version_id)
            .where(ver_t.c.status == VersionStatus.IN_FORCE.value)
        )
        return {(row[0], row[1]) for row in self.conn.execute(query).all()}  # one fetch

    def acks(self, version_ids: builtins.list[int] | None = None) -> builtins.list[Ack]:
        query = select(ack_t)
        if version_ids is not None:
            query = query.where(ack_t.c.version_id.in_(version_ids))
        return [Ack(r.version_id, r.user_id, r.at) for r in self.conn.execute(query)]

    # -- documents an NC cites -------------------------------------------------------------

    def cite(self, nc_id: int, document_id: int, by: int | None, now: datetime) -> bool:
        """False when the NC cites it already."""
        where = (nc_documents.c.nc_id == nc_id, nc_documents.c.document_id == document_id)
        if self.conn.execute(select(nc_documents.c.at).where(*where)).first() is not None:
            return False
        self.conn.execute(
            insert(nc_documents).values(nc_id=nc_id, document_id=document_id, cited_by=by, at=now)
        )
        return True

    def uncite(self, nc_id: int, document_id: int) -> bool:
        result = self.conn.execute(
            delete(nc_documents).where(
                nc_documents.c.nc_id == nc_id, nc_documents.c.document_id == document_id
            )
        )
        return result.rowcount == 1

    def cited_by_nc(self, nc_id: int) -> builtins.list[Document]:
        query = (
            select(doc_t)
            .join(nc_documents, nc_documents.c.document_id == doc_t.c.id)
            .where(nc_documents.c.nc_id == nc_id)
            .order_by(doc_t.c.code)
        )
        return [_document(r) for r in self.conn.execute(query)]

    def ncs_citing(self, document_id: int) -> builtins.list[str]:
        """The numbers of the NCs that cite the document."""
        query = (
            select(nonconformities.c.number)
            .join(nc_documents, nc_documents.c.nc_id == nonconformities.c.id)
            .where(nc_documents.c.document_id == document_id)
            .order_by(nonconformities.c.number)
        )
        return [row[0] for row in self.conn.execute(query)]
