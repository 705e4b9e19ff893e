"""One sweep: open the audits whose day has come, work out every reminder due now, record
the new ones in the ledger, and (outside quiet time) send what is pending."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import Connection

from bot.clock import Clock
from bot.config import Settings
from bot.domain.reminders import Due, Key, Kind, in_quiet_time
from bot.scheduler.messages import render, render_many
from bot.scheduler.rules import compute_due
from bot.scheduler.sender import Outcome, Sender
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.notifications import Claimed, LedgerRepo

log = logging.getLogger(__name__)
BATCH = 5000
# Reminders of one kind to one person that go together, and how many to a message: a head
# gets his actions eight at a time (a button each); a manager gets every escalation or
# waiting verification of a sweep in one summary message.
GROUP_SIZES = {
    Kind.CAPA_DUE: 8,
    Kind.CAPA_OVERDUE: 8,
    Kind.ESCALATION: 10_000,
    Kind.UNVERIFIED: 10_000,
}


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
        batches = group([(row, current[row.key]) for row in claimed])
        results = await asyncio.gather(*(self._deliver(batch) for batch in batches))
        for outcome, count in results:
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + count
        if claimed:
            log.info("sweep: %s new, %s", report.recorded, report.outcomes)
        return report

    async def due(self, now: datetime) -> dict[Key, Due]:
        return await self.db.run(lambda c: compute_due(c, now, self.settings, self.templates))

    async def _deliver(self, batch: list[tuple[Claimed, Due]]) -> tuple[str, int]:
        """Sends one message for the batch (one reminder, or several of one kind to one
        person) and settles every ledger row in it by the one outcome."""
        rows = [row for row, _ in batch]
        dues = [due for _, due in batch]
        person = await self.accounts.get(dues[0].recipient_id)
        if person is None or not person.is_active or person.bot_blocked:
            await self._finish(rows, "obsolete")
            return "skipped", len(rows)
        locale = person.language or self.settings.default_language
        text, markup = (
            render(dues[0], locale, self.i18n)
            if len(dues) == 1
            else render_many(dues, locale, self.i18n)
        )
        outcome, error = await self.sender.send(person.tg_id, text, markup)
        if outcome is Outcome.SENT:
            await self._finish(rows, "sent")
        elif outcome is Outcome.RETRY:
            later = self.clock.now()

            def retry(conn: Connection) -> None:
                for row in rows:
                    attempts = row.attempts + 1
                    LedgerRepo(conn).retry_later(
                        row.id, attempts, later + backoff(attempts), error or ""
                    )

            await self.db.run(retry)
        elif outcome is Outcome.BLOCKED:
            await self._finish(rows, "blocked", error)
            await self.accounts.set_blocked(person.id, True)
        else:
            await self._finish(rows, "failed", error)
        return outcome.value, len(rows)

    async def snooze(self, user_id: int, kind: Kind, object_id: int) -> datetime:
        """No reminder of this kind about this object for this person for a day."""
        until = self.clock.now() + timedelta(days=1)
        await self.db.run(lambda c: LedgerRepo(c).snooze(kind.value, object_id, user_id, until))
        return until

    async def _finish(self, rows: list[Claimed], status: str, error: str | None = None) -> None:
        now = self.clock.now()

        def work(conn: Connection) -> None:
            for row in rows:
                LedgerRepo(conn).finish(row.id, status, now, error)

        await self.db.run(work)


def group(items: list[tuple[Claimed, Due]]) -> list[list[tuple[Claimed, Due]]]:
    """One message per reminder, except the kinds in GROUP_SIZES, which go together to one
    person (a head with eight overdue actions gets one message with eight buttons)."""
    batches: list[list[tuple[Claimed, Due]]] = []
    grouped: dict[tuple[int, Kind], list[tuple[Claimed, Due]]] = {}
    for row, due in items:
        if due.kind in GROUP_SIZES:
            grouped.setdefault((due.recipient_id, due.kind), []).append((row, due))
        else:
            batches.append([(row, due)])
    for (_, kind), members in grouped.items():
        members.sort(key=lambda item: item[1].params.get("number", ""))
        size = GROUP_SIZES[kind]
        batches += [members[i : i + size] for i in range(0, len(members), size)]
    return batches
