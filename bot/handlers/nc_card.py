"""The NC card: every field, its evidence and history, and the workflow's actions.

Buttons come from the workflow table for this person and this NC; every handler still
goes through the service, which re-checks the table, so a forged or stale button is
refused and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB, NcCB, NcView, PlanNcAction, PlanNcCB
from bot.config import Settings
from bot.dialogs import advance, dialog_data, need, set_dialog
from bot.domain.dates import format_date, parse_date
from bot.domain.models import User
from bot.domain.nonconformities import (
    MAX_WHYS,
    NcAction,
    NcStatus,
    Nonconformity,
    Severity,
    may_act,
)
from bot.evidence import EvidenceCollector, evidence_item
from bot.filters import HasRole
from bot.handlers.date_input import checked_day, picked_day
from bot.keyboards.calendar import calendar_keyboard
from bot.keyboards.pages import button
from bot.services.errors import Refused
from bot.services.nonconformities import NcService, viewer_of
from bot.services.notices import Notices
from bot.ui import refusal_text, send_file, show
from bot.views.nc import card_keyboard, card_text, status_text

log = logging.getLogger(__name__)
router = Router(name=__name__)
router.message.filter(HasRole())
router.callback_query.filter(HasRole())

EVIDENCE_SENT_MAX = 10


class NcInput(StatesGroup):
    clause = State()
    reject = State()
    not_effective = State()
    due_date = State()
    due_reason = State()
    done = State()


class NcPlanning(StatesGroup):
    correction = State()
    why = State()
    action = State()
    due = State()
    confirm = State()


async def show_card(
    event: Message | CallbackQuery, nc: Nonconformity, user: User, ncs: NcService
) -> None:
    actions = [a for a in NcAction if may_act(viewer_of(user), nc, a)]
    await show(event, card_text(nc, ncs.today()), card_keyboard(nc, actions))


async def _checked(user: User, nc_id: int, action: NcAction, ncs: NcService) -> Nonconformity:
    """The NC, if this person may take this action on it now (before asking him to type)."""
    nc = await ncs.get(user, nc_id)
    if not may_act(viewer_of(user), nc, action):
        raise Refused("nc.not_allowed")
    return nc


async def tell(
    notices: Notices, ncs: NcService, nc: Nonconformity, key: str, actor: User, *to: int | None
) -> None:
    """Tells the next people who must act (by user id), in their language."""
    await notices.about_nc(nc, key, actor, [await ncs.person(i) for i in to if i])


# -- viewing -----------------------------------------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.OPEN))
async def open_card(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    await state.clear()
    await show_card(callback, await ncs.get(user, callback_data.id), user, ncs)


@router.callback_query(NcCB.filter(F.action == NcView.EVIDENCE))
async def send_evidence(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService, bot: Bot
) -> None:
    nc = await ncs.get(user, callback_data.id)
    await callback.answer()
    items = [(item, "nc.evidence_caption") for item in nc.evidence]
    items += [(item, "nc.done_evidence_caption") for item in nc.done_evidence]
    for item, key in items[:EVIDENCE_SENT_MAX]:
        await send_file(bot, user.tg_id, item, _(key).format(number=nc.number))


@router.callback_query(NcCB.filter(F.action == NcView.HISTORY))
async def history(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService, settings: Settings
) -> None:
    nc = await ncs.get(user, callback_data.id)
    lines = [_("nc.history_title").format(number=nc.number), ""]
    for entry in await ncs.history(user, nc.id):
        event = entry.event
        moment = event.at.astimezone(settings.tz).strftime("%d.%m.%Y %H:%M")
        before, after = event.data.get("from"), event.data.get("to")
        change = ""
        if before and after and before != after:
            change = f" ({status_text(NcStatus(before))} → {status_text(NcStatus(after))})"
        elif after:
            change = f" ({status_text(NcStatus(after))})"
        note = f"\n   «{html.quote(str(event.data['note']))}»" if event.data.get("note") else ""
        who = html.quote(entry.actor_name or _("nc.system"))
        lines.append(f"{moment} · {who} · {_(f'nc.event.{event.action}')}{change}{note}")
    back = button(_("common.back"), NcCB(action=NcView.OPEN, id=nc.id))
    await show(callback, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[back]]))


# -- classification and assignment ----------------------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.SEVERITY))
async def severity(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService
) -> None:
    if callback_data.arg:
        try:
            chosen = Severity(callback_data.arg)
        except ValueError:
            raise Refused("stale") from None
        nc = await ncs.classify(user, callback_data.id, severity=chosen)
        await show_card(callback, nc, user, ncs)
        return
    nc = await _checked(user, callback_data.id, NcAction.CLASSIFY, ncs)
    rows = [
        [button(_(f"nc.severity.{s.value}"), NcCB(action=NcView.SEVERITY, id=nc.id, arg=s.value))]
        for s in Severity
    ]
    rows.append([button(_("common.back"), NcCB(action=NcView.OPEN, id=nc.id))])
    await show(
        callback,
        _("nc.ask_severity").format(number=nc.number),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def _ask(
    callback: CallbackQuery, state: FSMContext, target: State, nc: Nonconformity, key: str
) -> None:
    await set_dialog(state, target, nc=nc.id)
    await callback.answer()
    await callback.message.answer(_(key).format(number=nc.number))  # type: ignore[union-attr]


@router.callback_query(NcCB.filter(F.action == NcView.CLAUSE))
async def ask_clause(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _checked(user, callback_data.id, NcAction.CLASSIFY, ncs)
    await _ask(callback, state, NcInput.clause, nc, "nc.ask_clause")


@router.message(NcInput.clause, F.text, ~F.text.startswith("/"))
async def clause_given(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    (nc_id,) = await dialog_data(state, "nc")
    try:
        nc = await ncs.classify(user, nc_id, clause=message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if refusal.key != "nc.bad_clause":
            await state.clear()
        return
    await state.clear()
    await show_card(message, nc, user, ncs)


@router.callback_query(NcCB.filter(F.action == NcView.ASSIGN))
async def assign(
    callback: CallbackQuery,
    callback_data: NcCB,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    if callback_data.arg:
        if not callback_data.arg.isdigit():
            raise Refused("stale")
        nc = await ncs.assign(user, callback_data.id, int(callback_data.arg))
        await tell(notices, ncs, nc, "nc.told.assigned", user, nc.responsible_id)
        await show_card(callback, nc, user, ncs)
        return
    nc = await _checked(user, callback_data.id, NcAction.ASSIGN, ncs)
    head = await ncs.default_responsible(nc)
    people = [p for p in await ncs.people() if p.is_active]
    people.sort(key=lambda p: (p.id != head, p.department_id != nc.department_id, p.full_name))
    rows = []
    for person in people[:20]:
        label = ("👤 " if person.id == head else "") + person.full_name
        if person.department_name:
            label += f" · {person.department_name}"
        rows.append([button(label, NcCB(action=NcView.ASSIGN, id=nc.id, arg=str(person.id)))])
    rows.append([button(_("common.back"), NcCB(action=NcView.OPEN, id=nc.id))])
    await show(
        callback,
        _("nc.ask_responsible").format(number=nc.number),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


# -- reject, not effective: a typed reason ----------------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.REJECT))
async def ask_reject(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _checked(user, callback_data.id, NcAction.REJECT, ncs)
    await _ask(callback, state, NcInput.reject, nc, "nc.ask_reject")


@router.callback_query(NcCB.filter(F.action == NcView.NOT_EFFECTIVE))
async def ask_not_effective(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _checked(user, callback_data.id, NcAction.NOT_EFFECTIVE, ncs)
    await _ask(callback, state, NcInput.not_effective, nc, "nc.ask_not_effective")


@router.message(NcInput.reject, F.text, ~F.text.startswith("/"))
@router.message(NcInput.not_effective, F.text, ~F.text.startswith("/"))
async def reason_given(
    message: Message,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    (nc_id,) = await dialog_data(state, "nc")
    rejecting = await state.get_state() == NcInput.reject.state
    try:
        if rejecting:
            nc = await ncs.reject(user, nc_id, message.text or "")
        else:
            nc = await ncs.not_effective(user, nc_id, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if not refusal.key.endswith("_empty"):
            await state.clear()
        return
    await state.clear()
    if rejecting:
        await tell(notices, ncs, nc, "nc.told.rejected", user, nc.reporter_id)
    else:
        await tell(notices, ncs, nc, "nc.told.not_effective", user, nc.responsible_id)
    await show_card(message, nc, user, ncs)


# -- verdicts and due-date decisions ----------------------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.VERIFY))
async def verify(callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService) -> None:
    await show_card(callback, await ncs.verify(user, callback_data.id), user, ncs)


@router.callback_query(NcCB.filter(F.action == NcView.EFFECTIVE))
async def effective(
    callback: CallbackQuery,
    callback_data: NcCB,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    nc = await ncs.effective(user, callback_data.id)
    await tell(notices, ncs, nc, "nc.told.closed", user, nc.responsible_id, nc.reporter_id)
    await show_card(callback, nc, user, ncs)


@router.callback_query(NcCB.filter(F.action == NcView.DECIDE_DUE))
async def decide_due(
    callback: CallbackQuery,
    callback_data: NcCB,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    grant = callback_data.arg == "1"
    nc = await ncs.decide_due(user, callback_data.id, grant)
    key = "nc.told.due_granted" if grant else "nc.told.due_refused"
    await tell(notices, ncs, nc, key, user, nc.responsible_id)
    await show_card(callback, nc, user, ncs)


# -- a new due date: date, then reason ---------------------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.REQUEST_DUE))
async def ask_due(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _checked(user, callback_data.id, NcAction.REQUEST_DUE, ncs)
    await set_dialog(state, NcInput.due_date, nc=nc.id)
    today = ncs.today()
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("nc.ask_new_due").format(number=nc.number),
        reply_markup=calendar_keyboard(today.year, today.month, today),
    )


@router.message(NcInput.due_date, F.text, ~F.text.startswith("/"))
async def due_typed(message: Message, state: FSMContext, ncs: NcService) -> None:
    if chosen := await checked_day(message, parse_date(message.text or ""), ncs.today()):
        await advance(state, NcInput.due_reason, due=chosen.isoformat())
        await message.answer(_("nc.ask_due_reason").format(date=format_date(chosen)))


@router.callback_query(NcInput.due_date, CalendarCB.filter())
async def due_picked(
    callback: CallbackQuery, callback_data: CalendarCB, state: FSMContext, ncs: NcService
) -> None:
    picked = await picked_day(callback, callback_data, ncs.today())
    if picked and (chosen := await checked_day(callback, picked, ncs.today())):
        await advance(state, NcInput.due_reason, due=chosen.isoformat())
        await callback.answer()
        await callback.message.answer(  # type: ignore[union-attr]
            _("nc.ask_due_reason").format(date=format_date(chosen))
        )


@router.message(NcInput.due_reason, F.text, ~F.text.startswith("/"))
async def due_reason_given(
    message: Message,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    nc_id, due = await dialog_data(state, "nc", "due")
    try:
        nc = await ncs.request_due(user, int(nc_id), date.fromisoformat(due), message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if not refusal.key.endswith("_empty"):
            await state.clear()
        return
    await state.clear()
    await notices.about_nc(nc, "nc.told.due_requested", user, await ncs.managers())
    await show_card(message, nc, user, ncs)


# -- done: a note and evidence -----------------------------------------------------------------


def _done_keyboard(nc_id: int) -> InlineKeyboardMarkup:
    finish = button(_("nc.do.done_finish"), NcCB(action=NcView.DONE, id=nc_id, arg="finish"))
    return InlineKeyboardMarkup(inline_keyboard=[[finish]])


@router.callback_query(NcCB.filter(F.action == NcView.DONE))
async def done(
    callback: CallbackQuery,
    callback_data: NcCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    if callback_data.arg != "finish":
        nc = await _checked(user, callback_data.id, NcAction.DONE, ncs)
        await set_dialog(state, NcInput.done, nc=nc.id, note="", evidence=[])
        await callback.answer()
        await callback.message.answer(  # type: ignore[union-attr]
            _("nc.ask_done").format(number=nc.number), reply_markup=_done_keyboard(nc.id)
        )
        return
    data = await state.get_data()
    if await state.get_state() != NcInput.done.state or int(data.get("nc", 0)) != callback_data.id:
        raise Refused("stale")
    if not data.get("note"):
        await callback.answer(_("nc.done_needs_note"), show_alert=True)
        return
    nc = await ncs.done(user, callback_data.id, data["note"], list(data.get("evidence", [])))
    await state.clear()
    await notices.about_nc(nc, "nc.told.done", user, await ncs.managers())
    await show_card(callback, nc, user, ncs)


@router.message(NcInput.done, F.text, ~F.text.startswith("/"))
async def done_note(message: Message, state: FSMContext) -> None:
    (nc_id,) = await dialog_data(state, "nc")
    await state.update_data(note=(message.text or "").strip()[:2000])
    await message.answer(_("nc.done_note_saved"), reply_markup=_done_keyboard(int(nc_id)))


@router.message(NcInput.done, F.photo | F.document)
async def done_evidence(message: Message, state: FSMContext, evidence: EvidenceCollector) -> None:
    data = await state.get_data()
    (nc_id,) = need(data, "nc")
    item = evidence_item(message)
    assert item is not None
    update: dict[str, Any] = {"evidence": [*data.get("evidence", []), item]}
    if message.caption and not data.get("note"):
        update["note"] = message.caption.strip()[:2000]
    await state.update_data(**update)

    async def confirm() -> None:
        current = await state.get_data()
        if await state.get_state() != NcInput.done.state or current.get("nc") != nc_id:
            return  # he went on meanwhile; the files are kept with the action
        count = len(current.get("evidence", []))
        await message.answer(
            _("nc.done_evidence_saved").format(count=count), reply_markup=_done_keyboard(nc_id)
        )

    await evidence.confirm(message, state.key, confirm)


# -- plan: correction, five whys, action, due date ---------------------------------------------


@router.callback_query(NcCB.filter(F.action == NcView.PLAN))
async def plan_start(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _checked(user, callback_data.id, NcAction.PLAN, ncs)
    await set_dialog(state, NcPlanning.correction, nc=nc.id, whys=[])
    skip = button(_("nc.plan.no_correction"), PlanNcCB(action=PlanNcAction.NO_CORRECTION))
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("nc.plan.ask_correction").format(number=nc.number),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[skip]]),
    )


async def _ask_why(event: Message | CallbackQuery, state: FSMContext, **changes: Any) -> None:
    whys = (await advance(state, NcPlanning.why, **changes)).get("whys", [])
    rows = []
    if whys:
        rows.append([button(_("nc.plan.root_found"), PlanNcCB(action=PlanNcAction.ROOT_FOUND))])
    key = "nc.plan.ask_first_why" if not whys else "nc.plan.ask_next_why"
    text = _(key).format(
        n=len(whys) + 1, total=MAX_WHYS, previous=html.quote(whys[-1]) if whys else ""
    )
    target = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer()
    await target.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))  # type: ignore[union-attr]


@router.message(NcPlanning.correction, F.text, ~F.text.startswith("/"))
async def correction_given(message: Message, state: FSMContext) -> None:
    await _ask_why(message, state, correction=(message.text or "").strip()[:2000])


@router.callback_query(
    NcPlanning.correction, PlanNcCB.filter(F.action == PlanNcAction.NO_CORRECTION)
)
async def no_correction(callback: CallbackQuery, state: FSMContext) -> None:
    await _ask_why(callback, state, correction=None)


async def _ask_action(event: Message | CallbackQuery, state: FSMContext, **changes: Any) -> None:
    await advance(state, NcPlanning.action, **changes)
    target = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer()
    await target.answer(_("nc.plan.ask_action"))  # type: ignore[union-attr]


@router.message(NcPlanning.why, F.text, ~F.text.startswith("/"))
async def why_given(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    need(data, "nc")
    whys = [*data.get("whys", []), (message.text or "").strip()[:500]]
    if len(whys) >= MAX_WHYS:
        await _ask_action(message, state, whys=whys)
    else:
        await _ask_why(message, state, whys=whys)


@router.callback_query(NcPlanning.why, PlanNcCB.filter(F.action == PlanNcAction.ROOT_FOUND))
async def root_found(callback: CallbackQuery, state: FSMContext) -> None:
    await _ask_action(callback, state)


@router.message(NcPlanning.action, F.text, ~F.text.startswith("/"))
async def action_given(message: Message, state: FSMContext, ncs: NcService) -> None:
    await advance(state, NcPlanning.due, action=(message.text or "").strip()[:2000])
    today = ncs.today()
    await message.answer(
        _("nc.plan.ask_due"), reply_markup=calendar_keyboard(today.year, today.month, today)
    )


async def _confirm_plan(event: Message | CallbackQuery, state: FSMContext, due: date) -> None:
    data = await advance(state, NcPlanning.confirm, due=due.isoformat())
    found, action = need(data, "whys", "action")
    whys = "\n".join(f"  {n}. {html.quote(w)}" for n, w in enumerate(found, 1))
    text = _("nc.plan.summary").format(
        correction=html.quote(data.get("correction") or "—"),
        whys=whys,
        action=html.quote(action),
        due=format_date(due),
    )
    ok = button(_("nc.plan.confirm"), PlanNcCB(action=PlanNcAction.CONFIRM))
    markup = InlineKeyboardMarkup(inline_keyboard=[[ok]])
    if isinstance(event, CallbackQuery):
        await event.answer()
        await event.message.answer(text, reply_markup=markup)  # type: ignore[union-attr]
    else:
        await event.answer(text, reply_markup=markup)


@router.message(NcPlanning.due, F.text, ~F.text.startswith("/"))
async def plan_due_typed(message: Message, state: FSMContext, ncs: NcService) -> None:
    if chosen := await checked_day(message, parse_date(message.text or ""), ncs.today()):
        await _confirm_plan(message, state, chosen)


@router.callback_query(NcPlanning.due, CalendarCB.filter())
async def plan_due_picked(
    callback: CallbackQuery, callback_data: CalendarCB, state: FSMContext, ncs: NcService
) -> None:
    picked = await picked_day(callback, callback_data, ncs.today())
    if picked and (chosen := await checked_day(callback, picked, ncs.today())):
        await _confirm_plan(callback, state, chosen)


@router.callback_query(NcPlanning.confirm, PlanNcCB.filter(F.action == PlanNcAction.CONFIRM))
async def plan_confirm(
    callback: CallbackQuery, state: FSMContext, user: User, ncs: NcService
) -> None:
    data = await state.get_data()
    nc_id, whys, action, due = need(data, "nc", "whys", "action", "due")
    nc = await ncs.plan(
        user, int(nc_id), data.get("correction"), list(whys), action, date.fromisoformat(due)
    )
    await state.clear()
    await show_card(callback, nc, user, ncs)
