"""Consistent copies of the SQLite database, made with SQLite's online backup API (never a
file copy: with WAL a copy of the file alone can miss committed pages), and restoring one.

A backup is one archive (tar) holding that copy and every file of the school's store the
copy records. Stored files are never changed once written and the copy is taken first, so
the archive is consistent: each file the database names is in it. Restore accepts such an
archive or a bare database copy (older backups, /backup in chat)."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from bot.storage.db import alembic_config
from bot.storage.files import FileStore, digest, store_root

DATABASE_MEMBER = "qms.sqlite3"
FILES_MEMBER = "files"

REQUIRED_TABLES = {"users", "departments", "audits", "answers", "nonconformities", "events"}


def backup_to(database: Path, target: Path) -> Path:
    """Writes a consistent copy of `database` to `target` (safe while the bot writes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return target


def recorded_files(database: Path) -> list[str]:
    """The hashes of the stored files a database records (none before the store existed)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT sha256 FROM stored_files ORDER BY sha256").fetchall()
    except sqlite3.OperationalError:  # a database from before the store
        return []
    finally:
        connection.close()
    return [row[0] for row in rows]


def archive_to(database: Path, target: Path) -> Path:
    """One archive: a consistent copy of the database and every stored file it records."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    store = FileStore(store_root(database))
    with tempfile.TemporaryDirectory() as folder:
        copy = backup_to(database, Path(folder) / DATABASE_MEMBER)
        with tarfile.open(partial, "w") as archive:
            archive.add(copy, DATABASE_MEMBER)
            for sha256 in recorded_files(copy):
                path = store.path(sha256)
                if path.is_file():  # a missing one is `check`'s to report
                    archive.add(path, f"{FILES_MEMBER}/{sha256[:2]}/{sha256}")
    partial.replace(target)
    return target


def nightly(database: Path, folder: Path, moment: datetime, keep: int) -> Path:
    """A dated archive in `folder`, keeping the newest `keep` backups."""
    target = folder / f"qms-{moment.strftime('%Y%m%d-%H%M%S')}.tar"
    archive_to(database, target)
    copies = sorted([*folder.glob("qms-*.sqlite3"), *folder.glob("qms-*.tar")])
    for old in copies[:-keep]:
        old.unlink()
    return target


def file_problems(database: Path) -> list[str]:
    """One line per recorded file that is missing from the store or no longer matches its
    hash."""
    store = FileStore(store_root(database))
    found = []
    for sha256 in recorded_files(database):
        problem = store.problem(sha256)
        if problem is not None:
            found.append(f"Stored file {sha256}: {problem} ({store.path(sha256)})")
    return found


def problems_with(candidate: Path) -> list[str]:
    """Why `candidate` is not a database of this bot's schema or a backup archive of one
    with intact files (empty when it is)."""
    if not candidate.is_file():
        return [f"{candidate}: no such file"]
    if tarfile.is_tarfile(candidate):
        return _archive_problems(candidate)
    try:
        connection = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return [f"{candidate}: cannot open ({error})"]
    try:
        try:
            integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            return [f"{candidate}: not an SQLite database ({error})"]
        found = []
        if integrity != "ok":
            found.append(f"{candidate}: integrity check failed: {integrity}")
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        missing = REQUIRED_TABLES - tables
        if missing:
            found.append(
                f"{candidate}: not a QMS Assistant database (missing {', '.join(sorted(missing))})"
            )
        elif "alembic_version" in tables:
            version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            known = _known_revisions()
            if version is None or version[0] not in known:
                found.append(f"{candidate}: schema version {version} is unknown to this bot")
        else:
            found.append(f"{candidate}: has no schema version")
        return found
    finally:
        connection.close()


def _archive_problems(candidate: Path) -> list[str]:
    with tarfile.open(candidate) as archive, tempfile.TemporaryDirectory() as folder:
        try:
            member = archive.getmember(DATABASE_MEMBER)
        except KeyError:
            return [f"{candidate}: not a QMS Assistant backup (no {DATABASE_MEMBER})"]
        copy = Path(folder) / DATABASE_MEMBER
        _extract(archive, member, copy)
        found = [line.replace(str(copy), f"{candidate}:{DATABASE_MEMBER}") for line in
                 problems_with(copy)]  # fmt: skip
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(FILES_MEMBER + "/"):
                content = _read(archive, member)
                if digest(content) != member.name.rsplit("/", 1)[-1]:
                    found.append(f"{candidate}: {member.name} is corrupt")
        return found


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    assert handle is not None
    return handle.read()


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """One member to `target` (by content: no names from the archive touch the disk)."""
    handle = archive.extractfile(member)
    assert handle is not None
    with handle, target.open("wb") as out:
        shutil.copyfileobj(handle, out)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def restore(candidate: Path, database: Path) -> Path | None:
    """Replaces `database` with `candidate` (after checking it), keeping the current one as
    a copy beside it, and puts the archive's files into the store (a file already there is
    the same file: its name is its hash). Returns that copy's path. The bot must not be
    running."""
    if tarfile.is_tarfile(candidate):
        with tarfile.open(candidate) as archive, tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / DATABASE_MEMBER
            _extract(archive, archive.getmember(DATABASE_MEMBER), copy)
            kept = restore(copy, database)
            store = FileStore(store_root(database))
            for member in archive.getmembers():
                if member.isfile() and member.name.startswith(FILES_MEMBER + "/"):
                    store.put(_read(archive, member))
        return kept
    safety = None
    if database.exists():
        safety = backup_to(
            database,
            database.with_name(
                database.stem + f"-before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
            ),
        )
        for suffix in ("-wal", "-shm"):
            side = database.with_name(database.name + suffix)
            if side.exists():
                side.unlink()
    backup_to(candidate, database)
    return safety
