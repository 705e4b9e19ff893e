"""Engine, connection settings and migrations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.paths import MIGRATIONS_DIR

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


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
    """Owns the engine. SQLite gets one connection: the bot's writes are serialised in
    asyncio (no busy-waiting inside SQLite), and reads under WAL are fast anyway."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0, pool_timeout=60
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return cls(engine)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on an exception."""
        async with self.engine.begin() as conn:
            yield conn

    async def migrate(self) -> None:
        def upgrade(sync_conn: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = sync_conn
            command.upgrade(config, "head")

        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade)

    async def close(self) -> None:
        await self.engine.dispose()
