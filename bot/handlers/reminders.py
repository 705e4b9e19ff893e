"""Buttons on reminders that are not another feature's: snooze for a day."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SnoozeCB
from bot.config import Settings
from bot.dialogs import carried
from bot.domain.models import User
from bot.domain.reminders import Kind
from bot.filters import HasRole
from bot.scheduler.sweep import Sweeper


async def snooze(
    callback: CallbackQuery,
    callback_data: SnoozeCB,
    user: User,
    sweeper: Sweeper,
    settings: Settings,
) -> None:
    kind = carried(Kind, callback_data.kind)
    until = await sweeper.snooze(user.id, kind, callback_data.id)
    moment = until.astimezone(settings.tz).strftime("%d.%m.%Y %H:%M")
    await callback.answer(_("reminder.snoozed").format(until=moment), show_alert=True)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.callback_query.filter(HasRole())
    router.callback_query.register(snooze, SnoozeCB.filter())
    return router
