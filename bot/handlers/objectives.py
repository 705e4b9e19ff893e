"""/objectives: the manager defines quality objectives and their KPIs; heads and observers
read them; each KPI's values as a chart. An owner gives a reported value from his reminder
(a number, then a comment or a file, or skip); a value past the threshold proposes an NC
or an improvement opportunity in one tap."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import KpiAction, KpiCB, KpiValueAction, KpiValueCB, MenuCB, ObAction, ObCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.dates import format_date, parse_date
from bot.domain.models import User
from bot.domain.objectives import (
    NAME_MAX,
    TITLE_MAX,
    UNIT_MAX,
    Direction,
    limits_problem,
    parse_number,
)
from bot.domain.roles import Role
from bot.evidence import EvidenceCollector
from bot.filters import HasRole
from bot.handlers.evidence_input import collect_file
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.notices import Notices
from bot.services.objectives import (
    KPI_FIELDS,
    OBJECTIVE_FIELDS,
    ObjectiveService,
    StaleObjective,
)
from bot.ui import ask, refusal_text, show
from bot.views import objectives as views
from bot.views.reports import gettext

MANAGER = HasRole(Role.MANAGER)
READERS = HasRole(Role.MANAGER, Role.HEAD, Role.OBSERVER)


class ObjectiveEdit(StatesGroup):
    title = State()
    process = State()
    owner = State()
    kpi_name = State()
    kpi_unit = State()
    kpi_direction = State()
    kpi_target = State()
    kpi_threshold = State()
    kpi_frequency = State()
    kpi_source = State()


class ObjectiveChange(StatesGroup):
    text = State()  # the objective's title, process or period; a KPI's name, unit or numbers
    owner = State()


class KpiEntry(StatesGroup):
    value = State()
    extra = State()


# -- reading -----------------------------------------------------------------------------------


async def _list(
    event: Message | CallbackQuery, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    await state.clear()
    await show(event, *views.list_screen(await objectives.cards(), user.has(Role.MANAGER)))


async def objectives_command(
    message: Message, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    await _list(message, state, user, objectives)


async def objectives_menu(
    callback: CallbackQuery, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    await _list(callback, state, user, objectives)


async def objective_open(
    callback: CallbackQuery, callback_data: ObCB, user: User, objectives: ObjectiveService
) -> None:
    card = await objectives.card(callback_data.id)
    await show(callback, *views.card_screen(card, user.has(Role.MANAGER)))


async def kpi_chart(
    callback: CallbackQuery,
    callback_data: KpiCB,
    user: User,
    objectives: ObjectiveService,
    bot: Bot,
) -> None:
    from bot.reports.charts import kpi_over_time

    objective, series = await objectives.series(callback_data.id)
    await callback.answer(_("export.preparing"))
    kpi = series.kpi
    points = [(slot.name, value) for slot, value in series.points]
    image = await asyncio.to_thread(
        kpi_over_time, kpi.name, points, kpi.target, kpi.threshold, kpi.unit, gettext
    )
    caption = views.series_caption(objective.title, series)
    await bot.send_photo(user.tg_id, BufferedInputFile(image, f"kpi-{kpi.id}.png"), caption=caption)


# -- defining (manager) ------------------------------------------------------------------------


async def objective_archive(
    callback: CallbackQuery,
    callback_data: ObCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    await objectives.archive(user, callback_data.id)
    await state.clear()
    screen = views.list_screen(await objectives.cards(), True)
    await show(callback, *screen, alert=_("objectives.archived"))


async def objective_new(callback: CallbackQuery, state: FSMContext) -> None:
    await set_dialog(state, ObjectiveEdit.title)
    await ask(callback, _("objectives.ask_title"))


async def _too_long(message: Message, text: str, limit: int) -> bool:
    """A text over the limit is refused on its own step (the step stays, nothing lost)."""
    if len(text) <= limit:
        return False
    await message.answer(_("refused.objectives.too_long").format(limit=limit))
    return True


async def title_given(message: Message, state: FSMContext) -> None:
    text = " ".join((message.text or "").split())
    if await _too_long(message, text, TITLE_MAX):
        return
    await advance(state, ObjectiveEdit.process, title=text)
    await message.answer(_("objectives.ask_process"))


async def process_given(message: Message, state: FSMContext, objectives: ObjectiveService) -> None:
    text = " ".join((message.text or "").split())
    if await _too_long(message, text, TITLE_MAX):
        return
    await advance(state, ObjectiveEdit.owner, process=text)
    people = [p for p in await objectives.people() if not p.has(Role.TEACHER) or p.has(Role.HEAD)]
    await show(message, *views.owner_screen(people or await objectives.people()))


async def owner_picked(
    callback: CallbackQuery,
    callback_data: ObCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    title, process = need(await state.get_data(), "title", "process")
    objective = await objectives.add_objective(user, title, process, callback_data.id)
    await state.clear()
    await show(callback, *views.card_screen(await objectives.card(objective.id), True))


async def kpi_new(
    callback: CallbackQuery, callback_data: ObCB, state: FSMContext, objectives: ObjectiveService
) -> None:
    await objectives.card(callback_data.id)  # it exists
    await set_dialog(state, ObjectiveEdit.kpi_name, objective=callback_data.id)
    await ask(callback, _("objectives.ask_kpi_name"))


async def kpi_name_given(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())
    if await _too_long(message, name, NAME_MAX):
        return
    await advance(state, ObjectiveEdit.kpi_unit, name=name)
    await message.answer(_("objectives.ask_unit"))


async def kpi_unit_given(message: Message, state: FSMContext) -> None:
    unit = " ".join((message.text or "").split())
    if await _too_long(message, unit, UNIT_MAX):
        return
    await advance(state, ObjectiveEdit.kpi_direction, unit=unit)
    await show(message, *views.direction_screen())


async def direction_picked(callback: CallbackQuery, callback_data: ObCB, state: FSMContext) -> None:
    if callback_data.v not in ("higher", "lower"):
        raise Refused("stale")
    await advance(state, ObjectiveEdit.kpi_target, direction=callback_data.v)
    await ask(callback, _("objectives.ask_target"))


async def _number_typed(message: Message, refusal: str) -> float | None:
    """The number typed (86,8 / 1 200 / 86,8 %), or None with `refusal` said: the question
    stays and nothing is lost."""
    value = parse_number(message.text or "")
    if value is None:
        await message.answer(refusal)
    return value


async def target_given(message: Message, state: FSMContext) -> None:
    if (value := await _number_typed(message, _("objectives.bad_number"))) is None:
        return
    await advance(state, ObjectiveEdit.kpi_threshold, goal=value)
    await message.answer(_("objectives.ask_threshold"))


async def threshold_given(message: Message, state: FSMContext) -> None:
    if (value := await _number_typed(message, _("objectives.bad_number"))) is None:
        return
    direction, target = need(await state.get_data(), "direction", "goal")
    problem = limits_problem(Direction(direction), target, value)
    if problem:
        await message.answer(_(f"refused.{problem}"))
        return
    await advance(state, ObjectiveEdit.kpi_frequency, threshold=value)
    await show(message, *views.frequency_screen())


async def frequency_picked(callback: CallbackQuery, callback_data: ObCB, state: FSMContext) -> None:
    if callback_data.v not in ("month", "term"):
        raise Refused("stale")
    await advance(state, ObjectiveEdit.kpi_source, frequency=callback_data.v)
    await ask(callback, *views.source_screen(ObjectiveService.sources()))


async def source_picked(
    callback: CallbackQuery,
    callback_data: ObCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    data = await state.get_data()
    (objective_id,) = need(data, "objective")
    draft = dict(zip(
        ("name", "unit", "direction", "target", "threshold", "frequency"),
        need(data, "name", "unit", "direction", "goal", "threshold", "frequency"),
        strict=True,
    ))  # fmt: skip
    await objectives.add_kpi(user, objective_id, {**draft, "source": callback_data.v})
    await state.clear()
    await show(callback, *views.card_screen(await objectives.card(objective_id), True))


# -- editing (manager) -------------------------------------------------------------------------

DAY = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def _field_and_mark(value: str, fields: tuple[str, ...]) -> tuple[str, str]:
    field, _sep, mark = value.partition(".")
    if field not in fields or not mark:
        raise Refused("stale")
    return field, mark


def typed_period(text: str) -> tuple[date, date] | None:
    """«01.09.2026–31.08.2027» (any dash or words between the two dates), or None."""
    days = [parse_date(found) for found in DAY.findall(text)]
    if len(days) != 2 or days[0] is None or days[1] is None:
        return None
    return days[0], days[1]


async def _stale_card(
    event: Message | CallbackQuery,
    error: StaleObjective,
    state: FSMContext,
    objectives: ObjectiveService,
) -> None:
    """Nothing changed; the card as it is now, with one sentence saying why."""
    await state.clear()
    screen = views.card_screen(await objectives.card(error.objective_id), True)
    if isinstance(event, CallbackQuery):
        await show(event, *screen, alert=refusal_text(error))
        return
    await event.answer(refusal_text(error))
    await show(event, *screen)


async def _changed(
    event: Message | CallbackQuery, state: FSMContext, objectives: ObjectiveService, oid: int
) -> None:
    await state.clear()
    alert = _("objectives.changed") if isinstance(event, CallbackQuery) else None
    await show(event, *views.card_screen(await objectives.card(oid), True), alert=alert)


async def objective_edit(
    callback: CallbackQuery, callback_data: ObCB, state: FSMContext, objectives: ObjectiveService
) -> None:
    await state.clear()
    try:
        card = await objectives.check_mark(callback_data.id, callback_data.v)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    await show(callback, *views.edit_screen(card, OBJECTIVE_FIELDS))


async def field_chosen(
    callback: CallbackQuery, callback_data: ObCB, state: FSMContext, objectives: ObjectiveService
) -> None:
    field, mark = _field_and_mark(callback_data.v, OBJECTIVE_FIELDS)
    try:
        card = await objectives.check_mark(callback_data.id, mark)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    objective = card.objective
    if field == "owner":
        await set_dialog(state, ObjectiveChange.owner, objective=objective.id, mark=mark)
        await show(callback, *views.owner_screen(await objectives.people(), ObAction.EDIT_OWNER))
        return
    current = {
        "title": objective.title, "process": objective.process,
        "period": f"{format_date(objective.period_start)}–{format_date(objective.period_end)}",
    }[field]  # fmt: skip
    await set_dialog(
        state, ObjectiveChange.text, objective=objective.id, kpi=0, field=field, mark=mark
    )
    await ask(callback, views.ask_field(field, current))


async def owner_changed(
    callback: CallbackQuery,
    callback_data: ObCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    objective_id, mark = need(await state.get_data(), "objective", "mark")
    try:
        await objectives.edit_objective(user, objective_id, mark, "owner", callback_data.id)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    await _changed(callback, state, objectives, objective_id)


async def kpi_edit(
    callback: CallbackQuery, callback_data: ObCB, state: FSMContext, objectives: ObjectiveService
) -> None:
    await state.clear()
    try:
        kpi, card = await objectives.kpi_for_edit(callback_data.id, callback_data.v)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    await show(callback, *views.kpi_edit_screen(kpi, card, KPI_FIELDS))


async def kpi_field_chosen(
    callback: CallbackQuery, callback_data: ObCB, state: FSMContext, objectives: ObjectiveService
) -> None:
    field, mark = _field_and_mark(callback_data.v, KPI_FIELDS)
    try:
        kpi, card = await objectives.kpi_for_edit(callback_data.id, mark)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    if field == "frequency":
        await show(callback, *views.kpi_frequency_screen(kpi, mark))
        return
    current = {
        "name": kpi.name, "unit": kpi.unit, "target": views.with_unit(kpi.target, kpi),
        "threshold": views.with_unit(kpi.threshold, kpi),
    }[field]  # fmt: skip
    await set_dialog(
        state, ObjectiveChange.text, objective=card.objective.id, kpi=kpi.id, field=field,
        mark=mark,
    )  # fmt: skip
    await ask(callback, views.ask_field(field, current))


async def kpi_frequency_changed(
    callback: CallbackQuery,
    callback_data: ObCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    frequency, _sep, mark = callback_data.v.partition(".")
    try:
        kpi = await objectives.edit_kpi(user, callback_data.id, mark, "frequency", frequency)
    except StaleObjective as error:
        await _stale_card(callback, error, state, objectives)
        return
    await _changed(callback, state, objectives, kpi.objective_id)


async def change_typed(
    message: Message, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    """A new value typed: a bad number or period is refused and asked again (nothing lost);
    an edit the card meanwhile outdated is refused and the card shown as it is now."""
    objective_id, kpi_id, field, mark = need(
        await state.get_data(), "objective", "kpi", "field", "mark"
    )
    text = message.text or ""
    value: object = text
    if field in ("target", "threshold"):
        value = parse_number(text)
        if value is None:
            await message.answer(_("objectives.bad_number"))
            return
    elif field == "period":
        value = typed_period(text)
        if value is None:
            await message.answer(_("refused.objectives.bad_period"))
            return
    try:
        if kpi_id:
            await objectives.edit_kpi(user, kpi_id, mark, field, value)
        else:
            await objectives.edit_objective(user, objective_id, mark, field, value)
    except StaleObjective as error:
        await _stale_card(message, error, state, objectives)
        return
    except Refused as refusal:
        await message.answer(refusal_text(refusal))  # the question stays
        return
    await _changed(message, state, objectives, objective_id)


# -- a reported value --------------------------------------------------------------------------


async def value_start(
    callback: CallbackQuery,
    callback_data: KpiValueCB,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
) -> None:
    kpi, _objective, slot = await objectives.slot(user, callback_data.id, callback_data.v)
    await set_dialog(state, KpiEntry.value, kpi=kpi.id, period=slot.key)
    await ask(callback, views.ask_value(kpi, slot))


async def value_given(message: Message, state: FSMContext) -> None:
    if (value := await _number_typed(message, _("objectives.bad_value"))) is None:
        return
    await advance(state, KpiEntry.extra, value=value)
    await show(message, *views.ask_extra())


async def value_not_text(message: Message) -> None:
    await message.answer(_("objectives.bad_value"))


async def extra_text(
    message: Message, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    await _save_value(message, state, user, objectives, message.text, [])


async def extra_file(
    message: Message,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
    evidence: EvidenceCollector,
    file_store: FileService,
) -> None:
    """A photo or file, kept in the school's store like any evidence (refused over
    FILE_MAX_MB), its caption the comment; an album's photos are one value's files, saved
    once after its last photo."""

    async def save(current: dict[str, Any]) -> None:
        await _save_value(
            message, state, user, objectives, current.get("comment"), current["evidence"]
        )

    await collect_file(
        message, state, evidence, file_store, KpiEntry.extra, save,
        same=("kpi", "period"), caption_as="comment",
    )  # fmt: skip


async def extra_skipped(
    callback: CallbackQuery, state: FSMContext, user: User, objectives: ObjectiveService
) -> None:
    await _save_value(callback, state, user, objectives, None, [])


async def _save_value(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: User,
    objectives: ObjectiveService,
    comment: str | None,
    evidence: list[dict[str, object]],
) -> None:
    kpi_id, period, value = need(await state.get_data(), "kpi", "period", "value")
    await state.clear()
    entered = await objectives.enter_value(user, kpi_id, period, value, comment, evidence)
    await show(event, *views.entered_screen(entered.kpi, entered.slot, value, entered.standing))


# -- an action for a KPI past its threshold -------------------------------------------------


async def raise_action(
    callback: CallbackQuery,
    callback_data: KpiCB,
    user: User,
    objectives: ObjectiveService,
    notices: Notices,
) -> None:
    objective, series = await objectives.series(callback_data.id)
    value = next((v for s, v in series.points if s.key == callback_data.v), None)
    slot = next((s for s, _v in series.points if s.key == callback_data.v), None)
    if value is None or slot is None:
        raise Refused("stale")
    description = views.action_description(objective.title, series.kpi, slot.name, value)
    improvement = callback_data.action is KpiAction.IMPROVEMENT
    nc, created = await objectives.raise_action(
        user, series.kpi.id, slot.key, improvement, description
    )
    key = "objectives.raised" if created else "objectives.already_raised"
    if created and nc.responsible_id != user.id:
        owner = await objectives.ncs.person(nc.responsible_id)
        await notices.about_nc(nc, "nc.told.assigned", user, [owner])
    await show(callback, _(key).format(number=nc.number), views.markup([]))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(action: ObAction) -> CallbackQueryFilter:
        return ObCB.filter(F.action == action)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(objectives_command, Command("objectives"), READERS)
    router.callback_query.register(objectives_menu, MenuCB.filter(F.command == "objectives"),
                                   READERS)  # fmt: skip
    router.callback_query.register(objectives_menu, on(ObAction.LIST), READERS)
    router.callback_query.register(objective_open, on(ObAction.OPEN), READERS)
    router.callback_query.register(kpi_chart, KpiCB.filter(F.action == KpiAction.CHART), READERS)
    router.callback_query.register(objective_new, on(ObAction.NEW), MANAGER)
    router.callback_query.register(objective_archive, on(ObAction.ARCHIVE), MANAGER)
    router.message.register(title_given, ObjectiveEdit.title, MANAGER, *text)
    router.message.register(process_given, ObjectiveEdit.process, MANAGER, *text)
    router.callback_query.register(owner_picked, ObjectiveEdit.owner, on(ObAction.OWNER), MANAGER)
    router.callback_query.register(kpi_new, on(ObAction.KPI_NEW), MANAGER)
    router.message.register(kpi_name_given, ObjectiveEdit.kpi_name, MANAGER, *text)
    router.message.register(kpi_unit_given, ObjectiveEdit.kpi_unit, MANAGER, *text)
    router.callback_query.register(
        direction_picked, ObjectiveEdit.kpi_direction, on(ObAction.DIRECTION), MANAGER
    )
    router.message.register(target_given, ObjectiveEdit.kpi_target, MANAGER, *text)
    router.message.register(threshold_given, ObjectiveEdit.kpi_threshold, MANAGER, *text)
    router.callback_query.register(
        frequency_picked, ObjectiveEdit.kpi_frequency, on(ObAction.FREQUENCY), MANAGER
    )
    router.callback_query.register(
        source_picked, ObjectiveEdit.kpi_source, on(ObAction.SOURCE), MANAGER
    )
    router.callback_query.register(objective_edit, on(ObAction.EDIT), MANAGER)
    router.callback_query.register(field_chosen, on(ObAction.FIELD), MANAGER)
    router.callback_query.register(
        owner_changed, ObjectiveChange.owner, on(ObAction.EDIT_OWNER), MANAGER
    )
    router.callback_query.register(kpi_edit, on(ObAction.KPI_EDIT), MANAGER)
    router.callback_query.register(kpi_field_chosen, on(ObAction.KPI_FIELD), MANAGER)
    router.callback_query.register(kpi_frequency_changed, on(ObAction.KPI_FREQUENCY), MANAGER)
    router.message.register(change_typed, ObjectiveChange.text, MANAGER, *text)
    router.callback_query.register(value_start, KpiValueCB.filter(F.action == KpiValueAction.ENTER))
    router.message.register(value_given, KpiEntry.value, *text)
    router.message.register(value_not_text, KpiEntry.value)
    router.message.register(extra_text, KpiEntry.extra, *text)
    router.message.register(extra_file, KpiEntry.extra, F.photo | F.document)
    router.callback_query.register(
        extra_skipped, KpiEntry.extra, KpiValueCB.filter(F.action == KpiValueAction.SKIP)
    )
    for action in (KpiAction.NC, KpiAction.IMPROVEMENT):
        router.callback_query.register(raise_action, KpiCB.filter(F.action == action))
    return router
