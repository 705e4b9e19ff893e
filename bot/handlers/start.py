"""/start: the manager's first visit, joining by an invite link, and strangers."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.commands import CommandMenus
from bot.config import Settings
from bot.domain.models import User
from bot.middlewares import profile_of
from bot.services.accounts import AccountService
from bot.ui import show
from bot.views import help as views


async def start(
    message: Message,
    command: CommandObject,
    user: User | None,
    state: FSMContext,
    accounts: AccountService,
    menus: CommandMenus,
    i18n: I18n,
    settings: Settings,
) -> None:
    payload = (command.args or "").strip()
    if user is None and payload and message.from_user:
        result = await accounts.join(
            payload, profile_of(message.from_user, settings.default_language)
        )
        if result.problem is not None:
            await message.answer(_(f"invite.problem.{result.problem.value}"))
            return
        user = result.user
        assert user is not None
        with i18n.use_locale(user.language or settings.default_language):
            await message.answer(_("start.joined").format(name=html.quote(user.full_name)))
            await _greet(message, user, state, menus)
        return
    if user is None:
        await message.answer(_("stranger"))
        return
    if payload:
        await message.answer(_("start.already_member"))
    await _greet(message, user, state, menus)


async def _greet(message: Message, user: User, state: FSMContext, menus: CommandMenus) -> None:
    await state.clear()
    await show(message, *views.menu_screen(user))
    menus.refresh(user)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    return router
