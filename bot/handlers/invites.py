"""/invite (manager): choose role(s), department and how many may use it -> a deep link."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import InviteAction, InviteCB, MenuCB
from bot.config import Settings
from bot.domain.invites import USES_CHOICES
from bot.domain.models import Invite, User
from bot.domain.roles import ALL_ROLES, Role
from bot.filters import HasRole
from bot.keyboards.menu import role_names
from bot.keyboards.pages import button
from bot.services.departments import DepartmentService
from bot.services.invites import InviteService
from bot.ui import show


class InviteStates(StatesGroup):
    roles = State()
    department = State()
    uses = State()


def local_time(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%d.%m.%Y %H:%M")


def _roles_screen(chosen: set[str], usable_count: int) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for role in ALL_ROLES:
        mark = "✅ " if role.value in chosen else "▫️ "
        builder.row(
            button(mark + _(f"role.{role.value}"), InviteCB(action=InviteAction.ROLE, role=role))
        )
    builder.row(button(_("invite.next"), InviteCB(action=InviteAction.NEXT)))
    builder.row(
        button(_("invite.active").format(count=usable_count), InviteCB(action=InviteAction.LIST))
    )
    return _("invite.step_roles"), builder.as_markup()


async def _start(event: Message | CallbackQuery, state: FSMContext, invites: InviteService) -> None:
    await state.set_state(InviteStates.roles)
    await state.set_data({"roles": []})
    await show(event, *_roles_screen(set(), len(await invites.usable())))


async def invite_command(message: Message, state: FSMContext, invites: InviteService) -> None:
    await _start(message, state, invites)


async def invite_button(callback: CallbackQuery, state: FSMContext, invites: InviteService) -> None:
    await _start(callback, state, invites)


async def invite_toggle_role(
    callback: CallbackQuery, callback_data: InviteCB, state: FSMContext, invites: InviteService
) -> None:
    if callback_data.role not in {r.value for r in ALL_ROLES}:
        await callback.answer(_("stale.button"), show_alert=True)
        return
    chosen = set((await state.get_data()).get("roles", []))
    chosen ^= {callback_data.role}
    await state.update_data(roles=sorted(chosen))
    await show(callback, *_roles_screen(chosen, len(await invites.usable())))


async def invite_pick_department(
    callback: CallbackQuery, state: FSMContext, departments: DepartmentService
) -> None:
    if not (await state.get_data()).get("roles"):
        await callback.answer(_("invite.need_role"), show_alert=True)
        return
    await state.set_state(InviteStates.department)
    builder = InlineKeyboardBuilder()
    for department in await departments.list():
        builder.row(button(department.name, InviteCB(action=InviteAction.DEPT, id=department.id)))
    builder.row(button(_("invite.no_department"), InviteCB(action=InviteAction.DEPT, id=0)))
    await show(callback, _("invite.step_department"), builder.as_markup())


async def invite_pick_uses(
    callback: CallbackQuery, callback_data: InviteCB, state: FSMContext
) -> None:
    await state.update_data(dept=callback_data.id)
    await state.set_state(InviteStates.uses)
    builder = InlineKeyboardBuilder()
    for uses in USES_CHOICES:
        builder.button(
            text=_("invite.uses_option").format(count=uses),
            callback_data=InviteCB(action=InviteAction.USES, id=uses),
        )
    await show(callback, _("invite.step_uses"), builder.as_markup())


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
    text = _("invite.created").format(
        roles=role_names(invite.roles),
        department=html.quote(invite.department_name or _("invite.no_department")),
        expires=local_time(invite.expires_at, settings),
        uses=invite.uses_left,
        link=link,
    )
    await show(callback, text)


def _invite_line(invite: Invite, settings: Settings) -> str:
    return _("invite.line").format(
        id=invite.id,
        roles=role_names(invite.roles),
        department=html.quote(invite.department_name or _("invite.no_department")),
        expires=local_time(invite.expires_at, settings),
        uses=invite.uses_left,
    )


async def invite_list(
    callback: CallbackQuery, state: FSMContext, invites: InviteService, settings: Settings
) -> None:
    await state.clear()
    await _show_list(callback, invites, settings)


async def _show_list(callback: CallbackQuery, invites: InviteService, settings: Settings) -> None:
    usable = await invites.usable()
    lines = [_("invite.list_title"), ""]
    lines += [_invite_line(invite, settings) for invite in usable] or [_("invite.list_empty")]
    builder = InlineKeyboardBuilder()
    for invite in usable:
        builder.row(
            button(
                _("invite.revoke").format(id=invite.id),
                InviteCB(action=InviteAction.REVOKE, id=invite.id),
            )
        )
    builder.row(button(_("invite.new"), InviteCB(action=InviteAction.NEW)))
    await show(callback, "\n".join(lines), builder.as_markup())


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
