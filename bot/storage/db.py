"""The database: an engine, its connection settings, migrations, and how work reaches it.

Every unit of work is a plain function run in one transaction on the database's own
thread: `await db.run(lambda conn: UserRepo(conn).get(7))`. The event loop never blocks
on SQLite, and a unit costs one hand-over to that thread, however many statements it
runs. (The async aiosqlite driver hands over for every cursor operation — about four per
statement through SQLAlchemy — which made an answer in a questionnaire cost ~30 trips;
bench/questionnaire.py measured the difference.) The SQL is SQLAlchemy Core, so the
same repositories run on PostgreSQL with a pool of threads instead of one. A long read
(the reminder sweep) goes through `db.read` instead: on SQLite its own read-only connection
on its own thread, which WAL lets read while the writer writes.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Table,
    create_engine,
    event,
    inspect,
    text,
)

from bot.paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")
_REVISION = re.compile(r"^(down_)?revision = (.+)$", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config  # Alembic (and its PostgreSQL dialect): only to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest migration, read from the files' `revision = …` lines (no Alembic import:
    a quarter of a second at every start); None unless the chain has exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).update(re.findall(r"\"([^\"]+)\"", value))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(conn: Connection) -> str | None:
    """The database's one revision, or None (a new database, or several heads)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return found[0] if len(found) == 1 else None


def inserted_id(result: CursorResult[*tuple[Any, ...]]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    if key is None:  # SQLAlchemy has none for an executemany or a statement other than INSERT
        raise TypeError("not a single-row INSERT")
    return int(key[0])


def upsert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT with ON CONFLICT clauses (SQLite's or PostgreSQL's, whose dialect
    is imported only there: a fifth of a second at every start). Any: both have the same
    `on_conflict_do_nothing` / `on_conflict_do_update`, under two unrelated types."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" hook below emits BEGIN itself,
    # which is the documented way to get real transactions from the sqlite3 driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Take the write lock up front: a deferred transaction that later writes can fail
    # with "database is locked" when another process (a backup, a second bot) writes too.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The read connection: autocommit at the driver (BEGIN below is SQLAlchemy's), and a
    # refusal of any write, so a caller that means to write through `read` fails loudly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_read_begin(conn: Connection) -> None:
    # A deferred transaction: one snapshot for the unit's statements, no write lock.
    conn.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, engine: Engine, threads: int = 1, reader: Engine | None = None) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")
        # SQLite's second connection for long reads (the sweep), on its own thread; None
        # where the pool of `run` reads in parallel already (PostgreSQL): `read` is `run`.
        self.reader = reader
        self._read_executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-read") if reader else None
        )

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{path}",
            pool_size=1,
            max_overflow=0,
            # Every use is a transaction that ends in COMMIT or ROLLBACK.
            pool_reset_on_return=None,
            connect_args={"check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        reader = create_engine(
            f"sqlite:///{path}",
            pool_size=1,
            max_overflow=0,
            pool_reset_on_return=None,
            connect_args={"check_same_thread": False},
        )
        event.listen(reader, "connect", _sqlite_read_pragmas)
        event.listen(reader, "begin", _sqlite_read_begin)
        return cls(engine, threads=1, reader=reader)

    def _unit(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return work(conn)

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Runs `work(conn)` in one transaction: committed when it returns, rolled back
        when it raises (the exception reaches the caller)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # the caller's language, log fields, …
        return await loop.run_in_executor(self._executor, context.run, self._unit, work)

    def _read_unit(self, work: Callable[[Connection], T]) -> T:
        assert self.reader is not None
        with self.reader.begin() as conn:
            return work(conn)

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Runs `work(conn)` on the read connection (SQLite in WAL mode reads while the
        writer writes), so a long read does not hold up the units of `run`. It sees what
        is committed only — never a write of the caller's own that is not — and refuses
        to write."""
        if self._read_executor is None:
            return await self.run(work)
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._read_executor, context.run, self._read_unit, work)

    async def migrate(self) -> None:
        def upgrade(conn: Connection) -> None:
            head = head_revision()
            if head is not None and current_revision(conn) == head:
                return  # already at head: the usual start
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

        await self.run(upgrade)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        if self._read_executor is not None and self.reader is not None:
            await loop.run_in_executor(self._read_executor, self.reader.dispose)
            self._read_executor.shutdown(wait=True)
        await loop.run_in_executor(self._executor, self.engine.dispose)
        self._executor.shutdown(wait=True)
