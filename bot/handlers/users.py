"""/users (manager): list, change roles and department, deactivate or reactivate."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuCB, UserAction, UserCB
from bot.commands import CommandMenus
from bot.dialogs import carried
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.services.accounts import AccountService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.ui import show
from bot.views import users as views
from bot.views.users import PAGE, Screen


async def _list_screen(accounts: AccountService, page: int) -> Screen:
    people, total = await accounts.page(page, PAGE)
    if not people and page > 0:  # the last page emptied since it was shown
        page = 0
        people, total = await accounts.page(page, PAGE)
    return views.list_screen(people, total, page)


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
    """A person's card, or the question whether to deactivate him (no change yet)."""
    person = await _person(accounts, callback_data.user)
    if callback_data.action == UserAction.ASK_DEACTIVATE:
        await show(callback, *views.deactivate_screen(person, callback_data.page))
    else:
        await show(callback, *views.card_screen(person, callback_data.page))


async def user_pick_department(
    callback: CallbackQuery,
    callback_data: UserCB,
    accounts: AccountService,
    departments: DepartmentService,
) -> None:
    person = await _person(accounts, callback_data.user)
    screen = views.department_screen(person, await departments.list(), callback_data.page)
    await show(callback, *screen)


async def user_change(
    callback: CallbackQuery,
    callback_data: UserCB,
    user: User,
    accounts: AccountService,
    menus: CommandMenus,
) -> None:
    """A role toggled, a department set, the person (de)activated: his card again, and his
    command menu as his roles now allow."""
    action, person_id = callback_data.action, callback_data.user
    if action == UserAction.ROLE:
        # "teacher.1" gives the role, "teacher.0" takes it away; a button drawn before
        # the state was carried ("teacher") toggles.
        name, _sep, wanted = callback_data.role.partition(".")
        on = {"1": True, "0": False}.get(wanted) if wanted else None
        if wanted and on is None:
            raise Refused("stale")
        person = await accounts.toggle_role(user, person_id, carried(Role, name), on)
    elif action == UserAction.SET_DEPT:
        person = await accounts.set_department(user, person_id, callback_data.dept or None)
    else:
        person = await accounts.set_active(user, person_id, action == UserAction.ACTIVATE)
    await show(callback, *views.card_screen(person, callback_data.page))
    menus.refresh(person)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(users_command, Command("users"))
    router.callback_query.register(users_menu, MenuCB.filter(F.command == "users"))
    router.callback_query.register(users_page, UserCB.filter(F.action == UserAction.LIST))
    router.callback_query.register(
        user_open, UserCB.filter(F.action.in_({UserAction.OPEN, UserAction.ASK_DEACTIVATE}))
    )
    router.callback_query.register(
        user_pick_department, UserCB.filter(F.action == UserAction.PICK_DEPT)
    )
    changes = {UserAction.ROLE, UserAction.SET_DEPT, UserAction.DEACTIVATE, UserAction.ACTIVATE}
    router.callback_query.register(user_change, UserCB.filter(F.action.in_(changes)))
    return router
