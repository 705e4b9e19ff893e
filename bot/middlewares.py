"""Per-update work: who is writing, and in which language to answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot import logs
from bot.domain.language import pick_language
from bot.domain.models import User
from bot.services.accounts import AccountService, Profile
from bot.services.redelivery import HandledLog, Handling, handling

log = logging.getLogger(__name__)


def profile_of(tg_user: TgUser, default_language: str) -> Profile:
    return Profile(
        tg_id=tg_user.id,
        full_name=tg_user.full_name[:200],
        username=tg_user.username,
        language=pick_language(None, tg_user.language_code, default_language),
    )


def locale_of(user: User | None, tg_user: TgUser | None, default_language: str) -> str:
    """The language a person is answered in: his own choice, else his Telegram's."""
    return pick_language(
        user.language if user else None,
        tg_user.language_code if tg_user else None,
        default_language,
    )


class UserMiddleware(BaseMiddleware):
    """Puts `user` (active registered user, or None for a stranger) into handler data.
    A Telegram id from ADMIN_IDS becomes an active manager on his first update."""

    def __init__(self, accounts: AccountService, default_language: str) -> None:
        self.accounts = accounts
        self.default_language = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if isinstance(event, Update):
            logs.update_id.set(event.update_id)
        if tg_user is None or tg_user.is_bot:
            return None  # a channel post, a poll, another bot: nobody to answer
        logs.user_id.set(tg_user.id)
        user = await self.accounts.by_tg_id(tg_user.id)
        if tg_user.id in self.accounts.admin_ids and (user is None or not user.is_active):
            user = await self.accounts.ensure_admin(profile_of(tg_user, self.default_language))
        if user is not None and not user.is_active:
            user = None  # a deactivated user is treated as a stranger
        if user is not None and user.bot_blocked:
            await self.accounts.set_blocked(user.id, False)  # he is back: remind him again
        data["user"] = user
        return await handler(event, data)


class LanguageMiddleware(I18nMiddleware):
    def __init__(self, i18n: I18n, default_language: str) -> None:
        super().__init__(i18n)
        self.default_language = default_language

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_of(data.get("user"), data.get("event_from_user"), self.default_language)


class RedeliveryMiddleware(BaseMiddleware):
    """Skips an update handled before (see `bot.services.redelivery`). It is recorded once
    its handling ended, an error handled included; a stop that cancels it leaves it to be
    handled again."""

    def __init__(self, handled: HandledLog) -> None:
        self.handled = handled

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        if await self.handled.already_handled(event.update_id):
            log.info("update %s was handled before: skipped", event.update_id)
            return None
        current = Handling(event.update_id, self.handled.clock.now())
        token = handling.set(current)
        try:
            return await handler(event, data)
        finally:
            handling.reset(token)
            if not _cancelled() and not current.recorded:  # else in the handler's unit
                await self.handled.record(event.update_id)


def _cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
