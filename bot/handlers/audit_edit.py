"""Changing a planned audit from its card (the manager): dates, scope, criteria, the audit team
and the respondents. Each change is one event; the people it concerns are told through the
reminder ledger. Every button carries the audit's revision: one drawn before another change
is stale and changes nothing."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import AuditEditAction, AuditEditCB, CalendarCB
from bot.dialogs import drawn_for
from bot.domain.audits import Audit, AuditChange, AuditStatus
from bot.domain.dates import parse_date
from bot.domain.models import User
from bot.domain.programme import respondent_problem
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.handlers.date_input import picked_day, refuse
from bot.services.accounts import AccountService
from bot.services.audits import AuditService, check_dates
from bot.services.calendar import CalendarService
from bot.services.competence import CompetenceService
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.programme import team_candidates
from bot.ui import ask, refusal_text, show
from bot.views import audit_edit as views
from bot.views import calendar as calendar_views


class Editing(StatesGroup):
    start = State()
    deadline = State()
    text = State()
    team = State()
    people = State()


async def _planned(audits: AuditService, audit_id: int, revision: int | None = None) -> Audit:
    """The audit, if it is still planned (and at `revision`, when given)."""
    audit = await audits.get(audit_id)
    if audit.status is not AuditStatus.PLANNED:
        raise Refused("audits.not_planned")
    if revision is not None and (await audits.options(audit_id)).revision != revision:
        raise Refused("stale")
    return audit


async def _menu(
    event: Message | CallbackQuery, audit: Audit, audits: AuditService, note: str | None = None
) -> None:
    revision = (await audits.options(audit.id)).revision
    team = [name for _, name in await audits.team(audit.id)]
    respondents = await audits.respondents(audit.id)
    await show(event, *views.menu_screen(audit, revision, team, respondents, note))


async def open_menu(
    callback: CallbackQuery, callback_data: AuditEditCB, state: FSMContext, audits: AuditService
) -> None:
    await state.clear()
    await _menu(callback, await _planned(audits, callback_data.audit), audits)


async def _apply(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    notices: Notices,
    audit_id: int,
    revision: int,
    change: AuditChange,
    note: str | None = None,
) -> None:
    """The change, its notices, and the menu again saying how many were told (under `note`:
    a date the calendar moved)."""
    try:
        audit, told = await audits.edit(user, audit_id, revision, change)
    except Refused as refusal:
        if refusal.key == "stale":
            await state.clear()
            raise
        await refuse(event, refusal_text(refusal))  # the question stays: asked again
        return
    await state.clear()
    sent = await notices.about_audit(audit, told, await accounts.active())
    said = views.changed_note(sent)
    await _menu(event, audit, audits, f"{note}\n{said}" if note else said)


async def field_chosen(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    audits: AuditService,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    audit = await _planned(audits, callback_data.audit, callback_data.rev)
    field = callback_data.value
    await state.set_data({"audit": audit.id, "rev": callback_data.rev, "field": field})
    if field == "dates":
        await state.set_state(Editing.start)
        await show(callback, *views.start_screen(audit, audits.today()))
    elif field in ("scope", "criteria"):
        await state.set_state(Editing.text)
        await ask(callback, views.text_question(audit, field))
    elif field == "team":
        people = [r.user_id for r in await audits.respondents(audit.id)]
        found = await team_candidates(accounts, competence, audit.department_id, people)
        await show(callback, *views.lead_screen(audit, callback_data.rev, found))
    elif field == "people":
        chosen = [r.user_id for r in await audits.respondents(audit.id)]
        await state.set_state(Editing.people)
        await state.update_data(people=chosen)
        await _people(callback, state, audit, audits, accounts, 0)
    else:
        raise Refused("stale")


# -- dates ---------------------------------------------------------------------------------


async def _date_given(
    event: Message | CallbackQuery,
    state: FSMContext,
    value: date | None,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    calendar: CalendarService,
    notices: Notices,
) -> None:
    """As in the wizard: a start in the holidays, a deadline in the holidays or at a weekend
    moves to the next working day, and the next screen says so."""
    if value is None:
        await refuse(event, refusal_text(Refused("audits.bad_date")))
        return
    data = await state.get_data()
    starting = await state.get_state() == Editing.start.state
    moved = calendar.working_date(value, weekends=not starting)
    note = calendar_views.moved_note(moved, deadline=not starting) if moved else None
    value = moved.moved_to if moved else value
    audit = await _planned(audits, int(data["audit"]), int(data["rev"]))
    try:
        if starting:
            check_dates(value, None, audits.today())
            await state.update_data(start=value.isoformat(), note=note)
            await state.set_state(Editing.deadline)
            screen = views.deadline_screen(audit, value)
            await show(event, *calendar_views.with_note(screen, note))
            return
        check_dates(date.fromisoformat(data["start"]), value, audits.today())
    except Refused as refusal:
        await refuse(event, refusal_text(refusal))
        return
    change = AuditChange(start_date=date.fromisoformat(data["start"]), deadline=value)
    await _apply(event, state, user, audits, accounts, notices, audit.id, data["rev"], change, note)


async def date_typed(
    message: Message,
    state: FSMContext,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    calendar: CalendarService,
    notices: Notices,
) -> None:
    value = parse_date(message.text or "")
    await _date_given(message, state, value, user, audits, accounts, calendar, notices)


async def date_picked(
    callback: CallbackQuery,
    callback_data: CalendarCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    calendar: CalendarService,
    notices: Notices,
) -> None:
    earliest = audits.today()
    if await state.get_state() == Editing.deadline.state:
        earliest = max(earliest, date.fromisoformat((await state.get_data())["start"]))
    value = await picked_day(callback, callback_data, earliest)
    if value is not None:
        await _date_given(callback, state, value, user, audits, accounts, calendar, notices)


# -- scope, criteria ------------------------------------------------------------------------


async def text_typed(
    message: Message,
    state: FSMContext,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    notices: Notices,
) -> None:
    data = await state.get_data()
    text = message.text or ""
    change = AuditChange(scope=text) if data["field"] == "scope" else AuditChange(criteria=text)
    audit_id, revision = data["audit"], data["rev"]
    await _apply(message, state, user, audits, accounts, notices, audit_id, revision, change)


# -- the team -------------------------------------------------------------------------------


async def _co(
    event: CallbackQuery,
    state: FSMContext,
    audit: Audit,
    audits: AuditService,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    data = await state.get_data()
    people = [r.user_id for r in await audits.respondents(audit.id)]
    found = await team_candidates(accounts, competence, audit.department_id, people, {data["lead"]})
    lead = await accounts.get(data["lead"])
    name = lead.full_name if lead else "?"
    screen = views.co_screen(audit, data["rev"], name, found, set(data["co"]))
    await show(event, *screen)


async def lead_chosen(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    audits: AuditService,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    audit = await _planned(audits, callback_data.audit, callback_data.rev)
    people = [r.user_id for r in await audits.respondents(audit.id)]
    found = await team_candidates(accounts, competence, audit.department_id, people)
    if callback_data.id not in {p.id for p in found.offered}:
        raise Refused("stale")
    co = [m for m, _ in await audits.team(audit.id) if m != callback_data.id]
    await state.set_state(Editing.team)
    await state.set_data(
        {"audit": audit.id, "rev": callback_data.rev, "lead": callback_data.id, "co": co}
    )
    await _co(callback, state, audit, audits, accounts, competence)


async def co_toggled(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    audits: AuditService,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    audit = await _planned(audits, callback_data.audit, callback_data.rev)
    data = await drawn_for(state, audit=audit.id)
    if callback_data.id == data.get("lead"):
        raise Refused("stale")
    await state.update_data(co=sorted(set(data["co"]) ^ {callback_data.id}))
    await _co(callback, state, audit, audits, accounts, competence)


# -- respondents ----------------------------------------------------------------------------


async def _people(
    event: CallbackQuery,
    state: FSMContext,
    audit: Audit,
    audits: AuditService,
    accounts: AccountService,
    page: int,
) -> None:
    data = await state.get_data()
    team = {audit.lead_auditor_id, *(m for m, _ in await audits.team(audit.id))}
    people = [p for p in await accounts.active() if p.id not in team]
    screen = views.people_screen(audit, data["rev"], people, set(data["people"]), page)
    await show(event, *screen)


async def person_toggled(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    audits: AuditService,
    accounts: AccountService,
) -> None:
    audit = await _planned(audits, callback_data.audit, callback_data.rev)
    data = await drawn_for(state, audit=audit.id)
    team = [audit.lead_auditor_id, *(m for m, _ in await audits.team(audit.id))]
    problem = respondent_problem(callback_data.id, team)
    if problem:
        raise Refused(problem)
    await state.update_data(people=sorted(set(data["people"]) ^ {callback_data.id}))
    page = int(callback_data.value) if callback_data.value.isdigit() else 0
    await _people(callback, state, audit, audits, accounts, page)


async def people_page(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    audits: AuditService,
    accounts: AccountService,
) -> None:
    audit = await _planned(audits, callback_data.audit, callback_data.rev)
    await _people(callback, state, audit, audits, accounts, max(0, callback_data.id))


async def done(
    callback: CallbackQuery,
    callback_data: AuditEditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    accounts: AccountService,
    notices: Notices,
) -> None:
    data = await drawn_for(state, audit=callback_data.audit, rev=callback_data.rev)
    if callback_data.value == "team":
        change = AuditChange(lead_auditor_id=data["lead"], co_auditor_ids=list(data["co"]))
    else:
        change = AuditChange(respondent_ids=list(data["people"]))
    await _apply(
        callback, state, user, audits, accounts, notices, data["audit"], data["rev"], change
    )


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    on = AuditEditCB.filter
    router.callback_query.register(open_menu, on(F.action == AuditEditAction.MENU))
    router.callback_query.register(field_chosen, on(F.action == AuditEditAction.FIELD))
    router.callback_query.register(lead_chosen, on(F.action == AuditEditAction.LEAD))
    router.callback_query.register(co_toggled, Editing.team, on(F.action == AuditEditAction.CO))
    router.callback_query.register(
        person_toggled, Editing.people, on(F.action == AuditEditAction.PERSON)
    )
    router.callback_query.register(
        people_page, Editing.people, on(F.action == AuditEditAction.PAGE)
    )
    router.callback_query.register(done, Editing.team, on(F.action == AuditEditAction.DONE))
    router.callback_query.register(done, Editing.people, on(F.action == AuditEditAction.DONE))
    router.callback_query.register(date_picked, Editing.start, CalendarCB.filter())
    router.callback_query.register(date_picked, Editing.deadline, CalendarCB.filter())
    router.message.register(date_typed, Editing.start, F.text, ~F.text.startswith("/"))
    router.message.register(date_typed, Editing.deadline, F.text, ~F.text.startswith("/"))
    router.message.register(text_typed, Editing.text, F.text, ~F.text.startswith("/"))
    return router
