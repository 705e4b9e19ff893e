"""/backup (manager): a fresh consistent copy of the database, sent as a document."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB
from bot.config import Settings
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.storage.backup import backup_to


async def _send(user: User, bot: Bot, settings: Settings) -> None:
    if settings.postgres_url:  # the administrator's pg_dump keeps it, not a file here
        await bot.send_message(user.tg_id, _("backup.postgres"))
        return
    waiting = await bot.send_message(user.tg_id, _("backup.preparing"))
    stamp = datetime.now(settings.tz).strftime("%Y%m%d-%H%M")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / f"qms-backup-{stamp}.sqlite3"
        await asyncio.to_thread(backup_to, settings.database_path, copy)
        await bot.send_document(user.tg_id, FSInputFile(copy), caption=_("backup.caption"))
    await waiting.delete()


async def backup_command(message: Message, user: User, bot: Bot, settings: Settings) -> None:
    await _send(user, bot, settings)


async def backup_menu(callback: CallbackQuery, user: User, bot: Bot, settings: Settings) -> None:
    await callback.answer()
    await _send(user, bot, settings)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(backup_command, Command("backup"))
    router.callback_query.register(backup_menu, MenuCB.filter(F.command == "backup"))
    return router
