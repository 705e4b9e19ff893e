"""The manager's /departments screens: the list, a department's card, choosing its head."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import DeptAction, DeptCB
from bot.domain.models import Department, User
from bot.keyboards.pages import button, page_buttons

Screen = tuple[str, InlineKeyboardMarkup]
HEAD_PAGE = 8  # people per page when choosing a head


def _head(department: Department) -> str:
    return html.quote(department.head_name) if department.head_name else _("departments.no_head")


def line(department: Department) -> str:
    """One department in the list: name, head, how many staff."""
    return _("departments.line").format(
        name=html.quote(department.name), head=_head(department), staff=department.staff_count
    )


def list_screen(departments: list[Department]) -> Screen:
    """Every department, a button for each, and one to add another."""
    lines = [_("departments.title"), ""]
    lines += [line(d) for d in departments] or [_("departments.empty")]
    rows = [
        [button(department.name, DeptCB(action=DeptAction.OPEN, dept=department.id))]
        for department in departments
    ]
    rows.append([button(_("departments.add"), DeptCB(action=DeptAction.ADD))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def card_screen(department: Department) -> Screen:
    text = _("departments.card").format(
        name=html.quote(department.name), head=_head(department), staff=department.staff_count
    )
    rows = [
        [
            button(_("departments.rename"), DeptCB(action=DeptAction.RENAME, dept=department.id)),
            button(
                _("departments.set_head"), DeptCB(action=DeptAction.PICK_HEAD, dept=department.id)
            ),
        ],
        [button(_("common.back"), DeptCB(action=DeptAction.LIST))],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def head_screen(department: Department, people: list[User], page: int) -> Screen:
    """A page of active people to appoint (the present head marked), paging, no head, back."""
    start = page * HEAD_PAGE
    builder = InlineKeyboardBuilder()
    for person in people[start : start + HEAD_PAGE]:
        mark = "👤 " if person.id == department.head_user_id else ""
        builder.row(
            button(
                mark + person.full_name,
                DeptCB(action=DeptAction.SET_HEAD, dept=department.id, user=person.id),
            )
        )
    page_buttons(
        builder,
        page,
        len(people),
        HEAD_PAGE,
        lambda p: DeptCB(action=DeptAction.PICK_HEAD, dept=department.id, page=p),
    )
    builder.row(
        button(
            _("departments.no_head_button"),
            DeptCB(action=DeptAction.SET_HEAD, dept=department.id, user=0),
        ),
        button(_("common.back"), DeptCB(action=DeptAction.OPEN, dept=department.id)),
    )
    text = _("departments.pick_head").format(name=html.quote(department.name))
    return text, builder.as_markup()
