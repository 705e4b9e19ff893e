"""The manager's /invite screens: the three steps of a new invite, the link made, the list
of invites still usable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import InviteAction, InviteCB
from bot.domain.invites import USES_CHOICES
from bot.domain.models import Department, Invite
from bot.domain.roles import ALL_ROLES
from bot.keyboards.menu import role_names
from bot.keyboards.pages import button
from bot.views.common import plural

Screen = tuple[str, InlineKeyboardMarkup]


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as the school's clock shows it."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _department(invite: Invite) -> str:
    return html.quote(invite.department_name or _("invite.no_department"))


def roles_screen(chosen: set[str], usable_count: int) -> Screen:
    """Step 1: the roles to give, ticked as chosen; the way to the invites already made."""
    rows = [
        [
            button(
                ("✅ " if role.value in chosen else "▫️ ") + _(f"role.{role.value}"),
                InviteCB(action=InviteAction.ROLE, role=role),
            )
        ]
        for role in ALL_ROLES
    ]
    rows.append([button(_("invite.next"), InviteCB(action=InviteAction.NEXT))])
    rows.append(
        [button(_("invite.active").format(count=usable_count), InviteCB(action=InviteAction.LIST))]
    )
    return _("invite.step_roles"), InlineKeyboardMarkup(inline_keyboard=rows)


def department_screen(departments: list[Department]) -> Screen:
    """Step 2: the department the newcomer joins, or none."""
    rows = [
        [button(department.name, InviteCB(action=InviteAction.DEPT, id=department.id))]
        for department in departments
    ]
    rows.append([button(_("invite.no_department"), InviteCB(action=InviteAction.DEPT, id=0))])
    return _("invite.step_department"), InlineKeyboardMarkup(inline_keyboard=rows)


def uses_screen() -> Screen:
    """Step 3: how many people may join by the link, all choices in one row."""
    row = [
        button(plural("invite.uses_option", uses), InviteCB(action=InviteAction.USES, id=uses))
        for uses in USES_CHOICES
    ]
    return _("invite.step_uses"), InlineKeyboardMarkup(inline_keyboard=[row])


def created_text(invite: Invite, link: str, tz: ZoneInfo) -> str:
    """The invite just made, with its link to forward."""
    return _("invite.created").format(
        roles=role_names(invite.roles),
        department=_department(invite),
        expires=local_time(invite.expires_at, tz),
        uses=invite.uses_left,
        link=link,
    )


def invite_line(invite: Invite, tz: ZoneInfo) -> str:
    return _("invite.line").format(
        id=invite.id,
        roles=role_names(invite.roles),
        department=_department(invite),
        expires=local_time(invite.expires_at, tz),
        uses=invite.uses_left,
    )


def list_screen(usable: list[Invite], tz: ZoneInfo) -> Screen:
    """The invites still usable, a revoke button for each, and a new one."""
    lines = [_("invite.list_title"), ""]
    lines += [invite_line(invite, tz) for invite in usable] or [_("invite.list_empty")]
    rows = [
        [
            button(
                _("invite.revoke").format(id=invite.id),
                InviteCB(action=InviteAction.REVOKE, id=invite.id),
            )
        ]
        for invite in usable
    ]
    rows.append([button(_("invite.new"), InviteCB(action=InviteAction.NEW))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)
