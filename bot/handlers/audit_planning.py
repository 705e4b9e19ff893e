"""/newaudit (manager): the audit planning wizard.

Eleven short steps, each with "back" (the answers given are kept); each checks its answer
at once and asks again with a reason when it is not acceptable; the summary lets any answer
be changed. The draft lives in FSM data (in the database), so a restart mid-wizard
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
from bot.domain.programme import respondent_problem
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
from bot.services.programme import team_candidates
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
    team = State()
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


async def title_given(message: Message, state: FSMContext, **deps: Any) -> None:
    await _text_typed("title", message, state, deps, TITLE_MAX)


# -- moving between steps: "back" and changes from the summary ----------------------------

ORDER = (
    "title",
    "department",
    "template",
    "objectives",
    "scope",
    "criteria",
    "auditor",
    "team",
    "respondents",
    "start",
    "deadline",
    "confirm",
)
# After these steps, a change made from the summary goes back to it (the others lead on:
# a new lead auditor reshapes the team, a new start date needs its deadline checked).
BACK_TO_SUMMARY = {"title", "template", "objectives", "scope", "criteria", "team", "respondents"}


async def _ask(step: str, event: Message | CallbackQuery, state: FSMContext, deps: Any) -> None:
    """Shows `step` with the answers given so far kept (FSM data is only ever added to)."""
    data = await state.get_data()
    await state.set_state(getattr(Planning, step))
    if step == "title":
        text = views.current_note(views.title_question(), data.get("title"))
        await show(event, text)
    elif step == "department":
        await show(event, *views.department_screen(await deps["departments"].list()))
    elif step == "template":
        language = deps["user"].language or "ru"
        await show(event, *views.template_screen(await deps["templates"].latest(), language))
    elif step == "objectives":
        await show(event, *views.objectives_screen(list(data.get("objectives", []))))
    elif step == "scope":
        default = views.default_scope(data["dept_name"], data["template_title"])
        await state.update_data(default_scope=default)
        await show(event, *views.scope_screen(default, data.get("scope")))
    elif step == "criteria":
        await show(event, *views.criteria_screen(data.get("criteria")))
    elif step == "auditor":
        found = await team_candidates(deps["accounts"], deps["competence"], data.get("dept"), [])
        screen = views.auditor_screen(found.offered, found.untrained, found.not_independent)
        await show(event, *screen)
    elif step == "team":
        found = await team_candidates(
            deps["accounts"], deps["competence"], data.get("dept"), [], {data["auditor"]}
        )
        chosen = set(data.get("team", []))
        screen = views.team_screen(found.offered, chosen, found.untrained, found.not_independent)
        await show(event, *screen)
    elif step == "respondents":
        await show(event, *views.respondents_screen(data["dept_name"], len(data["staff"])))
    elif step == "start":
        await show(event, *views.start_screen(deps["audits"].today()))
    elif step == "deadline":
        await show(event, *views.deadline_screen(date.fromisoformat(data["start"])))
    else:
        await _confirm(event, state, deps["templates"])


async def _after(step: str, event: Message | CallbackQuery, state: FSMContext, deps: Any) -> None:
    """The step that follows `step`: the next one, or the summary again when the answer was
    changed from it."""
    data = await state.get_data()
    if data.get("editing") and step in BACK_TO_SUMMARY and _complete(data):
        await _ask("confirm", event, state, deps)
        return
    await _ask(ORDER[ORDER.index(step) + 1], event, state, deps)


def _complete(data: dict[str, Any]) -> bool:
    needed = ("title", "template", "objectives", "scope", "criteria", "auditor", "start")
    return all(data.get(key) for key in (*needed, "respondents", "deadline"))


async def go_back(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, **deps: Any
) -> None:
    """The step before the one this button was drawn on; a button of another step is stale."""
    current = (await state.get_state() or "").removeprefix("Planning:")
    if callback_data.value != current or current not in ORDER[1:]:
        raise Refused("stale")
    await _ask(ORDER[ORDER.index(current) - 1], callback, state, deps)


async def change_answer(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, **deps: Any
) -> None:
    """From the summary: the chosen step again, then back to the summary."""
    if callback_data.value not in views.SUMMARY_FIELDS:
        raise Refused("stale")
    await state.update_data(editing=True)
    await _ask(callback_data.value, callback, state, deps)


async def toggle_anonymous(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    data = await state.get_data()
    if data.get("forced_anonymous"):
        raise Refused("stale")
    await state.update_data(anonymous=not data.get("anonymous", False))
    await _confirm(callback, state, deps["templates"])


# -- 2. department -----------------------------------------------------------------------


async def department_chosen(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    departments: DepartmentService,
    **deps: Any,
) -> None:
    name = _("plan.whole_school")
    if callback_data.id:
        name = (await departments.get(callback_data.id)).name
    data = await state.get_data()
    new = callback_data.id or None
    changed = "dept_name" in data and data.get("dept") != new
    await state.update_data(dept=new, dept_name=name)
    deps["departments"] = departments
    if data.get("editing") and not changed and _complete(data):
        await _ask("confirm", callback, state, deps)
    elif changed:  # another department: its own auditors and staff are chosen again
        await state.update_data(auditor=None, team=[], respondents=[])
        await _ask("auditor" if data.get("editing") else "template", callback, state, deps)
    else:
        await _ask("template", callback, state, deps)


# -- 3. template, 4. objectives ------------------------------------------------------------


async def template_chosen(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    templates: TemplateService,
    **deps: Any,
) -> None:
    info = await templates.info(callback_data.id)
    anonymous = (await templates.checklist(info.id)).anonymous
    data = await state.get_data()
    await state.update_data(
        template=info.id,
        template_title=info.title,
        objectives=data.get("objectives", []),
        forced_anonymous=anonymous,
        anonymous=anonymous or bool(data.get("anonymous")),
    )
    deps["templates"] = templates
    await _after("template", callback, state, deps)


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


async def objectives_done(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    data = await state.get_data()
    if not data.get("objectives"):
        await callback.answer(_("refused.audits.no_objectives"), show_alert=True)
        return
    await _after("objectives", callback, state, deps)


# -- 5. scope, 6. criteria -------------------------------------------------------------------


async def _text_typed(
    field: str, message: Message, state: FSMContext, deps: Any, limit: int = 2000
) -> None:
    """The title, the scope or the criteria typed: kept when it is text, and the wizard goes
    on; otherwise says why and the question stays."""
    try:
        value = clean_text(message.text or "", limit, f"audits.{field}")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.update_data({field: value})
    await _after(field, message, state, deps)


async def scope_typed(message: Message, state: FSMContext, **deps: Any) -> None:
    await _text_typed("scope", message, state, deps)


async def scope_default(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    await state.update_data(scope=(await state.get_data())["default_scope"])
    await _after("scope", callback, state, deps)


async def criteria_typed(message: Message, state: FSMContext, **deps: Any) -> None:
    await _text_typed("criteria", message, state, deps)


async def criteria_default(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    await state.update_data(criteria=views.default_criteria())
    await _after("criteria", callback, state, deps)


# -- 7. lead auditor, 8. co-auditors, 9. respondents -----------------------------------------


async def auditor_chosen(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
    **deps: Any,
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
    team = [m for m in data.get("team", []) if m != auditor.id]
    await state.update_data(auditor=auditor.id, auditor_name=auditor.full_name, team=team)
    await _refresh_staff(state, accounts)
    deps.update(accounts=accounts, competence=competence)
    await _ask("team", callback, state, deps)


async def _refresh_staff(state: FSMContext, accounts: AccountService) -> None:
    """The department's staff but the audit team; respondents already chosen lose anyone
    now on the team."""
    data = await state.get_data()
    team = {data["auditor"], *data.get("team", [])}
    staff = [p.id for p in await accounts.active(data.get("dept")) if p.id not in team]
    respondents = [r for r in data.get("respondents", []) if r not in team]
    await state.update_data(staff=staff, respondents=respondents)


async def co_auditor_toggled(
    callback: CallbackQuery,
    callback_data: PlanCB,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
    **deps: Any,
) -> None:
    data = await state.get_data()
    found = await team_candidates(accounts, competence, data.get("dept"), [], {data["auditor"]})
    if callback_data.id not in {p.id for p in found.offered}:
        raise Refused("stale")
    chosen = set(data.get("team", [])) ^ {callback_data.id}
    await state.update_data(team=sorted(chosen))
    screen = views.team_screen(found.offered, chosen, found.untrained, found.not_independent)
    await show(callback, *screen)


async def team_done(
    callback: CallbackQuery, state: FSMContext, accounts: AccountService, **deps: Any
) -> None:
    await _refresh_staff(state, accounts)
    names = {p.id: p.full_name for p in await accounts.active()}
    team = (await state.get_data()).get("team", [])
    await state.update_data(team_names=[names.get(m, "?") for m in team])
    deps["accounts"] = accounts
    if not (await state.get_data()).get("respondents"):
        await _ask("respondents", callback, state, deps)
        return
    await _after("team", callback, state, deps)


async def _people_screen(
    event: CallbackQuery, state: FSMContext, accounts: AccountService, page: int
) -> None:
    data = await state.get_data()
    chosen = set(data.get("respondents", []))
    team = {data["auditor"], *data.get("team", [])}
    everyone = await accounts.active()
    people = [p for p in everyone if p.id not in team]
    names = [p.full_name for p in everyone if p.id in team]
    await show(event, *views.people_screen(people, chosen, page, names))


async def all_staff(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    staff = (await state.get_data()).get("staff", [])
    if not staff:
        await callback.answer(_("refused.audits.no_respondents"), show_alert=True)
        return
    await state.update_data(respondents=staff)
    await _after("respondents", callback, state, deps)


async def pick_people(callback: CallbackQuery, state: FSMContext, accounts: AccountService) -> None:
    await _people_screen(callback, state, accounts, 0)


async def people_page(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, accounts: AccountService
) -> None:
    await _people_screen(callback, state, accounts, max(0, callback_data.id))


async def person_toggled(
    callback: CallbackQuery, callback_data: PlanCB, state: FSMContext, accounts: AccountService
) -> None:
    data = await state.get_data()
    problem = respondent_problem(callback_data.id, [data["auditor"], *data.get("team", [])])
    if problem:
        raise Refused(problem)
    chosen = set(data.get("respondents", []))
    chosen ^= {callback_data.id}
    await state.update_data(respondents=sorted(chosen))
    page = int(callback_data.value) if callback_data.value.isdigit() else 0
    await _people_screen(callback, state, accounts, page)


async def people_done(callback: CallbackQuery, state: FSMContext, **deps: Any) -> None:
    if not (await state.get_data()).get("respondents"):
        await callback.answer(_("refused.audits.no_respondents"), show_alert=True)
        return
    await _after("respondents", callback, state, deps)


# -- 10. start date, 11. deadline --------------------------------------------------------------


async def _date_given(
    event: Message | CallbackQuery,
    state: FSMContext,
    value: date | None,
    audits: AuditService,
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
            await state.set_state(Planning.deadline)
            await show(event, *calendar_views.with_note(views.deadline_screen(value), note))
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
    templates: TemplateService,
    calendar: CalendarService,
) -> None:
    value = parse_date(message.text or "")
    await _date_given(message, state, value, audits, templates, calendar)


async def date_picked(
    callback: CallbackQuery,
    callback_data: CalendarCB,
    state: FSMContext,
    audits: AuditService,
    templates: TemplateService,
    calendar: CalendarService,
) -> None:
    earliest = audits.today()
    if await state.get_state() == Planning.deadline.state:
        earliest = max(earliest, date.fromisoformat((await state.get_data())["start"]))
    value = await picked_day(callback, callback_data, earliest)
    if value is None:
        return
    await _date_given(callback, state, value, audits, templates, calendar)


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
        co_auditor_ids=list(data.get("team", [])),
        anonymous=bool(data.get("anonymous")),
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
        _draft(data),
        data["dept_name"],
        data["template_title"],
        data["auditor_name"],
        data.get("team_names", []),
        bool(data.get("forced_anonymous")),
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
    router.callback_query.register(
        co_auditor_toggled, Planning.team, PlanCB.filter(F.action == PlanAction.TEAM)
    )
    router.callback_query.register(
        team_done, Planning.team, PlanCB.filter(F.action == PlanAction.NEXT)
    )
    router.callback_query.register(go_back, PlanCB.filter(F.action == PlanAction.BACK))
    router.callback_query.register(
        change_answer, Planning.confirm, PlanCB.filter(F.action == PlanAction.EDIT)
    )
    router.callback_query.register(
        toggle_anonymous, Planning.confirm, PlanCB.filter(F.action == PlanAction.ANON)
    )
    return router
