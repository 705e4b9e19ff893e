"""Moving a dialog on, and what happens when its data is gone.

`set_dialog` writes a step's state and data in one go (the FSM storage's one write), so a
restart never finds a state without its data. A handler that needs data its dialog should
hold asks `need()`; when the data is missing anyway (an old database, a message typed into
a dialog cleared meanwhile) it raises `DialogLost`, and the error handler tells the person
in one sentence and brings him back to the menu instead of apologising for a crash.

A pressed button that no longer fits (drawn for another step or record, or carrying a value
this bot no longer knows) raises Refused("stale"): `drawn_for`, `carried`, `carried_number`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from sqlalchemy import Connection

from bot.services.errors import Refused
from bot.storage.fsm import SQLStorage

E = TypeVar("E", bound=Enum)


class DialogLost(Exception):
    """The dialog's data is missing: start it again."""


async def set_dialog(state: FSMContext, target: State | None, **data: Any) -> None:
    """The dialog's next step and its whole data, in one write."""
    storage = state.storage
    if isinstance(storage, SQLStorage):
        await storage.set_dialog(state.key, target, data)
    else:  # another aiogram storage (a test's MemoryStorage): two writes
        await state.set_state(target)
        await state.set_data(data)


class DialogInUnit:
    """A dialog step written inside another unit of work, one transaction with what that
    unit changes (a tap's answer and its next step); the storage's memory learns it once
    the unit has committed, so a later `set_dialog` of the same step writes nothing."""

    def __init__(self, state: FSMContext) -> None:
        self.state = state
        self._tell: Callable[[], None] | None = None

    def write(self, conn: Connection, target: State | None, data: dict[str, Any]) -> None:
        """On the database's thread, in the unit; another storage (a test's) is left to
        `set_dialog`."""
        storage = self.state.storage
        if isinstance(storage, SQLStorage):
            self._tell = storage.write_in(conn, self.state.key, target, data)

    def committed(self) -> None:
        if self._tell is not None:
            self._tell()
            self._tell = None


async def advance(state: FSMContext, target: State | None, **changes: Any) -> dict[str, Any]:
    """The next step, keeping the dialog's data with `changes` applied; returns the data."""
    data = {**await state.get_data(), **changes}
    await set_dialog(state, target, **data)
    return data


def need(data: dict[str, Any], *keys: str) -> list[Any]:
    """The values a step needs, or DialogLost when one is missing."""
    try:
        return [data[key] for key in keys]
    except KeyError:
        raise DialogLost from None


async def dialog_data(state: FSMContext, *keys: str) -> list[Any]:
    return need(await state.get_data(), *keys)


async def drawn_for(state: FSMContext, step: State | None = None, **drawn: Any) -> dict[str, Any]:
    """The dialog's data, when a pressed button belongs to it: the dialog is at `step` (if
    given) and holds each `drawn` value the button was drawn for. Otherwise the button is
    stale and changes nothing."""
    if step is not None and await state.get_state() != step.state:
        raise Refused("stale")
    data = await state.get_data()
    if any(data.get(key) != value for key, value in drawn.items()):
        raise Refused("stale")
    return data


def carried(kind: type[E], raw: str) -> E:
    """The member of `kind` a button carries; a value this bot does not know is stale."""
    try:
        return kind(raw)
    except ValueError:
        raise Refused("stale") from None


def carried_number(raw: str) -> int:
    """The number (digits only) a button carries; anything else is stale."""
    if not raw.isdigit():
        raise Refused("stale")
    return int(raw)
