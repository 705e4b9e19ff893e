"""aiogram FSM storage in the bot's own database, so a restart mid-dialog continues it.

Every write is one upsert of the state *and* its data together: a dialog step is never
half-written (a kill between "state" and "data" used to leave a dialog without its data),
and two writers of one key (two updates at once, a second process) cannot collide on the
row's primary key. `set_dialog` is the one-call way for a handler to move a dialog on.

Reads may be served from memory. That is correct only while this process is the database's
only writer and one chat's updates are handled one at a time: the bot holds the SQLite
database's process lock and handles each user's updates in order (events isolation), so
the SQLite app keeps the cache on; a deployment with several processes turns it off.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import Connection, delete, select

from bot.storage.db import Database, upsert
from bot.storage.schema import fsm_states

Dialog = tuple[str | None, dict[str, Any]]
CACHE_MAX = 10_000
_KEEP: Any = object()  # "leave this part as it is"


def _key(key: StorageKey) -> str:
    parts = [key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id]
    return ":".join("" if part is None else str(part) for part in parts) + f":{key.destiny}"


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


def read_dialog(conn: Connection, name: str) -> Dialog:
    row = conn.execute(
        select(fsm_states.c.state, fsm_states.c.data).where(fsm_states.c.key == name)
    ).first()
    return (row.state, json.loads(row.data)) if row else (None, {})


def write_dialog(conn: Connection, name: str, state: str | None, data: dict[str, Any]) -> None:
    """One statement: the row is deleted when it holds nothing, else upserted."""
    if state is None and not data:
        conn.execute(delete(fsm_states).where(fsm_states.c.key == name))
        return
    encoded = json.dumps(data, ensure_ascii=False)
    statement = upsert(conn, fsm_states).values(key=name, state=state, data=encoded)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[fsm_states.c.key], set_={"state": state, "data": encoded}
        )
    )


class SQLStorage(BaseStorage):
    def __init__(self, db: Database, cache: bool = True) -> None:
        self.db = db
        self._cache: dict[str, Dialog] | None = {} if cache else None

    async def _read(self, key: StorageKey) -> Dialog:
        name = _key(key)
        if self._cache is not None and name in self._cache:
            return self._cache[name]
        dialog = await self.db.run(lambda conn: read_dialog(conn, name))
        self._remember(name, dialog)
        return dialog

    def _remember(self, name: str, dialog: Dialog) -> None:
        if self._cache is None:
            return
        if len(self._cache) >= CACHE_MAX and name not in self._cache:
            self._cache.pop(next(iter(self._cache)))
        self._cache[name] = dialog

    def write_in(
        self, conn: Connection, key: StorageKey, state: StateType, data: Mapping[str, Any]
    ) -> Callable[[], None]:
        """Writes the dialog inside the caller's unit of work, one transaction with what the
        unit changes (nothing when memory says it is so already). Returns what tells the
        memory, to call once that unit has committed: a rolled-back unit leaves it as it
        was, and the next `set_dialog` of the same dialog writes nothing."""
        name = _key(key)
        dialog: Dialog = (_state_name(state), dict(data))
        if self._cache is None or self._cache.get(name) != dialog:
            write_dialog(conn, name, *dialog)
        return lambda: self._remember(name, dialog)

    async def set_dialog(self, key: StorageKey, state: StateType, data: Mapping[str, Any]) -> None:
        """The dialog's new state and data, written together."""
        await self._change(key, _state_name(state), dict(data))

    async def _change(self, key: StorageKey, state: Any = _KEEP, data: Any = _KEEP) -> None:
        """Writes the state, the data or both; what is kept is read in the same transaction
        (or from memory), so nothing written meanwhile is lost."""
        name = _key(key)
        cached = self._cache.get(name) if self._cache is not None else None
        if cached is not None:
            wanted = (cached[0] if state is _KEEP else state, cached[1] if data is _KEEP else data)
            if wanted == cached:
                return
            await self.db.run(lambda conn: write_dialog(conn, name, *wanted))
            self._remember(name, wanted)
            return

        def work(conn: Connection) -> Dialog:
            old_state, old_data = read_dialog(conn, name)
            new = (old_state if state is _KEEP else state, old_data if data is _KEEP else data)
            if new != (old_state, old_data):
                write_dialog(conn, name, *new)
            return new

        self._remember(name, await self.db.run(work))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._change(key, state=_state_name(state))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._change(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._read(key))[1])

    async def close(self) -> None:
        # The database belongs to the app, which closes it.
        return None
