"""The one outbound path: every Bot API call the bot makes goes through this aiogram request
middleware — replies, edits, callback answers, notifications, reminders, files, menus.

Pacing: calls that send a message (and the command-menu calls) keep under Telegram's limits,
about 30 messages a second overall and a short burst then one a second per chat, with
aiolimiter's leaky buckets. Edits and callback answers answer a person's own tap and are
not paced; a 429 on them is still waited out.

One retry policy, by what a failure proves:
- 429 (`retry_after`): Telegram did not do it; wait as told and try again;
- the connection was never made (`RequestNotSent`), or the Bot API answered that the call
  failed (a 5xx with its JSON error): nothing happened; retry with backoff;
- the request went out but no answer came (a reset, a timeout, a proxy's error page): the
  message may have been sent. A call that changes nothing when repeated (an edit, a callback
  answer, a menu) is retried; a send is never repeated blindly: it raises `DeliveryUnknown`
  and its caller decides (a reminder is marked "unknown" and not sent again, see README);
- anything else (400, 403) is the caller's to handle.
A callback answer only stops the button's spinner, so its failure never fails a handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter

from bot.session import RequestNotSent

log = logging.getLogger(__name__)

SENDS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendVideo",
        "sendAudio", "sendVoice", "sendAnimation", "sendSticker", "sendLocation",
        "sendContact", "sendPoll", "copyMessage", "copyMessages", "forwardMessage",
        "forwardMessages",
    }
)  # fmt: skip
PACED = SENDS | {"setMyCommands", "deleteMyCommands"}
UNTOUCHED = frozenset({"getUpdates"})  # aiogram's polling loop has its own backoff
# Awaited right before a send goes on the wire (after any pacing wait): the ledger marks a
# message "sending" only then, so a crash while it still waits its turn leaves it retriable.
ON_WIRE: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("on_wire", default=None)
CHAT_BURST = 3  # a reply and a screen at once; then `chat_rate` a second
CHAT_LIMITERS_MAX = 2000


class DeliveryUnknown(TelegramNetworkError):
    """A send went out but its answer was lost: Telegram may or may not have delivered it."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5  # tries for failures that prove nothing was done
    first_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0  # total time a call may wait on 429s

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.first_backoff * 2 ** (attempt - 1)))


def _not_done(error: Exception) -> bool:
    return isinstance(error, RequestNotSent | TelegramServerError)


class Outbound(BaseRequestMiddleware):
    def __init__(
        self,
        rate: float = 30,
        chat_rate: float = 1,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # One token at a time, refilled `rate` times a second: sends go out evenly, so no
        # one-second window ever holds more than `rate` of them.
        self.limiter = AsyncLimiter(1, 1 / rate)
        # Measured at Telegram's end: leave a little margin per chat.
        self.chat_period = CHAT_BURST / chat_rate * 1.05
        self.chats: dict[int | str, tuple[AsyncLimiter, float]] = {}
        self.policy = policy or RetryPolicy()
        self.sleep = sleep

    def _chat(self, chat_id: int | str) -> AsyncLimiter:
        now = time.monotonic()
        if len(self.chats) > CHAT_LIMITERS_MAX:  # forget chats quiet for a minute
            self.chats = {k: v for k, v in self.chats.items() if now - v[1] < 60}
        limiter = self.chats.get(chat_id, (AsyncLimiter(CHAT_BURST, self.chat_period), now))[0]
        self.chats[chat_id] = (limiter, now)
        return limiter

    async def _pace(self, method: TelegramMethod[Any]) -> None:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None:
            await self._chat(chat_id).acquire()
        await self.limiter.acquire()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name in UNTOUCHED:
            return await make_request(bot, method)
        try:
            return await self._with_retries(make_request, bot, method)
        except TelegramAPIError as error:
            if name == "answerCallbackQuery":
                log.info("callback answer not given: %s", error)
                return Response[TelegramType](ok=True, result=True)
            raise

    async def _with_retries(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        policy = self.policy
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            if name in PACED:
                await self._pace(method)
            on_wire = ON_WIRE.get()
            if on_wire is not None and name in SENDS:
                await on_wire()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if waited + error.retry_after > policy.max_retry_after:
                    raise
                waited += error.retry_after
                log.info("%s: Telegram asks to wait %s s", name, error.retry_after)
                await self.sleep(error.retry_after)
                attempt -= 1  # a 429 says nothing failed
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as error:
                ambiguous = not _not_done(error)
                if ambiguous and name in SENDS:
                    raise DeliveryUnknown(method=method, message=str(error)) from error
                if attempt >= policy.attempts:
                    if isinstance(error, ClientDecodeError):  # a proxy's page, not Telegram's
                        raise TelegramNetworkError(method=method, message=str(error)) from error
                    raise
                log.info("%s failed (%s), try %s of %s", name, error, attempt, policy.attempts)
                await self.sleep(policy.backoff(attempt))
