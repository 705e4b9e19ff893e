"""Objectives, their KPIs, reported values and raised actions; reviews and their decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from bot.domain.nonconformities import Nonconformity
from bot.domain.objectives import (
    Decision,
    DecisionKind,
    Direction,
    Frequency,
    Kpi,
    KpiValue,
    Objective,
    Review,
    ReviewStatus,
)
from bot.storage.db import inserted_id
from bot.storage.nonconformities import _record as nc_record
from bot.storage.nonconformities import _select as nc_select
from bot.storage.schema import (
    kpi_actions,
    kpi_values,
    kpis,
    nonconformities,
    notifications,
    objectives,
    review_decisions,
    reviews,
)


def _objective(row: Row[Any]) -> Objective:
    return Objective(
        row.id, row.title, row.process, row.owner_id, row.period_start, row.period_end, row.active
    )


def _kpi(row: Row[Any]) -> Kpi:
    return Kpi(
        id=row.id,
        objective_id=row.objective_id,
        name=row.name,
        unit=row.unit,
        direction=Direction(row.direction),
        target=row.target,
        threshold=row.threshold,
        frequency=Frequency(row.frequency),
        source=row.source,
        created_on=row.created_at.date(),
    )


def _value(row: Row[Any]) -> KpiValue:
    return KpiValue(
        row.kpi_id,
        row.period,
        row.value,
        row.comment,
        list(row.evidence or []),
        row.entered_by,
        row.created_at,
    )


def _review(row: Row[Any]) -> Review:
    return Review(
        id=row.id,
        held_on=row.held_on,
        period_start=row.period_start,
        period_end=row.period_end,
        participants=row.participants,
        external_issues=row.external_issues,
        internal_issues=row.internal_issues,
        status=ReviewStatus(row.status),
        created_by=row.created_by,
        pack_file_id=row.pack_file_id,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
    )


class ObjectiveRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- objectives and KPIs ---------------------------------------------------------------

    def objectives(self) -> list[Objective]:
        query = select(objectives).where(objectives.c.active.is_(True)).order_by(objectives.c.id)
        return [_objective(row) for row in self.conn.execute(query)]

    def objective(self, objective_id: int) -> Objective | None:
        query = select(objectives).where(objectives.c.id == objective_id)
        row = self.conn.execute(query).first()
        return _objective(row) if row else None

    def add_objective(
        self, title: str, process: str, owner_id: int, first: date, last: date, now: datetime
    ) -> int:
        values = {"title": title, "process": process, "owner_id": owner_id,
                  "period_start": first, "period_end": last, "active": True,
                  "created_at": now}  # fmt: skip
        return inserted_id(self.conn.execute(insert(objectives).values(**values)))

    def archive(self, objective_id: int) -> bool:
        query = (
            update(objectives)
            .where(objectives.c.id == objective_id, objectives.c.active.is_(True))
            .values(active=False)
        )
        return self.conn.execute(query).rowcount == 1

    def update_objective(self, objective_id: int, **values: Any) -> None:
        """title, process, owner_id, period_start, period_end (checked by the service)."""
        query = update(objectives).where(objectives.c.id == objective_id).values(**values)
        self.conn.execute(query)

    def update_kpi(self, kpi_id: int, **values: Any) -> None:
        """name, unit, target, threshold, frequency (checked by the service)."""
        self.conn.execute(update(kpis).where(kpis.c.id == kpi_id).values(**values))

    def kpis(self, objective_id: int | None = None) -> list[Kpi]:
        query = select(kpis).order_by(kpis.c.id)
        if objective_id is not None:
            query = query.where(kpis.c.objective_id == objective_id)
        return [_kpi(row) for row in self.conn.execute(query)]

    def kpi(self, kpi_id: int) -> Kpi | None:
        row = self.conn.execute(select(kpis).where(kpis.c.id == kpi_id)).first()
        return _kpi(row) if row else None

    def add_kpi(self, kpi: Kpi, now: datetime) -> int:
        values = {
            "objective_id": kpi.objective_id, "name": kpi.name, "unit": kpi.unit,
            "direction": kpi.direction.value, "target": kpi.target,
            "threshold": kpi.threshold, "frequency": kpi.frequency.value,
            "source": kpi.source, "created_at": now,
        }  # fmt: skip
        return inserted_id(self.conn.execute(insert(kpis).values(**values)))

    # -- values ----------------------------------------------------------------------------

    def values(self, kpi_id: int | None = None) -> list[KpiValue]:
        query = select(kpi_values).order_by(kpi_values.c.id)
        if kpi_id is not None:
            query = query.where(kpi_values.c.kpi_id == kpi_id)
        return [_value(row) for row in self.conn.execute(query)]

    def add_value(self, value: KpiValue, now: datetime) -> bool:
        """False when a value for this period is already there (the first one stays). The
        units of work run one at a time, so the look and the write are not raced."""
        exists = select(kpi_values.c.id).where(
            kpi_values.c.kpi_id == value.kpi_id, kpi_values.c.period == value.period
        )
        if self.conn.execute(exists).first() is not None:
            return False
        self.conn.execute(
            insert(kpi_values).values(
                kpi_id=value.kpi_id,
                period=value.period,
                value=value.value,
                comment=value.comment,
                evidence=value.evidence,
                entered_by=value.entered_by,
                created_at=now,
            )
        )
        return True

    def action_for(self, kpi_id: int, period: str) -> int | None:
        query = select(kpi_actions.c.nc_id).where(
            kpi_actions.c.kpi_id == kpi_id, kpi_actions.c.period == period
        )
        return self.conn.execute(query).scalar()

    def add_action(self, kpi_id: int, period: str, nc_id: int) -> None:
        self.conn.execute(insert(kpi_actions).values(kpi_id=kpi_id, period=period, nc_id=nc_id))

    def actions(self) -> dict[tuple[int, str], int]:
        rows = self.conn.execute(select(kpi_actions))
        return {(row.kpi_id, row.period): row.nc_id for row in rows}

    # -- reviews ---------------------------------------------------------------------------

    def reviews(self) -> list[Review]:
        query = select(reviews).order_by(reviews.c.held_on.desc(), reviews.c.id.desc())
        return [_review(row) for row in self.conn.execute(query)]

    def review(self, review_id: int) -> Review | None:
        row = self.conn.execute(select(reviews).where(reviews.c.id == review_id)).first()
        return _review(row) if row else None

    def add_review(self, review: Review, now: datetime) -> int:
        values = {
            "held_on": review.held_on, "period_start": review.period_start,
            "period_end": review.period_end, "participants": review.participants,
            "external_issues": review.external_issues,
            "internal_issues": review.internal_issues, "status": review.status.value,
            "created_by": review.created_by, "created_at": now,
        }  # fmt: skip
        return inserted_id(self.conn.execute(insert(reviews).values(**values)))

    def set_pack(self, review_id: int, file_id: str) -> None:
        query = update(reviews).where(reviews.c.id == review_id).values(pack_file_id=file_id)
        self.conn.execute(query)

    def set_status(
        self, review_id: int, before: tuple[ReviewStatus, ...], status: ReviewStatus, **values: Any
    ) -> bool:
        """Moves the review on only from one of the `before` states (a double tap: False)."""
        query = (
            update(reviews)
            .where(reviews.c.id == review_id, reviews.c.status.in_([s.value for s in before]))
            .values(status=status.value, **values)
        )
        return self.conn.execute(query).rowcount == 1

    def decisions(self, review_id: int | None = None) -> list[Decision]:
        query = select(review_decisions).order_by(review_decisions.c.id)
        if review_id is not None:
            query = query.where(review_decisions.c.review_id == review_id)
        return [
            Decision(row.id, row.review_id, DecisionKind(row.kind), row.text, row.nc_id)
            for row in self.conn.execute(query)
        ]

    def add_decision(
        self, review_id: int, kind: DecisionKind, text: str, nc_id: int, now: datetime
    ) -> int:
        values = {"review_id": review_id, "kind": kind.value, "text": text, "nc_id": nc_id,
                  "created_at": now}  # fmt: skip
        return inserted_id(self.conn.execute(insert(review_decisions).values(**values)))


def sent_between(conn: Connection, since: datetime, until: datetime) -> int:
    """Reminders and notices delivered in [since, until): the review's "reminders kept"."""
    query = select(func.count()).where(
        notifications.c.status == "sent",
        notifications.c.sent_at >= since,
        notifications.c.sent_at < until,
    )
    return int(conn.execute(query).scalar() or 0)


def raised_between(conn: Connection, since: datetime, until: datetime) -> list[Nonconformity]:
    query = nc_select().where(
        nonconformities.c.created_at >= since, nonconformities.c.created_at < until
    )
    return [nc_record(row) for row in conn.execute(query.order_by(nonconformities.c.id))]
