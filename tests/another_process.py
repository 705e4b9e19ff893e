"""A second bot process's sweeper, for the test that two processes send nothing twice.

It is run with multiprocessing's "spawn" start method: a fresh interpreter with its own
database connection and thread, its own HTTP session and its own memory, as a second
`python -m bot` on a shared database would have."""

from __future__ import annotations

import asyncio
from datetime import datetime
from multiprocessing.synchronize import Event
from typing import Any

from bot.app import create_bot
from bot.clock import FixedClock
from bot.config import Settings
from bot.i18n import create_i18n
from bot.scheduler.sender import Sender
from bot.scheduler.sweep import Sweeper
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.templates import TemplateService
from bot.storage.db import Database


def sweep(values: dict[str, Any], now: str, ready: Event, go: Event) -> None:
    asyncio.run(_sweep(values, datetime.fromisoformat(now), ready, go))


async def _sweep(values: dict[str, Any], now: datetime, ready: Event, go: Event) -> None:
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' own argument
    clock = FixedClock(now)
    db = Database.of(settings)
    bot = create_bot(settings)
    templates = TemplateService(db, clock)
    sweeper = Sweeper(
        bot=bot,
        i18n=create_i18n(settings.default_language),
        db=db,
        clock=clock,
        settings=settings,
        accounts=AccountService(db, clock, settings.admin_ids),
        audits=AuditService(db, clock, templates, settings.tz),
        templates=templates,
        sender=Sender(bot, settings.send_rate),
    )
    ready.set()
    await asyncio.to_thread(go.wait, 30)
    try:
        await sweeper.run_once()
    finally:
        await bot.session.close()
        await db.close()
