"""The error handlers: an expected refusal becomes a reply; a lost dialog brings the
person back to the menu; a Telegram fault (the reply could not be delivered even after the
outbound path's retries) is logged in one line and not apologised for — the apology would
meet the same fault, and what the person did is already stored; anything else is logged
with its context and the user gets a short apology. The bot keeps running."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent, InlineKeyboardMarkup
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.dialogs import DialogLost
from bot.domain.models import User
from bot.handlers.nc_card import card_screen
from bot.keyboards.menu import menu_keyboard
from bot.middlewares import locale_of
from bot.services.errors import Refused, StaleCard
from bot.services.nonconformities import NcService
from bot.ui import show

log = logging.getLogger(__name__)


async def _reply(event: ErrorEvent, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A pop-up over a pressed button, a reply (with `markup`) to a message."""
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text, reply_markup=markup)
    except Exception:  # the reply is a courtesy; never fail inside the error handler
        log.warning("could not tell the user about an error", exc_info=True)


def _locale(settings: Settings, user: User | None, tg_user: TgUser | None) -> str:
    return locale_of(user, tg_user, settings.default_language)


async def stale_card(
    event: ErrorEvent,
    i18n: I18n,
    settings: Settings,
    ncs: NcService,
    user: User | None = None,
    event_from_user: TgUser | None = None,
) -> None:
    """A button of an older card, or one its state no longer allows: nothing changed; the
    card as it is now replaces the old one, with one sentence saying why."""
    error = event.exception
    assert isinstance(error, StaleCard)
    locale = _locale(settings, user, event_from_user)
    if user is None:
        return
    with i18n.use_locale(locale):
        notice = i18n.gettext("refused.nc.stale", locale=locale)
        try:
            nc = await ncs.get(user, error.nc_id)
            text, markup = card_screen(nc, user, ncs, await ncs.similar(user, nc.id))
            update = event.update
            if update.callback_query is not None:
                await show(update.callback_query, text, markup, alert=notice)
            elif update.message is not None:
                await update.message.answer(notice)
                await update.message.answer(text, reply_markup=markup)
        except (Refused, TelegramAPIError):
            await _reply(event, notice)


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


async def dialog_lost(
    event: ErrorEvent,
    i18n: I18n,
    settings: Settings,
    state: FSMContext | None = None,
    user: User | None = None,
    event_from_user: TgUser | None = None,
) -> None:
    if state is not None:
        await state.clear()
    locale = _locale(settings, user, event_from_user)
    log.info("update %s: the dialog's data was missing", event.update.update_id)
    if user is None and event.update.callback_query is None:
        return  # a stranger's message: no menu to bring him back to
    with i18n.use_locale(locale):
        markup = menu_keyboard(user) if user is not None else None
    await _reply(event, i18n.gettext("dialog.lost", locale=locale), markup)


async def telegram_fault(event: ErrorEvent, event_from_user: TgUser | None = None) -> None:
    log.warning(
        "update %s from user %s: a reply was not delivered: %s",
        event.update.update_id,
        event_from_user.id if event_from_user else None,
        event.exception,
    )


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


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.errors.register(stale_card, ExceptionTypeFilter(StaleCard))
    router.errors.register(refused, ExceptionTypeFilter(Refused))
    router.errors.register(dialog_lost, ExceptionTypeFilter(DialogLost))
    router.errors.register(telegram_fault, ExceptionTypeFilter(TelegramAPIError))
    router.errors.register(unexpected)
    return router
