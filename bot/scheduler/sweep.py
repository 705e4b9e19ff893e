"""One sweep: open the audits whose day has come, work out every reminder due now, record
the new ones in the ledger, and (outside quiet time) send what is pending."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.config import Settings
from bot.domain.reminders import Due, Key, Kind, in_quiet_time
from bot.scheduler.messages import render
from bot.scheduler.rules import compute_due
from bot.scheduler.sender import Outcome, Sender
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.notifications import Claimed, LedgerRepo

log = logging.getLogger(__name__)
BATCH = 2000


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour, between tries after a network error or a 5xx."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


@dataclass
class SweepReport:
    recorded: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class Sweeper:
    bot: Bot
    i18n: I18n
    db: Database
    clock: Clock
    settings: Settings
    accounts: AccountService
    audits: AuditService
    templates: TemplateService
    sender: Sender
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def run_once(self) -> SweepReport:
        async with self._lock:  # the scheduler and a handler may ask at the same moment
            return await self._sweep()

    async def _sweep(self) -> SweepReport:
        await self.audits.open_due()
        now = self.clock.now()
        current = await self.due(now)
        report = SweepReport()
        report.recorded = await self.db.run(lambda c: LedgerRepo(c).record(current.values(), now))
        settings = self.settings
        if in_quiet_time(now, settings.tz, settings.quiet_range, settings.quiet_weekends):
            return report
        claimed = await self.db.run(lambda c: LedgerRepo(c).claim(now, set(current), BATCH))
        results = await asyncio.gather(*(self._deliver(row, current[row.key]) for row in claimed))
        for outcome in results:
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        if claimed:
            log.info("sweep: %s new, %s", report.recorded, report.outcomes)
        return report

    async def due(self, now: datetime) -> dict[Key, Due]:
        return await self.db.run(lambda c: compute_due(c, now, self.settings, self.templates))

    async def _deliver(self, row: Claimed, due: Due) -> str:
        person = await self.accounts.get(due.recipient_id)
        if person is None or not person.is_active or person.bot_blocked:
            await self._finish(row, "obsolete")
            return "skipped"
        text, markup = render(due, person.language or self.settings.default_language, self.i18n)
        outcome, error = await self.sender.send(person.tg_id, text, markup)
        now = self.clock.now()
        if outcome is Outcome.SENT:
            await self._finish(row, "sent")
        elif outcome is Outcome.RETRY:
            attempts = row.attempts + 1
            await self.db.run(
                lambda c: LedgerRepo(c).retry_later(
                    row.id, attempts, now + backoff(attempts), error or ""
                )
            )
        elif outcome is Outcome.BLOCKED:
            await self._finish(row, "blocked", error)
            await self.accounts.set_blocked(person.id, True)
        else:
            await self._finish(row, "failed", error)
        return outcome.value

    async def snooze(self, user_id: int, kind: Kind, object_id: int) -> datetime:
        """No reminder of this kind about this object for this person for a day."""
        until = self.clock.now() + timedelta(days=1)
        await self.db.run(lambda c: LedgerRepo(c).snooze(kind.value, object_id, user_id, until))
        return until

    async def _finish(self, row: Claimed, status: str, error: str | None = None) -> None:
        now = self.clock.now()
        await self.db.run(lambda c: LedgerRepo(c).finish(row.id, status, now, error))
