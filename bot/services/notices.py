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
from bot.domain.acknowledgements import Ack
from bot.domain.audits import Audit, Respondent
from bot.domain.competence import Record, Requirement
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.domain.objectives import Review
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

    async def document_replaced(
        self,
        code: str,
        title: str,
        old_number: int,
        new_number: int,
        document_id: int,
        old_version_id: int,
        readers: Iterable[User],
    ) -> int:
        """Who had read a withdrawn version learns which one replaces it."""
        params = {"key": "documents.told.replaced", "code": code, "title": title,
                  "number": old_number, "newer": new_number, "doc": document_id}  # fmt: skip
        events = [
            Due(Kind.DOC_EVENT, old_version_id, person.id, f"v{new_number}", params)
            for person in {p.id: p for p in readers}.values()
            if person.is_active
        ]
        return await self._tell(events)

    async def audit_results(self, audit: Audit, told: Iterable[Ack]) -> int:
        """A closed audit's results to management, its department's head and its team
        (ISO 9001 9.2.2 c), each to acknowledge; once per audit and person."""
        results = audit.results or {}
        params = {
            "number": audit.number,
            "title": audit.title,
            "department": audit.department_name or "",
            "overall": results.get("overall"),
            "conclusion": (audit.conclusion or "").splitlines()[0][:300]
            if audit.conclusion
            else "",
        }
        events = [Due(Kind.AUDIT_RESULTS, audit.id, ack.user_id, "closed", params) for ack in told]
        return await self._tell(events)

    async def about_review(
        self, key: str, review: Review, period: str, people: Iterable[User | None], actor: User
    ) -> int:
        """A management review sent to the director for «Утверждаю», or approved (issue 15)."""
        slot = self._occasion()
        params = {"key": key, "name": actor.full_name, "held_on": format_date(review.held_on),
                  "period": period}  # fmt: skip
        events = [
            Due(Kind.REVIEW_EVENT, review.id, person.id, slot, params)
            for person in {p.id: p for p in people if p is not None}.values()
            if person.is_active and person.id != actor.id
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
