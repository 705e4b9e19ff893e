"""The command menu Telegram shows: per role (chat scope) and per language.

Menus are a convenience, so nobody waits for them: they are set in the background, through
the outbound path's pacing, and retried until Telegram has them all. Start-up only asks for
them; polling starts at once, whatever the number of people.
"""

from __future__ import annotations

import asyncio
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
from bot.inflight import InFlight
from bot.services.accounts import AccountService

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MAX = 2.0, 300.0  # seconds between rounds while some menus failed


def build_commands(i18n: I18n, names: list[str], locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(f"cmd.{name}", locale=locale))
        for name in names
    ]


def digest_of(commands: list[BotCommand]) -> str:
    return hashlib.sha256(
        json.dumps([c.model_dump() for c in commands], ensure_ascii=False).encode()
    ).hexdigest()


class CommandMenus:
    def __init__(
        self,
        bot: Bot,
        i18n: I18n,
        accounts: AccountService,
        default_language: str,
        inflight: InFlight,
    ) -> None:
        self.bot = bot
        self.i18n = i18n
        self.accounts = accounts
        self.default_language = default_language
        self.inflight = inflight
        self._syncing = False
        self.synced = asyncio.Event()  # every menu was set once since start

    def refresh(self, user: User) -> None:
        """The user's menu after his roles, language or activity changed."""
        self.inflight.spawn(self._one(user), name=f"menu-{user.id}")

    def sync_all(self) -> None:
        """The public menu and every person's, in the background, until all are set."""
        if not self._syncing:
            self._syncing = True
            self.inflight.spawn(self._all(), name="menus", daemon=True)

    async def _all(self) -> None:
        pause = RETRY_FIRST
        try:
            while True:
                failed = not await self._public()
                for user in await self.accounts.all_with_menus():
                    failed |= not await self._one(user)
                if not failed:
                    self.synced.set()
                    return
                log.info("some command menus were not set; trying again in %.0f s", pause)
                await asyncio.sleep(pause)
                pause = min(RETRY_MAX, pause * 2)
        finally:
            self._syncing = False

    async def _public(self) -> bool:
        names = list(PUBLIC_COMMANDS)
        try:
            for locale in SUPPORTED:
                await self.bot.set_my_commands(
                    build_commands(self.i18n, names, locale),
                    scope=BotCommandScopeDefault(),
                    language_code=locale,
                )
            await self.bot.set_my_commands(
                build_commands(self.i18n, names, self.default_language),
                scope=BotCommandScopeDefault(),
            )
            return True
        except TelegramAPIError as error:
            log.warning("the public command menu was not set: %s", error)
            return False

    async def _one(self, user: User) -> bool:
        """Shows the user his role's commands in his language; skips the call when nothing
        changed since the last time (the digest is stored with the user). True when done."""
        scope = BotCommandScopeChat(chat_id=user.tg_id)
        fresh = await self.accounts.get(user.id) or user
        try:
            if not fresh.is_active:
                if fresh.commands_hash is not None:
                    await self.bot.delete_my_commands(scope=scope)
                    await self.accounts.remember_commands(fresh.id, None)
                return True
            locale = pick_language(fresh.language, None, self.default_language)
            commands = build_commands(self.i18n, commands_for(fresh.roles), locale)
            digest = digest_of(commands)
            if digest != fresh.commands_hash:
                await self.bot.set_my_commands(commands, scope=scope)
                await self.accounts.remember_commands(fresh.id, digest)
            return True
        except TelegramAPIError as error:
            log.warning("the command menu of user %s was not set: %s", fresh.id, error)
            return False
