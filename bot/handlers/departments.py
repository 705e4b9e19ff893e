"""/departments (manager): list, add, rename, appoint a head."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DeptAction, DeptCB, MenuCB
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.services.accounts import AccountService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.ui import ask, refusal_text, show
from bot.views import departments as views


class DeptStates(StatesGroup):
    adding = State()
    renaming = State()


async def departments_command(
    message: Message, state: FSMContext, departments: DepartmentService
) -> None:
    await state.clear()
    await show(message, *views.list_screen(await departments.list()))


async def departments_list(
    callback: CallbackQuery, state: FSMContext, departments: DepartmentService
) -> None:
    await state.clear()
    await show(callback, *views.list_screen(await departments.list()))


async def department_open(
    callback: CallbackQuery, callback_data: DeptCB, departments: DepartmentService
) -> None:
    await show(callback, *views.card_screen(await departments.get(callback_data.dept)))


async def department_add(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(DeptStates.adding)
    await ask(callback, _("departments.ask_name"))


async def department_rename(
    callback: CallbackQuery,
    callback_data: DeptCB,
    state: FSMContext,
    departments: DepartmentService,
) -> None:
    department = await departments.get(callback_data.dept)
    await state.set_state(DeptStates.renaming)
    await state.update_data(dept=department.id)
    await ask(callback, _("departments.ask_new_name").format(name=html.quote(department.name)))


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
    await show(message, *views.card_screen(department))


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
    await show(message, *views.card_screen(department))


async def department_pick_head(
    callback: CallbackQuery,
    callback_data: DeptCB,
    departments: DepartmentService,
    accounts: AccountService,
) -> None:
    department = await departments.get(callback_data.dept)
    people = await accounts.active()
    await show(callback, *views.head_screen(department, people, callback_data.page))


async def department_set_head(
    callback: CallbackQuery,
    callback_data: DeptCB,
    user: User,
    departments: DepartmentService,
) -> None:
    department = await departments.set_head(user, callback_data.dept, callback_data.user or None)
    await show(callback, *views.card_screen(department))


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
