"""Sending reminders within Telegram's limits: one limiter for all (about 30 messages a
second) and one per chat (1 a second), both aiolimiter's leaky buckets. RetryAfter is
honoured; network errors and 5xx leave the reminder pending for a later sweep; a user who
blocked the bot is reported so he can be skipped until he writes again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from aiolimiter import AsyncLimiter

RETRY_AFTER_TRIES = 3


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    BLOCKED = "blocked"
    FAILED = "failed"


class Sender:
    def __init__(
        self,
        bot: Bot,
        rate: float = 30,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        # One token at a time, refilled `rate` times a second: messages go out evenly, so
        # no one-second window ever holds more than `rate` of them (a full bucket would
        # allow a burst of `rate` on top of the steady flow).
        self.limiter = AsyncLimiter(1, 1 / rate)
        self.chats: dict[int, AsyncLimiter] = {}
        self.sleep = sleep

    async def send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> tuple[Outcome, str | None]:
        # A little over a second per chat: the limit is Telegram's, measured at its end.
        chat = self.chats.setdefault(chat_id, AsyncLimiter(1, 1.05))
        wait = 0.0
        for _ in range(RETRY_AFTER_TRIES):
            async with chat, self.limiter:
                try:
                    await self.bot.send_message(chat_id, text, reply_markup=markup)
                    return Outcome.SENT, None
                except TelegramRetryAfter as error:
                    wait = float(error.retry_after)
                except TelegramForbiddenError as error:
                    return Outcome.BLOCKED, error.message
                except (TelegramNetworkError, TelegramServerError) as error:
                    return Outcome.RETRY, str(error)
                except TelegramBadRequest as error:
                    return Outcome.FAILED, error.message
            await self.sleep(wait)
        return Outcome.RETRY, f"still limited after {RETRY_AFTER_TRIES} RetryAfter answers"
