"""The two error handlers: expected refusals become a reply; anything else is logged
with its context and the user gets a short apology. The bot keeps running."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.language import pick_language
from bot.domain.models import User
from bot.services.errors import Refused

log = logging.getLogger(__name__)
router = Router(name=__name__)


async def _reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except Exception:  # the reply is a courtesy; never fail inside the error handler
        log.warning("could not tell the user about an error", exc_info=True)


def _locale(settings: Settings, user: User | None, tg_user: TgUser | None) -> str:
    return pick_language(
        user.language if user else None,
        tg_user.language_code if tg_user else None,
        settings.default_language,
    )


@router.errors(ExceptionTypeFilter(Refused))
async def refused(
    event: ErrorEvent,
    i18n: I18n,
    settings: Settings,
    user: User | None = None,
    event_from_user: TgUser | None = None,
) -> None:
    error = event.exception
    assert isinstance(error, Refused)
    locale = _locale(settings, user, event_from_user)
    await _reply(event, i18n.gettext(f"refused.{error.key}", locale=locale).format(**error.params))


@router.errors()
async def unexpected(
    event: ErrorEvent,
    i18n: I18n,
    settings: Settings,
    user: User | None = None,
    event_from_user: TgUser | None = None,
) -> None:
    log.error(
        "update %s from user %s failed: %r",
        event.update.update_id,
        event_from_user.id if event_from_user else None,
        event.exception,
        exc_info=event.exception,
    )
    locale = _locale(settings, user, event_from_user)
    await _reply(event, i18n.gettext("error.sorry", locale=locale))
