"""Buttons shared by many screens: one button, paging, paged lists of people to pick or
to tick."""

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


def ticked_people_rows(
    people: Sequence[User],
    chosen: set[int],
    page: int,
    size: int,
    tick: Callable[[User], CallbackData],
    turn: Callable[[int], CallbackData],
) -> list[list[InlineKeyboardButton]]:
    """A page of people to tick (✅ chosen, ▫️ not, with their department), then the paging
    row ◀️ 2/5 ▶️."""
    rows = []
    for person in people[page * size : (page + 1) * size]:
        mark = "✅ " if person.id in chosen else "▫️ "
        label = mark + person.full_name
        if person.department_name:
            label += f" · {person.department_name}"
        rows.append([button(label, tick(person))])
    pager = InlineKeyboardBuilder()  # page_buttons adds its row to a builder
    page_buttons(pager, page, len(people), size, turn)
    return rows + pager.export()
