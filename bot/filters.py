"""Role filter: passes only an active registered user holding one of the roles."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.domain.models import User
from bot.domain.roles import EVERYONE, Role


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles) or EVERYONE

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return user is not None and user.has(*self.roles)
