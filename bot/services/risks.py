"""The risk and opportunity register (ISO 9001 6.1): anyone proposes one in chat; the
manager accepts it into the register, scores it, chooses the treatment and its actions
(each with an owner and a due date the ordinary reminders follow) and re-scores it after."""

from __future__ import annotations

import builtins
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.models import User
from bot.domain.risks import (
    MARKS,
    Level,
    Risk,
    RiskAction,
    RiskKind,
    RiskStatus,
    Treatment,
    treatments_for,
)
from bot.domain.roles import Role
from bot.domain.texts import meaningful
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.risks import RiskRepo
from bot.storage.users import UserRepo

ENTITY = "risk"
TITLE_MAX = 200
TEXT_MAX = 2000
MARK_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")
TEXT_FIELDS = ("cause", "consequence")
PROCESS_MAX = 200
REGISTER = (RiskStatus.PROPOSED, RiskStatus.ACTIVE)


def clean(raw: str, limit: int) -> str:
    text = " ".join(raw.split())
    if not text or not meaningful(text):  # ".", "-", "ok" say nothing
        raise Refused("risks.empty")
    if len(text) > limit:
        raise Refused("risks.too_long", limit=limit)
    return text


class StaleRisk(Refused):
    """The button came from an older card: nothing changed; the card as it is now is shown."""

    def __init__(self, risk_id: int) -> None:
        super().__init__("risks.stale")
        self.risk_id = risk_id


class RiskService(SchoolDay):
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    async def propose(
        self, actor: User, kind: RiskKind, title: str, department_id: int | None
    ) -> Risk:
        text = clean(title, TITLE_MAX)
        now = self.clock.now()

        def work(conn: Connection) -> Risk:
            if department_id is not None and DepartmentRepo(conn).get(department_id) is None:
                raise Refused("departments.not_found")
            repo = RiskRepo(conn)
            risk_id = repo.add(kind, text, department_id, actor.id, now)
            EventLog(conn).add(now, actor.id, ENTITY, risk_id, "proposed", kind=kind.value)
            found = repo.get(risk_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def register(self) -> builtins.list[Risk]:
        return await self.db.run(lambda conn: RiskRepo(conn).list(REGISTER))

    async def get(self, risk_id: int) -> Risk:
        found = await self.db.run(lambda conn: RiskRepo(conn).get(risk_id))
        if found is None:
            raise Refused("risks.not_found")
        return found

    async def managers(self) -> builtins.list[User]:
        return await self.db.run(
            lambda conn: [u for u in UserRepo(conn).active() if u.has(Role.MANAGER)]
        )

    async def _user(self, user_id: int) -> User | None:
        return await self.db.run(lambda conn: UserRepo(conn).get(user_id))

    async def people(self) -> builtins.list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).active())

    def _change(
        self, actor: User, risk_id: int, seen: int, event: str, allowed: RiskStatus,
        **values: Any,
    ) -> Any:  # fmt: skip
        if not actor.has(Role.MANAGER):
            raise Refused("risks.not_allowed")
        now = self.clock.now()

        def work(conn: Connection) -> Risk:
            repo = RiskRepo(conn)
            current = repo.get(risk_id)
            if current is None:
                raise Refused("risks.not_found")
            # The process is kept in the event itself (see bot/storage/risks.py).
            columns = {k: v for k, v in values.items() if k != "process"}
            if current.status is not allowed or not repo.update(risk_id, seen, now, **columns):
                raise StaleRisk(risk_id)
            logged = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
            EventLog(conn).add(now, actor.id, ENTITY, risk_id, event, **logged)
            changed = repo.get(risk_id)
            assert changed is not None
            return changed

        return work

    async def decide(self, actor: User, risk_id: int, seen: int, accept: bool) -> Risk:
        """A proposed risk taken into the register, or rejected; once."""
        status = RiskStatus.ACTIVE if accept else RiskStatus.REJECTED
        work = self._change(
            actor, risk_id, seen, status.value, RiskStatus.PROPOSED, status=status.value
        )
        return await self.db.run(work)

    async def change(self, actor: User, risk_id: int, seen: int, **values: Any) -> Risk:
        """Sets marks (1–5), the treatment, the owner, the review date, cause, consequence
        or process of a risk in the register."""
        checked: dict[str, Any] = {}
        risk = await self.get(risk_id)
        for name, value in values.items():
            if name in MARK_FIELDS:
                if value not in MARKS:
                    raise Refused("stale")
            elif name == "treatment":
                if Treatment(value) not in treatments_for(risk.kind):
                    raise Refused("stale")
                value = Treatment(value).value
            elif name in TEXT_FIELDS:
                value = clean(str(value), TEXT_MAX)
            elif name == "process":
                value = clean(str(value), PROCESS_MAX)
            elif name == "review_on":
                if not isinstance(value, date) or value < self.today():
                    raise Refused("nc.due_in_past")
            elif name == "owner_id":
                owner = await self._user(int(value))
                if owner is None or not owner.is_active:
                    raise Refused("stale")
            else:
                raise ValueError(name)
            checked[name] = value
        work = self._change(actor, risk_id, seen, "changed", RiskStatus.ACTIVE, **checked)
        return await self.db.run(work)

    async def close(self, actor: User, risk_id: int, seen: int, reason: str) -> Risk:
        """A risk of the register no longer faced (or an opportunity taken or gone): off
        the list by level, the heat map and the reminders; its card stays under "closed"
        with the reason. Once: a second tap, or an older card's button, is stale."""
        if not actor.has(Role.MANAGER):
            raise Refused("risks.not_allowed")
        text = clean(reason, TEXT_MAX)
        now = self.clock.now()

        def work(conn: Connection) -> Risk:
            repo = RiskRepo(conn)
            current = repo.get(risk_id)
            if current is None:
                raise Refused("risks.not_found")
            closed = RiskStatus.CLOSED.value
            if current.status is not RiskStatus.ACTIVE or not repo.update(
                risk_id, seen, now, status=closed
            ):
                raise StaleRisk(risk_id)
            EventLog(conn).add(now, actor.id, ENTITY, risk_id, "closed", reason=text)
            found = repo.get(risk_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def closed(self) -> builtins.list[Risk]:
        return await self.db.run(lambda conn: RiskRepo(conn).list((RiskStatus.CLOSED,)))

    async def add_action(
        self, actor: User, risk_id: int, text: str, owner_id: int, due: date
    ) -> tuple[Risk, RiskAction]:
        if not actor.has(Role.MANAGER):
            raise Refused("risks.not_allowed")
        content = clean(text, TEXT_MAX)
        if due < self.today():
            raise Refused("nc.due_in_past")
        now = self.clock.now()

        def work(conn: Connection) -> tuple[Risk, RiskAction]:
            repo = RiskRepo(conn)
            risk = repo.get(risk_id)
            owner = UserRepo(conn).get(owner_id)
            if risk is None or risk.status is not RiskStatus.ACTIVE:
                raise Refused("risks.not_found")
            if owner is None or not owner.is_active:
                raise Refused("stale")
            action_id = repo.add_action(risk_id, content, owner_id, due, now)
            EventLog(conn).add(
                now, actor.id, ENTITY, risk_id, "action_added", action_id=action_id,
                owner=owner_id, due=due.isoformat(),
            )  # fmt: skip
            action = repo.action(action_id)
            changed = repo.get(risk_id)
            assert action is not None and changed is not None
            return changed, action

        return await self.db.run(work)

    async def complete_action(self, actor: User, action_id: int) -> tuple[Risk, RiskAction]:
        """Its owner (or a manager) marks a treatment action done; a second tap says so."""
        now = self.clock.now()

        def work(conn: Connection) -> tuple[Risk, RiskAction]:
            repo = RiskRepo(conn)
            action = repo.action(action_id)
            if action is None:
                raise Refused("risks.not_found")
            if actor.id != action.owner_id and not actor.has(Role.MANAGER):
                raise Refused("risks.not_your_action")
            risk = repo.get(action.risk_id)
            if risk is None or risk.status is not RiskStatus.ACTIVE:
                raise Refused("risks.closed")  # a closed risk's actions are off
            if not repo.complete(action_id, now):
                raise Refused("risks.action_done_already")
            EventLog(conn).add(now, actor.id, ENTITY, action.risk_id, "action_done",
                               action_id=action_id)  # fmt: skip
            risk, done = repo.get(action.risk_id), repo.action(action_id)
            assert risk is not None and done is not None
            return risk, done

        return await self.db.run(work)

    async def heat(self) -> Counter[tuple[int, int]]:
        """How many risks of the register sit in each (likelihood, impact) cell."""
        found = await self.db.run(lambda conn: RiskRepo(conn).list((RiskStatus.ACTIVE,)))
        return Counter(
            (r.likelihood, r.impact)
            for r in found
            if r.kind is RiskKind.RISK and r.likelihood is not None and r.impact is not None
        )

    async def top_levels(self) -> dict[int | None, Level]:
        """The highest level of a risk in the register, per department (None: the school as
        a whole): the seam through which a risk's level may raise an audit's priority in the
        programme (ISO 19011 5.4.2)."""
        found = await self.db.run(lambda conn: RiskRepo(conn).list((RiskStatus.ACTIVE,)))
        order = list(Level)
        top: dict[int | None, Level] = {}
        for risk in found:
            level = risk.level
            if risk.kind is RiskKind.RISK and level is not None:
                current = top.get(risk.department_id)
                if current is None or order.index(level) > order.index(current):
                    top[risk.department_id] = level
        return top

    # -- for /summary and the management review ----------------------------------------------

    async def now_counts(self, today: date) -> builtins.list[tuple[str, int]]:
        """(plural locale key with {n}, count): high or critical risks without a treatment
        that acts on them, and treatment actions past their due date."""
        found = await self.db.run(lambda conn: RiskRepo(conn).list((RiskStatus.ACTIVE,)))
        untreated = sum(r.needs_treatment() for r in found)
        overdue = sum(a.is_overdue(today) for r in found for a in r.actions)
        return [("risks.now.untreated", untreated), ("risks.now.overdue_actions", overdue)]
