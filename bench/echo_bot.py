"""The bare echo bot the questionnaire benchmark compares against: one handler that
edits the pressed message and answers the button, on the same session and polling."""

from __future__ import annotations

import asyncio
import itertools

from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import create_bot
from bot.config import Settings

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]]
)


async def main() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]  # from the environment
    bot = create_bot(settings)
    router = Router()
    counter = itertools.count()

    @router.callback_query()
    async def echo(callback: CallbackQuery) -> None:
        await callback.message.edit_text(f"echo {next(counter)}", reply_markup=KEYBOARD)  # type: ignore[union-attr]
        await callback.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
