"""The main menu: one button per feature the user's roles allow."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuCB
from bot.domain.models import User
from bot.domain.roles import ALL_ROLES, Role, may_use

# Commands that appear as menu buttons, in order.
MENU_COMMANDS: tuple[str, ...] = (
    "audits",
    "report",
    "actions",
    "ncr",
    "summary",
    "overdue",
    "program",
    "competence",
    "newaudit",
    "templates",
    "calendar",
    "export",
    "departments",
    "invite",
    "users",
    "docs",
    "objectives",
    "review",
    "surveys",
    "risks",
    "suppliers",
    "language",
    "help",
)


def role_names(roles: frozenset[Role]) -> str:
    return ", ".join(_(f"role.{role.value}") for role in ALL_ROLES if role in roles)


def menu_text(user: User) -> str:
    lines = [
        _("menu.title").format(name=html.quote(user.full_name)),
        _("menu.roles").format(roles=role_names(user.roles)),
    ]
    if user.department_name:
        lines.append(_("menu.department").format(department=html.quote(user.department_name)))
    return "\n".join(lines)


def menu_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for command in MENU_COMMANDS:
        if may_use(command, user.roles):
            builder.button(text=_(f"menu.{command}"), callback_data=MenuCB(command=command))
    builder.adjust(2)
    return builder.as_markup()
