"""Messages the bot sends on its own initiative, each in the recipient's language."""

from __future__ import annotations

import logging

from aiogram import Bot, html
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.callbacks import QCB, QAction
from bot.domain.audits import Audit, Respondent
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.keyboards.pages import button
from bot.views.nc import open_button

log = logging.getLogger(__name__)


async def tell_respondents(
    bot: Bot,
    i18n: I18n,
    default_language: str,
    audit: Audit,
    respondents: list[Respondent],
    key: str,
    question_count: int,
) -> int:
    """Sends each respondent `key` (audit opened, or a reminder) with a button to begin.
    Returns how many messages Telegram accepted."""
    sent = 0
    for person in respondents:
        if person.submitted_at is not None:
            continue
        locale = person.language or default_language
        text = i18n.gettext(key, locale=locale).format(
            number=audit.number,
            title=html.quote(audit.title),
            deadline=format_date(audit.deadline),
            total=question_count,
            answered=person.answered,
        )
        start = button(
            i18n.gettext("q.begin", locale=locale), QCB(action=QAction.OPEN, audit=audit.id)
        )
        try:
            await bot.send_message(
                person.tg_id, text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[start]])
            )
            sent += 1
        except TelegramAPIError as error:
            log.warning(
                "could not notify user %s about %s: %s", person.user_id, audit.number, error
            )
    return sent


async def tell_about_nc(
    bot: Bot,
    i18n: I18n,
    default_language: str,
    people: list[User],
    nc: Nonconformity,
    key: str,
    actor: User | None = None,
) -> int:
    """Tells each person (but the one who acted) what happened to the NC, with a button
    to open it. Returns how many messages Telegram accepted."""
    sent = 0
    told: set[int] = set()
    for person in people:
        if person.id in told or (actor is not None and person.id == actor.id):
            continue
        told.add(person.id)
        locale = person.language or default_language
        text = i18n.gettext(key, locale=locale).format(
            number=nc.number,
            name=html.quote(actor.full_name) if actor else "",
            text=html.quote(nc.description.splitlines()[0][:200] if nc.description else ""),
        )
        label = i18n.gettext("nc.open", locale=locale)
        markup = open_button(nc, label)
        try:
            await bot.send_message(person.tg_id, text, reply_markup=markup)
            sent += 1
        except TelegramAPIError as error:
            log.warning("could not tell user %s about %s: %s", person.id, nc.number, error)
    return sent
