"""aiogram FSM storage in the bot's own database, so a restart mid-dialog continues it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import Executable, delete, insert, select, update

from bot.storage.db import Database
from bot.storage.schema import fsm_states


def _key(key: StorageKey) -> str:
    parts = [key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id]
    return ":".join("" if part is None else str(part) for part in parts) + f":{key.destiny}"


class SQLStorage(BaseStorage):
    """Write-through: every change is written to the database before it is kept in
    memory, and reads are served from memory once a key was read. One bot process
    serves a chat (Telegram gives updates to one poller), so memory never goes stale."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._states: dict[str, str | None] = {}
        self._data: dict[str, dict[str, Any]] = {}

    async def _load(self, key: StorageKey) -> str:
        name = _key(key)
        if name not in self._states:
            query = select(fsm_states.c.state, fsm_states.c.data).where(fsm_states.c.key == name)
            row = await self.db.run(lambda conn: conn.execute(query).first())
            self._states[name] = row.state if row else None
            self._data[name] = json.loads(row.data) if row else {}
        return name

    async def _write(self, name: str, state: str | None, data: dict[str, Any]) -> None:
        """One statement: the cache tells whether the row exists. Rows that hold nothing
        are deleted, so the table only keeps live dialogs."""
        existed = self._states[name] is not None or bool(self._data[name])
        where = fsm_states.c.key == name
        encoded = json.dumps(data, ensure_ascii=False)
        if state is None and not data:
            statement: Executable = delete(fsm_states).where(where)
        elif existed:
            statement = update(fsm_states).where(where).values(state=state, data=encoded)
        else:
            statement = insert(fsm_states).values(key=name, state=state, data=encoded)
        await self.db.run(lambda conn: conn.execute(statement))
        self._states[name] = state
        self._data[name] = data

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        name = await self._load(key)
        if self._states[name] != value:
            await self._write(name, value, self._data[name])

    async def get_state(self, key: StorageKey) -> str | None:
        return self._states[await self._load(key)]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        name = await self._load(key)
        value = dict(data)
        if self._data[name] != value:
            await self._write(name, self._states[name], value)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict(self._data[await self._load(key)])

    async def close(self) -> None:
        # The database belongs to the app, which closes it.
        return None
