"""PostgreSQL as the scale-out: the same values on both databases, units run again when
they collide, and two real bot processes behind a load balancer on one database — a change
made through one is seen by the other on the next update, a due message goes out once."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import Connection, insert, select, text

from bot.app import WEBHOOK_PATH
from bot.callbacks import LanguageCB
from bot.clock import FixedClock
from bot.domain.reminders import Due, Kind
from bot.sandbox.demo import SandboxClock, seed
from bot.services.nonconformities import NcService, ReportDraft
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.fsm import read_dialog, write_dialog
from bot.storage.lock import ProcessLock
from bot.storage.notifications import LedgerRepo
from bot.storage.schema import departments, metadata, notifications
from bot.storage.to_postgres import MIGRATION_SEEDED, rows_in
from bot.storage.users import UserRepo
from tests import postgres
from tests.fakeapi import FakeTelegram, TgUser
from tests.harness import MANAGER_ID, BotHarness
from tests.test_process import START_WAIT, environment, run_command

SECRET = "s3cret-value"


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Database]:
    """An empty database, migrated on first use: SQLite, or PostgreSQL when configured."""
    if postgres.URL is None:
        yield Database.sqlite(tmp_path / "qms.sqlite3")
        return
    with postgres.fresh_database("qms_values") as url:
        yield Database.postgres(url, threads=2)


async def test_a_moment_reads_back_as_it_was_written(migrated: Database) -> None:
    db = migrated
    await db.migrate()
    # Aware, in another zone, with microseconds: stored as naive UTC, read back aware UTC.
    moment = datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))

    def write(conn: Connection) -> int:
        return int(conn.execute(insert(departments).values(name="Кафедра", created_at=moment))
                   .inserted_primary_key[0])  # fmt: skip

    department_id = await db.run(write)
    read = await db.run(
        lambda conn: conn.execute(
            select(departments.c.created_at).where(departments.c.id == department_id)
        ).scalar_one()
    )
    assert read == moment and read.tzinfo is UTC
    assert (read.hour, read.microsecond) == (23, 123456)
    with pytest.raises(Exception, match="naive datetime"):
        await db.run(lambda conn: write_naive(conn))
    await db.close()


async def test_migrations_insert_rows_only_where_the_copy_expects_them(migrated: Database) -> None:
    """migrate-to-postgres calls a target holding only these rows empty (and replaces them)."""
    await migrated.migrate()
    counts = await migrated.run(rows_in)
    assert {name for name, count in counts.items() if count} == MIGRATION_SEEDED
    await migrated.close()


def write_naive(conn: Connection) -> None:
    conn.execute(insert(departments).values(name="Без зоны", created_at=datetime(2026, 1, 1)))


@postgres.needs_postgres
async def test_two_units_that_collide_both_count(migrated: Database) -> None:
    """Two read-then-write units on one row at the same moment: SERIALIZABLE fails one of
    them, which runs again and sees the other's write: no increment is lost."""
    db = migrated
    await db.migrate()
    both_read = threading.Barrier(2, timeout=10)
    runs = itertools.count(1)

    def increment(conn: Connection) -> None:
        run = next(runs)
        _, data = read_dialog(conn, "counter")
        if run <= 2:
            both_read.wait()  # the first run of each: both have read nothing yet
        write_dialog(conn, "counter", "x", {"n": data.get("n", 0) + 1})

    await asyncio.gather(db.run(increment), db.run(increment))
    assert await db.run(lambda conn: read_dialog(conn, "counter")) == ("x", {"n": 2})
    assert next(runs) - 1 == 3  # one of the two ran again
    await db.close()


# -- two bot processes on one PostgreSQL database, behind a "load balancer" ---------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_process(env: dict[str, str], cwd: Path) -> AsyncIterator[int]:
    """A `python -m bot` in webhook mode; yields its port once /healthz answers."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env={**env, "WEBHOOK_PORT": str(port)}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(int(START_WAIT * 10)):
                if process.returncode is not None:
                    break
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                process.kill()
        if process.returncode is not None:
            output = (await process.communicate())[0].decode()
            raise AssertionError(f"the bot did not start:\n{output}")
        yield port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
        assert process.returncode in (0, -signal.SIGTERM), output
        assert "Traceback" not in output, output


class Balancer:
    """Hands each update to the process the test names, as a load balancer might."""

    def __init__(self, telegram: FakeTelegram, user: TgUser) -> None:
        self.telegram = telegram
        self.user = user
        self.update_ids = itertools.count(1)

    async def post(self, port: int, update: dict[str, Any], expect: str) -> dict[str, Any]:
        mark = len(self.telegram.log)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
                json={"update_id": next(self.update_ids), **update},
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as answer,
        ):
            assert answer.status == 200
        for _ in range(600):
            for kind, chat, message_id in self.telegram.log[mark:]:
                message = self.telegram.messages.get((chat, message_id), {})
                mine = kind in ("sent", "edited") and chat == self.user.id
                if mine and expect in message.get("text", ""):
                    return message
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {expect!r} from the process on port {port}")

    async def command(self, port: int, text: str, expect: str) -> dict[str, Any]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        body = {"text": text, "entities": entities}
        message = self.telegram.user_message(self.user.id, self.user.sender, **body)
        return await self.post(port, {"message": message}, expect)

    async def tap(self, port: int, message: dict[str, Any], data: str, expect: str) -> None:
        query = {
            "id": f"q{next(self.update_ids)}",
            "from": self.user.sender,
            "chat_instance": f"ci{self.user.id}",
            "message": message,
            "data": data,
        }
        self.telegram.query_chats[query["id"]] = self.user.id
        await self.post(port, {"callback_query": query}, expect)


@pytest.mark.slow
@pytest.mark.timeout(180)  # two cold starts and a few sweeps on a busy machine
@postgres.needs_postgres
async def test_two_processes_on_one_database_see_each_others_changes_and_send_once(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    with postgres.fresh_database("qms_two") as url:
        env = environment(
            telegram, tmp_path, DATABASE_URL=url, WEBHOOK_URL="https://bot.example.org",
            WEBHOOK_SECRET=SECRET, WEBHOOK_HOST="127.0.0.1", SWEEP_SECONDS="5",
            QUIET_HOURS="0-0", QUIET_WEEKENDS="false",
        )  # fmt: skip
        manager = TgUser(telegram, MANAGER_ID, "Мария")
        balancer = Balancer(telegram, manager)
        async with AsyncExitStack() as stack:
            # Both start at once on an empty database: one migrates, the other waits for it.
            first, second = await asyncio.gather(
                stack.enter_async_context(webhook_process(env, tmp_path)),
                stack.enter_async_context(webhook_process(env, tmp_path)),
            )
            # The second process knows the manager (in Russian) before the change: her
            # first update there also stores her commands menu, the second is served from
            # its memory of her.
            await balancer.command(second, "/menu", "Главное меню")
            await balancer.command(second, "/menu", "Главное меню")
            # Through the first, she switches to English.
            screen = await balancer.command(first, "/language", "")
            await balancer.tap(first, screen, LanguageCB(code="en").pack(), "Main menu")
            # Her next update goes to the second process: it already knows.
            await balancer.command(second, "/menu", "Main menu")

            # Due messages in the ledger — forty event messages, and reminders that both
            # processes' sweeps (every 5 s) work out themselves: six NCs reported five days
            # ago wait for a responsible. The sweeps race to record and claim them; each
            # goes out once.
            db = Database.postgres(url, threads=1)
            try:
                me = await db.run(lambda conn: UserRepo(conn).by_tg_id(MANAGER_ID))
                assert me is not None
                then = FixedClock(datetime.now(UTC) - timedelta(days=5))
                ncs = NcService(db, then, ZoneInfo("Europe/Moscow"), TemplateService(db, then), {})
                for n in range(1, 7):
                    await ncs.report(
                        me,
                        ReportDraft(
                            department_id=None, description=f"Протекает кран в кабинете {n}"
                        ),
                    )
                params = {"title": "Анкета", "deadline": "01.12.2026", "total": 5, "answered": 1}
                due = [
                    Due(Kind.NUDGE, n, me.id, "once", {**params, "number": f"A-{n:03d}"})
                    for n in range(1, 41)
                ]
                now = datetime.now(UTC)
                await db.run(lambda conn: LedgerRepo(conn).record_events(due, now))

                def ledger(conn: Connection) -> list[tuple[str, str]]:
                    query = select(notifications.c.kind, notifications.c.status)
                    return [(row.kind, row.status) for row in conn.execute(query)]

                for _ in range(400):
                    rows = await db.run(ledger)
                    kinds = {kind for kind, _ in rows}
                    if kinds == {"nudge", "unassigned"} and all(s == "sent" for _, s in rows):
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(6)  # a further sweep of each: nothing more goes out
                rows = await db.run(ledger)
            finally:
                await db.close()
            assert sorted(rows) == [("nudge", "sent")] * 40 + [("unassigned", "sent")] * 6
            texts = [m.get("text", "") for m in telegram.chat_messages(MANAGER_ID)]
            events = [f"A-{k:03d}" for k in range(1, 41)]
            assert sorted(n for text in texts for n in events if n in text) == events
            # They go together, one message listing them (text and buttons): each NC in one.
            bot_messages = [
                json.dumps(m, ensure_ascii=False)
                for m in telegram.chat_messages(MANAGER_ID)
                if m["from"]["id"] == telegram.bot_id and "no responsible" in json.dumps(m)
            ]
            reminded = sorted(
                n for m in bot_messages for n in set(re.findall(r"NC-\d{4}-\d{3}", m))
            )
            year = then.now().year
            assert reminded == [f"NC-{year}-{k:03d}" for k in range(1, 7)]


# -- migrate-to-postgres ------------------------------------------------------------------


def all_rows(conn: Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, through the tables' own types, in key order."""
    return {
        table.name: [
            tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in metadata.sorted_tables
    }


@pytest.mark.slow
@pytest.mark.timeout(180)
@postgres.needs_postgres
async def test_a_sqlite_school_is_copied_into_postgres_and_the_bot_carries_on_there(
    telegram: FakeTelegram, tmp_path: Path, migrated_database: Path
) -> None:
    # A school on SQLite: the sandbox's demo lyceum (staff, audits, NCs, documents, …).
    database = tmp_path / "qms.sqlite3"
    shutil.copyfile(migrated_database, database)
    on_sqlite = BotHarness(telegram, database)
    on_sqlite.clock = SandboxClock()  # type: ignore[assignment]  # the seed holds it in the past
    app = await on_sqlite.start()
    await seed(app, telegram)
    before = await app.db.run(all_rows)
    await on_sqlite.stop()
    assert sum(map(len, before.values())) > 300

    with postgres.fresh_database("qms_copy") as url:
        env = environment(telegram, tmp_path, DATABASE_URL=url)
        # Refused while a bot runs on the SQLite file (it holds the lock).
        with ProcessLock(database):
            code, _, err = await run_command(env, tmp_path, "migrate-to-postgres")
        assert code == 1
        assert err.strip().splitlines() == [
            f"{database} is in use by another bot process (pid {os.getpid()}): "
            "stop the bot before copying."
        ]
        code, out, err = await run_command(env, tmp_path, "migrate-to-postgres")
        assert code == 0, err
        lines = out.strip().splitlines()
        counted = {name: count for name, count in (line.split(": ") for line in lines[:-1])}
        assert counted == {name: str(len(rows)) for name, rows in before.items() if rows}
        total = sum(map(len, before.values()))
        assert lines[-1].startswith(f"Copied {total} rows of {len(counted)} tables")
        # The health check on PostgreSQL: the schema at head, nothing to report.
        code, out, err = await run_command(env, tmp_path, "check", "--offline")
        assert (code, out.strip()) == (0, "All checks passed."), err
        # Without DATABASE_URL there is nowhere to copy to.
        bare = environment(telegram, tmp_path)
        code, _, err = await run_command(bare, tmp_path, "migrate-to-postgres")
        assert code == 2 and err.strip().startswith("Setting DATABASE_URL:")
        # A second copy would mix two schools: refused, in one line.
        code, _, err = await run_command(env, tmp_path, "migrate-to-postgres")
        assert code == 1 and len(err.strip().splitlines()) == 1
        assert "DATABASE_URL's database is not empty (" in err

        # The bot on PostgreSQL: every value as it was, and the school carries on.
        on_postgres = BotHarness(telegram, database, database_url=url)
        app = await on_postgres.start()
        try:
            assert await app.db.run(all_rows) == before
            emily = on_postgres.user(7_000_013, "Emily", "Parker", language_code="en")
            reply = await emily.send("/menu")
            assert "Main menu" in reply.text and "Emily Parker" in reply.text
            # New rows are numbered after the copied ones (the sequences moved on).
            last = max(row[0] for row in before["departments"])
            made = await app.db.run(
                lambda conn: DepartmentRepo(conn).add("Новая кафедра", datetime.now(UTC))
            )
            assert made == last + 1
        finally:
            await on_postgres.stop()


@postgres.needs_postgres
async def test_backup_on_postgres_names_pg_dump(harness: BotHarness, manager: TgUser) -> None:
    await manager.send("/start")
    reply = await manager.send("/backup")
    assert "PostgreSQL" in reply.text and "pg_dump" in reply.text
    assert not any(m.document for m in manager.chat())


@postgres.needs_postgres
async def test_memory_is_trusted_only_while_the_changes_are_heard(migrated: Database) -> None:
    """A change committed elsewhere makes this process forget; a lost listening connection
    stops it answering from memory until it listens again (it forgets once more then)."""
    db = migrated
    await db.migrate()
    forgotten = threading.Event()
    db.watch(forgotten.set)
    assert db.trusted
    forgotten.clear()
    other = Database.postgres(postgres.url_of(db.engine.url.database or ""), threads=1)

    async def heard_after(work: Any) -> bool:
        forgotten.clear()
        await other.run(work)
        return await asyncio.to_thread(forgotten.wait, 5)

    now = datetime.now(UTC)
    assert await heard_after(lambda conn: UserRepo(conn).add(5, "Ольга", None, "ru", None, now))

    # A unit that rolls back tells nobody.
    def rolled_back(conn: Connection) -> None:
        UserRepo(conn).update(1, language="en")
        raise LookupError("changed my mind")

    forgotten.clear()
    with pytest.raises(LookupError):
        await other.run(rolled_back)
    assert not await asyncio.to_thread(forgotten.wait, 1)
    # The listening connection dies (a server restart): memory is not trusted, then is again.
    await other.run(
        lambda conn: conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            )
        )
    )
    for _ in range(50):
        if not db.trusted:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("memory still trusted after the listener's connection died")
    for _ in range(100):
        if db.trusted:
            break
        await asyncio.sleep(0.1)
    assert db.trusted
    assert await heard_after(lambda conn: UserRepo(conn).update(1, language="en"))
    await other.close()
    await db.close()
