"""The real bot, built by the production factory, polling the fake Telegram server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.config import Settings
from tests.fakeapi import FakeTelegram, TgUser

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
MANAGER_ID = 1001
# A test's album arrives in one batch, as a phone's does; its confirmation need not wait
# as long as for a slow network.
ALBUM_QUIET = 0.1


class BotHarness:
    def __init__(self, api: FakeTelegram, database: Path, **overrides: object) -> None:
        self.api = api
        self.database = database
        self.clock = FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        self.overrides = overrides
        self.app: App | None = None
        self._task: asyncio.Task[None] | None = None

    def settings(self) -> Settings:
        return Settings(_env_file=None, **self.settings_values())  # type: ignore[call-arg]

    def settings_values(self) -> dict[str, object]:
        """The bot's settings as plain values (another process builds its own from them)."""
        return {
            "bot_token": TOKEN,
            "telegram_api_url": self.api.url,
            "database_path": str(self.database),
            "admin_ids": str(MANAGER_ID),
            "timezone": "Europe/Moscow",
            # Telegram's pacing is tested on its own (test_outbound.py); the stories run
            # at the speed of the machine.
            "send_rate": 1000,
            "chat_send_rate": 1000,
            **self.overrides,
        }

    async def start(self, prepare: Callable[[App], None] | None = None) -> App:
        """The app as `python -m bot` builds and runs it: updates handled concurrently.
        `prepare` may adjust the app before it starts (a test's fast clock for retries)."""
        app = self.app = await create_app(self.settings(), clock=self.clock)
        if prepare is not None:
            prepare(app)
        app.dispatcher.handled_listeners.append(self.api.mark_handled)
        app.dispatcher["evidence"].quiet = ALBUM_QUIET
        self.api.settle = app.idle
        started = asyncio.Event()
        app.dispatcher.startup.register(started.set)
        self._task = asyncio.create_task(app.serve(handle_signals=False, polling_timeout=1))
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({waiter, self._task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            try:
                await self._task  # raises what stopped the bot from starting
            finally:
                await app.close()
                self.app = None
        return app

    async def stop(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        await self.api.interrupt_polls()
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)
        await self.app.close()
        self.api.settle = None
        self.app = None

    async def restart(self) -> App:
        """Stop the bot and start a new one on the same database, like a process restart."""
        await self.stop()
        return await self.start()

    def user(self, tg_id: int, first_name: str, last_name: str | None = None, **kw: object):
        return TgUser(self.api, tg_id, first_name, last_name, **kw)  # type: ignore[arg-type]
