"""/summary's "now" block and the list behind each of its figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from aiogram import html
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    AuditAction,
    AuditCB,
    CompAction,
    CompCB,
    DocAction,
    DocCB,
    MenuCB,
    NcCB,
    NcView,
    NowCB,
    ObAction,
    ObCB,
    RiskCB,
    RiskStep,
    SupplierCB,
    SupplierStep,
    SurveyAction,
    SurveyCB,
)
from bot.domain.dates import format_date
from bot.keyboards.pages import button
from bot.services.now import Figure, NowLine
from bot.views.common import plural
from bot.views.nc import Screen, markup

LIST_SHOWN = 15
# What a line opens, by its target (another feature may add its own).
TARGETS: dict[str, Callable[[int], CallbackData]] = {
    "audit": lambda i: AuditCB(action=AuditAction.CARD, audit=i),
    "nc": lambda i: NcCB(action=NcView.OPEN, id=i),
    "competence": lambda _: CompCB(action=CompAction.HOME),
    # issues 14–16 (bot/services/integration.py): each line opens its feature's card
    "objective": lambda i: ObCB(action=ObAction.OPEN, id=i),
    "document": lambda i: DocCB(action=DocAction.OPEN, id=i),
    "survey": lambda i: SurveyCB(action=SurveyAction.CARD, id=i),
    "risk": lambda i: RiskCB(action=RiskStep.CARD, id=i),
    "supplier": lambda i: SupplierCB(action=SupplierStep.CARD, id=i),
}


def now_lines(figures: list[Figure], today: date) -> list[str]:
    """The block's lines: a title and each figure, or that nothing is live now."""
    lines = [_("now.title").format(date=format_date(today))]
    lines += [f"• {plural(key, count)}" for key, count in figures] or [_("now.nothing")]
    return lines


def now_buttons(figures: list[Figure]) -> list[list[InlineKeyboardButton]]:
    """A button per figure: it opens the list behind it."""
    return [[button(plural(key, count), NowCB(item=key))] for key, count in figures]


def line_text(line: NowLine) -> str:
    params = {k: html.quote(v) if isinstance(v, str) else v for k, v in line.params.items()}
    if "code" in params and not params.get("req"):  # a shipped requirement: the locale's name
        params["req"] = _(f"competence.req.{params['code']}")
    if "where" in params and not params["where"]:
        params["where"] = _("audit.whole_school")
    return str(_(line.key).format(**params))


def list_screen(key: str, lines: list[NowLine], page: int) -> Screen:
    """The list behind a figure, a page at a time, each line a button to what it names."""
    first = max(0, page) * LIST_SHOWN
    shown = lines[first : first + LIST_SHOWN]
    text = [f"<b>{plural(key, len(lines))}</b>", ""]
    rows: list[list[InlineKeyboardButton]] = []
    buttons: dict[str, InlineKeyboardButton] = {}  # one per thing opened
    for line in shown:
        words = line_text(line)
        text.append(f"• {words}")
        target = TARGETS.get(line.target)
        if target is not None:
            label = str(line.params.get("number") or _(f"now.open.{line.target}"))
            data = target(line.target_id)
            buttons.setdefault(data.pack(), button(label, data))
    rows += [list(buttons.values())[i : i + 3] for i in range(0, len(buttons), 3)]
    if not lines:
        text.append(_("now.list_empty"))
    pager = []
    if first:
        pager.append(button("◀️", NowCB(item=key, page=page - 1)))
    if first + LIST_SHOWN < len(lines):
        pager.append(button("▶️", NowCB(item=key, page=page + 1)))
    if pager:
        rows.append(pager)
    rows.append([button(_("now.back"), MenuCB(command="summary"))])
    return "\n".join(text), markup(rows)
