"""aiogram FSM storage in the bot's own database, so a restart mid-dialog continues it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete, insert, select, update

from bot.storage.db import Database
from bot.storage.schema import fsm_states


def _key(key: StorageKey) -> str:
    parts = [key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id]
    return ":".join("" if part is None else str(part) for part in parts) + f":{key.destiny}"


class SQLStorage(BaseStorage):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        # select-then-write inside one transaction: portable, and safe because the
        # transaction holds the write lock from its start (see db._sqlite_begin).
        where = fsm_states.c.key == _key(key)
        async with self.db.connect() as conn:
            found = (await conn.execute(select(fsm_states.c.key).where(where))).first()
            if found:
                await conn.execute(update(fsm_states).where(where).values(**values))
            else:
                row = {"state": None, "data": "{}", **values}
                await conn.execute(insert(fsm_states).values(key=_key(key), **row))
            # Drop rows that hold nothing, so the table only keeps live dialogs.
            await conn.execute(
                delete(fsm_states).where(
                    where, fsm_states.c.state.is_(None), fsm_states.c.data == "{}"
                )
            )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(fsm_states.c.state).where(fsm_states.c.key == _key(key)))
            ).first()
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, data=json.dumps(dict(data), ensure_ascii=False))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(fsm_states.c.data).where(fsm_states.c.key == _key(key)))
            ).first()
        return json.loads(row.data) if row else {}

    async def close(self) -> None:
        # The database belongs to the app, which closes it.
        return None
