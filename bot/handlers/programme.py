"""/program: the school year's audit programme by month with its status (readers: managers,
auditors, heads, the director); the manager's recurring lines that generate the audits and
the programme sent to the director; the director's "approve" or "return with a comment"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    ApprovalAction,
    ApprovalCB,
    AuditAction,
    AuditCB,
    MenuCB,
    ProgrammeAction,
    ProgrammeCB,
)
from bot.dialogs import drawn_for
from bot.domain.models import User
from bot.domain.programme import Frequency
from bot.domain.roles import COMMAND_ROLES, Role
from bot.filters import HasRole
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.competence import CompetenceService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.programme import ProgrammeService, team_candidates
from bot.services.templates import TemplateService
from bot.ui import ask, refusal_text, show
from bot.views import planning as planning_views
from bot.views import programme as views


class NewLine(StatesGroup):
    template = State()
    department = State()
    frequency = State()
    auditor = State()


class Returning(StatesGroup):
    comment = State()


async def _program(
    event: Message | CallbackQuery,
    user: User,
    year: int,
    audits: AuditService,
    programme: ProgrammeService,
    alert: str | None = None,
) -> None:
    """The school year beginning in `year` (SCHOOL_YEAR_START)."""
    items = await audits.program(year)
    lines = await programme.lines(year)
    options = await audits.options_of([a.id for a in items])
    generated: dict[int, int] = {}
    for audit in items:
        line_id = options[audit.id].line_id
        if line_id is not None:
            generated[line_id] = generated.get(line_id, 0) + 1
    standing = await programme.standing(year)
    screen = views.screen(year, items, user, audits.year_start, lines, generated, standing)
    await show(event, *screen, alert=alert)


async def program_command(
    message: Message,
    state: FSMContext,
    user: User,
    audits: AuditService,
    programme: ProgrammeService,
) -> None:
    await state.clear()
    await _program(message, user, audits.school_year(), audits, programme)


async def program_menu(
    callback: CallbackQuery, user: User, audits: AuditService, programme: ProgrammeService
) -> None:
    await _program(callback, user, audits.school_year(), audits, programme)


async def program_year(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    programme: ProgrammeService,
) -> None:
    """◀️/▶️ carry the school year; an audit card's button carries the audit instead."""
    await state.clear()
    if callback_data.audit:
        year = audits.school_year((await audits.get(callback_data.audit)).start_date)
    elif 2000 <= callback_data.page <= 2100:
        year = callback_data.page
    else:
        year = audits.school_year()
    await _program(callback, user, year, audits, programme)


# -- a recurring line (the manager) ------------------------------------------------------------


def _year(year: int) -> int:
    """A school year from a button (a forged one is stale)."""
    if not 2000 <= year <= 2100:
        raise Refused("stale")
    return year


async def new_line(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    state: FSMContext,
    user: User,
    templates: TemplateService,
) -> None:
    year = _year(callback_data.year)
    await state.set_state(NewLine.template)
    await state.set_data({"year": year})
    language = user.language or "ru"
    await show(callback, *views.template_screen(year, await templates.latest(), language))


async def line_template(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    state: FSMContext,
    templates: TemplateService,
    departments: DepartmentService,
) -> None:
    data = await drawn_for(state, year=callback_data.year)
    info = await templates.info(callback_data.id)
    await state.update_data(template=info.id)
    await state.set_state(NewLine.department)
    await show(callback, *views.department_screen(data["year"], await departments.list()))


async def line_department(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    state: FSMContext,
    departments: DepartmentService,
    programme: ProgrammeService,
) -> None:
    data = await drawn_for(state, year=callback_data.year)
    department = callback_data.id or None
    if department is not None:
        await departments.get(department)  # refused when it is gone
    await state.update_data(dept=department)
    await state.set_state(NewLine.frequency)
    suggestion = await programme.suggest(data["template"], department)
    await show(callback, *views.frequency_screen(data["year"], suggestion))


async def line_frequency(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    state: FSMContext,
    accounts: AccountService,
    competence: CompetenceService,
) -> None:
    data = await drawn_for(state, year=callback_data.year)
    if callback_data.value not in set(Frequency):
        raise Refused("stale")
    await state.update_data(frequency=callback_data.value)
    await state.set_state(NewLine.auditor)
    found = await team_candidates(accounts, competence, data.get("dept"), [])
    await show(callback, *views.auditor_screen(data["year"], found))


async def line_auditor(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    state: FSMContext,
    user: User,
    accounts: AccountService,
    competence: CompetenceService,
    programme: ProgrammeService,
) -> None:
    data = await drawn_for(state, year=callback_data.year)
    found = await team_candidates(accounts, competence, data.get("dept"), [])
    if callback_data.id not in {p.id for p in found.offered}:
        raise Refused("stale")
    await state.clear()  # a second tap finds no wizard: nothing is generated twice
    made = await programme.add_line(
        user,
        data["year"],
        data["template"],
        data.get("dept"),
        Frequency(data["frequency"]),
        callback_data.id,
        planning_views.default_criteria(),
    )
    await show(callback, *views.generated_screen(data["year"], made.audits))


# -- the director's approval --------------------------------------------------------------------


async def submit(
    callback: CallbackQuery,
    callback_data: ProgrammeCB,
    user: User,
    audits: AuditService,
    programme: ProgrammeService,
    notices: Notices,
) -> None:
    year = _year(callback_data.year)
    directors = await programme.submit(user, year)
    told = await notices.about_programme(year, "programme.told.submitted", user, directors)
    alert = _("programme.sent").format(count=told) if directors else _("programme.no_director")
    await _program(callback, user, year, audits, programme, alert)


async def approve(
    callback: CallbackQuery,
    callback_data: ApprovalCB,
    user: User,
    audits: AuditService,
    programme: ProgrammeService,
    notices: Notices,
) -> None:
    year = _year(callback_data.year)
    try:
        managers = await programme.decide(user, year, callback_data.stamp, approve=True)
    except Refused as refusal:
        await _program(callback, user, year, audits, programme, refusal_text(refusal))
        return
    await notices.about_programme(year, "programme.told.approved", user, managers)
    await _program(callback, user, year, audits, programme)


async def ask_comment(
    callback: CallbackQuery,
    callback_data: ApprovalCB,
    state: FSMContext,
    user: User,
    programme: ProgrammeService,
) -> None:
    year = _year(callback_data.year)
    if (await programme.standing(year)).stamp != callback_data.stamp:
        raise Refused("programme.changed")
    await state.set_state(Returning.comment)
    await state.set_data({"year": year, "stamp": callback_data.stamp})
    await ask(callback, views.approval_question(year))


async def comment_given(
    message: Message,
    state: FSMContext,
    user: User,
    audits: AuditService,
    programme: ProgrammeService,
    notices: Notices,
) -> None:
    data = await state.get_data()
    year, stamp = int(data["year"]), int(data["stamp"])
    try:
        managers = await programme.decide(user, year, stamp, False, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if refusal.key != "programme.comment_empty":
            await state.clear()
        return
    await state.clear()
    comment = (message.text or "").strip()
    await notices.about_programme(year, "programme.told.returned", user, managers, comment=comment)
    await _program(message, user, year, audits, programme)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    readers = HasRole(*COMMAND_ROLES["program"])
    router.message.filter(readers)
    router.callback_query.filter(readers)
    router.message.register(program_command, Command("program"))
    router.callback_query.register(program_menu, MenuCB.filter(F.command == "program"))
    router.callback_query.register(program_year, AuditCB.filter(F.action == AuditAction.PROGRAM))
    manager, director = HasRole(Role.MANAGER), HasRole(Role.OBSERVER)
    on = ProgrammeCB.filter
    router.callback_query.register(new_line, on(F.action == ProgrammeAction.NEW_LINE), manager)
    router.callback_query.register(
        line_template, NewLine.template, on(F.action == ProgrammeAction.TEMPLATE), manager
    )
    router.callback_query.register(
        line_department, NewLine.department, on(F.action == ProgrammeAction.DEPT), manager
    )
    router.callback_query.register(
        line_frequency, NewLine.frequency, on(F.action == ProgrammeAction.FREQUENCY), manager
    )
    router.callback_query.register(
        line_auditor, NewLine.auditor, on(F.action == ProgrammeAction.AUDITOR), manager
    )
    router.callback_query.register(submit, on(F.action == ProgrammeAction.SUBMIT), manager)
    router.callback_query.register(
        approve, ApprovalCB.filter(F.action == ApprovalAction.APPROVE), director
    )
    router.callback_query.register(
        ask_comment, ApprovalCB.filter(F.action == ApprovalAction.RETURN), director
    )
    router.message.register(
        comment_given, Returning.comment, F.text, ~F.text.startswith("/"), director
    )
    return router
