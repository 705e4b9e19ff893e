"""Buttons shared by many screens: one button, paging."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def page_buttons(
    builder: InlineKeyboardBuilder,
    page: int,
    total: int,
    size: int,
    make: Callable[[int], CallbackData],
) -> None:
    """Adds a row ◀️ 2/5 ▶️ when the list does not fit on one page."""
    pages = max(1, -(-total // size))
    if pages == 1:
        return
    row = []
    if page > 0:
        row.append(button("◀️", make(page - 1)))
    row.append(button(f"{page + 1}/{pages}", make(page)))
    if page + 1 < pages:
        row.append(button("▶️", make(page + 1)))
    builder.row(*row)
