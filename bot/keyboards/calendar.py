"""An inline month calendar for picking a date (month and weekday names from locales)."""

from __future__ import annotations

import calendar
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB

NOOP = CalendarCB(y=0, m=0, d=0).pack()


def struck(text: str) -> str:
    """Button texts cannot be formatted: a combining long stroke crosses each character."""
    return "".join(f"{char}\u0336" for char in text)


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def calendar_keyboard(year: int, month: int, earliest: date) -> InlineKeyboardMarkup:
    """Days before `earliest` are shown but cannot be picked."""
    rows: list[list[InlineKeyboardButton]] = []
    prev_year, prev_month = _shift(year, month, -1)
    next_year, next_month = _shift(year, month, 1)
    can_go_back = (prev_year, prev_month) >= (earliest.year, earliest.month)
    rows.append(
        [
            InlineKeyboardButton(
                text="◀️" if can_go_back else "·",
                callback_data=CalendarCB(y=prev_year, m=prev_month).pack() if can_go_back else NOOP,
            ),
            InlineKeyboardButton(text=f"{_(f'month.{month}')} {year}", callback_data=NOOP),
            InlineKeyboardButton(
                text="▶️", callback_data=CalendarCB(y=next_year, m=next_month).pack()
            ),
        ]
    )
    rows.append(
        [InlineKeyboardButton(text=day, callback_data=NOOP) for day in _("weekdays").split(",")]
    )
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        row = []
        for day in week:
            if day == 0:
                row.append(InlineKeyboardButton(text="·", callback_data=NOOP))
            elif date(year, month, day) < earliest:
                # Struck through, and a tap says why rather than doing nothing.
                row.append(
                    InlineKeyboardButton(
                        text=struck(str(day)),
                        callback_data=CalendarCB(y=year, m=month, d=day, p=1).pack(),
                    )
                )
            else:
                row.append(
                    InlineKeyboardButton(
                        text=str(day), callback_data=CalendarCB(y=year, m=month, d=day).pack()
                    )
                )
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def calendar_from(earliest: date) -> InlineKeyboardMarkup:
    """The month of `earliest`, the first day that may be picked."""
    return calendar_keyboard(earliest.year, earliest.month, earliest)
