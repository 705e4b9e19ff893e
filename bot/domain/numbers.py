"""The one number formatter for chat, files and charts (Babel): `86,8 %` and `1 234` in
Russian, `86.8%` and `1,234` in English. Babel's Russian spaces are non-breaking, so a
figure never wraps apart on a phone; a unit is joined to its figure the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

KNOWN = ("ru", "en")


def _locale(code: str) -> str:
    return code if code in KNOWN else "ru"


NBSP = "\u00a0"
ONE_DECIMAL = "#,##0.0"
UP_TO_TWO = "#,##0.##"


@cache
def _percent_pattern(code: str, digits: str = ONE_DECIMAL) -> str:
    pattern: str = Locale.parse(code).percent_formats[None].pattern
    return pattern.replace("#,##0", digits, 1)  # 86,8 % (the locale's sign and spacing)


def percent(value: float | None, locale: str, missing: str = "—") -> str:
    """A percent given as 0..100 (84.2), one decimal; `missing` when nothing was scored."""
    if value is None:
        return missing
    code = _locale(locale)
    return babel_percent(value / 100, _percent_pattern(code), locale=code)


def decimal(value: float | None, locale: str, missing: str = "—") -> str:
    """A figure with one decimal: a mean mark on the 1–5 scale «4,0», a change «4,2»."""
    if value is None:
        return missing
    return format_decimal(value, ONE_DECIMAL, locale=_locale(locale))


def amount(value: float | None, unit: str, locale: str, missing: str = "—") -> str:
    """A KPI's figure in its unit, as typed (up to two decimals): «4,1 балл», «1 200 ₽»;
    a percent unit as the locale writes a percent: «86,8 %», «90 %», "86.8%"."""
    if value is None:
        return missing
    code = _locale(locale)
    unit = unit.strip()
    if unit == "%":
        return babel_percent(value / 100, _percent_pattern(code, UP_TO_TWO), locale=code)
    figure = format_decimal(value, UP_TO_TWO, locale=code)
    return f"{figure}{NBSP}{unit}" if unit else figure


def number(value: int | float, locale: str) -> str:
    """A count or an amount with the locale's grouping: 1 234 / 1,234."""
    return format_decimal(value, locale=_locale(locale))


def typed(text: str, locale: str) -> str:
    """A number answer as it was typed and stored ("86.5", "1200"), every digit kept, in the
    locale's signs: «86,5», «1 200»; a text that is no number is returned as it is."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return format_decimal(value, locale=_locale(locale), decimal_quantization=False)


def month_label(day: date, locale: str) -> str:
    """A month on a chart axis as the language abbreviates it: «нояб. 2026», "Nov 2026"."""
    return format_date(day, "LLL yyyy", locale=_locale(locale))
