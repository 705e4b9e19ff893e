"""What every user can see: the menu, help, the choice of language, and why a command is
not his."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguageCB
from bot.domain.language import SUPPORTED
from bot.domain.models import User
from bot.domain.roles import ALL_ROLES, COMMAND_ROLES, commands_for
from bot.keyboards.menu import menu_keyboard, menu_text, role_names
from bot.keyboards.pages import button

Screen = tuple[str, InlineKeyboardMarkup]


def menu_screen(user: User) -> Screen:
    return menu_text(user), menu_keyboard(user)


def help_text(user: User) -> str:
    """The commands the user's roles allow, then a paragraph per role he has."""
    lines = [_("help.intro"), ""]
    lines += [f"/{name} — {_(f'cmd.{name}')}" for name in commands_for(user.roles)]
    for role in ALL_ROLES:
        if role in user.roles:
            lines += ["", _(f"help.role.{role.value}")]
    return "\n".join(lines)


def help_screen(user: User) -> Screen:
    """Help opened from the menu keeps the menu under it."""
    return help_text(user), menu_keyboard(user)


def language_screen() -> Screen:
    """One button per language, all in a row."""
    row = [button(_(f"language.name.{code}"), LanguageCB(code=code)) for code in SUPPORTED]
    return _("language.choose"), InlineKeyboardMarkup(inline_keyboard=[row])


def language_set_screen(user: User) -> Screen:
    """The menu again, in the language just chosen (call it under that locale)."""
    return _("language.set") + "\n\n" + menu_text(user), menu_keyboard(user)


def command_refusal(command: str) -> str:
    """Which roles a command is for, to someone whose roles do not include them."""
    return _("refused.command").format(roles=role_names(COMMAND_ROLES[command]))
