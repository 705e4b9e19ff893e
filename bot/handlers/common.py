"""What every registered user has: menu, help, cancel, language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguageCB, MenuCB
from bot.commands import CommandMenus
from bot.domain.models import User
from bot.filters import HasRole
from bot.keyboards.menu import menu_keyboard
from bot.services.accounts import AccountService
from bot.ui import show
from bot.views import help as views


async def cancel(message: Message, state: FSMContext, user: User) -> None:
    if await state.get_state() is None:
        await message.answer(_("cancel.nothing"), reply_markup=menu_keyboard(user))
        return
    await state.clear()
    await message.answer(_("cancel.done"), reply_markup=menu_keyboard(user))


async def menu(message: Message, state: FSMContext, user: User) -> None:
    await state.clear()
    await show(message, *views.menu_screen(user))


async def help_command(message: Message, user: User) -> None:
    await message.answer(views.help_text(user))


async def help_button(callback: CallbackQuery, user: User) -> None:
    await show(callback, *views.help_screen(user))


async def language_command(message: Message) -> None:
    await show(message, *views.language_screen())


async def language_button(callback: CallbackQuery) -> None:
    await show(callback, *views.language_screen())


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCB,
    user: User,
    accounts: AccountService,
    menus: CommandMenus,
    i18n: I18n,
) -> None:
    await accounts.set_language(user, callback_data.code)
    updated = await accounts.get(user.id)
    assert updated is not None
    with i18n.use_locale(callback_data.code):
        await show(callback, *views.language_set_screen(updated))
    menus.refresh(updated)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.message.register(cancel, Command("cancel"))
    router.message.register(menu, Command("menu"))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_button, MenuCB.filter(F.command == "help"))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_button, MenuCB.filter(F.command == "language"))
    router.callback_query.register(language_chosen, LanguageCB.filter())
    return router
