"""Small helpers for showing screens: edit in place when a button was pressed, else send;
ask a question below the current message."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.services.errors import Refused
from bot.services.files import FileService

log = logging.getLogger(__name__)


async def show(
    event: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    alert: str | None = None,
) -> None:
    """A button press edits its own message (and may say `alert` in a pop-up); a typed
    message gets a new one."""
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        message = event.message

        async def edit() -> None:
            try:
                await message.edit_text(text, reply_markup=markup)
            except TelegramBadRequest as error:
                if "message is not modified" not in error.message:
                    # Too old or deleted: show the screen as a new message instead.
                    log.info("edit failed (%s), sending a new message", error.message)
                    await message.answer(text, reply_markup=markup)

        async def answer() -> None:  # aiogram's method objects are awaitable, not tasks
            await event.answer(alert, show_alert=alert is not None)

        # The button's answer goes alongside the edit, not after it: one round trip a tap.
        await asyncio.gather(edit(), answer())
        return
    if isinstance(event, CallbackQuery):
        await event.answer(alert, show_alert=alert is not None)
        if event.from_user:
            await event.bot.send_message(event.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
        return
    await event.answer(text, reply_markup=markup)


async def ask(
    event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A question as a new message under the current one, which stays as it was (a card, a
    calendar); a pressed button is answered first so its spinner stops."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await event.message.answer(text, reply_markup=markup)
        return
    await event.answer(text, reply_markup=markup)


async def send_file(
    bot: Bot,
    chat_id: int,
    item: dict[str, Any],
    caption: str,
    files: FileService | None = None,
) -> None:
    """Sends a stored piece of evidence back: a photo as a photo, anything else as a file.
    By its file id while Telegram accepts it (nothing to upload); from the school's store
    when not (a file id is this bot token's only: a new token refuses the old ones)."""
    photo = item.get("kind") == "photo"
    try:
        if photo:
            await bot.send_photo(chat_id, item["file_id"], caption=caption)
        else:
            await bot.send_document(chat_id, item["file_id"], caption=caption)
        return
    except TelegramBadRequest:
        content = await files.content(item) if files is not None else None
        if content is None:
            raise
    name = item.get("name") or ("photo.jpg" if photo else "file")
    upload = BufferedInputFile(content, str(name))
    if photo:
        await bot.send_photo(chat_id, upload, caption=caption)
    else:
        await bot.send_document(chat_id, upload, caption=caption)


def refusal_text(refusal: Refused) -> str:
    """An expected refusal in the reader's language."""
    return _(f"refused.{refusal.key}").format(**refusal.params)
