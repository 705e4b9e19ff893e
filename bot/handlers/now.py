"""The list behind each figure of /summary's "now" block."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.callbacks import NowCB
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.services.errors import Refused
from bot.services.now import NowBoard
from bot.services.reports import ReportService
from bot.ui import show
from bot.views import now as views


async def open_list(
    callback: CallbackQuery, callback_data: NowCB, now: NowBoard, reports: ReportService
) -> None:
    lines = await now.lines(callback_data.item, reports.today())
    if lines is None:
        raise Refused("stale")
    await show(callback, *views.list_screen(callback_data.item, lines, callback_data.page))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.callback_query.filter(HasRole(Role.MANAGER, Role.OBSERVER))
    router.callback_query.register(open_list, NowCB.filter())
    return router
