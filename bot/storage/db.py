"""The database: an engine, its connection settings, migrations, and how work reaches it.

Every unit of work is a plain function run in one transaction on the database's own
thread: `await db.run(lambda conn: UserRepo(conn).get(7))`. The event loop never blocks
on SQLite, and a unit costs one hand-over to that thread, however many statements it
runs. (The async aiosqlite driver hands over for every cursor operation — about four per
statement through SQLAlchemy — which made an answer in a questionnaire cost ~30 trips;
bench/questionnaire.py measured the difference.) The SQL is SQLAlchemy Core, so the
same repositories run on PostgreSQL with a pool of threads instead of one.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, create_engine, event

from bot.paths import MIGRATIONS_DIR

log = logging.getLogger(__name__)
T = TypeVar("T")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def inserted_id(result: CursorResult[*tuple[Any, ...]]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    if key is None:  # SQLAlchemy has none for an executemany or a statement other than INSERT
        raise TypeError("not a single-row INSERT")
    return int(key[0])


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


class Database:
    def __init__(self, engine: Engine, threads: int = 1) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")

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
        return cls(engine, threads=1)

    def _unit(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return work(conn)

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Runs `work(conn)` in one transaction: committed when it returns, rolled back
        when it raises (the exception reaches the caller)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # the caller's language, log fields, …
        return await loop.run_in_executor(self._executor, context.run, self._unit, work)

    async def migrate(self) -> None:
        def upgrade(conn: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

        await self.run(upgrade)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.engine.dispose)
        self._executor.shutdown(wait=True)
