"""The risk and opportunity register and the treatment actions."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update

from bot.domain.risks import Risk, RiskAction, RiskKind, RiskStatus, Treatment
from bot.storage.db import inserted_id
from bot.storage.schema import departments, events, risk_actions, risks, users

r_t, a_t = risks, risk_actions
# A risk's process and the reason it was closed live in its events (no column of the
# register fits them and none was added): the latest "changed" naming a process, the
# "closed" event's reason. The service writes them so; this reads them back.
ENTITY = "risk"


def _risk(row: Row[Any]) -> Risk:
    return Risk(
        id=row.id,
        kind=RiskKind(row.kind),
        status=RiskStatus(row.status),
        title=row.title,
        proposed_by=row.proposed_by,
        created_at=row.created_at,
        department_id=row.department_id,
        department_name=row.department_name,
        cause=row.cause,
        consequence=row.consequence,
        likelihood=row.likelihood,
        impact=row.impact,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
        treatment=Treatment(row.treatment) if row.treatment else None,
        review_on=row.review_on,
        residual_likelihood=row.residual_likelihood,
        residual_impact=row.residual_impact,
        revision=row.revision,
    )


def _action(row: Row[Any]) -> RiskAction:
    return RiskAction(
        id=row.id,
        risk_id=row.risk_id,
        text=row.text,
        owner_id=row.owner_id,
        due_date=row.due_date,
        done_at=row.done_at,
        owner_name=row.owner_name,
    )


def _risks() -> Any:
    return (
        select(
            r_t,
            departments.c.name.label("department_name"),
            users.c.full_name.label("owner_name"),
        )
        .outerjoin(departments, departments.c.id == r_t.c.department_id)
        .outerjoin(users, users.c.id == r_t.c.owner_id)
    )


def _actions() -> Any:
    return select(a_t, users.c.full_name.label("owner_name")).join(
        users, users.c.id == a_t.c.owner_id
    )


class RiskRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        kind: RiskKind,
        title: str,
        department_id: int | None,
        proposed_by: int,
        now: datetime,
        status: RiskStatus = RiskStatus.PROPOSED,
    ) -> int:
        result = self.conn.execute(
            insert(r_t).values(
                kind=kind.value, status=status.value, title=title, department_id=department_id,
                proposed_by=proposed_by, created_at=now, updated_at=now, revision=0,
            )
        )  # fmt: skip
        return inserted_id(result)

    def _with_actions(self, found: builtins.list[Risk]) -> builtins.list[Risk]:
        if not found:
            return found
        by_id = {r.id: r for r in found}
        query = _actions().where(a_t.c.risk_id.in_(list(by_id))).order_by(a_t.c.id)
        for row in self.conn.execute(query):
            by_id[row.risk_id].actions.append(_action(row))
        noted = (
            select(events.c.entity_id, events.c.action, events.c.data)
            .where(
                events.c.entity == ENTITY,
                events.c.entity_id.in_(list(by_id)),
                or_(
                    events.c.action == "closed",
                    # json_extract on SQLite, ->> on PostgreSQL
                    events.c.data["process"].as_string().is_not(None),
                ),
            )
            .order_by(events.c.id)
        )
        for row in self.conn.execute(noted):  # oldest first: the latest stays
            risk, data = by_id[row.entity_id], row.data or {}
            if "process" in data:
                risk.process = data["process"]
            if row.action == "closed":
                risk.closed_reason = data.get("reason")
        return found

    def get(self, risk_id: int) -> Risk | None:
        row = self.conn.execute(_risks().where(r_t.c.id == risk_id)).first()
        return self._with_actions([_risk(row)])[0] if row else None

    def list(self, statuses: tuple[RiskStatus, ...]) -> builtins.list[Risk]:
        query = _risks().where(r_t.c.status.in_([s.value for s in statuses])).order_by(r_t.c.id)
        return self._with_actions([_risk(row) for row in self.conn.execute(query)])

    def update(self, risk_id: int, seen: int, now: datetime, **values: Any) -> bool:
        """Applies `values` if the risk is still at revision `seen`; False otherwise (a
        stale card's button, a double tap)."""
        result = self.conn.execute(
            update(r_t)
            .where(r_t.c.id == risk_id, r_t.c.revision == seen)
            .values(updated_at=now, revision=r_t.c.revision + 1, **values)
        )
        return result.rowcount == 1

    def add_action(self, risk_id: int, text: str, owner_id: int, due: date, now: datetime) -> int:
        result = self.conn.execute(
            insert(a_t).values(
                risk_id=risk_id, text=text, owner_id=owner_id, due_date=due, created_at=now
            )
        )
        self.conn.execute(
            update(r_t).where(r_t.c.id == risk_id).values(revision=r_t.c.revision + 1)
        )
        return inserted_id(result)

    def action(self, action_id: int) -> RiskAction | None:
        row = self.conn.execute(_actions().where(a_t.c.id == action_id)).first()
        return _action(row) if row else None

    def complete(self, action_id: int, now: datetime) -> bool:
        """False when it was done already (a double tap)."""
        result = self.conn.execute(
            update(a_t).where(a_t.c.id == action_id, a_t.c.done_at.is_(None)).values(done_at=now)
        )
        return result.rowcount == 1

    # -- what the reminder sweep reads: its windows only (indexes of migration 015) ----------

    def _plain(self, where: Any) -> builtins.list[Risk]:
        """Risks without their actions and noted events (a reminder needs neither)."""
        return [_risk(row) for row in self.conn.execute(_risks().where(where).order_by(r_t.c.id))]

    def actions_due(self, until: date) -> builtins.list[tuple[RiskAction, Risk]]:
        """Actions not done and due by `until` (index on done_at, due_date), of risks in
        the register, with their risk."""
        query = _actions().where(a_t.c.done_at.is_(None), a_t.c.due_date <= until)
        actions = [_action(row) for row in self.conn.execute(query.order_by(a_t.c.id))]
        if not actions:
            return []
        ids = sorted({a.risk_id for a in actions})
        active = r_t.c.status == RiskStatus.ACTIVE.value
        found = {r.id: r for r in self._plain(r_t.c.id.in_(ids) & active)}
        return [(a, found[a.risk_id]) for a in actions if a.risk_id in found]

    def reviews_due(self, today: date) -> builtins.list[Risk]:
        """Risks in the register whose review date has come (index on status, review_on)."""
        active = r_t.c.status == RiskStatus.ACTIVE.value
        return self._plain(active & (r_t.c.review_on <= today))

    def proposed(self) -> builtins.list[Risk]:
        """Risks proposed in chat and not yet accepted or rejected."""
        return self._plain(r_t.c.status == RiskStatus.PROPOSED.value)
