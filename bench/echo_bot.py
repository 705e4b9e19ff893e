"""The bare echo bot the questionnaire benchmark compares against: one handler that
edits the pressed message to what it was (the same text and keyboard, so Telegram's side
of a screen, parsing the update and the edited message, weighs the same as the bot's) and
answers the button, on the same session and polling."""

from __future__ import annotations

import asyncio
import itertools

from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

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
        message = callback.message
        assert isinstance(message, Message)
        text = f"{message.text or ''} {next(counter)}"[-4000:]  # an edit must change it
        await message.edit_text(text, reply_markup=message.reply_markup or KEYBOARD)
        await callback.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
