"""Sending one ledger message, and what its outcome means for the ledger.

Pacing, 429s and retries of calls that provably did not happen are the outbound path's
(bot/outbound.py), as for every call. This only keeps reminders a little under the overall
rate, so a fan-out never makes a person's reply wait behind it, and sorts the final outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from aiolimiter import AsyncLimiter

from bot.outbound import ON_WIRE, DeliveryUnknown

SHARE_OF_RATE = 0.8  # the rest is left for replies to people's own actions


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # provably not sent: try again later
    UNKNOWN = "unknown"  # may have been sent: never again
    BLOCKED = "blocked"
    FAILED = "failed"


class Sender:
    def __init__(self, bot: Bot, rate: float = 30) -> None:
        self.bot = bot
        self.pace = AsyncLimiter(1, 1 / (rate * SHARE_OF_RATE))

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        on_wire: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[Outcome, str | None]:
        """`on_wire` is awaited when the request is about to leave, after every wait."""
        async with self.pace:
            token = ON_WIRE.set(on_wire)
            try:
                await self.bot.send_message(chat_id, text, reply_markup=markup)
                return Outcome.SENT, None
            except DeliveryUnknown as error:
                return Outcome.UNKNOWN, error.message
            except TelegramForbiddenError as error:
                return Outcome.BLOCKED, error.message
            except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError) as error:
                return Outcome.RETRY, error.message
            except TelegramAPIError as error:  # 400 and the like: sending again will not help
                return Outcome.FAILED, error.message
            finally:
                ON_WIRE.reset(token)
