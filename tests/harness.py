"""The real bot, built by the production factory, polling the fake Telegram server."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.config import Settings
from tests.fakeapi import FakeTelegram, TgUser

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
MANAGER_ID = 1001


class BotHarness:
    def __init__(self, api: FakeTelegram, database: Path, **overrides: object) -> None:
        self.api = api
        self.database = database
        self.clock = FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        self.overrides = overrides
        self.app: App | None = None
        self._task: asyncio.Task[None] | None = None

    def settings(self) -> Settings:
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "telegram_api_url": self.api.url,
            "database_path": self.database,
            "admin_ids": str(MANAGER_ID),
            "timezone": "Europe/Moscow",
            **self.overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> App:
        self.app = await create_app(self.settings(), clock=self.clock)
        started = asyncio.Event()
        self.app.dispatcher.startup.register(started.set)
        self._task = asyncio.create_task(
            self.app.dispatcher.start_polling(
                self.app.bot,
                handle_as_tasks=False,  # so an update is confirmed only once it was handled
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=1,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        return self.app

    async def stop(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        await self.api.interrupt_polls()
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)
        await self.app.close()
        self.app = None

    async def restart(self) -> App:
        """Stop the bot and start a new one on the same database, like a process restart."""
        await self.stop()
        return await self.start()

    def user(self, tg_id: int, first_name: str, last_name: str | None = None, **kw: object):
        return TgUser(self.api, tg_id, first_name, last_name, **kw)  # type: ignore[arg-type]
