"""External providers (ISO 9001 8.4): the list with status, the yearly evaluation by
weighted criteria and its history, the evaluation reminder (scheduler rule), and NCs raised
against a provider shown on its card."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.dates import parse_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity, Source
from bot.domain.roles import Role
from bot.domain.suppliers import (
    CRITERIA,
    MARKS,
    WEIGHT_MAX,
    Evaluation,
    Supplier,
    SupplierStatus,
    weighted_score,
)
from bot.services.errors import Refused
from bot.services.nonconformities import TEXT_MAX, NcService
from bot.services.risks import clean
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.nonconformities import NcRepo
from bot.storage.suppliers import SupplierRepo
from bot.storage.users import UserRepo

ENTITY = "supplier"
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class Card:
    supplier: Supplier
    evaluations: builtins.list[Evaluation]
    ncs: builtins.list[Nonconformity]


def _clean(raw: str, limit: int = NAME_MAX) -> str:
    return clean(raw, limit)  # the registers' one rule (their texts are the risks' too)


def parse_period(raw: str) -> tuple[date, date]:
    """'01.09.2026 – 31.08.2027' (any dash or a space between) -> the two days."""
    parts = [p for p in raw.replace("—", " ").replace("–", " ").replace("-", " ").split() if p]
    days = [parse_date(p) for p in parts]
    if len(days) != 2 or days[0] is None or days[1] is None or days[1] < days[0]:
        raise Refused("suppliers.bad_period")
    return days[0], days[1]


class SupplierService(SchoolDay):
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, ncs: NcService) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.ncs = ncs

    @staticmethod
    def _manager(actor: User) -> None:
        if not actor.has(Role.MANAGER):
            raise Refused("surveys.not_allowed")

    async def list(self) -> builtins.list[Supplier]:
        return await self.db.run(lambda conn: SupplierRepo(conn).list())

    async def card(self, supplier_id: int) -> Card:
        def work(conn: Connection) -> Card:
            repo = SupplierRepo(conn)
            supplier = repo.get(supplier_id)
            if supplier is None:
                raise Refused("suppliers.not_found")
            ncs = [nc for i in repo.nc_ids(supplier_id) if (nc := NcRepo(conn).get(i))]
            return Card(supplier, repo.evaluations(supplier_id), ncs)

        return await self.db.run(work)

    async def add(self, actor: User, name: str, supplies: str) -> Supplier:
        self._manager(actor)
        name, supplies = _clean(name), _clean(supplies)
        now = self.clock.now()

        def work(conn: Connection) -> Supplier:
            repo = SupplierRepo(conn)
            supplier_id = repo.add(name, supplies, None, now)
            EventLog(conn).add(now, actor.id, ENTITY, supplier_id, "created", name=name)
            found = repo.get(supplier_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def change(self, actor: User, supplier_id: int, **values: Any) -> Supplier:
        """Status, owner, contact or contract period (typed as two dates)."""
        self._manager(actor)
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name == "status":
                checked["status"] = SupplierStatus(value).value
            elif name == "contact":
                checked["contact"] = _clean(str(value))
            elif name == "contract":
                checked["contract_from"], checked["contract_to"] = parse_period(str(value))
            elif name == "owner_id":
                checked["owner_id"] = int(value)
            else:
                raise ValueError(name)
        now = self.clock.now()

        def work(conn: Connection) -> Supplier:
            repo = SupplierRepo(conn)
            current = repo.get(supplier_id)
            if current is None:
                raise Refused("suppliers.not_found")
            was = {"status": current.status.value, "contact": current.contact,
                   "contract_from": current.contract_from, "contract_to": current.contract_to,
                   "owner_id": current.owner_id}  # fmt: skip
            if all(was[k] == v for k, v in checked.items()):
                return current  # a second tap: nothing changes, nothing is logged
            owner = checked.get("owner_id")
            if owner is not None:
                person = UserRepo(conn).get(owner)
                if person is None or not person.is_active:
                    raise Refused("stale")
            repo.update(supplier_id, **checked)
            logged = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in checked.items()}
            EventLog(conn).add(now, actor.id, ENTITY, supplier_id, "changed", **logged)
            found = repo.get(supplier_id)
            assert found is not None
            return found

        return await self.db.run(work)

    async def people(self) -> builtins.list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).active())

    # -- the evaluation ----------------------------------------------------------------------

    async def weights(self) -> dict[str, int]:
        return await self.db.run(lambda conn: SupplierRepo(conn).weights())

    async def set_weight(self, actor: User, code: str, seen: int, weight: int) -> dict[str, int]:
        self._manager(actor)
        if code not in CRITERIA or not 0 <= weight <= WEIGHT_MAX:
            raise Refused("stale")
        now = self.clock.now()

        def work(conn: Connection) -> dict[str, int]:
            repo = SupplierRepo(conn)
            current = repo.weights()
            if sum(current.values()) - current[code] + weight <= 0:
                raise Refused("suppliers.weights_zero")
            if not repo.set_weight(code, seen, weight):
                raise Refused("suppliers.weights_changed")
            EventLog(conn).add(now, actor.id, ENTITY, None, "weight", code=code, weight=weight)
            return repo.weights()

        return await self.db.run(work)

    async def may_evaluate(self, actor: User, supplier_id: int) -> Supplier:
        supplier = (await self.card(supplier_id)).supplier
        if not actor.has(Role.MANAGER) and actor.id != supplier.owner_id:
            raise Refused("suppliers.not_yours")
        return supplier

    async def evaluate(self, actor: User, supplier_id: int, marks: dict[str, int]) -> Evaluation:
        """The evaluation with today's weights; its score 0–100 kept with the weights used."""
        await self.may_evaluate(actor, supplier_id)
        if set(marks) != set(CRITERIA) or any(m not in MARKS for m in marks.values()):
            raise Refused("stale")
        now, today = self.clock.now(), self.today()

        def work(conn: Connection) -> Evaluation:
            repo = SupplierRepo(conn)
            weights = repo.weights()
            score = weighted_score(marks, weights)
            repo.add_evaluation(supplier_id, today, marks, weights, score, actor.id, now)
            EventLog(conn).add(now, actor.id, ENTITY, supplier_id, "evaluated", score=score)
            return repo.evaluations(supplier_id)[0]

        return await self.db.run(work)

    # -- nonconformities -----------------------------------------------------------------------

    async def raise_nc(self, actor: User, supplier_id: int, description: str) -> Nonconformity:
        """An NC of source "external provider", shown on the provider's card."""
        self._manager(actor)
        text = _clean(description, TEXT_MAX)

        def work(conn: Connection) -> Nonconformity:
            repo = SupplierRepo(conn)
            supplier = repo.get(supplier_id)
            if supplier is None:
                raise Refused("suppliers.not_found")
            nc = self.ncs.create_in(
                conn, actor, "reported", source=Source.EXTERNAL_PROVIDER.value,
                description=text, external_ref=supplier.name[:200], evidence=[],
                department_id=None,
            )  # fmt: skip
            repo.link_nc(supplier_id, nc.id)
            return nc

        return await self.db.run(work)

    # -- for /summary and the management review ----------------------------------------------

    async def now_counts(self, today: date) -> builtins.list[tuple[str, int]]:
        """(plural locale key with {n}, count): providers whose yearly evaluation is due."""
        found = await self.list()
        due = sum(1 for s in found if s.evaluation_due is not None and s.evaluation_due <= today)
        return [("suppliers.now.overdue", due)]
