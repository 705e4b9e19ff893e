"""/templates (manager): the checklist templates; import a YAML file; download one."""

from __future__ import annotations

from io import BytesIO

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, TemplateAction, TemplateCB
from bot.domain.checklists import ChecklistError, describe
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.keyboards.pages import button
from bot.services.templates import TemplateService
from bot.ui import show

MAX_FILE = 256 * 1024
PROBLEMS_SHOWN = 15


async def _list(event: Message | CallbackQuery, templates: TemplateService) -> None:
    items = await templates.latest()
    lines = [_("templates.title"), ""]
    lines += [
        _("templates.line").format(
            title=html.quote(t.title),
            language=t.language,
            version=t.version,
            count=t.question_count,
        )
        for t in items
    ] or [_("templates.empty")]
    lines += ["", _("templates.how_to_import")]
    rows = [
        [button(f"{t.title} ({t.language})", TemplateCB(action=TemplateAction.OPEN, id=t.id))]
        for t in items
    ]
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def templates_command(message: Message, templates: TemplateService) -> None:
    await _list(message, templates)


async def templates_button(callback: CallbackQuery, templates: TemplateService) -> None:
    await _list(callback, templates)


async def template_card(
    callback: CallbackQuery, callback_data: TemplateCB, templates: TemplateService
) -> None:
    info = await templates.info(callback_data.id)
    checklist = await templates.checklist(info.id)
    lines = [
        _("templates.card").format(
            title=html.quote(info.title),
            code=info.code,
            language=info.language,
            version=info.version,
            count=info.question_count,
        ),
        "",
    ]
    lines += [
        f"• {html.quote(section.title)} ({len(section.questions)})"
        for section in checklist.sections
    ]
    rows = [
        [button(_("templates.download"), TemplateCB(action=TemplateAction.DOWNLOAD, id=info.id))],
        [button(_("common.back"), TemplateCB(action=TemplateAction.LIST))],
    ]
    await show(callback, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


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
        caption=_("templates.download_caption").format(title=html.quote(info.title)),
    )


async def template_file(message: Message, user: User, templates: TemplateService, bot: Bot) -> None:
    document = message.document
    assert document is not None
    name = (document.file_name or "").lower()
    if not name.endswith((".yaml", ".yml")):
        await message.answer(_("templates.not_yaml"))
        return
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(_("templates.too_big").format(limit=MAX_FILE // 1024))
        return
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    try:
        info = await templates.import_yaml(user, buffer.getvalue())
    except ChecklistError as error:
        lines = [_("templates.rejected"), ""]
        lines += [f"• {html.quote(describe(p, _))}" for p in error.problems[:PROBLEMS_SHOWN]]
        if len(error.problems) > PROBLEMS_SHOWN:
            lines.append(
                _("templates.more_problems").format(count=len(error.problems) - PROBLEMS_SHOWN)
            )
        await message.answer("\n".join(lines))
        return
    await message.answer(
        _("templates.imported").format(
            title=html.quote(info.title),
            language=info.language,
            version=info.version,
            count=info.question_count,
        )
    )


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
