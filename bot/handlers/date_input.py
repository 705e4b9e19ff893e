"""Dates typed as 25.12.2026 or picked in the inline calendar (shared by the wizards)."""

from __future__ import annotations

from datetime import date

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB
from bot.domain.dates import format_date, parse_date
from bot.keyboards.calendar import calendar_keyboard
from bot.services.errors import Refused


async def checked_day(
    event: Message | CallbackQuery, value: date | None, today: date
) -> date | None:
    """A date that is today or later; otherwise says why (and the question stays)."""
    problem = None
    if value is None:
        problem = _("refused.audits.bad_date")
    elif value < today:
        problem = _("refused.nc.due_in_past")
    if problem is None:
        return value
    await refuse(event, problem)
    return None


async def refuse(event: Message | CallbackQuery, problem: str) -> None:
    """Why an answer was not taken, the question staying on screen: a pop-up over the
    calendar for a pressed day, a reply to a typed date."""
    if isinstance(event, CallbackQuery):
        await event.answer(problem, show_alert=True)
    else:
        await event.answer(problem)


async def picked_day(callback: CallbackQuery, data: CalendarCB, earliest: date) -> date | None:
    """The day pressed in the calendar; None after a label or a move to another month
    (the calendar is redrawn in place)."""
    if data.y == 0:
        await callback.answer()
        return None
    if data.d == 0:
        if not (1 <= data.m <= 12 and 2000 <= data.y <= 2100):
            raise Refused("stale")
        markup = calendar_keyboard(data.y, data.m, earliest)
        await callback.message.edit_reply_markup(reply_markup=markup)  # type: ignore[union-attr]
        await callback.answer()
        return None
    if data.p:
        await callback.answer(
            _("calendar.passed").format(day=format_date(earliest)), show_alert=True
        )
        return None
    try:
        return date(data.y, data.m, data.d)
    except ValueError:
        raise Refused("stale") from None


async def future_day_typed(message: Message, today: date) -> date | None:
    """A date typed as 25.12.2026 that is today or later; otherwise says why (and the
    question stays)."""
    return await checked_day(message, parse_date(message.text or ""), today)


async def future_day_picked(callback: CallbackQuery, data: CalendarCB, today: date) -> date | None:
    """The day pressed in the calendar, today or later; None after a label or a move to
    another month, or with why the day is refused."""
    picked = await picked_day(callback, data, today)
    return await checked_day(callback, picked, today) if picked else None
