"""External providers, the evaluation criteria's weights, evaluations, and the NCs raised
against a provider."""

from __future__ import annotations

import builtins
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from bot.domain.suppliers import Evaluation, Supplier, SupplierStatus
from bot.storage.db import inserted_id
from bot.storage.schema import (
    supplier_criteria,
    supplier_evaluations,
    supplier_ncs,
    suppliers,
    users,
)

s_t, c_t, e_t, n_t = suppliers, supplier_criteria, supplier_evaluations, supplier_ncs


def _supplier(row: Row[Any]) -> Supplier:
    return Supplier(
        id=row.id,
        name=row.name,
        supplies=row.supplies,
        status=SupplierStatus(row.status),
        created_on=row.created_at.date(),
        contract_from=row.contract_from,
        contract_to=row.contract_to,
        contact=row.contact,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
        last_evaluated=row.last_evaluated,
        last_score=row.last_score,
    )


def _select() -> Any:
    last = (
        select(
            e_t.c.supplier_id,
            func.max(e_t.c.id).label("last_id"),
        )
        .group_by(e_t.c.supplier_id)
        .subquery()
    )
    latest = e_t.alias("latest")
    return (
        select(
            s_t,
            users.c.full_name.label("owner_name"),
            latest.c.evaluated_on.label("last_evaluated"),
            latest.c.score.label("last_score"),
        )
        .outerjoin(users, users.c.id == s_t.c.owner_id)
        .outerjoin(last, last.c.supplier_id == s_t.c.id)
        .outerjoin(latest, latest.c.id == last.c.last_id)
    )


class SupplierRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, name: str, supplies: str, owner_id: int | None, now: datetime) -> int:
        result = self.conn.execute(
            insert(s_t).values(
                name=name, supplies=supplies, status=SupplierStatus.APPROVED.value,
                owner_id=owner_id, created_at=now,
            )
        )  # fmt: skip
        return inserted_id(result)

    def get(self, supplier_id: int) -> Supplier | None:
        row = self.conn.execute(_select().where(s_t.c.id == supplier_id)).first()
        return _supplier(row) if row else None

    def list(self) -> builtins.list[Supplier]:
        return [_supplier(r) for r in self.conn.execute(_select().order_by(s_t.c.name))]

    def evaluations_due(self, today: date) -> builtins.list[Supplier]:
        """Providers not excluded whose yearly evaluation may have come: never evaluated
        and added by today, or last evaluated a year ago or more (365 days: a year is 365
        or 366, so the caller's exact `evaluation_due` decides)."""
        query = _select()
        last = query.selected_columns.last_evaluated
        added_by = datetime.combine(today + timedelta(days=1), time(), UTC)
        window = (s_t.c.status != SupplierStatus.EXCLUDED.value) & (
            (last.is_(None) & (s_t.c.created_at < added_by)) | (last <= today - timedelta(days=365))
        )
        rows = self.conn.execute(query.where(window).order_by(s_t.c.name))
        return [_supplier(row) for row in rows]

    def update(self, supplier_id: int, **values: Any) -> None:
        self.conn.execute(update(s_t).where(s_t.c.id == supplier_id).values(**values))

    def weights(self) -> dict[str, int]:
        return {r.code: r.weight for r in self.conn.execute(select(c_t))}

    def set_weight(self, code: str, seen: int, weight: int) -> bool:
        """False when the weight is no longer `seen` (a stale button, a double tap)."""
        result = self.conn.execute(
            update(c_t).where(c_t.c.code == code, c_t.c.weight == seen).values(weight=weight)
        )
        return result.rowcount == 1

    def add_evaluation(
        self,
        supplier_id: int,
        day: date,
        marks: dict[str, int],
        weights: dict[str, int],
        score: int,
        actor_id: int,
        now: datetime,
    ) -> int:
        result = self.conn.execute(
            insert(e_t).values(
                supplier_id=supplier_id, evaluated_on=day, marks=marks, weights=weights,
                score=score, evaluated_by=actor_id, created_at=now,
            )
        )  # fmt: skip
        return inserted_id(result)

    def evaluations(self, supplier_id: int) -> builtins.list[Evaluation]:
        query = (
            select(e_t, users.c.full_name.label("by_name"))
            .outerjoin(users, users.c.id == e_t.c.evaluated_by)
            .where(e_t.c.supplier_id == supplier_id)
            .order_by(e_t.c.id.desc())
        )
        return [
            Evaluation(
                r.id, r.supplier_id, r.evaluated_on, dict(r.marks), dict(r.weights), r.score,
                r.evaluated_by, r.by_name,
            )
            for r in self.conn.execute(query)
        ]  # fmt: skip

    def link_nc(self, supplier_id: int, nc_id: int) -> None:
        self.conn.execute(insert(n_t).values(supplier_id=supplier_id, nc_id=nc_id))

    def nc_ids(self, supplier_id: int) -> builtins.list[int]:
        query = select(n_t.c.nc_id).where(n_t.c.supplier_id == supplier_id).order_by(n_t.c.nc_id)
        return [r.nc_id for r in self.conn.execute(query)]
