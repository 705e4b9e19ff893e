"""The screens of /templates (manager): the checklist templates, one template's card, and
what an imported YAML file came to."""

from __future__ import annotations

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TemplateAction, TemplateCB
from bot.domain.audits import TemplateInfo
from bot.domain.checklist_files import describe
from bot.domain.checklists import Checklist, Problem
from bot.keyboards.pages import button
from bot.views.common import plural
from bot.views.nc import Screen, markup

PROBLEMS_SHOWN = 15


def list_screen(items: list[TemplateInfo]) -> Screen:
    """The latest version of each template, a button to its card, and how to import one."""
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
    return "\n".join(lines), markup(rows)


def card_screen(info: TemplateInfo, checklist: Checklist) -> Screen:
    """The template's facts and its sections with their question counts; download, back."""
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
    return "\n".join(lines), markup(rows)


def download_caption(info: TemplateInfo) -> str:
    return _("templates.download_caption").format(title=html.quote(info.title))


def too_big_text(limit_kb: int) -> str:
    return _("templates.too_big").format(limit=limit_kb)


def rejected_text(problems: list[Problem]) -> str:
    """Why a file was refused: the first problems, each where it is and what it is."""
    lines = [_("templates.rejected"), ""]
    lines += [f"• {html.quote(describe(p, _))}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(_("templates.more_problems").format(count=len(problems) - PROBLEMS_SHOWN))
    return "\n".join(lines)


def imported_text(info: TemplateInfo) -> str:
    return _("templates.imported").format(
        title=html.quote(info.title),
        language=info.language,
        version=info.version,
        questions=plural("templates.questions", info.question_count),
    )
