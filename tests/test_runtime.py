"""How the bot runs: errors, webhook mode, the real process, settings, commands menu."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramConflictError, TelegramNetworkError
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.__main__ import start_failure
from bot.app import WEBHOOK_PATH, App, create_webhook_app
from bot.services.departments import DepartmentService
from tests.fakeapi import FakeTelegram, TgUser
from tests.harness import MANAGER_ID, TOKEN, BotHarness

ROOT = Path(__file__).resolve().parent.parent


async def test_unexpected_error_is_logged_and_user_gets_apology(
    harness: BotHarness, manager: TgUser, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    async def broken(self: DepartmentService) -> list[object]:
        raise RuntimeError("disk on fire")

    await manager.send("/start")
    monkeypatch.setattr(DepartmentService, "list", broken)
    reply = await manager.send("/departments")
    assert reply.last.text.startswith("Извините, что-то пошло не так.")
    assert "disk on fire" not in reply.text
    assert any("update" in r.message and "1001" in r.message for r in caplog.records)
    reply = await manager.press("Подразделения")  # a button press gets the apology as an alert
    assert reply.alert and reply.alert.startswith("Извините")
    monkeypatch.undo()
    reply = await manager.send("/departments")  # the bot keeps running
    assert "Подразделения" in reply.text


async def test_public_and_role_commands_are_registered_per_language(
    harness: BotHarness, manager: TgUser, telegram: FakeTelegram
) -> None:
    assert harness.app is not None
    await asyncio.wait_for(harness.app.menus.synced.wait(), 10)  # set in the background
    default = '{"type": "default"}'
    assert [c["command"] for c in telegram.commands[(default, "ru")]] == ["start", "help"]
    assert telegram.commands[(default, "en")][1]["description"] == "What I can do"
    assert telegram.commands[(default, "ru")][1]["description"] == "Что я умею"
    await manager.send("/start")
    scope = json.dumps({"chat_id": MANAGER_ID, "type": "chat"}, sort_keys=True)
    assert [c["command"] for c in telegram.commands[(scope, "")]] == [
        "menu", "help", "language", "cancel", "audits", "report", "actions", "ncr",
        "competence", "program", "summary", "overdue", "export", "newaudit", "templates",
        "calendar", "departments", "invite", "users", "backup", "docs",
        "objectives", "review", "surveys", "risks", "suppliers",
    ]  # fmt: skip
    calls = len([c for c in telegram.calls if c[0] == "setMyCommands"])
    await manager.send("/start")  # nothing changed: no second call
    assert len([c for c in telegram.calls if c[0] == "setMyCommands"]) == calls


async def test_webhook_mode_checks_the_secret(harness: BotHarness, telegram: FakeTelegram) -> None:
    await harness.stop()
    harness.overrides.update(webhook_url="https://bot.example.org", webhook_secret="s3cret-value")
    from bot.app import create_app

    app = await create_app(harness.settings(), clock=harness.clock)
    server = TestServer(create_webhook_app(app))
    await server.start_server()
    try:
        assert (
            telegram.webhook and telegram.webhook["url"] == f"https://bot.example.org{WEBHOOK_PATH}"
        )
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": MANAGER_ID, "type": "private"},
                "from": {"id": MANAGER_ID, "is_bot": False, "first_name": "Мария"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        async with ClientSession() as http:
            url = str(server.make_url(WEBHOOK_PATH))
            bad = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            assert bad.status == 401
            good = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-value"}
            )
            assert good.status == 200
            health = await http.get(str(server.make_url("/healthz")))
            assert (await health.json()) == {"ok": True}
        for _ in range(100):  # the webhook handler answers first and handles in the background
            if any("Главное меню" in m.get("text", "") for m in telegram.messages.values()):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the manager got no menu through the webhook")
    finally:
        await server.close()
        await app.close()


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "ADMIN_", "TELEGRAM_"))}
    env.update(values)
    return env


def test_missing_or_bad_settings_stop_startup_with_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot"], env=_env(), cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == "Setting BOT_TOKEN: is required but not set"

    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=_env(BOT_TOKEN=TOKEN, TIMEZONE="Mars/Olympus", ADMIN_IDS="12,abc"),
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "Setting ADMIN_IDS: expected Telegram ids separated by commas, e.g. 12345,67890",
        "Setting TIMEZONE: unknown time zone 'Mars/Olympus', e.g. Europe/Moscow",
    ]


async def test_another_poller_or_no_telegram_at_start_is_one_line(
    harness: BotHarness, telegram: FakeTelegram
) -> None:
    await harness.stop()
    telegram.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request")
    with pytest.raises(TelegramConflictError) as conflict:
        await harness.start()
    assert start_failure(conflict.value, harness.settings()) == (
        "Another process is already getting this bot's updates (409 Conflict): stop it first."
    )

    harness.overrides["telegram_api_url"] = "http://127.0.0.1:9"  # nothing listens there

    def quick_retries(app: App) -> None:
        async def no_wait(_: float) -> None:
            return None

        app.outbound.sleep = no_wait

    with pytest.raises(TelegramNetworkError) as unreachable:
        await harness.start(prepare=quick_retries)
    line = start_failure(unreachable.value, harness.settings())
    assert line is not None and line.startswith("Telegram is unreachable at http://127.0.0.1:9: ")
    assert "\n" not in line


@pytest.mark.slow
def test_a_start_at_head_imports_no_report_migration_webhook_or_postgresql_library(
    tmp_path: Path, migrated_database: Path
) -> None:
    """A restart is what a school waits through after every update of the bot: it loads what
    serving needs, not what a report, a migration or another database would."""
    database = tmp_path / "qms.sqlite3"
    database.write_bytes(migrated_database.read_bytes())
    script = (
        "import asyncio, sys\n"
        "from bot.__main__ import load_settings\n"
        "from bot.app import create_app\n"
        "async def main():\n"
        "    app = await create_app(load_settings())\n"
        "    await app.close()\n"
        "asyncio.run(main())\n"
        "heavy = ('alembic', 'docx', 'matplotlib', 'openpyxl', 'PIL', 'psycopg',\n"
        "         'sqlalchemy.dialects.postgresql', 'aiohttp.web')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(BOT_TOKEN=TOKEN, DATABASE_PATH=str(database), TELEGRAM_API_URL="http://127.0.0.1:9"),
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
