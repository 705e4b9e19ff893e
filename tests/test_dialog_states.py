"""Every dialog's states have names of their own: aiogram keys a state by its group's class
name, so two features' groups of the same name would share one state and take each other's
messages (a photo for a questionnaire answered as a survey's)."""

from __future__ import annotations

import importlib
import pkgutil

from aiogram.fsm.state import StatesGroup

import bot.handlers


def test_no_two_dialogs_share_a_state_name() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for module in pkgutil.iter_modules(bot.handlers.__path__):
        loaded = importlib.import_module(f"bot.handlers.{module.name}")
        for value in vars(loaded).values():
            if not (isinstance(value, type) and issubclass(value, StatesGroup)):
                continue
            if value.__module__ != loaded.__name__ or value is StatesGroup:
                continue
            for state in value.__all_states_names__:
                where = f"{value.__module__}.{value.__qualname__}"
                if state in seen and seen[state] != where:
                    clashes.append((state, seen[state], where))
                seen.setdefault(state, where)
    assert len(seen) > 20  # the dialogs were found
    assert clashes == []
