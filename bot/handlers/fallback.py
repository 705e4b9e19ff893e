"""Whatever no feature took: strangers, commands a role may not use, stale buttons."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB
from bot.domain.models import User
from bot.domain.roles import COMMAND_ROLES, PUBLIC_COMMANDS, Role
from bot.keyboards.menu import menu_keyboard
from bot.views.help import command_refusal


def _command_name(text: str) -> str | None:
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


async def anything(message: Message, user: User | None, state: FSMContext) -> None:
    if user is None:
        await message.answer(_("stranger"))
        return
    command = _command_name(message.text or "")
    if command in COMMAND_ROLES:
        await message.answer(command_refusal(command))
    elif command is not None and command not in PUBLIC_COMMANDS:
        await message.answer(_("unknown.command"), reply_markup=menu_keyboard(user))
    elif await state.get_state() is not None:
        await message.answer(_("unknown.in_dialog"))
    else:
        await message.answer(_("unknown.text"), reply_markup=menu_keyboard(user))


async def menu_not_allowed(
    callback: CallbackQuery, callback_data: MenuCB, user: User | None
) -> None:
    text = _("stranger") if user is None else command_refusal(callback_data.command)
    await callback.answer(text, show_alert=True)


async def stale_button(callback: CallbackQuery, user: User | None) -> None:
    if user is not None and user.roles == {Role.OBSERVER}:  # a change screen no feature took
        await callback.answer(_("refused.access.read_only"), show_alert=True)
        return
    await callback.answer(_("stranger") if user is None else _("stale.button"), show_alert=True)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.register(anything)
    router.callback_query.register(menu_not_allowed, MenuCB.filter(F.command.in_(COMMAND_ROLES)))
    router.callback_query.register(stale_button)
    return router
