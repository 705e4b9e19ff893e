"""/users (manager): list, change roles and department, deactivate or reactivate."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuCB, UserAction, UserCB
from bot.commands import CommandMenus
from bot.domain.models import User
from bot.domain.roles import ALL_ROLES, Role
from bot.filters import HasRole
from bot.keyboards.menu import role_names
from bot.keyboards.pages import button, page_buttons
from bot.services.accounts import AccountService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.ui import show

PAGE = 10


def _summary(person: User) -> str:
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


async def _list_screen(accounts: AccountService, page: int) -> tuple[str, InlineKeyboardMarkup]:
    people, total = await accounts.page(page, PAGE)
    if not people and page > 0:
        page = 0
        people, total = await accounts.page(page, PAGE)
    lines = [_("users.title").format(count=total), ""]
    lines += [f"{page * PAGE + n}. {_summary(p)}" for n, p in enumerate(people, 1)]
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


def _card(person: User, page: int) -> tuple[str, InlineKeyboardMarkup]:
    text = _("users.card").format(
        name=html.quote(person.full_name),
        username=f"@{person.username}" if person.username else "—",
        roles=role_names(person.roles) or "—",
        department=html.quote(person.department_name) if person.department_name else "—",
        status=_("users.active") if person.is_active else _("users.inactive"),
    )
    builder = InlineKeyboardBuilder()
    for role in ALL_ROLES:
        mark = "✅ " if role in person.roles else "▫️ "
        builder.button(
            text=mark + _(f"role.{role.value}"),
            callback_data=UserCB(action=UserAction.ROLE, user=person.id, role=role, page=page),
        )
    builder.adjust(2)
    builder.row(
        button(
            _("users.department"), UserCB(action=UserAction.PICK_DEPT, user=person.id, page=page)
        )
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
    builder.row(toggle)
    builder.row(button(_("common.back"), UserCB(action=UserAction.LIST, page=page)))
    return text, builder.as_markup()


async def users_command(message: Message, state: FSMContext, accounts: AccountService) -> None:
    await state.clear()
    await show(message, *await _list_screen(accounts, 0))


async def users_menu(callback: CallbackQuery, accounts: AccountService) -> None:
    await show(callback, *await _list_screen(accounts, 0))


async def users_page(
    callback: CallbackQuery, callback_data: UserCB, accounts: AccountService
) -> None:
    await show(callback, *await _list_screen(accounts, max(0, callback_data.page)))


async def _person(accounts: AccountService, user_id: int) -> User:
    person = await accounts.get(user_id)
    if person is None:
        raise Refused("users.not_found")
    return person


async def user_open(
    callback: CallbackQuery, callback_data: UserCB, accounts: AccountService
) -> None:
    await show(callback, *_card(await _person(accounts, callback_data.user), callback_data.page))


async def _after_change(
    callback: CallbackQuery,
    person: User,
    page: int,
    menus: CommandMenus,
) -> None:
    await show(callback, *_card(person, page))
    menus.refresh(person)


async def user_toggle_role(
    callback: CallbackQuery,
    callback_data: UserCB,
    user: User,
    accounts: AccountService,
    menus: CommandMenus,
) -> None:
    try:
        role = Role(callback_data.role)
    except ValueError:
        await callback.answer(_("stale.button"), show_alert=True)
        return
    person = await accounts.toggle_role(user, callback_data.user, role)
    await _after_change(callback, person, callback_data.page, menus)


async def user_pick_department(
    callback: CallbackQuery,
    callback_data: UserCB,
    accounts: AccountService,
    departments: DepartmentService,
) -> None:
    person = await _person(accounts, callback_data.user)
    builder = InlineKeyboardBuilder()
    for department in await departments.list():
        mark = "✅ " if department.id == person.department_id else ""
        builder.row(
            button(
                mark + department.name,
                UserCB(
                    action=UserAction.SET_DEPT,
                    user=person.id,
                    dept=department.id,
                    page=callback_data.page,
                ),
            )
        )
    builder.row(
        button(
            _("users.no_department"),
            UserCB(action=UserAction.SET_DEPT, user=person.id, dept=0, page=callback_data.page),
        ),
        button(
            _("common.back"),
            UserCB(action=UserAction.OPEN, user=person.id, page=callback_data.page),
        ),
    )
    await show(
        callback,
        _("users.pick_department").format(name=html.quote(person.full_name)),
        builder.as_markup(),
    )


async def user_set_department(
    callback: CallbackQuery,
    callback_data: UserCB,
    user: User,
    accounts: AccountService,
    menus: CommandMenus,
) -> None:
    person = await accounts.set_department(user, callback_data.user, callback_data.dept or None)
    await _after_change(callback, person, callback_data.page, menus)


async def user_ask_deactivate(
    callback: CallbackQuery, callback_data: UserCB, accounts: AccountService
) -> None:
    person = await _person(accounts, callback_data.user)
    builder = InlineKeyboardBuilder()
    builder.row(
        button(
            _("users.confirm_deactivate"),
            UserCB(action=UserAction.DEACTIVATE, user=person.id, page=callback_data.page),
        ),
        button(
            _("common.cancel"),
            UserCB(action=UserAction.OPEN, user=person.id, page=callback_data.page),
        ),
    )
    await show(
        callback,
        _("users.ask_deactivate").format(name=html.quote(person.full_name)),
        builder.as_markup(),
    )


async def user_set_active(
    callback: CallbackQuery,
    callback_data: UserCB,
    user: User,
    accounts: AccountService,
    menus: CommandMenus,
) -> None:
    active = callback_data.action == UserAction.ACTIVATE
    person = await accounts.set_active(user, callback_data.user, active)
    await _after_change(callback, person, callback_data.page, menus)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(users_command, Command("users"))
    router.callback_query.register(users_menu, MenuCB.filter(F.command == "users"))
    router.callback_query.register(users_page, UserCB.filter(F.action == UserAction.LIST))
    router.callback_query.register(user_open, UserCB.filter(F.action == UserAction.OPEN))
    router.callback_query.register(user_toggle_role, UserCB.filter(F.action == UserAction.ROLE))
    router.callback_query.register(
        user_pick_department, UserCB.filter(F.action == UserAction.PICK_DEPT)
    )
    router.callback_query.register(
        user_set_department, UserCB.filter(F.action == UserAction.SET_DEPT)
    )
    router.callback_query.register(
        user_ask_deactivate, UserCB.filter(F.action == UserAction.ASK_DEACTIVATE)
    )
    router.callback_query.register(
        user_set_active, UserCB.filter(F.action.in_({UserAction.DEACTIVATE, UserAction.ACTIVATE}))
    )
    return router
