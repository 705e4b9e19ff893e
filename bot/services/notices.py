"""Messages the bot sends on its own when someone acted: the next person to act is told.

They are not sent from the handler: each becomes a row of the notification ledger (with its
words) and is delivered from there at once, through the same path, limits and retry policy
as reminders, so a fault or a restart neither loses nor repeats one, and none goes out in
quiet hours (it waits for the morning like a reminder).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.audits import Audit, Respondent
from bot.domain.competence import Record, Requirement
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.domain.reminders import Due, Kind

Tell = Callable[[list[Due]], Awaitable[int]]


class Notices:
    def __init__(self, tell: Tell, clock: Clock, zone: ZoneInfo) -> None:
        self._tell = tell
        self.clock = clock
        self.zone = zone

    def _occasion(self) -> str:
        """A slot of its own for each event (two steps of one NC are two messages)."""
        return f"{self.clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"

    async def about_nc(
        self, nc: Nonconformity, key: str, actor: User | None, people: Iterable[User | None]
    ) -> int:
        """Tells each active person (but the one who acted) what happened to the NC."""
        slot = self._occasion()
        params = {
            "key": key,
            "number": nc.number,
            "name": actor.full_name if actor else "",
            "text": nc.description.splitlines()[0][:200] if nc.description else "",
        }
        events = [
            Due(Kind.NC_EVENT, nc.id, person.id, slot, params)
            for person in {p.id: p for p in people if p is not None}.values()
            if person.is_active and (actor is None or person.id != actor.id)
        ]
        return await self._tell(events)

    async def submitted(self, audit: Audit, respondent: User, auditor: User | None) -> int:
        """The lead auditor learns that a respondent submitted (once per respondent)."""
        if auditor is None or not auditor.is_active or auditor.id == respondent.id:
            return 0
        params = {"name": respondent.full_name, "number": audit.number, "title": audit.title}
        slot = f"u{respondent.id}"
        return await self._tell([Due(Kind.SUBMITTED, audit.id, auditor.id, slot, params)])

    async def nudge(self, audit: Audit, respondents: list[Respondent], total: int) -> int:
        """The auditor's "remind" button: at most one nudge a day to each respondent who has
        not submitted. Returns how many people will be reminded."""
        day = self.clock.now().astimezone(self.zone).date().isoformat()
        events = [
            Due(
                Kind.NUDGE,
                audit.id,
                person.user_id,
                day,
                {
                    "number": audit.number,
                    "title": audit.title,
                    "deadline": format_date(audit.deadline),
                    "total": total,
                    "answered": person.answered,
                },
            )
            for person in respondents
            if person.submitted_at is None
        ]
        return await self._tell(events)

    async def about_competence(
        self,
        key: str,
        record: Record,
        requirement: Requirement,
        owner: User,
        people: Iterable[User | None],
        actor: User | None = None,
    ) -> int:
        """A certificate to confirm (to its reviewers), or its verdict (to its owner)."""
        slot = self._occasion()
        params = {
            "key": key,
            "name": (actor or owner).full_name,
            "code": requirement.code,
            "req": requirement.name,
            "date": format_date(record.completed_on),
            "reason": record.reason or "",
        }
        events = [
            Due(Kind.COMPETENCE_EVENT, record.id, person.id, slot, params)
            for person in {p.id: p for p in people if p is not None}.values()
            if person.is_active and (actor is None or person.id != actor.id)
        ]
        return await self._tell(events)

    async def about_audit(
        self, audit: Audit, told: list[tuple[int, str]], people: Iterable[User | None]
    ) -> int:
        """A planned audit changed: each person in `told` (user id, locale key) learns what
        it means for him, with the audit's dates as they are now."""
        slot = self._occasion()
        active = {p.id for p in people if p is not None and p.is_active}
        params = {
            "number": audit.number,
            "title": audit.title,
            "start": format_date(audit.start_date),
            "deadline": format_date(audit.deadline),
        }
        events = [
            Due(Kind.AUDIT_EVENT, audit.id, user_id, slot, {"key": key, **params})
            for user_id, key in dict(told).items()
            if user_id in active
        ]
        return await self._tell(events)

    async def about_programme(
        self, year: int, key: str, actor: User, people: Iterable[User | None], **params: str
    ) -> int:
        """The year's programme sent to the director, or his decision told to the managers."""
        slot = self._occasion()
        events = [
            Due(
                Kind.PROGRAMME_EVENT,
                year,
                person.id,
                slot,
                {"key": key, "year": year, "name": actor.full_name, **params},
            )
            for person in {p.id: p for p in people if p is not None}.values()
            if person.is_active and person.id != actor.id
        ]
        return await self._tell(events)
