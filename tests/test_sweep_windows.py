"""The reminder sweep reads on its own connection and asks each rule's window only
(issue 17): the read connection sees committed data while the writer works and refuses to
write; each rule still finds what is due and its query reads through an index."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_a_read_does_not_wait_for_the_writer_and_cannot_write(tmp_path: Path) -> None:
    db = Database.sqlite(tmp_path / "qms.sqlite3")
    await db.migrate()
    await db.run(lambda c: DepartmentRepo(c).add("Кафедра", NOW))
    inside, release = threading.Event(), threading.Event()

    def long_write(conn: Connection) -> None:  # a unit of work that holds the writer
        conn.execute(text("DELETE FROM departments"))
        inside.set()
        release.wait(10)

    writing = asyncio.ensure_future(db.run(long_write))
    await asyncio.get_running_loop().run_in_executor(None, inside.wait, 10)
    count = "SELECT count(*) FROM departments"
    # The writer's unit has not returned, yet the read answers: with what is committed.
    seen = await asyncio.wait_for(db.read(lambda c: c.execute(text(count)).scalar()), 5)
    assert seen == 1
    release.set()
    await writing
    assert await db.read(lambda c: c.execute(text(count)).scalar()) == 0
    with pytest.raises(OperationalError, match="readonly"):
        await db.read(lambda c: c.execute(text("DELETE FROM departments")))
    await db.close()
