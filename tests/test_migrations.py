"""Migrations build the schema the code expects, from an empty database, and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.storage.db import Database, alembic_config, current_revision, head_revision
from bot.storage.schema import metadata
from tests import postgres


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Database]:
    """An empty database: an SQLite file, or one on QMS_TEST_DATABASE_URL's server."""
    if postgres.URL is None:
        yield Database.sqlite(tmp_path / "qms.sqlite3")
        return
    with postgres.fresh_database("qms_migrations") as url:
        yield Database.postgres(url, threads=1)


async def test_migrations_match_the_tables(empty: Database) -> None:
    db = empty
    await db.migrate()
    await db.migrate()  # a second start finds nothing to do

    def diff(sync_conn: Connection) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    assert await db.run(diff) == []
    if db.shared:  # PostgreSQL: no pragmas
        await db.close()
        return
    mode = await db.run(lambda conn: conn.exec_driver_sql("PRAGMA journal_mode").scalar())
    keys = await db.run(lambda conn: conn.exec_driver_sql("PRAGMA foreign_keys").scalar())
    assert (mode, keys) == ("wal", 1)
    await db.close()


async def test_downgrade_to_empty_and_up_again(empty: Database) -> None:
    db = empty
    await db.migrate()

    def down_and_up(sync_conn: Connection) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = sync_conn
        command.downgrade(config, "base")
        left = [t for t in inspect(sync_conn).get_table_names() if t != "alembic_version"]
        command.upgrade(config, "head")
        assert left == []
        return inspect(sync_conn).get_table_names()

    tables = await db.run(down_and_up)
    assert {"users", "departments", "invites", "events", "fsm_states"} <= set(tables)
    await db.close()


async def test_a_start_at_head_reads_the_revision_without_alembic(empty: Database) -> None:
    from alembic.script import ScriptDirectory

    # The files' own chain, read without Alembic, names Alembic's head.
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    db = empty
    assert await db.run(current_revision) is None  # a new database: Alembic makes it
    await db.migrate()
    assert await db.run(current_revision) == head_revision()

    # A database left behind (a backup of an older bot) is upgraded, not skipped.
    def back_to_013(sync_conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_conn
        command.downgrade(config, "013")

    await db.run(back_to_013)
    assert await db.run(current_revision) == "013"
    await db.migrate()
    assert await db.run(current_revision) == head_revision()
    names = await db.run(lambda conn: [i["name"] for i in inspect(conn).get_indexes("snoozes")])
    assert "ix_snoozes_until" in names
    await db.close()
