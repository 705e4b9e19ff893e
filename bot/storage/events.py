"""The append-only event log (DESIGN §2): rows are inserted, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.domain.models import Event
from bot.storage.schema import events

_INSERT = insert(events)  # built once: it is the most frequent statement


class EventLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        at: datetime,
        actor_id: int | None,
        entity: str,
        entity_id: int | None,
        action: str,
        **data: Any,
    ) -> None:
        row = {
            "at": at,
            "actor_id": actor_id,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "data": data,
        }
        self.conn.execute(_INSERT, row)

    def for_entity(self, entity: str, entity_id: int) -> list[Event]:
        rows = self.conn.execute(
            select(events)
            .where(events.c.entity == entity, events.c.entity_id == entity_id)
            .order_by(events.c.id)
        )
        return [Event(**row._mapping) for row in rows]
