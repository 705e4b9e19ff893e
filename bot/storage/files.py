"""The school's own copy of every file the bot received: a content-addressed store in the
data directory (each file named by its SHA-256, so a file is kept once however often it is
sent, is never changed once written, and can be checked against its name), and the table
that records each one."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, Text, cast, insert, select, update

from bot.storage.schema import (
    answers,
    competence_records,
    document_versions,
    nonconformities,
    stored_files,
)

FOLDER = "files"  # beside the database


def store_root(database: Path) -> Path:
    return database.parent / FOLDER


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Writes the file once (atomically: a crash leaves no half file under its name)."""
        sha256 = digest(content)
        target = self.path(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def problem(self, sha256: str) -> str | None:
        """ "missing", "corrupt" (its content no longer has its name's hash) or None."""
        content = self.get(sha256)
        if content is None:
            return "missing"
        return None if digest(content) == sha256 else "corrupt"


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    name: str | None
    kind: str


class StoredFileRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, file: StoredFile, now: datetime) -> None:
        found = self.conn.execute(
            select(stored_files.c.sha256).where(stored_files.c.sha256 == file.sha256)
        ).first()
        if found is None:
            self.conn.execute(
                insert(stored_files).values(
                    sha256=file.sha256, size=file.size, name=file.name, kind=file.kind,
                    created_at=now,
                )
            )  # fmt: skip

    def all(self) -> list[StoredFile]:
        rows = self.conn.execute(select(stored_files).order_by(stored_files.c.created_at))
        return [StoredFile(r.sha256, r.size, r.name, r.kind) for r in rows]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a piece of evidence kept by file id only sits: a row's JSON column."""

    table: str
    column: str
    row_id: int
    file_id: str


def _evidence_columns() -> list[tuple[Table, str]]:
    return [
        (answers, "evidence"),
        (nonconformities, "evidence"),
        (nonconformities, "done_evidence"),
        (nonconformities, "verdict_evidence"),
        (competence_records, "evidence"),
        (document_versions, "file"),
    ]


def _items(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, dict):
        return [value]
    return [item for item in value or [] if isinstance(item, dict)]


def evidence_without_hash(conn: Connection) -> list[Place]:
    found = []
    for table, column in _evidence_columns():
        # Only rows holding a file id (most answers have no evidence): a cheap filter on
        # the JSON text, the exact test below.
        query = select(table.c.id, table.c[column]).where(
            cast(table.c[column], Text).like('%"file_id"%')
        )
        for row in conn.execute(query):
            for item in _items(row[1]):
                if item.get("file_id") and not item.get("sha256") and "unavailable" not in item:
                    found.append(Place(table.name, column, row[0], str(item["file_id"])))
    return found


def set_hash(conn: Connection, place: Place, sha256: str | None) -> None:
    """Records the stored file's hash in the item, or (None) that Telegram has it no more."""
    table = next(t for t, c in _evidence_columns() if t.name == place.table and c == place.column)
    value = conn.execute(select(table.c[place.column]).where(table.c.id == place.row_id)).scalar()
    if isinstance(value, str):
        value = json.loads(value)
    for item in _items(value):
        if item.get("file_id") == place.file_id:
            if sha256 is None:
                item["unavailable"] = True
            else:
                item["sha256"] = sha256
    conn.execute(update(table).where(table.c.id == place.row_id).values({place.column: value}))
