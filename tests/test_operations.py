"""Backups, restore, the health check and logs: what the administrator relies on."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bot import logs
from bot.storage.backup import backup_to, nightly, problems_with
from tests.fakeapi import FakeTelegram, TgUser
from tests.flows import add_department
from tests.harness import MANAGER_ID, TOKEN, BotHarness
from tests.postgres import sqlite_only


def env(**values: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "ADMIN_", "TELEGRAM_", "DATABASE_", "BACKUP_"))
    }
    return {**base, "BOT_TOKEN": TOKEN, **values}


def cli(*args: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )


@sqlite_only("/backup sends the SQLite file (on PostgreSQL it names pg_dump)")
async def test_backup_command_sends_a_consistent_copy(harness: BotHarness, manager: TgUser) -> None:
    await add_department(manager, "МО математики")
    mark = len(manager.chat())
    await manager.send("/backup")
    sent = manager.chat()[mark:]
    assert not any("Делаю резервную копию" in m.text for m in sent)
    document = next(m.document for m in sent if m.document)
    assert document["file_name"].startswith("qms-backup-")
    content, _ = harness.api.files[document["file_id"]]
    copy = harness.database.parent / "copy.sqlite3"
    copy.write_bytes(content)
    with sqlite3.connect(copy) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM departments")]
    assert names == ["МО математики"]
    assert problems_with(copy) == []


@sqlite_only("the nightly copies are of the SQLite file")
async def test_nightly_keeps_the_newest_copies(
    harness: BotHarness, manager: TgUser, tmp_path: Path
) -> None:
    await manager.send("/start")
    folder = tmp_path / "backups"
    for day in range(1, 5):
        nightly(harness.database, folder, datetime(2026, 11, day, 3, 0), keep=2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "qms-20261103-030000.tar", "qms-20261104-030000.tar",
    ]  # fmt: skip


def test_restore_refuses_what_is_not_our_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    database = tmp_path / "qms.sqlite3"
    for candidate, expected in (
        (text, "not an SQLite database"),
        (other, "not a QMS Assistant database"),
        (tmp_path / "missing.sqlite3", "no such file"),
    ):
        run = cli("restore", str(candidate), DATABASE_PATH=str(database))
        assert run.returncode == 1 and expected in run.stderr, run.stderr
    assert not database.exists()


def test_backup_check_and_restore_round_trip(tmp_path: Path) -> None:
    database = tmp_path / "qms.sqlite3"
    run = cli("check", "--offline", DATABASE_PATH=str(database))
    assert run.returncode == 0 and run.stdout.strip() == "All checks passed.", run.stderr
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO departments (name, created_at) VALUES ('До', '2026-11-26 09:00:00')"
        )
    run = cli("backup", DATABASE_PATH=str(database), BACKUP_DIR=str(tmp_path / "b"))
    assert run.returncode == 0, run.stderr
    copy = Path(run.stdout.split("Backup written: ")[1].strip())
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE departments SET name = 'После'")
    run = cli("restore", str(copy), DATABASE_PATH=str(database))
    assert run.returncode == 0, run.stderr
    assert "previous database is kept" in run.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM departments").fetchall() == [("До",)]


def test_check_reports_each_problem_on_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "qms.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    run = cli("check", "--offline", DATABASE_PATH=str(broken))
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1 and "Database" in run.stderr


async def test_check_calls_telegram_unless_offline(telegram: FakeTelegram, tmp_path: Path) -> None:
    from bot.__main__ import check
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=telegram.url,
        database_path=tmp_path / "q.sqlite3",
        admin_ids=str(MANAGER_ID),
    )  # type: ignore[call-arg]
    assert await check(settings, offline=False) == []
    assert any(method == "getMe" for method, _ in telegram.calls)
    telegram.fail_next("getMe", 401, "Unauthorized")
    problems = await check(settings, offline=False)
    assert len(problems) == 1 and problems[0].startswith("Telegram")


def test_json_logs_carry_update_and_user_and_never_the_token() -> None:
    stream = io.StringIO()
    logs.configure("INFO", "json", TOKEN)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    logs.update_id.set(42)
    logs.user_id.set(1001)
    logging.getLogger("bot.test").info("calling %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    line = json.loads(stream.getvalue().strip())
    assert line["update_id"] == 42 and line["user_id"] == 1001
    assert TOKEN not in line["message"] and "***" in line["message"]
    logging.getLogger().handlers.clear()


def test_backup_to_is_consistent_while_writing(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
        connection.commit()  # committed into the WAL, not yet into the main file
        copy = backup_to(source, tmp_path / "copy.sqlite3")  # the WAL is not checkpointed yet
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (1000,)
