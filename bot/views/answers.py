"""How answers read on a phone."""

from __future__ import annotations

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.domain import numbers
from bot.domain.checklists import AnswerType, Question
from bot.views.common import reader_locale

SHORT = 60


def shorten(text: str, limit: int = SHORT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_value(question: Question, value: str | None) -> str:
    """A stored answer as the respondent chose it, HTML-escaped."""
    if value is None:
        return _("answer.none")
    if question.type in (AnswerType.YES_NO, AnswerType.YES_NO_NA):
        return _(f"answer.{value}")
    if question.type is AnswerType.SCALE:
        return f"⭐ {value}/5"
    if question.type is AnswerType.NUMBER:
        return numbers.typed(value, reader_locale())
    return html.quote(shorten(value, 200))


def has_own_mark(question: Question) -> bool:
    """Whether an answer's label starts with its own emoji ("✅ Да", "⭐ 4/5"), so a screen
    adds no mark of its own beside it."""
    return question.type in (AnswerType.YES_NO, AnswerType.YES_NO_NA, AnswerType.SCALE)


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)
