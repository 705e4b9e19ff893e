"""/newaudit (manager): the audit planning wizard.

Ten short steps; each checks its answer at once and asks again with a reason when it is
not acceptable. The draft lives in FSM data (in the database), so a restart mid-wizard
continues it. The service checks every rule once more when the audit is created.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB, MenuCB, PlanAction, PlanCB
from bot.domain.audits import AuditDraft, Objective
from bot.domain.dates import parse_date
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.handlers.date_input import picked_day, refuse
from bot.scheduler.sweep import Sweeper
from bot.services.accounts import AccountService
from bot.services.audits import TITLE_MAX, AuditService, check_auditor, check_dates, clean_text
from bot.services.calendar import CalendarService
from bot.services.competence import CompetenceService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.templates import TemplateService
from bot.ui import refusal_text, show
from bot.views import calendar as calendar_views
from bot.views import planning as views


class Planning(StatesGroup):
    title = State()
    department = State()
    template = State()
    objectives = State()
    scope = State()
    criteria = State()
    auditor = State()
    respondents = State()
    start = State()
    deadline = State()
    confirm = State()


# -- 1. title ----------------------------------------------------------------------------


async def _begin(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Planning.title)
    await state.set_data({})
    await show(event, views.title_question())


async def newaudit_command(message: Message, state: FSMContext) -> None:
    await _begin(message, state)


async def newaudit_menu(callback: CallbackQuery, state: FSMContext) -> None:
    await _begin(callback, state)


async def title_given(message: Message, state: FSMContext, departments: DepartmentService) -> None:
    try:
        title = clean_text(message.text or "", TITLE_MAX, "audits.title")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.update_data(title=title)
    await _ask_department(message, state, departments)


# -- 2. department -----------------------------------------------------------------------


async def _ask_department(
    event: Message | CallbackQuery, state: FSMContext, departments: DepartmentService
) -> None:
    await state.set_state(Planning.department)
    await show(event, *views.department_screen(await departments.list()))


async def department_chosen(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    departments: DepartmentService,
    templates: TemplateService,
    user: User,
) -> None:
    name = _("plan.whole_school")
    if callback_data.id:
        name = (await departments.get(callback_data.id)).name
    await state.update_data(dept=callback_data.id or None, dept_name=name)
    await state.set_state(Planning.template)
    await show(callback, *views.template_screen(await templates.latest(), user.language or "ru"))


# -- 3. template, 4. objectives ------------------------------------------------------------


async def template_chosen(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, templates: TemplateService
) -> None:
    info = await templates.info(callback_data.id)
    await state.update_data(template=info.id, template_title=info.title, objectives=[])
    await state.set_state(Planning.objectives)
    await show(callback, *views.objectives_screen([]))


async def objective_toggled(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext
) -> None:
    if callback_data.value not in {o.value for o in Objective}:
        raise Refused("stale")
    chosen = set((await state.get_data()).get("objectives", []))
    chosen ^= {callback_data.value}
    ordered = [o.value for o in Objective if o.value in chosen]
    await state.update_data(objectives=ordered)
    await show(callback, *views.objectives_screen(ordered))


async def objectives_done(callback: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    if not data.get("objectives"):
        await callback.answer(_("refused.audits.no_objectives"), show_alert=True)
        return
    await state.set_state(Planning.scope)
    default = views.default_scope(data["dept_name"], data["template_title"])
    await state.update_data(default_scope=default)
    await show(callback, *views.scope_screen(default))


# -- 5. scope, 6. criteria -------------------------------------------------------------------


async def _ask_criteria(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Planning.criteria)
    await show(event, *views.criteria_screen())


async def scope_typed(message: Message, state: FSMContext) -> None:
    try:
        scope = clean_text(message.text or "", 2000, "audits.scope")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.update_data(scope=scope)
    await _ask_criteria(message, state)


async def scope_default(callback: CallbackQuery, state: FSMContext) -> None:
    await state.update_data(scope=(await state.get_data())["default_scope"])
    await _ask_criteria(callback, state)


async def _ask_auditor(
    event: Message | CallbackQuery,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    await state.set_state(Planning.auditor)
    people = [p for p in await accounts.active() if p.has(Role.AUDITOR, Role.MANAGER)]
    offered, not_offered = await competence.auditors(people)  # ISO 19011 7: trained ones
    await show(event, *views.auditor_screen(offered, not_offered))


async def criteria_typed(
    message: Message, state: FSMContext, accounts: AccountService, competence: CompetenceService
) -> None:
    try:
        criteria = clean_text(message.text or "", 2000, "audits.criteria")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.update_data(criteria=criteria)
    await _ask_auditor(message, state, accounts, competence)


async def criteria_default(
    callback: CallbackQuery,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    await state.update_data(criteria=views.default_criteria())
    await _ask_auditor(callback, state, accounts, competence)


# -- 7. lead auditor, 8. respondents ---------------------------------------------------------


async def auditor_chosen(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    data = await state.get_data()
    auditor = await accounts.get(callback_data.id)
    if auditor is None or not auditor.is_active:
        raise Refused("users.not_found")
    try:
        check_auditor(auditor, data.get("dept"))
        if not await competence.may_lead(auditor):
            raise Refused("audits.auditor_untrained")
    except Refused as refusal:
        await callback.answer(refusal_text(refusal), show_alert=True)
        return  # the same list stays on screen: the question is asked again
    staff = [p.id for p in await accounts.active(data.get("dept")) if p.id != auditor.id]
    await state.update_data(auditor=auditor.id, auditor_name=auditor.full_name, staff=staff)
    await state.set_state(Planning.respondents)
    await show(callback, *views.respondents_screen(data["dept_name"], len(staff)))


async def _people_screen(
    event: CallbackQuery, state: FSMContext, accounts: AccountService, page: int
) -> None:
    data = await state.get_data()
    chosen = set(data.get("respondents", []))
    people = [p for p in await accounts.active() if p.id != data["auditor"]]
    await show(event, *views.people_screen(people, chosen, page))


async def all_staff(callback: CallbackQuery, state: FSMContext, audits: AuditService) -> None:
    staff = (await state.get_data()).get("staff", [])
    if not staff:
        await callback.answer(_("refused.audits.no_respondents"), show_alert=True)
        return
    await state.update_data(respondents=staff)
    await _ask_start(callback, state, audits.today())


async def pick_people(callback: CallbackQuery, state: FSMContext, accounts: AccountService) -> None:
    await state.update_data(respondents=[])
    await _people_screen(callback, state, accounts, 0)


async def people_page(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, accounts: AccountService
) -> None:
    await _people_screen(callback, state, accounts, max(0, callback_data.id))


async def person_toggled(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, accounts: AccountService
) -> None:
    chosen = set((await state.get_data()).get("respondents", []))
    chosen ^= {callback_data.id}
    await state.update_data(respondents=sorted(chosen))
    page = int(callback_data.value) if callback_data.value.isdigit() else 0
    await _people_screen(callback, state, accounts, page)


async def people_done(callback: CallbackQuery, state: FSMContext, audits: AuditService) -> None:
    if not (await state.get_data()).get("respondents"):
        await callback.answer(_("refused.audits.no_respondents"), show_alert=True)
        return
    await _ask_start(callback, state, audits.today())


# -- 9. start date, 10. deadline --------------------------------------------------------------


async def _ask_start(
    event: Message | CallbackQuery, state: FSMContext, today: date | None = None
) -> None:
    await state.set_state(Planning.start)
    day = today or date.today()
    data = await state.get_data()
    earliest = date.fromisoformat(data["today"]) if "today" in data else day
    await show(event, *views.start_screen(earliest))


async def _ask_deadline(
    event: Message | CallbackQuery, state: FSMContext, start: date, note: str | None = None
) -> None:
    await state.set_state(Planning.deadline)
    await show(event, *calendar_views.with_note(views.deadline_screen(start), note))


async def _date_given(
    event: Message | CallbackQuery,
    state: FSMContext,
    value: date | None,
    audits: AuditService,
    user: User,
    templates: TemplateService,
    calendar: CalendarService,
) -> None:
    """One path for typed and picked dates; a bad date is explained and asked again. A start
    in the holidays, or a deadline in the holidays or at a weekend, moves to the next working
    day, and the next screen says so."""
    if value is None:
        await refuse(event, _("refused.audits.bad_date"))
        return
    current = await state.get_state()
    data = await state.get_data()
    starting = current == Planning.start.state
    moved = calendar.working_date(value, weekends=not starting)
    note = calendar_views.moved_note(moved, deadline=not starting) if moved else None
    value = moved.moved_to if moved else value
    try:
        if starting:
            check_dates(value, None, audits.today())
            await state.update_data(start=value.isoformat())
            await _ask_deadline(event, state, value, note)
        else:
            check_dates(date.fromisoformat(data["start"]), value, audits.today())
            await state.update_data(deadline=value.isoformat())
            await _confirm(event, state, templates, note)
    except Refused as refusal:
        await refuse(event, refusal_text(refusal))


async def date_typed(
    message: Message,
    state: FSMContext,
    audits: AuditService,
    user: User,
    templates: TemplateService,
    calendar: CalendarService,
) -> None:
    value = parse_date(message.text or "")
    await _date_given(message, state, value, audits, user, templates, calendar)


async def date_picked(
    callback: CallbackQuery,
    callback_data: CalendarCB,
    state: FSMContext,
    audits: AuditService,
    user: User,
    templates: TemplateService,
    calendar: CalendarService,
) -> None:
    earliest = audits.today()
    if await state.get_state() == Planning.deadline.state:
        earliest = max(earliest, date.fromisoformat((await state.get_data())["start"]))
    value = await picked_day(callback, callback_data, earliest)
    if value is None:
        return
    await _date_given(callback, state, value, audits, user, templates, calendar)


# -- confirm ----------------------------------------------------------------------------------


def _draft(data: dict[str, Any]) -> AuditDraft:
    return AuditDraft(
        title=data["title"],
        department_id=data.get("dept"),
        template_id=data["template"],
        objectives=list(data["objectives"]),
        scope=data["scope"],
        criteria=data["criteria"],
        lead_auditor_id=data["auditor"],
        respondent_ids=list(data["respondents"]),
        start_date=date.fromisoformat(data["start"]),
        deadline=date.fromisoformat(data["deadline"]),
    )


async def _confirm(
    event: Message | CallbackQuery,
    state: FSMContext,
    templates: TemplateService,
    note: str | None = None,
) -> None:
    await state.set_state(Planning.confirm)
    data = await state.get_data()
    screen = views.summary_screen(
        _draft(data), data["dept_name"], data["template_title"], data["auditor_name"]
    )
    await show(event, *calendar_views.with_note(screen, note))


async def create(
    callback: CallbackQuery,
    state: FSMContext,
    user: User,
    audits: AuditService,
    sweeper: Sweeper,
) -> None:
    audit = await audits.plan(user, _draft(await state.get_data()))
    await state.clear()
    sent_to = None
    if audit.start_date <= audits.today():
        await sweeper.run_once()  # an audit starting today opens at once
        sent_to = len(await audits.respondents(audit.id))
    await show(callback, *views.created_screen(audit, sent_to))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER))
    router.callback_query.filter(HasRole(Role.MANAGER))
    router.message.register(newaudit_command, Command("newaudit"))
    router.callback_query.register(newaudit_menu, MenuCB.filter(F.command == "newaudit"))
    router.message.register(title_given, Planning.title, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        department_chosen, Planning.department, PlanCB.filter(F.action == PlanAction.DEPT)
    )
    router.callback_query.register(
        template_chosen, Planning.template, PlanCB.filter(F.action == PlanAction.TEMPLATE)
    )
    router.callback_query.register(
        objective_toggled, Planning.objectives, PlanCB.filter(F.action == PlanAction.OBJECTIVE)
    )
    router.callback_query.register(
        objectives_done, Planning.objectives, PlanCB.filter(F.action == PlanAction.NEXT)
    )
    router.message.register(scope_typed, Planning.scope, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        scope_default, Planning.scope, PlanCB.filter(F.action == PlanAction.DEFAULT)
    )
    router.message.register(criteria_typed, Planning.criteria, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        criteria_default, Planning.criteria, PlanCB.filter(F.action == PlanAction.DEFAULT)
    )
    router.callback_query.register(
        auditor_chosen, Planning.auditor, PlanCB.filter(F.action == PlanAction.AUDITOR)
    )
    router.callback_query.register(
        all_staff, Planning.respondents, PlanCB.filter(F.action == PlanAction.ALL_STAFF)
    )
    router.callback_query.register(
        pick_people, Planning.respondents, PlanCB.filter(F.action == PlanAction.PICK)
    )
    router.callback_query.register(
        people_page, Planning.respondents, PlanCB.filter(F.action == PlanAction.PAGE)
    )
    router.callback_query.register(
        person_toggled, Planning.respondents, PlanCB.filter(F.action == PlanAction.PERSON)
    )
    router.callback_query.register(
        people_done, Planning.respondents, PlanCB.filter(F.action == PlanAction.NEXT)
    )
    router.message.register(date_typed, Planning.deadline, F.text, ~F.text.startswith("/"))
    router.message.register(date_typed, Planning.start, F.text, ~F.text.startswith("/"))
    router.callback_query.register(date_picked, Planning.deadline, CalendarCB.filter())
    router.callback_query.register(date_picked, Planning.start, CalendarCB.filter())
    router.callback_query.register(
        create, Planning.confirm, PlanCB.filter(F.action == PlanAction.CONFIRM)
    )
    return router
