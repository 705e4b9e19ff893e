"""Small text helpers: plurals done properly (Russian has three forms)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext

from bot.domain import numbers


def plural(key: str, n: int) -> str:
    """The form of `key` for the number n, with {n} filled in."""
    return gettext(key, key, n).format(n=n)


def reader_locale() -> str:
    """The language the current reader gets texts in."""
    return gettext("number.locale")


def percent(value: float | None) -> str:
    """A compliance figure as the reader's language writes it: «86,8 %», "86.8%", or "—"."""
    return numbers.percent(value, reader_locale())


def count(value: int) -> str:
    """A count with the reader's grouping: «1 234»."""
    return numbers.number(value, reader_locale())


def number_text(value: float) -> str:
    """An amount with the reader's decimal sign: «4,2»."""
    return numbers.number(value, reader_locale())
