"""/report: anyone registered reports a nonconformity in under a minute.

Department (his own first), what is wrong (text, or a photo with a caption), optional
photos or files, a suggested severity — then the number NC-YYYY-NNN. The quality manager
may also register one from a supervisory order or a complaint, with its reference and
due date.
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

from bot.callbacks import CalendarCB, MenuCB, ReportAction, ReportCB
from bot.dialogs import advance, carried, carried_number, need, set_dialog
from bot.domain.models import User
from bot.domain.nonconformities import Severity, Source
from bot.domain.roles import Role
from bot.evidence import EvidenceCollector, received_item
from bot.filters import HasRole
from bot.handlers.date_input import future_day_picked, future_day_typed
from bot.handlers.evidence_input import collect_file
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.nonconformities import TEXT_MAX, NcService, ReportDraft
from bot.services.notices import Notices
from bot.ui import ask, refusal_text, show
from bot.views import nc_report as views


class Reporting(StatesGroup):
    source = State()
    reference = State()
    due = State()
    department = State()
    description = State()
    evidence = State()
    severity = State()


async def _begin(
    event: Message | CallbackQuery, state: FSMContext, user: User, departments: DepartmentService
) -> None:
    target = Reporting.source if user.has(Role.MANAGER) else Reporting.department
    await set_dialog(state, target, source=Source.REPORT.value, evidence=[])
    if user.has(Role.MANAGER):
        await show(event, *views.source_screen())
        return
    await show(event, *await _department_step(state, user, departments))


async def report_command(
    message: Message, state: FSMContext, user: User, departments: DepartmentService
) -> None:
    await _begin(message, state, user, departments)


async def report_menu(
    callback: CallbackQuery, state: FSMContext, user: User, departments: DepartmentService
) -> None:
    await _begin(callback, state, user, departments)


async def source_chosen(
    callback: CallbackQuery,
    callback_data: ReportCB,
    state: FSMContext,
    user: User,
    departments: DepartmentService,
) -> None:
    source = carried(Source, callback_data.value)
    if source is Source.REPORT:
        await show(callback, *await _department_step(state, user, departments, source=source.value))
        return
    await advance(state, Reporting.reference, source=source.value)
    await show(callback, _("nc_report.ask_reference"))


async def reference_given(message: Message, state: FSMContext, ncs: NcService) -> None:
    text = (message.text or "").strip()
    if not text or len(text) > 200:
        await message.answer(_("nc_report.reference_bad"))
        return
    await advance(state, Reporting.due, reference=text)
    await show(message, *views.due_screen(ncs.today()))


async def _due_chosen(
    event: Message | CallbackQuery,
    state: FSMContext,
    chosen: date,
    user: User,
    departments: DepartmentService,
) -> None:
    # A new message: the calendar stays above it as it was.
    await ask(event, *await _department_step(state, user, departments, due=chosen.isoformat()))


async def due_typed(
    message: Message, state: FSMContext, user: User, ncs: NcService, departments: DepartmentService
) -> None:
    if chosen := await future_day_typed(message, ncs.today()):
        await _due_chosen(message, state, chosen, user, departments)


async def due_picked(
    callback: CallbackQuery,
    callback_data: CalendarCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    departments: DepartmentService,
) -> None:
    if chosen := await future_day_picked(callback, callback_data, ncs.today()):
        await _due_chosen(callback, state, chosen, user, departments)


async def _department_step(
    state: FSMContext, user: User, departments: DepartmentService, **changes: Any
) -> views.Screen:
    """On to the department (with what the step before gave); its question to show."""
    await advance(state, Reporting.department, **changes)
    return views.department_screen(await departments.list(), user.department_id)


async def department_chosen(
    callback: CallbackQuery, callback_data: ReportCB, state: FSMContext
) -> None:
    dept = carried_number(callback_data.value)
    await advance(state, Reporting.description, dept=dept or None)
    await show(callback, _("nc_report.ask_description"))


async def description_given(
    message: Message, state: FSMContext, evidence: EvidenceCollector, file_store: FileService
) -> None:
    text = (message.text or message.caption or "").strip()
    data = await state.get_data()
    files: list[dict[str, Any]] = list(data.get("evidence", []))
    if item := await received_item(message, file_store):
        files.append(item)
    if not text:
        await state.update_data(evidence=files)

        async def ask_text() -> None:
            if await state.get_state() == Reporting.description.state:
                await message.answer(_("nc_report.need_text"))

        await evidence.confirm(message, state.key, ask_text)
        return
    if len(text) > TEXT_MAX:
        await message.answer(refusal_text(Refused("nc.too_long", limit=TEXT_MAX)))
        return
    await advance(state, Reporting.evidence, description=text, evidence=files)
    await show(message, *views.evidence_question())


async def evidence_given(
    message: Message, state: FSMContext, evidence: EvidenceCollector, file_store: FileService
) -> None:
    async def confirm(current: dict[str, Any]) -> None:
        await show(message, *views.files_saved(len(current.get("evidence", []))))

    await collect_file(message, state, evidence, file_store, Reporting.evidence, confirm)


async def ask_severity(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Reporting.severity)
    await show(callback, *views.severity_question())


async def severity_chosen(
    callback: CallbackQuery,
    callback_data: ReportCB,
    state: FSMContext,
    user: User,
    ncs: NcService,
    notices: Notices,
) -> None:
    data = await state.get_data()
    try:
        suggested = Severity(callback_data.value) if callback_data.value else None
    except ValueError:
        raise Refused("stale") from None
    (description,) = need(data, "description")
    draft = ReportDraft(
        department_id=data.get("dept"),
        description=description,
        evidence=list(data.get("evidence", [])),
        suggested_severity=suggested,
        source=Source(data.get("source", Source.REPORT.value)),
        external_ref=data.get("reference"),
        due_date=date.fromisoformat(data["due"]) if data.get("due") else None,
    )
    nc = await ncs.report(user, draft)
    await state.clear()
    await notices.about_nc(nc, "nc.told.reported", user, await ncs.managers())
    if nc.responsible_id is not None:  # the department's head, at once
        head = await ncs.person(nc.responsible_id)
        await notices.about_nc(nc, "nc.told.assigned", user, [head])
    await show(callback, *views.reported_screen(nc))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.message.register(report_command, Command("report"))
    router.callback_query.register(report_menu, MenuCB.filter(F.command == "report"))
    router.callback_query.register(
        source_chosen, Reporting.source, ReportCB.filter(F.action == ReportAction.SOURCE)
    )
    router.message.register(reference_given, Reporting.reference, F.text, ~F.text.startswith("/"))
    router.message.register(due_typed, Reporting.due, F.text, ~F.text.startswith("/"))
    router.callback_query.register(due_picked, Reporting.due, CalendarCB.filter())
    router.callback_query.register(
        department_chosen, Reporting.department, ReportCB.filter(F.action == ReportAction.DEPT)
    )
    router.message.register(description_given, Reporting.description, F.photo | F.document)
    router.message.register(
        description_given, Reporting.description, F.text, ~F.text.startswith("/")
    )
    router.message.register(evidence_given, Reporting.evidence, F.photo | F.document)
    router.callback_query.register(
        ask_severity, Reporting.evidence, ReportCB.filter(F.action == ReportAction.SKIP)
    )
    router.callback_query.register(
        severity_chosen, Reporting.severity, ReportCB.filter(F.action == ReportAction.SEVERITY)
    )
    return router
