"""`python -m bot sandbox`: the bot, a local Telegram and a chat page, in one offline process.

    Sandbox(data_dir) ── FakeTelegram (the local Bot API server, in memory, random port)
                     ├── the real bot: create_app() + polling + the reminder scheduler,
                     │   on its own database <data_dir>/qms.sqlite3 (seeded with the demo)
                     └── the page (bot.sandbox.web) on http://127.0.0.1:<port>

Nothing reaches the internet and the production database is never opened: the settings
are built here from scratch, not read from the environment or `.env`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path

from aiohttp import web

from bot.app import App, attach_scheduler, create_app
from bot.config import Settings
from bot.sandbox.botapi import FakeTelegram, TgUser
from bot.sandbox.demo import PERSONAS, Persona, Personas, SandboxClock, is_empty, seed
from bot.scheduler.runner import SweepScheduler

log = logging.getLogger(__name__)

# A token of the right shape for a bot that exists only in this process.
TOKEN = "123456789:SANDBOX_local_only_not_a_real_token"
DEFAULT_DATA = Path("data/sandbox")
DATABASE_FILE = "qms.sqlite3"
MARKER = ".sandbox"  # in the data folder: its database is demo data, "reset demo" may delete it
MARKER_TEXT = (
    "This folder belongs to `python -m bot sandbox`: its database holds demo data and\n"
    'the page\'s "reset demo" deletes it. Never point the real bot at it.\n'
)


class SandboxRefused(Exception):
    """The data folder is not the sandbox's to use."""


def real_databases() -> set[Path]:
    """Where the real bot keeps its database: the default, DATABASE_PATH, and `.env`'s."""
    found = {Path("data/qms.sqlite3")}
    if os.environ.get("DATABASE_PATH"):
        found.add(Path(os.environ["DATABASE_PATH"]))
    if Path(".env").is_file():
        from dotenv import dotenv_values

        configured = dotenv_values(".env").get("DATABASE_PATH")
        if configured:
            found.add(Path(configured))
    return {path.expanduser().resolve() for path in found}


class Sandbox:
    """The local Telegram server and the real bot polling it, with the demo data."""

    def __init__(self, data_dir: Path, sweep_seconds: int = 60) -> None:
        self.data_dir = Path(data_dir)
        self.sweep_seconds = sweep_seconds
        self.api = FakeTelegram(TOKEN, username="qms_sandbox_bot")
        self.personas: Personas = PERSONAS
        self.app: App | None = None
        self._task: asyncio.Task[None] | None = None
        self._scheduler: SweepScheduler | None = None
        self._lock = asyncio.Lock()  # a reset and a start never overlap

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_FILE

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=self.api.url,
            database_path=self.database,
            admin_ids=str(PERSONAS.manager.tg_id),
            timezone="Europe/Moscow",
            default_language="ru",
            quiet_hours="0-0",  # a sandbox is played at any hour: reminders are never held
            quiet_weekends=False,
            # The local server has no flood limits: the demo's first sweep (a few hundred
            # notices) is not paced as Telegram's 30/s and 1/s per chat would have it.
            send_rate=1000,
            chat_send_rate=1000,
            sweep_seconds=self.sweep_seconds,
            webhook_url=None,
            log_level="WARNING",
        )

    def user(self, persona: Persona) -> TgUser:
        return TgUser(
            self.api,
            persona.tg_id,
            persona.first_name,
            persona.last_name,
            username=persona.username,
            language_code=persona.language_code,
        )

    def claim_folder(self) -> None:
        """Refuses the real bot's database and any database the sandbox did not create;
        marks the folder as the sandbox's."""
        database = self.database.expanduser().resolve()
        if database in real_databases():
            raise SandboxRefused(
                f"{self.database} is the real bot's database; choose another --data folder"
            )
        marker = self.data_dir / MARKER
        if self.database.exists() and not marker.exists():
            raise SandboxRefused(
                f"{self.database} was not made by the sandbox; choose another --data folder"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(MARKER_TEXT, encoding="utf-8")

    async def start(self) -> None:
        self.claim_folder()
        await self.api.start()
        async with self._lock:
            await self._start_bot()

    async def _start_bot(self) -> None:
        app = await create_app(self.settings(), clock=SandboxClock())
        self.app = app
        if await is_empty(app):
            await seed(app, self.api)
        self._scheduler = attach_scheduler(app)
        # The page can wait until an update was handled and what it started has settled.
        app.dispatcher.handled_listeners.append(self.api.mark_handled)
        self.api.settle = app.idle
        started = asyncio.Event()
        app.dispatcher.startup.register(started.set)
        self._task = asyncio.create_task(app.serve(handle_signals=False))
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            try:
                await self._task  # raises what stopped the bot from starting
            finally:
                self.app = None
                await app.close()
        # The page shows each persona's command menu: the local server sets them at once.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(app.menus.synced.wait(), 5)

    async def _stop_bot(self) -> None:
        app, task = self.app, self._task
        self.app, self._task, self._scheduler = None, None, None
        if app is None:
            return
        with contextlib.suppress(RuntimeError):  # polling had not started
            await app.dispatcher.stop_polling()
        await self.api.interrupt_polls()
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await app.close()

    async def reset(self) -> None:
        """Deletes the sandbox database and starts again from the freshly seeded demo."""
        async with self._lock:
            await self._stop_bot()
            for suffix in ("", "-wal", "-shm", "-journal"):
                self.database.with_name(DATABASE_FILE + suffix).unlink(missing_ok=True)
            self.api.clear_chats()
            await self._start_bot()

    async def stop(self) -> None:
        async with self._lock:
            await self._stop_bot()
        await self.api.stop()


async def start_web(sandbox: Sandbox, host: str, port: int) -> web.AppRunner:
    from bot.sandbox.web import create_web_app

    runner = web.AppRunner(create_web_app(sandbox), shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot sandbox",
        description="Try the bot without Telegram: a local chat page with a demo lyceum.",
    )
    parser.add_argument("--port", type=int, default=8080, help="the page's port (8080)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder of the sandbox database (data/sandbox); never the real bot's",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    began = time.monotonic()
    sandbox = Sandbox(args.data)
    runner: web.AppRunner | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await sandbox.start()
        runner = await start_web(sandbox, args.host, args.port)
        shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        log.info("sandbox ready in %.1f s", time.monotonic() - began)
        print(f"Sandbox: open http://{shown}:{args.port} (Ctrl+C to stop)", flush=True)
        await stop.wait()  # Ctrl+C cancels this; SIGTERM sets it
    finally:
        if runner is not None:
            await runner.cleanup()
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point for `python -m bot sandbox [--port 8080] [--data data/sandbox]`."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args))  # returns on SIGTERM
    except KeyboardInterrupt:
        pass
    except SandboxRefused as error:
        print(f"Sandbox: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as error:  # the port is taken, the folder is not writable
        print(f"Sandbox: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print("Sandbox stopped.", flush=True)


if __name__ == "__main__":
    main()
