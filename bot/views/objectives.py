"""/objectives screens: the list with each objective's status, an objective's card with its
KPIs, the definition wizard's questions, a reported value's questions and the proposal of
an action for a KPI past its threshold."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    KpiAction,
    KpiCB,
    KpiValueAction,
    KpiValueCB,
    ObAction,
    ObCB,
)
from bot.domain import numbers
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.objectives import (
    STANDING_ICONS,
    STATUS_ICONS,
    Direction,
    Frequency,
    Kpi,
    Slot,
    Standing,
    standing,
)
from bot.keyboards.pages import button
from bot.services.objectives import KpiSeries, ObjectiveCard
from bot.views.common import reader_locale

Screen = tuple[str, InlineKeyboardMarkup]
PEOPLE_SHOWN = 40


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def with_unit(value: float | None, kpi: Kpi) -> str:
    """A KPI's figure in its unit, in the reader's language: «4,1 балл», «90 %», or "—"."""
    return numbers.amount(value, kpi.unit, reader_locale())


def source_name(source: str) -> str:
    return _(f"objectives.source.{source}")


def status_text(card: ObjectiveCard) -> str:
    return f"{STATUS_ICONS[card.status]} {_(f'objectives.status.{card.status.value}')}"


def list_screen(cards: list[ObjectiveCard], manager: bool) -> Screen:
    lines = [_("objectives.title"), ""]
    lines += [
        f"{STATUS_ICONS[c.status]} {html.quote(c.objective.title)} — {html.quote(c.owner)}"
        for c in cards
    ] or [_("objectives.none")]
    rows = [
        [
            button(
                f"{STATUS_ICONS[c.status]} {c.objective.title[:60]}",
                ObCB(action=ObAction.OPEN, id=c.objective.id),
            )
        ]
        for c in cards
    ]
    if manager:
        rows.append([button(_("objectives.new"), ObCB(action=ObAction.NEW))])
    return "\n".join(lines), markup(rows)


def kpi_line(series: KpiSeries) -> str:
    kpi = series.kpi
    latest = series.latest
    if latest is None:
        value = _("objectives.no_value")
    else:
        slot, figure = latest
        icon = STANDING_ICONS[standing(kpi, figure)]
        value = f"{icon} {with_unit(figure, kpi)} ({html.quote(slot.name)})"
    sign = "≥" if kpi.direction is Direction.HIGHER else "≤"
    return _("objectives.kpi_line").format(
        name=html.quote(kpi.name), value=value, sign=sign,
        target=with_unit(kpi.target, kpi), threshold=with_unit(kpi.threshold, kpi),
        frequency=_(f"objectives.frequency.{kpi.frequency.value}"),
        source=source_name(kpi.source),
    )  # fmt: skip


def card_screen(card: ObjectiveCard, manager: bool) -> Screen:
    objective = card.objective
    lines = [
        f"🎯 <b>{html.quote(objective.title)}</b>",
        _("objectives.process").format(process=html.quote(objective.process)),
        _("objectives.owner").format(owner=html.quote(card.owner)),
        _("objectives.period").format(
            start=format_date(objective.period_start), end=format_date(objective.period_end)
        ),
        _("objectives.status_line").format(status=status_text(card)),
        "",
        _("objectives.kpis"),
    ]
    lines += [kpi_line(s) for s in card.series] or [_("objectives.no_kpis")]
    rows = [
        [button(f"📈 {s.kpi.name[:50]}", KpiCB(action=KpiAction.CHART, id=s.kpi.id))]
        for s in card.series
    ]
    if manager:
        rows.append(
            [button(_("objectives.add_kpi"), ObCB(action=ObAction.KPI_NEW, id=objective.id))]
        )
        archive = button(_("objectives.archive"), ObCB(action=ObAction.ARCHIVE, id=objective.id))
        edit = button(_("objectives.edit"), ObCB(action=ObAction.EDIT, id=objective.id,
                                                 v=card.mark))  # fmt: skip
        rows.append([edit, archive])
    rows.append([button(_("common.back"), ObCB(action=ObAction.LIST))])
    return "\n".join(lines), markup(rows)


def owner_screen(people: list[User], action: ObAction = ObAction.OWNER) -> Screen:
    rows = [[button(p.full_name, ObCB(action=action, id=p.id))] for p in people[:PEOPLE_SHOWN]]
    return _("objectives.ask_owner"), markup(rows)


# -- editing (manager) -------------------------------------------------------------------------

# The question for each field, the wizard's own where it has one.
ASK_FIELD = {
    "title": "objectives.ask_title", "process": "objectives.ask_process",
    "period": "objectives.ask_period", "name": "objectives.ask_kpi_name",
    "unit": "objectives.ask_unit", "target": "objectives.ask_target",
    "threshold": "objectives.ask_threshold",
}  # fmt: skip


def edit_screen(card: ObjectiveCard, fields: tuple[str, ...]) -> Screen:
    objective, mark = card.objective, card.mark
    rows = [
        [
            button(
                _(f"objectives.field.{field}"),
                ObCB(action=ObAction.FIELD, id=objective.id, v=f"{field}.{mark}"),
            )
        ]
        for field in fields
    ]
    rows += [
        [button(f"📏 {s.kpi.name[:50]}", ObCB(action=ObAction.KPI_EDIT, id=s.kpi.id, v=mark))]
        for s in card.series
    ]
    rows.append([button(_("common.back"), ObCB(action=ObAction.OPEN, id=objective.id))])
    return _("objectives.edit_what").format(title=html.quote(objective.title)), markup(rows)


def kpi_edit_screen(kpi: Kpi, card: ObjectiveCard, fields: tuple[str, ...]) -> Screen:
    mark = card.mark
    rows = [
        [
            button(
                _(f"objectives.kpi_field.{field}"),
                ObCB(action=ObAction.KPI_FIELD, id=kpi.id, v=f"{field}.{mark}"),
            )
        ]
        for field in fields
    ]
    back = ObCB(action=ObAction.EDIT, id=card.objective.id, v=mark)
    rows.append([button(_("common.back"), back)])
    text = _("objectives.edit_kpi_what").format(name=html.quote(kpi.name))
    return text + "\n" + kpi_line(next(s for s in card.series if s.kpi.id == kpi.id)), markup(rows)


def ask_field(field: str, current: str) -> str:
    """The field's question, with its value now (so a small fix can be copied and typed)."""
    now = _("objectives.now_value").format(value=html.quote(current))
    return f"{_(ASK_FIELD[field])}\n{now}"


def kpi_frequency_screen(kpi: Kpi, mark: str) -> Screen:
    rows = [
        [
            button(
                ("✅ " if kpi.frequency is f else "") + _(f"objectives.frequency.{f.value}"),
                ObCB(action=ObAction.KPI_FREQUENCY, id=kpi.id, v=f"{f.value}.{mark}"),
            )
        ]
        for f in Frequency
    ]
    return _("objectives.ask_frequency"), markup(rows)


def direction_screen() -> Screen:
    rows = [
        [button(_(f"objectives.direction.{d.value}"), ObCB(action=ObAction.DIRECTION, v=d.value))]
        for d in Direction
    ]
    return _("objectives.ask_direction"), markup(rows)


def frequency_screen() -> Screen:
    rows = [
        [button(_(f"objectives.frequency.{f.value}"), ObCB(action=ObAction.FREQUENCY, v=f.value))]
        for f in Frequency
    ]
    return _("objectives.ask_frequency"), markup(rows)


def source_screen(sources: list[str]) -> Screen:
    rows = [[button(source_name(s), ObCB(action=ObAction.SOURCE, v=s))] for s in sources]
    return _("objectives.ask_source"), markup(rows)


def series_caption(objective_title: str, series: KpiSeries) -> str:
    lines = [f"📈 <b>{html.quote(series.kpi.name)}</b> · {html.quote(objective_title)}"]
    for slot, value in series.points:
        icon = STANDING_ICONS[standing(series.kpi, value)] if value is not None else "·"
        lines.append(f"{icon} {html.quote(slot.name)}: {with_unit(value, series.kpi)}")
    if not series.points:
        lines.append(_("objectives.no_value"))
    return "\n".join(lines)[:1000]


# -- a reported value ------------------------------------------------------------------------


def ask_value(kpi: Kpi, slot: Slot) -> str:
    return _("objectives.ask_value").format(
        name=html.quote(kpi.name), period=html.quote(slot.name), unit=html.quote(kpi.unit)
    )


def ask_extra() -> Screen:
    skip = button(_("objectives.skip_extra"), KpiValueCB(action=KpiValueAction.SKIP))
    return _("objectives.ask_extra"), markup([[skip]])


def entered_screen(kpi: Kpi, slot: Slot, value: float, state: Standing) -> Screen:
    text = _("objectives.entered").format(
        name=html.quote(kpi.name), period=html.quote(slot.name),
        value=f"{STANDING_ICONS[state]} {with_unit(value, kpi)}",
    )  # fmt: skip
    if state is not Standing.BREACH:
        return text, markup([])
    return text + "\n\n" + proposal_text(kpi), proposal_keyboard(kpi.id, slot.key)


def proposal_text(kpi: Kpi) -> str:
    return _("objectives.propose").format(
        threshold=with_unit(kpi.threshold, kpi), name=html.quote(kpi.name)
    )


def proposal_keyboard(kpi_id: int, period: str) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(_("objectives.raise_nc"), KpiCB(action=KpiAction.NC, id=kpi_id, v=period))],
            [
                button(
                    _("objectives.raise_ofi"),
                    KpiCB(action=KpiAction.IMPROVEMENT, id=kpi_id, v=period),
                )
            ],
        ]
    )


def action_description(objective_title: str, kpi: Kpi, slot_name: str, value: float) -> str:
    """The NC's description, in the words of the one who raised it."""
    return _("objectives.nc_description").format(
        name=kpi.name, objective=objective_title, period=slot_name,
        value=with_unit(value, kpi), target=with_unit(kpi.target, kpi),
        threshold=with_unit(kpi.threshold, kpi),
    )  # fmt: skip
