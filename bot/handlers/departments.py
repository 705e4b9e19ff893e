"""/departments (manager): list, add, rename, appoint a head."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import DeptAction, DeptCB, MenuCB
from bot.domain.models import Department, User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.keyboards.pages import button, page_buttons
from bot.services.accounts import AccountService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.ui import refusal_text, show

HEAD_PAGE = 8


class DeptStates(StatesGroup):
    adding = State()
    renaming = State()


def _line(department: Department) -> str:
    head = html.quote(department.head_name) if department.head_name else _("departments.no_head")
    return _("departments.line").format(
        name=html.quote(department.name), head=head, staff=department.staff_count
    )


async def _list_screen(departments: DepartmentService) -> tuple[str, InlineKeyboardMarkup]:
    items = await departments.list()
    lines = [_("departments.title"), ""]
    lines += [_line(d) for d in items] or [_("departments.empty")]
    builder = InlineKeyboardBuilder()
    for department in items:
        builder.button(
            text=department.name, callback_data=DeptCB(action=DeptAction.OPEN, dept=department.id)
        )
    builder.button(text=_("departments.add"), callback_data=DeptCB(action=DeptAction.ADD))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def _card(department: Department) -> tuple[str, InlineKeyboardMarkup]:
    text = _("departments.card").format(
        name=html.quote(department.name),
        head=html.quote(department.head_name) if department.head_name else _("departments.no_head"),
        staff=department.staff_count,
    )
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("departments.rename"),
        callback_data=DeptCB(action=DeptAction.RENAME, dept=department.id),
    )
    builder.button(
        text=_("departments.set_head"),
        callback_data=DeptCB(action=DeptAction.PICK_HEAD, dept=department.id),
    )
    builder.button(text=_("common.back"), callback_data=DeptCB(action=DeptAction.LIST))
    builder.adjust(2, 1)
    return text, builder.as_markup()


async def departments_command(
    message: Message, state: FSMContext, departments: DepartmentService
) -> None:
    await state.clear()
    await show(message, *await _list_screen(departments))


async def departments_list(
    callback: CallbackQuery, state: FSMContext, departments: DepartmentService
) -> None:
    await state.clear()
    await show(callback, *await _list_screen(departments))


async def department_open(
    callback: CallbackQuery, callback_data: DeptCB, departments: DepartmentService
) -> None:
    await show(callback, *_card(await departments.get(callback_data.dept)))


async def department_add(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(DeptStates.adding)
    await callback.answer()
    await callback.message.answer(_("departments.ask_name"))  # type: ignore[union-attr]


async def department_rename(
    callback: CallbackQuery,
    callback_data: DeptCB,
    state: FSMContext,
    departments: DepartmentService,
) -> None:
    department = await departments.get(callback_data.dept)
    await state.set_state(DeptStates.renaming)
    await state.update_data(dept=department.id)
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("departments.ask_new_name").format(name=html.quote(department.name))
    )


async def department_name_given(
    message: Message, state: FSMContext, user: User, departments: DepartmentService
) -> None:
    try:
        department = await departments.add(user, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await message.answer(_("departments.added").format(name=html.quote(department.name)))
    await show(message, *_card(department))


async def department_new_name_given(
    message: Message, state: FSMContext, user: User, departments: DepartmentService
) -> None:
    data = await state.get_data()
    try:
        department = await departments.rename(user, int(data["dept"]), message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if refusal.key == "departments.not_found":
            await state.clear()
        return
    await state.clear()
    await message.answer(_("departments.renamed"))
    await show(message, *_card(department))


async def department_pick_head(
    callback: CallbackQuery,
    callback_data: DeptCB,
    departments: DepartmentService,
    accounts: AccountService,
) -> None:
    department = await departments.get(callback_data.dept)
    people = await accounts.active()
    start = callback_data.page * HEAD_PAGE
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
        callback_data.page,
        len(people),
        HEAD_PAGE,
        lambda page: DeptCB(action=DeptAction.PICK_HEAD, dept=department.id, page=page),
    )
    builder.row(
        button(
            _("departments.no_head_button"),
            DeptCB(action=DeptAction.SET_HEAD, dept=department.id, user=0),
        ),
        button(_("common.back"), DeptCB(action=DeptAction.OPEN, dept=department.id)),
    )
    text = _("departments.pick_head").format(name=html.quote(department.name))
    await show(callback, text, builder.as_markup())


async def department_set_head(
    callback: CallbackQuery,
    callback_data: DeptCB,
    user: User,
    departments: DepartmentService,
) -> None:
    department = await departments.set_head(user, callback_data.dept, callback_data.user or None)
    await show(callback, *_card(department))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(departments_command, Command("departments"))
    router.callback_query.register(departments_list, DeptCB.filter(F.action == DeptAction.LIST))
    router.callback_query.register(departments_list, MenuCB.filter(F.command == "departments"))
    router.callback_query.register(department_open, DeptCB.filter(F.action == DeptAction.OPEN))
    router.callback_query.register(department_add, DeptCB.filter(F.action == DeptAction.ADD))
    router.callback_query.register(department_rename, DeptCB.filter(F.action == DeptAction.RENAME))
    router.message.register(
        department_name_given, DeptStates.adding, F.text, ~F.text.startswith("/")
    )
    router.message.register(
        department_new_name_given, DeptStates.renaming, F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(
        department_pick_head, DeptCB.filter(F.action == DeptAction.PICK_HEAD)
    )
    router.callback_query.register(
        department_set_head, DeptCB.filter(F.action == DeptAction.SET_HEAD)
    )
    return router
