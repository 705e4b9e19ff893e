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
from bot.keyboards.pages import button

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
