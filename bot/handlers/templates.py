"""/templates (manager): the checklist templates; import a YAML file; download one."""

from __future__ import annotations

from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, TemplateAction, TemplateCB
from bot.domain.checklist_files import ChecklistError
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.services.templates import TemplateService
from bot.ui import show
from bot.views import templates as views

MAX_FILE = 256 * 1024


async def _list(event: Message | CallbackQuery, templates: TemplateService) -> None:
    await show(event, *views.list_screen(await templates.latest()))


async def templates_command(message: Message, templates: TemplateService) -> None:
    await _list(message, templates)


async def templates_button(callback: CallbackQuery, templates: TemplateService) -> None:
    await _list(callback, templates)


async def template_card(
    callback: CallbackQuery, callback_data: TemplateCB, templates: TemplateService
) -> None:
    info = await templates.info(callback_data.id)
    checklist = await templates.checklist(info.id)
    await show(callback, *views.card_screen(info, checklist))


async def template_download(
    callback: CallbackQuery, callback_data: TemplateCB, templates: TemplateService, bot: Bot
) -> None:
    info = await templates.info(callback_data.id)
    text = await templates.yaml_of(info.id)
    name = f"{info.code}_{info.language}_v{info.version}.yaml"
    await callback.answer()
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(text.encode("utf-8"), filename=name),
        caption=views.download_caption(info),
    )


async def template_file(message: Message, user: User, templates: TemplateService, bot: Bot) -> None:
    document = message.document
    assert document is not None
    name = (document.file_name or "").lower()
    if not name.endswith((".yaml", ".yml")):
        await message.answer(_("templates.not_yaml"))
        return
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(views.too_big_text(MAX_FILE // 1024))
        return
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    try:
        info = await templates.import_yaml(user, buffer.getvalue())
    except ChecklistError as error:
        await message.answer(views.rejected_text(error.problems))
        return
    await message.answer(views.imported_text(info))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(templates_command, Command("templates"))
    router.callback_query.register(
        templates_button, TemplateCB.filter(F.action == TemplateAction.LIST)
    )
    router.callback_query.register(templates_button, MenuCB.filter(F.command == "templates"))
    router.callback_query.register(
        template_card, TemplateCB.filter(F.action == TemplateAction.OPEN)
    )
    router.callback_query.register(
        template_download, TemplateCB.filter(F.action == TemplateAction.DOWNLOAD)
    )
    router.message.register(template_file, StateFilter(None), F.document)
    return router
