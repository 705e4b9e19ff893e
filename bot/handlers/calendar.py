"""/calendar (manager): the school's terms and holidays; download the YAML; send it back.

A file sent back is validated whole (every problem named, nothing changed) as checklist
templates are; a good one is put in use at once."""

from __future__ import annotations

from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, SchoolCalAction, SchoolCalCB
from bot.domain.models import User
from bot.domain.roles import Role
from bot.domain.school_calendar import CalendarError
from bot.filters import HasRole
from bot.services.calendar import FILE_NAME, CalendarService
from bot.services.errors import Refused
from bot.ui import ask, refusal_text, show
from bot.views import calendar as views
from bot.views import templates as template_views

MAX_FILE = 64 * 1024


class CalendarUpload(StatesGroup):
    file = State()  # the next document is the new calendar


async def calendar_command(message: Message, state: FSMContext, calendar: CalendarService) -> None:
    await state.clear()
    await show(message, *views.calendar_screen(calendar.current(), calendar.custom))


async def calendar_button(callback: CallbackQuery, calendar: CalendarService) -> None:
    await show(callback, *views.calendar_screen(calendar.current(), calendar.custom))


async def download(callback: CallbackQuery, calendar: CalendarService, bot: Bot) -> None:
    await callback.answer()
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(calendar.text().encode("utf-8"), filename=FILE_NAME),
        caption=views.download_caption(),
    )


async def ask_file(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(CalendarUpload.file)
    await ask(callback, views.upload_question())


async def file_given(
    message: Message, state: FSMContext, user: User, calendar: CalendarService, bot: Bot
) -> None:
    document = message.document
    assert document is not None
    if not (document.file_name or "").lower().endswith((".yaml", ".yml")):
        await message.answer(_("calendar.not_yaml"))
        return
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(template_views.too_big_text(MAX_FILE // 1024))
        return
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    try:
        loaded = await calendar.replace(user, buffer.getvalue())
    except CalendarError as error:
        await message.answer(views.rejected_text(error.problems))
        return
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await show(message, *views.saved_screen(loaded))


async def not_a_file(message: Message) -> None:
    await message.answer(views.upload_question())


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(calendar_command, Command("calendar"))
    router.callback_query.register(calendar_button, MenuCB.filter(F.command == "calendar"))
    router.callback_query.register(
        calendar_button, SchoolCalCB.filter(F.action == SchoolCalAction.SHOW)
    )
    router.callback_query.register(
        download, SchoolCalCB.filter(F.action == SchoolCalAction.DOWNLOAD)
    )
    router.callback_query.register(ask_file, SchoolCalCB.filter(F.action == SchoolCalAction.UPLOAD))
    router.message.register(file_given, CalendarUpload.file, F.document)
    router.message.register(not_a_file, CalendarUpload.file, ~F.text.startswith("/"))
    return router
