"""/invite (manager): choose role(s), department and how many may use it -> a deep link."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _

from bot.callbacks import InviteAction, InviteCB, MenuCB
from bot.config import Settings
from bot.domain.models import User
from bot.domain.roles import ALL_ROLES, Role
from bot.filters import HasRole
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.invites import InviteService
from bot.ui import show
from bot.views import invites as views


class InviteStates(StatesGroup):
    roles = State()
    department = State()
    uses = State()


async def _start(event: Message | CallbackQuery, state: FSMContext, invites: InviteService) -> None:
    await state.set_state(InviteStates.roles)
    await state.set_data({"roles": []})
    await show(event, *views.roles_screen(set(), len(await invites.usable())))


async def invite_command(message: Message, state: FSMContext, invites: InviteService) -> None:
    await _start(message, state, invites)


async def invite_button(callback: CallbackQuery, state: FSMContext, invites: InviteService) -> None:
    await _start(callback, state, invites)


async def invite_toggle_role(
    callback: CallbackQuery, callback_data: InviteCB, state: FSMContext, invites: InviteService
) -> None:
    if callback_data.role not in {r.value for r in ALL_ROLES}:
        raise Refused("stale")
    chosen = set((await state.get_data()).get("roles", []))
    chosen ^= {callback_data.role}
    await state.update_data(roles=sorted(chosen))
    await show(callback, *views.roles_screen(chosen, len(await invites.usable())))


async def invite_pick_department(
    callback: CallbackQuery, state: FSMContext, departments: DepartmentService
) -> None:
    if not (await state.get_data()).get("roles"):
        await callback.answer(_("invite.need_role"), show_alert=True)
        return
    await state.set_state(InviteStates.department)
    await show(callback, *views.department_screen(await departments.list()))


async def invite_pick_uses(
    callback: CallbackQuery, callback_data: InviteCB, state: FSMContext
) -> None:
    await state.update_data(dept=callback_data.id)
    await state.set_state(InviteStates.uses)
    await show(callback, *views.uses_screen())


async def invite_create(
    callback: CallbackQuery,
    callback_data: InviteCB,
    state: FSMContext,
    user: User,
    invites: InviteService,
    bot: Bot,
    settings: Settings,
) -> None:
    data = await state.get_data()
    roles = frozenset(Role(value) for value in data.get("roles", []))
    token, invite = await invites.create(user, roles, data.get("dept") or None, callback_data.id)
    await state.clear()
    link = await create_start_link(bot, token)
    await show(callback, views.created_text(invite, link, settings.tz))


async def invite_list(
    callback: CallbackQuery, state: FSMContext, invites: InviteService, settings: Settings
) -> None:
    await state.clear()
    await _show_list(callback, invites, settings)


async def _show_list(callback: CallbackQuery, invites: InviteService, settings: Settings) -> None:
    await show(callback, *views.list_screen(await invites.usable(), settings.tz))


async def invite_revoke(
    callback: CallbackQuery,
    callback_data: InviteCB,
    user: User,
    invites: InviteService,
    settings: Settings,
) -> None:
    await invites.revoke(user, callback_data.id)
    await _show_list(callback, invites, settings)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(invite_command, Command("invite"))
    router.callback_query.register(invite_button, InviteCB.filter(F.action == InviteAction.NEW))
    router.callback_query.register(invite_button, MenuCB.filter(F.command == "invite"))
    router.callback_query.register(
        invite_toggle_role, InviteStates.roles, InviteCB.filter(F.action == InviteAction.ROLE)
    )
    router.callback_query.register(
        invite_pick_department, InviteStates.roles, InviteCB.filter(F.action == InviteAction.NEXT)
    )
    router.callback_query.register(
        invite_pick_uses, InviteStates.department, InviteCB.filter(F.action == InviteAction.DEPT)
    )
    router.callback_query.register(
        invite_create, InviteStates.uses, InviteCB.filter(F.action == InviteAction.USES)
    )
    router.callback_query.register(invite_list, InviteCB.filter(F.action == InviteAction.LIST))
    router.callback_query.register(invite_revoke, InviteCB.filter(F.action == InviteAction.REVOKE))
    return router
