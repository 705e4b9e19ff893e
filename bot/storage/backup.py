"""Consistent copies of the SQLite database, made with SQLite's online backup API (never a
file copy: with WAL a copy of the file alone can miss committed pages), and restoring one."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bot.storage.db import alembic_config

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


def nightly(database: Path, folder: Path, moment: datetime, keep: int) -> Path:
    """A dated copy in `folder`, keeping the newest `keep` of them."""
    target = folder / f"qms-{moment.strftime('%Y%m%d-%H%M%S')}.sqlite3"
    backup_to(database, target)
    copies = sorted(folder.glob("qms-*.sqlite3"))
    for old in copies[:-keep]:
        old.unlink()
    return target


def problems_with(candidate: Path) -> list[str]:
    """Why `candidate` is not a database of this bot's schema (empty when it is)."""
    if not candidate.is_file():
        return [f"{candidate}: no such file"]
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


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def restore(candidate: Path, database: Path) -> Path | None:
    """Replaces `database` with `candidate` (after checking it), keeping the current one as
    a copy beside it. Returns that copy's path. The bot must not be running."""
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
