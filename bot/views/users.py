"""The manager's /users screens: the paged list, a person's card, department and
deactivation choices."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import UserAction, UserCB
from bot.domain.models import Department, User
from bot.domain.roles import ALL_ROLES
from bot.keyboards.menu import role_names
from bot.keyboards.pages import button, page_buttons

Screen = tuple[str, InlineKeyboardMarkup]
PAGE = 10  # people per page of the list


def summary(person: User) -> str:
    """One person in the list: name, roles, department, and a mark when deactivated."""
    state = "" if person.is_active else " " + _("users.inactive_mark")
    department = html.quote(person.department_name) if person.department_name else "—"
    return (
        _("users.line").format(
            name=html.quote(person.full_name),
            roles=role_names(person.roles) or "—",
            department=department,
        )
        + state
    )


def list_screen(people: list[User], total: int, page: int) -> Screen:
    """One page of people (numbered across pages), a button per person, then paging."""
    lines = [_("users.title").format(count=total), ""]
    lines += [f"{page * PAGE + n}. {summary(p)}" for n, p in enumerate(people, 1)]
    builder = InlineKeyboardBuilder()
    for person in people:
        mark = "" if person.is_active else "🚫 "
        builder.row(
            button(
                mark + person.full_name, UserCB(action=UserAction.OPEN, user=person.id, page=page)
            )
        )
    page_buttons(builder, page, total, PAGE, lambda p: UserCB(action=UserAction.LIST, page=p))
    return "\n".join(lines), builder.as_markup()


def card_screen(person: User, page: int) -> Screen:
    """A person's card: roles to toggle two a row, department, (de)activation, back."""
    text = _("users.card").format(
        name=html.quote(person.full_name),
        username=f"@{person.username}" if person.username else "—",
        roles=role_names(person.roles) or "—",
        department=html.quote(person.department_name) if person.department_name else "—",
        status=_("users.active") if person.is_active else _("users.inactive"),
    )
    roles = [
        button(
            ("✅ " if role in person.roles else "▫️ ") + _(f"role.{role.value}"),
            # What the tap sets ("teacher.1"), not "toggle": a double tap sets it twice.
            UserCB(
                action=UserAction.ROLE,
                user=person.id,
                role=f"{role.value}.{0 if role in person.roles else 1}",
                page=page,
            ),
        )
        for role in ALL_ROLES
    ]
    rows = [roles[i : i + 2] for i in range(0, len(roles), 2)]
    rows.append(
        [
            button(
                _("users.department"),
                UserCB(action=UserAction.PICK_DEPT, user=person.id, page=page),
            )
        ]
    )
    if person.is_active:
        toggle = button(
            _("users.deactivate"),
            UserCB(action=UserAction.ASK_DEACTIVATE, user=person.id, page=page),
        )
    else:
        toggle = button(
            _("users.activate"), UserCB(action=UserAction.ACTIVATE, user=person.id, page=page)
        )
    rows.append([toggle])
    rows.append([button(_("common.back"), UserCB(action=UserAction.LIST, page=page))])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def department_screen(person: User, departments: list[Department], page: int) -> Screen:
    """Which department the person belongs to: his current one ticked, or none."""
    rows = [
        [
            button(
                ("✅ " if department.id == person.department_id else "") + department.name,
                UserCB(action=UserAction.SET_DEPT, user=person.id, dept=department.id, page=page),
            )
        ]
        for department in departments
    ]
    rows.append(
        [
            button(
                _("users.no_department"),
                UserCB(action=UserAction.SET_DEPT, user=person.id, dept=0, page=page),
            ),
            button(_("common.back"), UserCB(action=UserAction.OPEN, user=person.id, page=page)),
        ]
    )
    text = _("users.pick_department").format(name=html.quote(person.full_name))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def deactivate_screen(person: User, page: int) -> Screen:
    """Deactivation asks first: it shuts the person out at once."""
    rows = [
        [
            button(
                _("users.confirm_deactivate"),
                UserCB(action=UserAction.DEACTIVATE, user=person.id, page=page),
            ),
            button(_("common.cancel"), UserCB(action=UserAction.OPEN, user=person.id, page=page)),
        ]
    ]
    text = _("users.ask_deactivate").format(name=html.quote(person.full_name))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)
