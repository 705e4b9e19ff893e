"""Every CallbackData in one place: short versioned prefixes, Enums for actions.
Callback data is user input: handlers re-check permission on whatever it names."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuCB(CallbackData, prefix="m1"):
    command: str


class LanguageCB(CallbackData, prefix="l1"):
    code: str


class DeptAction(StrEnum):
    LIST = "ls"
    OPEN = "op"
    ADD = "add"
    RENAME = "ren"
    PICK_HEAD = "ph"
    SET_HEAD = "sh"


class DeptCB(CallbackData, prefix="d1"):
    action: DeptAction
    dept: int = 0
    user: int = 0
    page: int = 0


class InviteAction(StrEnum):
    NEW = "new"
    ROLE = "role"
    NEXT = "next"
    DEPT = "dept"
    USES = "uses"
    LIST = "ls"
    REVOKE = "rv"


class InviteCB(CallbackData, prefix="i1"):
    action: InviteAction
    role: str = ""
    id: int = 0


class UserAction(StrEnum):
    LIST = "ls"
    OPEN = "op"
    ROLE = "role"
    PICK_DEPT = "pd"
    SET_DEPT = "sd"
    ASK_DEACTIVATE = "ad"
    DEACTIVATE = "de"
    ACTIVATE = "ac"


class UserCB(CallbackData, prefix="u1"):
    action: UserAction
    user: int = 0
    role: str = ""
    dept: int = -1
    page: int = 0
