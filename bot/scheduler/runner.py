"""APScheduler 3 runs the sweep every SWEEP_SECONDS, started and stopped with the bot."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler.sweep import Sweeper

log = logging.getLogger(__name__)


class SweepScheduler:
    def __init__(self, sweeper: Sweeper, every_seconds: int) -> None:
        self.sweeper = sweeper
        self.scheduler = AsyncIOScheduler(timezone="UTC")
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
        try:
            await self.sweeper.run_once()
        except Exception:  # a failed sweep is retried by the next one
            log.exception("sweep failed")

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
