"""/suppliers screens: the providers with status and last score, a provider's card with
its evaluations and NCs, the evaluation one criterion at a time, the criteria's weights."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import SupplierCB, SupplierStep
from bot.domain import numbers
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.suppliers import (
    CRITERIA,
    MARKS,
    WEIGHT_MAX,
    WEIGHT_STEP,
    Evaluation,
    Supplier,
    SupplierStatus,
    suggested_status,
)
from bot.keyboards.pages import button, people_buttons
from bot.services.suppliers import Card
from bot.views.common import reader_locale

Screen = tuple[str, InlineKeyboardMarkup]
STATUS_ICONS = {
    SupplierStatus.APPROVED: "✅",
    SupplierStatus.CONDITIONAL: "⚠️",
    SupplierStatus.EXCLUDED: "⛔",
}
HISTORY_SHOWN = 5
PAGE = 20  # people per page of a picker
TEXT_LIMIT = 3800
SHOWN = 30  # providers with a button


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cb(step: SupplierStep, id: int = 0, v: str = "", n: int = -1) -> SupplierCB:
    return SupplierCB(action=step, id=id, v=v, n=n)


def status_text(status: SupplierStatus) -> str:
    return f"{STATUS_ICONS[status]} {_(f'suppliers.status.{status.value}')}"


def home_screen(suppliers: list[Supplier]) -> Screen:
    lines = [_("suppliers.title"), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for index, s in enumerate(suppliers):
        if sum(len(x) + 1 for x in lines) > TEXT_LIMIT:  # a phone's message limit
            lines.append(_("risks.more").format(count=len(suppliers) - index))
            break
        score = (
            _("suppliers.score").format(score=s.last_score)
            if s.last_score is not None
            else (_("suppliers.not_evaluated"))
        )
        lines.append(
            f"{STATUS_ICONS[s.status]} {html.quote(s.name)} — {html.quote(s.supplies)} · {score}"
        )
        if len(rows) < SHOWN:
            rows.append([button(s.name[:60], cb(SupplierStep.CARD, s.id))])
    if not suppliers:
        lines.append(_("suppliers.none"))
    rows.append(
        [
            button(_("suppliers.add"), cb(SupplierStep.NEW)),
            button(_("suppliers.weights"), cb(SupplierStep.WEIGHTS)),
        ]
    )
    return "\n".join(lines), markup(rows)


def _evaluation_line(evaluation: Evaluation) -> str:
    return _("suppliers.history_line").format(
        date=format_date(evaluation.evaluated_on), score=evaluation.score,
        name=html.quote(evaluation.by_name or "—"),
    )  # fmt: skip


def card_screen(card: Card, manager: bool) -> Screen:
    s = card.supplier
    contract = (
        f"{format_date(s.contract_from)}–{format_date(s.contract_to)}"
        if s.contract_from and s.contract_to
        else "—"
    )
    due = s.evaluation_due
    lines = [
        f"<b>{html.quote(s.name)}</b>",
        _("suppliers.supplies").format(text=html.quote(s.supplies)),
        _("suppliers.status_line").format(status=status_text(s.status)),
        _("suppliers.contract").format(period=contract),
        _("suppliers.contact").format(text=html.quote(s.contact or "—")),
        _("suppliers.owner").format(name=html.quote(s.owner_name or "—")),
        _("suppliers.next").format(date=format_date(due) if due else "—"),
        "",
        _("suppliers.history"),
    ]
    lines += [_evaluation_line(e) for e in card.evaluations[:HISTORY_SHOWN]] or [
        _("suppliers.not_evaluated")
    ]
    lines += ["", _("suppliers.ncs")]
    lines += [
        f"• {nc.number} · {_(f'nc.status.{nc.status.value}')} · {html.quote(nc.description[:80])}"
        for nc in card.ncs
    ] or [_("suppliers.no_ncs")]
    rows = [[button(_("suppliers.evaluate"), cb(SupplierStep.EVALUATE, s.id))]]
    if manager:
        rows[0].append(button(_("suppliers.raise_nc"), cb(SupplierStep.NC, s.id)))
        rows.append(
            [
                button(
                    ("• " if s.status is status else "") + status_text(status),
                    cb(SupplierStep.STATUS, s.id, status.value),
                )
                for status in SupplierStatus
            ]
        )
        rows.append(
            [
                button(_("suppliers.set_owner"), cb(SupplierStep.OWNER, s.id)),
                button(_("suppliers.set_contact"), cb(SupplierStep.ASK, s.id, "contact")),
                button(_("suppliers.set_contract"), cb(SupplierStep.ASK, s.id, "contract")),
            ]
        )
        rows.append([button(_("common.back"), cb(SupplierStep.HOME))])
    return "\n".join(lines), markup(rows)


def criterion_screen(supplier: Supplier, criterion: str, done: int) -> Screen:
    text = _("suppliers.ask_mark").format(
        name=html.quote(supplier.name), n=done + 1, total=len(CRITERIA),
        criterion=_(f"suppliers.criterion.{criterion}"),
    )  # fmt: skip
    rows = [[button(str(m), cb(SupplierStep.MARK, supplier.id, f"{criterion}={m}")) for m in MARKS]]
    return text, markup(rows)


def evaluated_screen(card: Card, evaluation: Evaluation, manager: bool) -> Screen:
    suggestion = suggested_status(evaluation.score)
    head = _("suppliers.evaluated").format(
        score=evaluation.score, suggested=status_text(suggestion)
    )
    text, keyboard = card_screen(card, manager)
    return head + "\n\n" + text, keyboard


def weights_screen(weights: dict[str, int]) -> Screen:
    lines = [_("suppliers.weights_title"), ""]
    total = sum(weights.values()) or 1
    rows = []
    for code in CRITERIA:
        weight = weights.get(code, 0)
        name = _(f"suppliers.criterion.{code}")
        share = numbers.percent(weight * 100 / total, reader_locale())
        lines.append(f"• {name}: {weight} ({share})")
        lower = cb(SupplierStep.WEIGHT, 0, f"{code}={max(0, weight - WEIGHT_STEP)}", weight)
        upper = cb(
            SupplierStep.WEIGHT, 0, f"{code}={min(WEIGHT_MAX, weight + WEIGHT_STEP)}", weight
        )
        rows.append([button(f"{name} −{WEIGHT_STEP}", lower), button(f"+{WEIGHT_STEP}", upper)])
    rows.append([button(_("common.back"), cb(SupplierStep.HOME))])
    return "\n".join(lines), markup(rows)


def people_screen(supplier: Supplier, people: list[User], page: int = 0) -> Screen:
    builder = InlineKeyboardBuilder()
    people_buttons(
        builder, people, page, PAGE,
        lambda person: cb(SupplierStep.OWNER, supplier.id, str(person.id)),
        lambda n: SupplierCB(action=SupplierStep.OWNER, id=supplier.id, p=n),
    )  # fmt: skip
    builder.row(button(_("common.back"), cb(SupplierStep.CARD, supplier.id)))
    return _("suppliers.ask_owner"), builder.as_markup()
