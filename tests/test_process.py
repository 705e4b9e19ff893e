"""The real `python -m bot` process: it serves and keeps data across restarts, stops without
dropping what it is doing, refuses a second copy on its database, and says in one line why
it cannot start."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.fakeapi import FakeTelegram, Fault, TgUser
from tests.harness import MANAGER_ID, TOKEN

ROOT = Path(__file__).resolve().parent.parent
START_WAIT = 60.0  # a cold start on a busy 2-core machine; readiness is awaited, not slept
pytestmark = pytest.mark.slow


def environment(telegram: FakeTelegram, tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "ADMIN_", "TELEGRAM_"))}
    env.update(
        BOT_TOKEN=TOKEN,
        ADMIN_IDS=str(MANAGER_ID),
        TELEGRAM_API_URL=telegram.url,
        DATABASE_PATH=str(tmp_path / "qms.sqlite3"),
        BACKUP_DIR=str(tmp_path / "backups"),
        PYTHONPATH=str(ROOT),
    )
    env.update(values)
    return env


async def run_command(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), START_WAIT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def bot_process(
    telegram: FakeTelegram, env: dict[str, str], cwd: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A running bot, once it asks Telegram for updates; stopped with SIGTERM after."""
    telegram.polled.clear()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        ready = asyncio.create_task(telegram.polled.wait())
        ended = asyncio.create_task(process.wait())
        await asyncio.wait({ready, ended}, timeout=START_WAIT, return_when="FIRST_COMPLETED")
        ready.cancel()
        ended.cancel()
        if not telegram.polled.is_set():
            process.kill()
            output = (await process.communicate())[0].decode()
            raise AssertionError(f"the bot did not start:\n{output}")
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        output = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
        assert process.returncode in (0, -signal.SIGTERM), output
        assert TOKEN not in output
        assert "Traceback" not in output, output


def command_update(telegram: FakeTelegram, user: TgUser, text: str) -> dict[str, object]:
    body = {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
    return {"message": telegram.user_message(user.id, user.sender, **body)}


async def reply_to(telegram: FakeTelegram, user: TgUser, text: str, expect: str) -> str:
    mark = len(telegram.log)
    await telegram.push(command_update(telegram, user, text))
    for _ in range(600):
        for kind, chat, message_id in telegram.log[mark:]:
            message = telegram.messages.get((chat, message_id), {})
            if kind == "sent" and chat == user.id and expect in message.get("text", ""):
                return str(message["text"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {expect!r} from the bot process")


async def test_the_real_process_serves_stops_gracefully_and_is_alone_on_its_database(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    env = environment(telegram, tmp_path)
    manager = TgUser(telegram, MANAGER_ID, "Мария")
    async with bot_process(telegram, env, tmp_path) as first:
        await reply_to(telegram, manager, "/start", "Главное меню")

        # A second bot on the same database refuses, naming the first; a backup is fine,
        # a restore is not.
        code, _, err = await run_command(env, tmp_path)
        assert code == 1
        assert err.strip().splitlines()[-1] == (
            f"{tmp_path / 'qms.sqlite3'} is in use by another bot process (pid {first.pid}): "
            "stop it first (one bot per database)."
        )
        code, out, _ = await run_command(env, tmp_path, "backup")
        assert code == 0 and "Backup written" in out
        backup = next((tmp_path / "backups").iterdir())
        code, _, err = await run_command(env, tmp_path, "restore", str(backup))
        assert code == 1 and "stop the bot before restoring" in err

        # SIGTERM while a reply is on its way: the reply still arrives, the exit is clean.
        telegram.fault_next("sendMessage", Fault("delay", 2.0))  # a slow Telegram
        calls = len(telegram.calls)
        await telegram.push(command_update(telegram, manager, "/departments"))
        for _ in range(400):
            if any(method == "sendMessage" for method, _ in telegram.calls[calls:]):
                break
            await asyncio.sleep(0.05)
        first.terminate()
        assert await asyncio.wait_for(first.wait(), 30) == 0
        assert any("Подразделения" in m.get("text", "") for m in telegram.chat_messages(MANAGER_ID))

    # Started again on the same database: the manager is still the manager.
    async with bot_process(telegram, env, tmp_path):
        await reply_to(telegram, manager, "/departments", "Подразделения")
    code, out, _ = await run_command(env, tmp_path, "restore", str(backup))
    assert code == 0 and "Restored" in out


async def test_a_wrong_token_is_one_line(telegram: FakeTelegram, tmp_path: Path) -> None:
    env = environment(telegram, tmp_path, BOT_TOKEN="987654321:AAHsomeOtherBotsToken_abcdefghijk")
    code, _, err = await run_command(env, tmp_path)
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather."
    )
    assert "Traceback" not in err
