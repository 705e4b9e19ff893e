"""APScheduler 3 runs the sweep every SWEEP_SECONDS, started and stopped with the bot."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler.sweep import Sweeper
from bot.storage.backup import nightly

log = logging.getLogger(__name__)


class SweepScheduler:
    def __init__(self, sweeper: Sweeper, every_seconds: int) -> None:
        self.sweeper = sweeper
        settings = sweeper.settings
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        hour, minute = (int(part) for part in settings.backup_time.split(":"))
        if settings.postgres_url is None:  # PostgreSQL is backed up with pg_dump (README)
            self.scheduler.add_job(
                self._backup,
                "cron",
                hour=hour,
                minute=minute,
                timezone=settings.tz,
                id="nightly-backup",
                coalesce=True,
                misfire_grace_time=3600,
                replace_existing=True,
            )
        self.scheduler.add_job(
            self._run,
            "interval",
            seconds=every_seconds,
            id="sweep",  # deterministic id: one sweep job, never two
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            # The first sweep runs at start: what fell due while the bot was down goes now.
            next_run_time=datetime.now(UTC),
        )

    async def _run(self) -> None:
        if (task := asyncio.current_task()) is not None:
            self.sweeper.inflight.adopt(task)  # a stop waits for a sweep that is sending
        try:
            await self.sweeper.run_once()
        except Exception:  # a failed sweep is retried by the next one
            log.exception("sweep failed")

    async def _backup(self) -> None:
        settings = self.sweeper.settings
        try:
            target = await asyncio.to_thread(
                nightly,
                settings.database_path,
                settings.backup_dir,
                datetime.now(settings.tz),
                settings.backup_keep,
            )
            log.info("nightly backup written to %s", target)
        except Exception:  # the next night tries again; the log tells the administrator
            log.exception("nightly backup failed")

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
