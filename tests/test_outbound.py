"""The one outbound path's retry policy, decided by what each failure proves."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetUpdates,
    Response,
    SendMessage,
    TelegramMethod,
)

from bot.outbound import CHAT_BURST, ON_WIRE, DeliveryUnknown, Outbound, RetryPolicy
from bot.session import RequestNotSent
from tests.harness import TOKEN


class Telegram:
    """Answers each call with the next of the scripted outcomes (an exception or a result)."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self, bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return Response[Any](ok=True, result=outcome)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def outbound(waits: list[float]) -> Outbound:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return Outbound(rate=1000, chat_rate=1000, policy=RetryPolicy(), sleep=record)


SEND = SendMessage(chat_id=1, text="Привет")
EDIT = EditMessageText(chat_id=1, message_id=5, text="Вопрос 2")


async def call(outbound: Outbound, telegram: Telegram, method: TelegramMethod[Any]) -> Any:
    bot = Bot(TOKEN)
    try:
        return (await outbound(telegram, bot, method)).result
    finally:
        await bot.session.close()


async def test_a_429_is_waited_out_as_telegram_asks(outbound: Outbound, waits: list[float]) -> None:
    telegram = Telegram(TelegramRetryAfter(SEND, "Too Many Requests", 7), True)
    assert await call(outbound, telegram, SEND) is True
    assert waits == [7.0] and telegram.calls == 2


async def test_what_provably_did_not_happen_is_retried_with_backoff(
    outbound: Outbound, waits: list[float]
) -> None:
    telegram = Telegram(
        RequestNotSent(SEND, "Cannot connect"), TelegramServerError(SEND, "Bad Gateway"), True
    )
    assert await call(outbound, telegram, SEND) is True
    assert waits == [0.5, 1.0] and telegram.calls == 3


async def test_a_send_whose_answer_was_lost_is_never_repeated(
    outbound: Outbound, waits: list[float]
) -> None:
    telegram = Telegram(TelegramNetworkError(SEND, "Server disconnected"), True)
    with pytest.raises(DeliveryUnknown):
        await call(outbound, telegram, SEND)
    assert telegram.calls == 1 and waits == []


async def test_an_edit_whose_answer_was_lost_is_repeated(
    outbound: Outbound, waits: list[float]
) -> None:
    telegram = Telegram(TelegramNetworkError(EDIT, "Request timeout error"), True)
    assert await call(outbound, telegram, EDIT) is True
    assert telegram.calls == 2


async def test_retries_end_and_the_error_reaches_the_caller(
    outbound: Outbound, waits: list[float]
) -> None:
    telegram = Telegram(*[RequestNotSent(SEND, "Cannot connect")] * 5)
    with pytest.raises(RequestNotSent):
        await call(outbound, telegram, SEND)
    assert telegram.calls == 5 and waits == [0.5, 1.0, 2.0, 4.0]


async def test_a_refusal_is_not_retried(outbound: Outbound) -> None:
    telegram = Telegram(TelegramBadRequest(SEND, "chat not found"))
    with pytest.raises(TelegramBadRequest):
        await call(outbound, telegram, SEND)
    assert telegram.calls == 1


async def test_a_callback_answer_never_fails_the_handler(outbound: Outbound) -> None:
    answer = AnswerCallbackQuery(callback_query_id="1")
    telegram = Telegram(TelegramBadRequest(answer, "query is too old"))
    assert await call(outbound, telegram, answer) is True


async def test_polling_keeps_its_own_backoff(outbound: Outbound, waits: list[float]) -> None:
    updates = GetUpdates(timeout=10)
    telegram = Telegram(RequestNotSent(updates, "Cannot connect"))
    with pytest.raises(RequestNotSent):
        await call(outbound, telegram, updates)
    assert telegram.calls == 1 and waits == []


async def test_a_send_is_on_the_wire_only_after_its_wait(waits: list[float]) -> None:
    """The ledger marks a reminder "sending" from the ON_WIRE hook: a message still waiting
    its turn in the per-chat bucket has not been marked, so a crash then leaves it pending."""
    events: list[str] = []
    outbound = Outbound(rate=1000, chat_rate=1, policy=RetryPolicy())

    async def on_wire() -> None:
        events.append("on wire")

    class Recording(Telegram):
        async def __call__(self, bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
            events.append("request")
            return await super().__call__(bot, method)

    telegram = Recording(*[True] * (CHAT_BURST + 1))
    token = ON_WIRE.set(on_wire)
    try:
        for _ in range(CHAT_BURST):  # the burst leaves at once
            await call(outbound, telegram, SEND)
        assert events == ["on wire", "request"] * CHAT_BURST
        late = asyncio.create_task(call(outbound, telegram, SEND))
        await asyncio.sleep(0.2)  # the 4th waits about a second for the chat's bucket
        assert len(events) == 2 * CHAT_BURST, "marked sending while still waiting"
        await late
        assert events[-2:] == ["on wire", "request"]
        events.clear()
        await call(outbound, Recording(True), EDIT)  # an edit is no ledger message
        assert events == ["request"]
    finally:
        ON_WIRE.reset(token)
