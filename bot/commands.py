"""The command menu Telegram shows: per role (chat scope) and per language."""

from __future__ import annotations

import hashlib
import json
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.domain.language import SUPPORTED, pick_language
from bot.domain.models import User
from bot.domain.roles import PUBLIC_COMMANDS, commands_for
from bot.services.accounts import AccountService

log = logging.getLogger(__name__)


def build_commands(i18n: I18n, names: list[str], locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(f"cmd.{name}", locale=locale))
        for name in names
    ]


async def set_public_commands(bot: Bot, i18n: I18n, default_language: str) -> None:
    names = list(PUBLIC_COMMANDS)
    for locale in SUPPORTED:
        await bot.set_my_commands(
            build_commands(i18n, names, locale),
            scope=BotCommandScopeDefault(),
            language_code=locale,
        )
    await bot.set_my_commands(
        build_commands(i18n, names, default_language), scope=BotCommandScopeDefault()
    )


async def sync_user_commands(
    bot: Bot, i18n: I18n, accounts: AccountService, user: User, default_language: str
) -> None:
    """Shows the user his role's commands in his language; skips the call when nothing
    changed since the last time (the digest is stored with the user)."""
    scope = BotCommandScopeChat(chat_id=user.tg_id)
    try:
        if not user.is_active:
            if user.commands_hash is not None:
                await bot.delete_my_commands(scope=scope)
                await accounts.remember_commands(user.id, None)
            return
        locale = pick_language(user.language, None, default_language)
        commands = build_commands(i18n, commands_for(user.roles), locale)
        digest = hashlib.sha256(
            json.dumps([c.model_dump() for c in commands], ensure_ascii=False).encode()
        ).hexdigest()
        if digest == user.commands_hash:
            return
        await bot.set_my_commands(commands, scope=scope)
        await accounts.remember_commands(user.id, digest)
    except TelegramAPIError as error:
        # The menu of commands is a convenience; never let it break the action itself.
        log.warning("set_my_commands for user %s failed: %s", user.id, error)


async def sync_all_commands(
    bot: Bot, i18n: I18n, accounts: AccountService, default_language: str
) -> None:
    for user in await accounts.active():
        await sync_user_commands(bot, i18n, accounts, user, default_language)
