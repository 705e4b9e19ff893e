"""Buttons shared by many screens: one button, paging, a paged list of people to pick."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import User


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


def people_buttons(
    builder: InlineKeyboardBuilder,
    people: Sequence[User],
    page: int,
    size: int,
    pick: Callable[[User], CallbackData],
    turn: Callable[[int], CallbackData],
) -> None:
    """A button a person (his name) of page `page`, then the paging row ◀️ 2/5 ▶️."""
    for person in people[page * size : (page + 1) * size]:
        builder.row(button(person.full_name, pick(person)))
    page_buttons(builder, page, len(people), size, turn)
