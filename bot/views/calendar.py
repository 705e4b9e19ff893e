"""/calendar (manager): the school's terms and holidays, the YAML to download and send back,
and the note when a date that fell on a day off was moved."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SchoolCalAction, SchoolCalCB
from bot.domain.checklists import Problem
from bot.domain.dates import format_date
from bot.domain.school_calendar import Moved, Period, SchoolCalendar, describe_problem
from bot.keyboards.pages import button
from bot.views.nc import Screen, markup

PROBLEMS_SHOWN = 15


def _dates(period: Period) -> str:
    form = "%d.%m" if period.yearly else "%d.%m.%Y"
    return f"{period.start.strftime(form)}–{period.end.strftime(form)}"


def _keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            [button(_("calendar.download"), SchoolCalCB(action=SchoolCalAction.DOWNLOAD))],
            [button(_("calendar.upload"), SchoolCalCB(action=SchoolCalAction.UPLOAD))],
        ]
    )


def calendar_screen(calendar: SchoolCalendar, custom: bool) -> Screen:
    """The terms, then the holidays, each with its dates; whose calendar it is."""
    lines = [_("calendar.title"), _("calendar.custom" if custom else "calendar.default"), ""]
    lines.append(_("calendar.terms"))
    lines += [f"• {html.quote(p.name)}: {_dates(p)}" for p in calendar.terms]
    lines += ["", _("calendar.holidays")]
    lines += [f"• {html.quote(p.name)}: {_dates(p)}" for p in calendar.holidays]
    lines += ["", _("calendar.rule")]
    return "\n".join(lines), _keyboard()


def download_caption() -> str:
    return _("calendar.download_caption")


def upload_question() -> str:
    return _("calendar.ask_file")


def rejected_text(problems: list[Problem]) -> str:
    """Why a calendar file was refused: every problem, each where it is and what it is."""
    lines = [_("calendar.rejected"), ""]
    lines += [f"• {html.quote(describe_problem(p, _))}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(_("templates.more_problems").format(count=len(problems) - PROBLEMS_SHOWN))
    return "\n".join(lines)


def saved_screen(calendar: SchoolCalendar) -> Screen:
    text, keyboard = calendar_screen(calendar, True)
    return _("calendar.saved") + "\n\n" + text, keyboard


def moved_note(moved: Moved, deadline: bool) -> str:
    """ "31.12.2026 — зимние каникулы: срок перенесён на 12.01.2027"."""
    why = html.quote(moved.holiday) if moved.holiday else _("calendar.weekend")
    key = "calendar.deadline_moved" if deadline else "calendar.start_moved"
    return _(key).format(day=format_date(moved.asked), why=why, moved=format_date(moved.moved_to))


def with_note(screen: Screen, note: str | None) -> Screen:
    """A screen with a note above its text (a date that moved)."""
    text, keyboard = screen
    return (f"{note}\n\n{text}" if note else text), keyboard
