"""One sweep: open the audits whose day has come, work out every reminder due now, record
the new ones in the ledger, and (outside quiet time) send what is pending.

Event messages (an NC step, a submission) are recorded by the handler that made the change
and delivered at once by `kick()`, outside quiet time; a sweep sends what a kick left."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import Connection

from bot.clock import Clock
from bot.config import Settings
from bot.domain.models import User
from bot.domain.reminders import Due, Key, Kind, in_quiet_time
from bot.domain.school_calendar import SchoolCalendar
from bot.inflight import InFlight
from bot.scheduler.messages import render, render_many
from bot.scheduler.rules import Memo, compute_due
from bot.scheduler.sender import Outcome, Sender
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.notifications import Claimed, LedgerRepo

log = logging.getLogger(__name__)
FollowUp = Callable[[Due, User], Awaitable[None]]
BATCH = 5000
UNIT = 250  # ledger rows recorded or claimed in one unit of work: a few ms each
# Reminders of one kind to one person that go together, and how many to a message: a head
# gets his actions eight at a time (a button each); a manager gets every escalation or
# waiting verification of a sweep in one summary message.
GROUP_SIZES = {
    Kind.CAPA_DUE: 8,
    Kind.CAPA_OVERDUE: 8,
    Kind.ESCALATION: 10_000,
    Kind.UNVERIFIED: 10_000,
    Kind.UNASSIGNED: 10_000,
    Kind.UNCLASSIFIED: 10_000,
    Kind.NO_VERDICT: 8,
    Kind.RECHECK: 8,
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
    inflight: InFlight = field(default_factory=InFlight)
    # What follows a message of a kind once it was sent (a closed audit's results: the
    # chart and the DOCX), registered in app assembly; best effort, never repeated.
    follow_ups: dict[Kind, FollowUp] = field(default_factory=dict)
    # The school calendar the app holds (CalendarService.current), set in app assembly, so
    # a sweep does not read and parse its YAML file every minute.
    calendar: Callable[[], SchoolCalendar] | None = None
    # What the costly rules found at the last sweep, with the marks it was drawn from.
    memo: Memo = field(default_factory=Memo)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _kicked: bool = False

    async def run_once(self) -> SweepReport:
        async with self._lock:  # the scheduler and a kick may ask at the same moment
            return await self._sweep()

    def quiet(self, now: datetime) -> bool:
        settings = self.settings
        return in_quiet_time(now, settings.tz, settings.quiet_range, settings.quiet_weekends)

    async def _sweep(self) -> SweepReport:
        await self.audits.open_due()
        now = self.clock.now()
        current = await self.due(now)
        report = SweepReport()
        report.recorded = await self._record(current, now)
        if self.quiet(now):
            return report
        await self._send(await self._claim(now, set(current)), current, report)
        return report

    async def _record(self, current: dict[Key, Due], now: datetime) -> int:
        """Records what is due in units of UNIT reminders, so no tap waits long behind one
        (in the rules' order, which is the order they are claimed and sent in)."""
        wanted = list(current.values())
        recorded = 0
        for start in range(0, len(wanted), UNIT):
            part = wanted[start : start + UNIT]

            def record(conn: Connection, part: list[Due] = part) -> int:
                return LedgerRepo(conn).record(part, now)

            recorded += await self.db.run(record)
        return recorded

    async def _claim(self, now: datetime, current: set[Key]) -> list[Claimed]:
        """Claims up to BATCH pending messages, UNIT at a time (see `_record`)."""
        claimed: list[Claimed] = []
        while len(claimed) < BATCH:
            limit = min(UNIT, BATCH - len(claimed))

            def claim(conn: Connection, limit: int = limit) -> tuple[list[Claimed], int]:
                return LedgerRepo(conn).claim_some(now, current, limit)

            part, looked = await self.db.run(claim)
            claimed += part
            if looked < limit:
                break
        return claimed

    async def _send(
        self, claimed: list[Claimed], current: dict[Key, Due], report: SweepReport
    ) -> None:
        batches = group([(row, current.get(row.key) or row.as_due()) for row in claimed])
        results = await asyncio.gather(*(self._deliver(batch) for batch in batches))
        for outcome, count in results:
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + count
        if claimed:
            log.info("sent: %s new, %s", report.recorded, report.outcomes)

    async def tell(self, events: list[Due]) -> int:
        """Records event messages in the ledger and delivers them at once (outside quiet
        time; else the first sweep after it). Returns how many were new."""
        now = self.clock.now()
        recorded = await self.db.run(lambda c: LedgerRepo(c).record_events(events, now))
        if recorded:
            self.kick()
        return recorded

    def kick(self) -> None:
        """Delivers pending event messages soon, in the background."""
        if not self._kicked:
            self._kicked = True
            self.inflight.spawn(self._deliver_events(), name="deliver-events")

    async def _deliver_events(self) -> None:
        async with self._lock:
            self._kicked = False  # an event recorded from now on needs a new kick
            now = self.clock.now()
            if self.quiet(now):
                return
            claimed = await self.db.run(
                lambda c: LedgerRepo(c).claim(now, None, BATCH, events_only=True)
            )
            await self._send(claimed, {}, SweepReport())

    async def due(self, now: datetime) -> dict[Key, Due]:
        """On the read connection: what a sweep works out does not hold up a tap's unit of
        work (it reads only what is committed; the audits it opened are)."""
        calendar = self.calendar() if self.calendar is not None else None
        return await self.db.read(
            lambda c: compute_due(c, now, self.settings, self.templates, calendar, self.memo)
        )

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
        ids = [row.id for row in rows]

        async def on_wire() -> None:
            began = self.clock.now()
            await self.db.run(lambda c: LedgerRepo(c).sending(ids, began))

        outcome, error = await self.sender.send(person.tg_id, text, markup, on_wire)
        if outcome is Outcome.SENT:
            await self._finish(rows, "sent")
            follow_up = self.follow_ups.get(dues[0].kind)
            if follow_up is not None and len(dues) == 1:
                self.inflight.spawn(self._follow(follow_up, dues[0], person), name="follow-up")
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
        elif outcome is Outcome.UNKNOWN:
            log.warning("a message to user %s may not have arrived: %s", person.id, error)
            await self._finish(rows, "unknown", error)
        else:
            await self._finish(rows, "failed", error)
        return outcome.value, len(rows)

    async def _follow(self, follow_up: FollowUp, due: Due, person: User) -> None:
        try:
            await follow_up(due, person)
        except Exception:  # the message itself arrived; its attachments are a courtesy
            log.exception("a follow-up of %s to user %s failed", due.kind, person.id)

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
