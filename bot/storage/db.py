"""The database: an engine, its connection settings, migrations, and how work reaches it.

Every unit of work is a plain function run in one transaction on the database's own
thread: `await db.run(lambda conn: UserRepo(conn).get(7))`. The event loop never blocks
on SQLite, and a unit costs one hand-over to that thread, however many statements it
runs. (The async aiosqlite driver hands over for every cursor operation — about four per
statement through SQLAlchemy — which made an answer in a questionnaire cost ~30 trips;
bench/questionnaire.py measured the difference.) The SQL is SQLAlchemy Core, so the
same repositories run on PostgreSQL (DATABASE_URL) with a pool of threads instead of one.

On SQLite the one thread serialises every unit. On PostgreSQL units run side by side (and
in other bot processes), so each runs SERIALIZABLE: a unit that reads and then writes (the
next NC number, the ledger's record and claim, an upsert, an FSM step) either commits as if
it had run alone or fails with a serialization failure / deadlock, and is then run again
from the start (bounded). So a unit must do nothing outside the database that a second run
would repeat: it returns what changed, and the caller acts on it after the commit.

A long read (the reminder sweep) goes through `db.read` instead: on SQLite its own
read-only connection on its own thread, which WAL lets read while the writer writes; on
PostgreSQL `read` is `run` (the pool reads in parallel already).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import random
import re
import time
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
from sqlalchemy.exc import DBAPIError

from bot.paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config

    from bot.config import Settings
    from bot.storage.changes import Listener

log = logging.getLogger(__name__)
T = TypeVar("T")
_REVISION = re.compile(r"^(down_)?revision = (.+)$", re.MULTILINE)
# PostgreSQL's "run it again": serialization_failure, deadlock_detected.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
RETRIES = 12  # a unit conflicting this often is a bug, not contention: the error goes up
# A unique violation is what SERIALIZABLE reports instead when two units insert the key each
# chose from what it read (the next NC number from MAX(seq)): run again, the later one sees
# the other's row. (No unit expects a duplicate: a real one is a bug and fails every run.)
RETRY_SQLSTATES = RETRY_SQLSTATES | {"23505"}


def is_postgres_url(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def postgres_url(url: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it: the psycopg 3 driver whatever the scheme said."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def must_retry(error: DBAPIError, attempt: int) -> bool:
    """Whether a unit that failed so on its `attempt`-th run (from 0) is run again."""
    return getattr(error.orig, "sqlstate", None) in RETRY_SQLSTATES and attempt < RETRIES - 1


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
        self.threads = threads
        # Only PostgreSQL's units can collide (SQLite's one thread and BEGIN IMMEDIATE
        # serialise them): the retry loop is there alone.
        self.shared = engine.dialect.name == "postgresql"
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")
        # SQLite's second connection for long reads (the sweep), on its own thread; None
        # where the pool of `run` reads in parallel already (PostgreSQL): `read` is `run`.
        self.reader = reader
        self._read_executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-read") if reader else None
        )
        self._forgetters: list[Callable[[], None]] = []
        self._listener: Listener | None = None

    @classmethod
    def of(cls, settings: Settings) -> Database:
        """PostgreSQL when DATABASE_URL is set, else the SQLite file at DATABASE_PATH."""
        url = settings.postgres_url
        if url:
            return cls.postgres(url, settings.database_threads)
        return cls.sqlite(settings.database_path)

    @classmethod
    def postgres(cls, url: str, threads: int = 4) -> Database:
        # The psycopg driver and SQLAlchemy's dialect are imported here, never on SQLite.
        engine = create_engine(
            postgres_url(url),
            pool_size=threads,
            max_overflow=0,
            pool_pre_ping=True,  # a server restart: the next unit reconnects
            isolation_level="SERIALIZABLE",
        )
        return cls(engine, threads=threads)

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
        if not self.shared:
            with self.engine.begin() as conn:
                return work(conn)
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except DBAPIError as error:
                if not must_retry(error, attempt):
                    raise
                # Apart, at random: two units that collided would collide again at once.
                time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))
        raise AssertionError("unreachable")

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

        def upgrade_shared() -> None:
            # Two processes starting at once: one migrates, the other waits for it, then
            # finds the database at head (READ COMMITTED: each statement sees the latest
            # commit, which a SERIALIZABLE snapshot taken before the wait would not).
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="READ COMMITTED")
                with conn.begin():
                    conn.execute(text("SELECT pg_advisory_xact_lock(1701)"))
                    upgrade(conn)

        if self.shared:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, upgrade_shared)
        else:
            await self.run(upgrade)

    def watch(self, forget: Callable[[], None]) -> None:
        """`forget()` drops what a service remembers of people; on PostgreSQL it is also
        called when another process changed them (bot/storage/changes.py). Call from the
        event loop."""
        if not self.shared:
            return
        self._forgetters.append(forget)
        if self._listener is None:
            loop = asyncio.get_running_loop()

            def heard(_channel: str | None) -> None:
                for hook in self._forgetters:
                    hook()  # now, on the listener's thread: the next lookup reads afresh
                    with contextlib.suppress(RuntimeError):  # the loop closed: nothing left
                        loop.call_soon_threadsafe(hook)  # and after a lookup under way

            from bot.storage.changes import PEOPLE, Listener

            url = self.engine.url.set(drivername="postgresql")
            self._listener = Listener(url.render_as_string(hide_password=False), [PEOPLE], heard)
            self._listener.start()

    @property
    def trusted(self) -> bool:
        """Whether a service may answer from memory: always on SQLite (one process); on
        PostgreSQL while this process hears the others' changes."""
        return not self.shared or (self._listener is not None and self._listener.listening.is_set())

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        if self._read_executor is not None and self.reader is not None:
            await loop.run_in_executor(self._read_executor, self.reader.dispose)
            self._read_executor.shutdown(wait=True)
        if self._listener is not None:
            await loop.run_in_executor(None, self._listener.stop)
        await loop.run_in_executor(self._executor, self.engine.dispose)
        self._executor.shutdown(wait=True)
