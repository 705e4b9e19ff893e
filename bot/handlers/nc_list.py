"""/actions: what waits for me, overdue first. /ncr: every NC I may see, with filters."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuCB, NcListCB
from bot.domain.models import User
from bot.domain.nonconformities import NcFilter, NcStatus, Severity, Source
from bot.filters import HasRole
from bot.services.departments import DepartmentService
from bot.services.nonconformities import NcService
from bot.ui import show
from bot.views import nc_list as views

# -- /actions ----------------------------------------------------------------------------


async def _actions(event: Message | CallbackQuery, user: User, ncs: NcService) -> None:
    await show(event, *views.actions_screen(await ncs.to_act_on(user), ncs.today()))


async def actions_command(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    await state.clear()
    await _actions(message, user, ncs)


async def actions_menu(callback: CallbackQuery, user: User, ncs: NcService) -> None:
    await _actions(callback, user, ncs)


# -- /ncr --------------------------------------------------------------------------------


def _filter(data: NcListCB) -> NcFilter:
    """What the buttons' filters mean; an unknown value (an old button) means "any"."""
    return NcFilter(
        status=NcStatus(data.status) if data.status in NcStatus._value2member_map_ else None,
        department_id=data.dept or None,
        severity=Severity(data.sev) if data.sev in Severity._value2member_map_ else None,
        source=Source(data.src) if data.src in Source._value2member_map_ else None,
        overdue=bool(data.od),
    )


async def _list(
    event: Message | CallbackQuery,
    user: User,
    data: NcListCB,
    ncs: NcService,
    departments: DepartmentService,
) -> None:
    where = _filter(data)
    items, total = await ncs.page(user, where, data.page, views.PAGE)
    screen = views.register_screen(items, total, ncs.today(), data, where, await departments.list())
    await show(event, *screen)


async def ncr_command(
    message: Message, state: FSMContext, user: User, ncs: NcService, departments: DepartmentService
) -> None:
    await state.clear()
    await _list(message, user, NcListCB(), ncs, departments)


async def ncr_menu(
    callback: CallbackQuery, user: User, ncs: NcService, departments: DepartmentService
) -> None:
    await _list(callback, user, NcListCB(), ncs, departments)


async def ncr_page(
    callback: CallbackQuery,
    callback_data: NcListCB,
    user: User,
    ncs: NcService,
    departments: DepartmentService,
) -> None:
    await _list(callback, user, callback_data, ncs, departments)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.message.register(actions_command, Command("actions"))
    router.callback_query.register(actions_menu, MenuCB.filter(F.command == "actions"))
    router.message.register(ncr_command, Command("ncr"))
    router.callback_query.register(ncr_menu, MenuCB.filter(F.command == "ncr"))
    router.callback_query.register(ncr_page, NcListCB.filter())
    return router
