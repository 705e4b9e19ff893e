"""Small text helpers: plurals done properly (Russian has three forms)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext


def plural(key: str, n: int) -> str:
    """The form of `key` for the number n, with {n} filled in."""
    return gettext(key, key, n).format(n=n)


def reader_locale() -> str:
    """The language the current reader gets texts in."""
    return gettext("number.locale")
