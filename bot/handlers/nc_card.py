"""The NC card: every field, its evidence and history, and the workflow's actions.

Buttons come from the workflow table for this person and this NC and carry the card's
revision; every handler goes through the service, which re-checks the table (and the
revision), so a forged or stale button changes nothing and the person sees the card as it
is now (errors.stale_card).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB, NcCB, NcView, PlanNcAction, PlanNcCB
from bot.config import Settings
from bot.dialogs import advance, carried_number, dialog_data, drawn_for, need, set_dialog
from bot.domain.models import User
from bot.domain.nonconformities import (
    MAX_WHYS,
    NcAction,
    NcStatus,
    Nonconformity,
    Severity,
    may_act,
    written_before,
)
from bot.domain.roles import Role
from bot.domain.texts import meaningful
from bot.evidence import EvidenceCollector
from bot.filters import HasRole
from bot.handlers.date_input import checked_day, future_day_picked, future_day_typed
from bot.handlers.evidence_input import collect_file
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.nonconformities import NcService, SimilarNc, text_refused, viewer_of
from bot.services.notices import Notices
from bot.ui import ask, refusal_text, send_file, show
from bot.views import nc as views

EVIDENCE_SENT_MAX = 10
SEARCH_MAX = 8


class NcInput(StatesGroup):
    clause = State()
    reject = State()
    not_effective = State()
    due_date = State()
    due_reason = State()
    done = State()
    effective = State()  # the justification (and photos), then close with or without re-check
    recheck = State()
    reopen = State()
    reassign_reason = State()
    find_person = State()


class NcPlanning(StatesGroup):
    correction = State()
    why = State()
    action = State()
    due = State()
    confirm = State()


# -- helpers -------------------------------------------------------------------------------


async def show_card(
    event: Message | CallbackQuery, nc: Nonconformity, user: User, ncs: NcService
) -> None:
    await show(event, *card_screen(nc, user, ncs, await ncs.similar(user, nc.id)))


def card_screen(
    nc: Nonconformity, user: User, ncs: NcService, similar: list[SimilarNc]
) -> views.Screen:
    """The card as this person sees it: the actions the workflow table allows him now."""
    actions = [a for a in NcAction if may_act(viewer_of(user), nc, a)]
    may_link = user.has(Role.MANAGER, Role.AUDITOR) or nc.responsible_id == user.id
    return views.card_screen(nc, ncs.today(), actions, similar, may_link)


def _seen(data: NcCB) -> int | None:
    return None if data.v < 0 else data.v


async def _ready(user: User, data: NcCB, action: NcAction, ncs: NcService) -> Nonconformity:
    """The NC, if the button is from its current card and this person may take this action
    now (checked before he is asked to type); else the card as it is now is shown."""
    return await ncs.ready(user, data.id, action, _seen(data))


async def _said(message: Message, limit: int, plan: dict[str, Any] | None = None) -> str | None:
    """A typed text that says something (kept to `limit`) and, in a plan, is not one the plan
    already holds (sent twice); otherwise None, the person told why (the step stays)."""
    value = (message.text or "").strip()
    problem = None
    if not meaningful(value):
        problem = Refused("nc.not_content")
    elif plan is not None and written_before(value, plan.get("correction"), plan.get("whys", [])):
        problem = Refused("nc.plan.repeated")
    if problem is not None:
        await message.answer(refusal_text(problem))
        return None
    return value[:limit]


async def tell(
    notices: Notices, ncs: NcService, nc: Nonconformity, key: str, actor: User, *to: int | None
) -> None:
    """Tells the next people who must act (by user id), in their language."""
    await notices.about_nc(nc, key, actor, [await ncs.person(i) for i in to if i])


# -- viewing -------------------------------------------------------------------------------


async def open_card(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    await state.clear()
    await show_card(callback, await ncs.get(user, callback_data.id), user, ncs)


async def send_evidence(
    callback: CallbackQuery,
    callback_data: NcCB,
    user: User,
    ncs: NcService,
    bot: Bot,
    file_store: FileService,
) -> None:
    nc = await ncs.get(user, callback_data.id)
    await callback.answer()
    for item, caption in views.evidence_files(nc)[:EVIDENCE_SENT_MAX]:
        await send_file(bot, user.tg_id, item, caption, file_store)


async def history(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService, settings: Settings
) -> None:
    nc = await ncs.get(user, callback_data.id)
    await show(callback, *views.history_screen(nc, await ncs.history(user, nc.id), settings.tz))


async def link(callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService) -> None:
    await ncs.link(user, callback_data.id, carried_number(callback_data.arg))
    await show_card(callback, await ncs.get(user, callback_data.id), user, ncs)


# -- classification ----------------------------------------------------------------------------


async def severity(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService
) -> None:
    if callback_data.arg:
        try:
            chosen = Severity(callback_data.arg)
        except ValueError:
            raise Refused("stale") from None
        nc = await ncs.classify(user, callback_data.id, severity=chosen, seen=_seen(callback_data))
        await show_card(callback, nc, user, ncs)
        return
    nc = await _ready(user, callback_data, NcAction.CLASSIFY, ncs)
    await show(callback, *views.severity_screen(nc))


async def _start_typing(
    callback: CallbackQuery, state: FSMContext, target: State, nc: Nonconformity, key: str
) -> None:
    await set_dialog(state, target, nc=nc.id)
    await ask(callback, views.nc_question(key, nc))


async def ask_clause(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _ready(user, callback_data, NcAction.CLASSIFY, ncs)
    await _start_typing(callback, state, NcInput.clause, nc, "nc.ask_clause")


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


# -- the responsible: head first, by department, by a typed part of the name ----------------


async def assign(
    callback: CallbackQuery,
    callback_data: NcCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    departments: DepartmentService,
    notices: Notices,
) -> None:
    arg, seen = callback_data.arg, _seen(callback_data)
    nc = await ncs.get(user, callback_data.id)
    action = NcAction.REASSIGN if nc.status is NcStatus.PLANNED else NcAction.ASSIGN
    nc = await _ready(user, callback_data, action, ncs)
    head = await ncs.default_responsible(nc)
    people = [p for p in await ncs.people() if p.is_active]
    if arg.startswith("u") and arg[1:].isdigit():
        chosen = next((p for p in people if p.id == int(arg[1:])), None)
        if chosen is None:
            raise Refused("users.not_found")
        if chosen.id == nc.responsible_id:
            await callback.answer(views.already_responsible(chosen), show_alert=True)
            return
        if action is NcAction.REASSIGN:
            await set_dialog(
                state, NcInput.reassign_reason, nc=nc.id, person=chosen.id, rev=nc.revision
            )
            await ask(callback, views.reassign_screen(nc, chosen))
            return
        nc = await ncs.assign(user, nc.id, chosen.id, seen=seen)
        await tell(notices, ncs, nc, "nc.told.assigned", user, nc.responsible_id)
        await show_card(callback, nc, user, ncs)
        return
    if arg == "D":
        await show(callback, *views.departments_screen(nc, await departments.list()))
        return
    if arg == "s":
        await set_dialog(state, NcInput.find_person, nc=nc.id, rev=nc.revision)
        await ask(callback, _("nc.pick.type_name"))
        return
    if arg.startswith("d") and arg[1:].isdigit():
        department = await departments.get(int(arg[1:]))
        staff = sorted(
            (p for p in people if p.department_id == department.id),
            key=lambda p: (p.id != department.head_user_id, p.full_name),
        )
        await show(
            callback,
            *views.responsible_screen(nc, staff, department.head_user_id, department.name),
        )
        return
    page = int(arg[1:]) if arg.startswith("p") and arg[1:].isdigit() else 0
    # Those who know the NC's department first: its head, then its staff, then the rest.
    people.sort(key=lambda p: (p.id != head, p.department_id != nc.department_id, p.full_name))
    await show(callback, *views.responsible_screen(nc, people, head, page=page))


async def person_found(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    nc_id, _rev = await dialog_data(state, "nc", "rev")
    nc = await ncs.get(user, int(nc_id))
    typed = (message.text or "").strip().lower()
    if len(typed) < 2:
        await message.answer(_("nc.pick.type_more"))
        return
    found = [p for p in await ncs.people() if p.is_active and typed in p.full_name.lower()][
        :SEARCH_MAX
    ]
    await state.clear()
    head = await ncs.default_responsible(nc)
    await show(message, *views.found_screen(nc, found, head, typed))


async def reassign_reason_given(
    message: Message, state: FSMContext, user: User, ncs: NcService, notices: Notices
) -> None:
    nc_id, person, rev = await dialog_data(state, "nc", "person", "rev")
    before = await ncs.get(user, int(nc_id))
    try:
        nc = await ncs.reassign(user, int(nc_id), int(person), message.text or "", seen=int(rev))
    except Refused as refusal:
        if refusal.key in ("nc.not_content", "nc.reason_empty", "nc.too_long"):
            await message.answer(refusal_text(refusal))
            return
        raise
    await state.clear()
    await tell(notices, ncs, nc, "nc.told.reassigned", user, nc.responsible_id)
    await tell(notices, ncs, nc, "nc.told.reassigned_away", user, before.responsible_id)
    await show_card(message, nc, user, ncs)


# -- typed reasons: reject, not effective, re-check, reopen ----------------------------------


REASONS: dict[str, tuple[NcAction, str, str | None]] = {
    # state -> (action, question, who is told and with which words)
    NcInput.reject.state or "": (NcAction.REJECT, "nc.ask_reject", "nc.told.rejected"),
    NcInput.not_effective.state or "": (
        NcAction.NOT_EFFECTIVE,
        "nc.ask_not_effective",
        "nc.told.not_effective",
    ),
    NcInput.recheck.state or "": (NcAction.RECHECK, "nc.ask_recheck", None),
    NcInput.reopen.state or "": (NcAction.REOPEN, "nc.ask_reopen", "nc.told.reopened"),
}
REASON_STATES = {
    NcView.REJECT: NcInput.reject,
    NcView.NOT_EFFECTIVE: NcInput.not_effective,
    NcView.RECHECK: NcInput.recheck,
    NcView.REOPEN: NcInput.reopen,
}


async def ask_reason(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    target = REASON_STATES[callback_data.action]
    action, key, _told = REASONS[target.state or ""]
    nc = await _ready(user, callback_data, action, ncs)
    await _start_typing(callback, state, target, nc, key)


async def reason_given(
    message: Message, state: FSMContext, user: User, ncs: NcService, notices: Notices
) -> None:
    (nc_id,) = await dialog_data(state, "nc")
    current = await state.get_state()
    action, _key, told = REASONS[current or ""]
    steps = {
        NcAction.REJECT: ncs.reject,
        NcAction.NOT_EFFECTIVE: ncs.not_effective,
        NcAction.RECHECK: ncs.recheck,
        NcAction.REOPEN: ncs.reopen,
    }
    try:
        nc = await steps[action](user, int(nc_id), message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if not text_refused(refusal):
            await state.clear()
        return
    await state.clear()
    if told is not None:
        to = nc.reporter_id if action is NcAction.REJECT else nc.responsible_id
        await tell(notices, ncs, nc, told, user, to)
    await show_card(message, nc, user, ncs)


# -- verification and effectiveness ----------------------------------------------------------


async def verify(callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService) -> None:
    nc = await ncs.verify(user, callback_data.id, seen=_seen(callback_data))
    await show_card(callback, nc, user, ncs)


async def effective(
    callback: CallbackQuery,
    callback_data: NcCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
    settings: Settings,
) -> None:
    """First the justification (text, optional photos); then close, with or without a
    re-check of effectiveness after RECHECK_DAYS."""
    arg = callback_data.arg
    if not arg:
        nc = await _ready(user, callback_data, NcAction.EFFECTIVE, ncs)
        await set_dialog(state, NcInput.effective, nc=nc.id, note="", evidence=[])
        await ask(callback, views.effective_question(nc))
        return
    if not (arg.startswith("r") and arg[1:].isdigit()):
        raise Refused("stale")
    data = await drawn_for(state, NcInput.effective, nc=callback_data.id)
    note, evidence = need(data, "note", "evidence")
    if not note:
        await callback.answer(_("nc.effective.needs_note"), show_alert=True)
        return
    days = min(int(arg[1:]), settings.recheck_days)
    nc = await ncs.effective(user, callback_data.id, note, list(evidence), days)
    await state.clear()
    await tell(notices, ncs, nc, "nc.told.closed", user, nc.responsible_id, nc.reporter_id)
    await show_card(callback, nc, user, ncs)


async def effective_note(
    message: Message, state: FSMContext, user: User, ncs: NcService, settings: Settings
) -> None:
    data = await state.get_data()
    (nc_id,) = need(data, "nc")
    if (note := await _said(message, 2000)) is None:
        return
    data = await advance(state, NcInput.effective, note=note)
    nc = await ncs.get(user, int(nc_id))
    pieces = len(data.get("evidence", []))
    await show(message, *views.recheck_screen(nc, note, pieces, settings.recheck_days))


async def _collect(
    message: Message,
    state: FSMContext,
    evidence: EvidenceCollector,
    file_store: FileService,
    step: State,
    confirm: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """A file for this NC's step (done, effective): its caption is the note while none is
    written; the confirmation only while the person is still at this step of this NC."""
    await dialog_data(state, "nc")
    await collect_file(
        message, state, evidence, file_store, step, confirm, same=("nc",), caption_as="note"
    )


async def effective_evidence(
    message: Message,
    state: FSMContext,
    user: User,
    ncs: NcService,
    evidence: EvidenceCollector,
    settings: Settings,
    file_store: FileService,
) -> None:
    async def confirm(current: dict[str, Any]) -> None:
        count = len(current.get("evidence", []))
        if not current.get("note"):
            await message.answer(views.effective_evidence_saved(count))
            return
        nc = await ncs.get(user, int(current["nc"]))
        await show(
            message, *views.recheck_screen(nc, current["note"], count, settings.recheck_days)
        )

    await _collect(message, state, evidence, file_store, NcInput.effective, confirm)


# -- due dates -------------------------------------------------------------------------------


async def decide_due(
    callback: CallbackQuery, callback_data: NcCB, user: User, ncs: NcService, notices: Notices
) -> None:
    grant = callback_data.arg == "1"
    nc = await ncs.decide_due(user, callback_data.id, grant, seen=_seen(callback_data))
    key = "nc.told.due_granted" if grant else "nc.told.due_refused"
    await tell(notices, ncs, nc, key, user, nc.responsible_id)
    await show_card(callback, nc, user, ncs)


async def ask_due(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _ready(user, callback_data, NcAction.REQUEST_DUE, ncs)
    await set_dialog(state, NcInput.due_date, nc=nc.id)
    await ask(callback, *views.new_due_screen(nc, ncs.today()))


async def due_typed(message: Message, state: FSMContext, ncs: NcService) -> None:
    if chosen := await future_day_typed(message, ncs.today()):
        await advance(state, NcInput.due_reason, due=chosen.isoformat())
        await message.answer(views.due_reason_question(chosen))


async def due_picked(
    callback: CallbackQuery, callback_data: CalendarCB, state: FSMContext, ncs: NcService
) -> None:
    if chosen := await future_day_picked(callback, callback_data, ncs.today()):
        await advance(state, NcInput.due_reason, due=chosen.isoformat())
        await ask(callback, views.due_reason_question(chosen))


async def due_reason_given(
    message: Message, state: FSMContext, user: User, ncs: NcService, notices: Notices
) -> None:
    nc_id, due = await dialog_data(state, "nc", "due")
    try:
        nc = await ncs.request_due(user, int(nc_id), date.fromisoformat(due), message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if not text_refused(refusal):
            await state.clear()
        return
    await state.clear()
    await notices.about_nc(nc, "nc.told.due_requested", user, await ncs.managers())
    await show_card(message, nc, user, ncs)


# -- done: a note and evidence -----------------------------------------------------------------


async def done(
    callback: CallbackQuery,
    callback_data: NcCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    if callback_data.arg != "finish":
        nc = await _ready(user, callback_data, NcAction.DONE, ncs)
        await set_dialog(state, NcInput.done, nc=nc.id, note="", evidence=[])
        await ask(callback, *views.done_question(nc))
        return
    data = await drawn_for(state, NcInput.done, nc=callback_data.id)
    if not data.get("note"):
        await callback.answer(_("nc.done_needs_note"), show_alert=True)
        return
    nc = await ncs.done(user, callback_data.id, data["note"], list(data.get("evidence", [])))
    await state.clear()
    await notices.about_nc(nc, "nc.told.done", user, await ncs.managers())
    await show_card(callback, nc, user, ncs)


async def done_note(message: Message, state: FSMContext) -> None:
    (nc_id,) = await dialog_data(state, "nc")
    if (note := await _said(message, 2000)) is None:
        return
    await state.update_data(note=note)
    await show(message, *views.done_note_saved(int(nc_id)))


async def done_evidence(
    message: Message, state: FSMContext, evidence: EvidenceCollector, file_store: FileService
) -> None:
    async def confirm(current: dict[str, Any]) -> None:
        count = len(current.get("evidence", []))
        await show(message, *views.done_evidence_saved(current["nc"], count))

    await _collect(message, state, evidence, file_store, NcInput.done, confirm)


# -- plan: correction, five whys, action, due date; the summary edits any of them -----------


async def plan_start(
    callback: CallbackQuery, callback_data: NcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    nc = await _ready(user, callback_data, NcAction.PLAN, ncs)
    suggestions = await ncs.causes_of_similar(user, nc.id)
    await set_dialog(
        state, NcPlanning.correction, nc=nc.id, whys=[], suggestions=suggestions, editing=""
    )
    await ask(callback, *views.correction_question(nc))


async def _next_step(
    event: Message | CallbackQuery, state: FSMContext, ncs: NcService, user: User, after: str
) -> None:
    """After a field: back to the summary when editing it, else the plan's next step."""
    data = await state.get_data()
    if data.get("editing") and data.get("due") and after != "correction":
        await _summary(event, state)
        return
    if after == "correction":
        if data.get("editing") == "correction":
            await _summary(event, state)
            return
        await _ask_why(event, state)
    elif after == "whys":
        await advance(state, NcPlanning.action)
        await ask(event, _("nc.plan.ask_action"))
    elif after == "action":
        await _ask_due(event, state, ncs, user)
    else:
        await _summary(event, state)


async def _ask_why(event: Message | CallbackQuery, state: FSMContext) -> None:
    data = await advance(state, NcPlanning.why)
    await ask(event, *views.why_question(data.get("whys", []), data.get("suggestions", [])))


async def _ask_due(
    event: Message | CallbackQuery, state: FSMContext, ncs: NcService, user: User
) -> None:
    data = await advance(state, NcPlanning.due)
    nc = await ncs.get(user, int(need(data, "nc")[0]))
    today = ncs.today()
    suggested = ncs.suggested_due(nc)
    if suggested is not None and suggested < today:
        suggested = None  # a date already passed is no suggestion
    await state.update_data(suggested_due=suggested.isoformat() if suggested else None)
    await ask(event, *views.due_question(suggested, today))


async def _summary(event: Message | CallbackQuery, state: FSMContext) -> None:
    data = await advance(state, NcPlanning.confirm, editing="")
    need(data, "nc", "whys", "action", "due")
    await ask(event, *views.plan_summary(data))


async def correction_given(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    need(await state.get_data(), "nc")
    if (text := await _said(message, 2000)) is None:
        return
    await state.update_data(correction=text)
    await _next_step(message, state, ncs, user, "correction")


async def no_correction(
    callback: CallbackQuery, state: FSMContext, user: User, ncs: NcService
) -> None:
    await state.update_data(correction=None)
    await _next_step(callback, state, ncs, user, "correction")


async def why_given(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    data = await state.get_data()
    need(data, "nc")
    if (why := await _said(message, 500, data)) is None:
        return
    await _add_why(message, state, ncs, user, [*data.get("whys", []), why])


async def _add_why(
    event: Message | CallbackQuery, state: FSMContext, ncs: NcService, user: User, whys: list[str]
) -> None:
    await state.update_data(whys=whys)
    if len(whys) >= MAX_WHYS:
        await _next_step(event, state, ncs, user, "whys")
    else:
        await _ask_why(event, state)


async def cause_taken(
    callback: CallbackQuery, callback_data: PlanNcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    data = await state.get_data()
    suggestions = data.get("suggestions", [])
    if not 0 <= callback_data.i < len(suggestions):
        raise Refused("stale")
    await _add_why(
        callback, state, ncs, user, [*data.get("whys", []), suggestions[callback_data.i]]
    )


async def root_found(
    callback: CallbackQuery, state: FSMContext, user: User, ncs: NcService
) -> None:
    if not (await state.get_data()).get("whys"):
        raise Refused("nc.why_empty")
    await _next_step(callback, state, ncs, user, "whys")


async def action_given(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    data = await state.get_data()
    need(data, "nc")
    if (text := await _said(message, 2000, data)) is None:
        return
    await state.update_data(action=text)
    await _next_step(message, state, ncs, user, "action")


async def _due_chosen(event: Message | CallbackQuery, state: FSMContext, due: date) -> None:
    await state.update_data(due=due.isoformat())
    await _summary(event, state)


async def plan_due_typed(message: Message, state: FSMContext, ncs: NcService) -> None:
    if chosen := await future_day_typed(message, ncs.today()):
        await _due_chosen(message, state, chosen)


async def plan_due_picked(
    callback: CallbackQuery, callback_data: CalendarCB, state: FSMContext, ncs: NcService
) -> None:
    if chosen := await future_day_picked(callback, callback_data, ncs.today()):
        await _due_chosen(callback, state, chosen)


async def plan_due_default(callback: CallbackQuery, state: FSMContext, ncs: NcService) -> None:
    suggested = (await state.get_data()).get("suggested_due")
    if not suggested:
        raise Refused("stale")
    if chosen := await checked_day(callback, date.fromisoformat(suggested), ncs.today()):
        await _due_chosen(callback, state, chosen)


async def plan_edit(
    callback: CallbackQuery, callback_data: PlanNcCB, state: FSMContext, user: User, ncs: NcService
) -> None:
    field = callback_data.field
    if field not in views.PLAN_FIELDS:
        raise Refused("stale")
    if field == "correction":
        await advance(state, NcPlanning.correction, editing=field)
        await ask(callback, *views.correction_edit_question())
    elif field == "whys":
        await advance(state, NcPlanning.why, editing=field, whys=[])
        await _ask_why(callback, state)
    elif field == "action":
        await advance(state, NcPlanning.action, editing=field)
        await ask(callback, _("nc.plan.ask_action"))
    else:
        await advance(state, NcPlanning.due, editing=field)
        await _ask_due(callback, state, ncs, user)


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


# A step that expects text got something else: the dialog is still there.
async def plan_waiting(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    need(data, "nc", "whys", "action", "due")
    await show(message, *views.use_buttons_screen())


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.callback_query.register(open_card, NcCB.filter(F.action == NcView.OPEN))
    router.callback_query.register(send_evidence, NcCB.filter(F.action == NcView.EVIDENCE))
    router.callback_query.register(history, NcCB.filter(F.action == NcView.HISTORY))
    router.callback_query.register(link, NcCB.filter(F.action == NcView.LINK))
    router.callback_query.register(severity, NcCB.filter(F.action == NcView.SEVERITY))
    router.callback_query.register(ask_clause, NcCB.filter(F.action == NcView.CLAUSE))
    router.message.register(clause_given, NcInput.clause, F.text, ~F.text.startswith("/"))
    router.callback_query.register(assign, NcCB.filter(F.action == NcView.ASSIGN))
    router.message.register(person_found, NcInput.find_person, F.text, ~F.text.startswith("/"))
    router.message.register(
        reassign_reason_given, NcInput.reassign_reason, F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(ask_reason, NcCB.filter(F.action.in_(set(REASON_STATES))))
    router.message.register(reason_given, NcInput.reopen, F.text, ~F.text.startswith("/"))
    router.message.register(reason_given, NcInput.recheck, F.text, ~F.text.startswith("/"))
    router.message.register(reason_given, NcInput.not_effective, F.text, ~F.text.startswith("/"))
    router.message.register(reason_given, NcInput.reject, F.text, ~F.text.startswith("/"))
    router.callback_query.register(verify, NcCB.filter(F.action == NcView.VERIFY))
    router.callback_query.register(effective, NcCB.filter(F.action == NcView.EFFECTIVE))
    router.message.register(effective_note, NcInput.effective, F.text, ~F.text.startswith("/"))
    router.message.register(effective_evidence, NcInput.effective, F.photo | F.document)
    router.callback_query.register(decide_due, NcCB.filter(F.action == NcView.DECIDE_DUE))
    router.callback_query.register(ask_due, NcCB.filter(F.action == NcView.REQUEST_DUE))
    router.message.register(due_typed, NcInput.due_date, F.text, ~F.text.startswith("/"))
    router.callback_query.register(due_picked, NcInput.due_date, CalendarCB.filter())
    router.message.register(due_reason_given, NcInput.due_reason, F.text, ~F.text.startswith("/"))
    router.callback_query.register(done, NcCB.filter(F.action == NcView.DONE))
    router.message.register(done_note, NcInput.done, F.text, ~F.text.startswith("/"))
    router.message.register(done_evidence, NcInput.done, F.photo | F.document)
    router.callback_query.register(plan_start, NcCB.filter(F.action == NcView.PLAN))
    router.message.register(
        correction_given, NcPlanning.correction, F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(
        no_correction,
        NcPlanning.correction,
        PlanNcCB.filter(F.action == PlanNcAction.NO_CORRECTION),
    )
    router.message.register(why_given, NcPlanning.why, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        cause_taken, NcPlanning.why, PlanNcCB.filter(F.action == PlanNcAction.CAUSE)
    )
    router.callback_query.register(
        root_found, NcPlanning.why, PlanNcCB.filter(F.action == PlanNcAction.ROOT_FOUND)
    )
    router.message.register(action_given, NcPlanning.action, F.text, ~F.text.startswith("/"))
    router.message.register(plan_due_typed, NcPlanning.due, F.text, ~F.text.startswith("/"))
    router.callback_query.register(plan_due_picked, NcPlanning.due, CalendarCB.filter())
    router.callback_query.register(
        plan_due_default, NcPlanning.due, PlanNcCB.filter(F.action == PlanNcAction.DEFAULT_DUE)
    )
    router.callback_query.register(
        plan_edit, NcPlanning.confirm, PlanNcCB.filter(F.action == PlanNcAction.EDIT)
    )
    router.callback_query.register(
        plan_confirm, NcPlanning.confirm, PlanNcCB.filter(F.action == PlanNcAction.CONFIRM)
    )
    router.message.register(plan_waiting, NcPlanning.confirm, F.text, ~F.text.startswith("/"))
    return router
