"""One router per feature; the catch-all router comes last."""

from aiogram import Router

from bot.handlers import common, departments, fallback, invites, start, users


def get_routers() -> list[Router]:
    return [
        start.router,
        common.router,
        departments.router,
        invites.router,
        users.router,
        fallback.router,
    ]
