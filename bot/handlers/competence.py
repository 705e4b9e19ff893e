"""/competence: everyone sees his qualifications and trainings and sends a certificate
(photo or file, then the completion date, then hours); the head of his department (or a
manager) confirms or rejects it. A head sees his department's matrix; the manager edits the
requirements and sees any department's matrix and the school's XLSX."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CompAction, CompCB, MenuCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.dates import parse_date
from bot.domain.models import User
from bot.domain.roles import Role
from bot.evidence import EvidenceCollector
from bot.filters import HasRole
from bot.handlers.evidence_input import collect_file
from bot.services.competence import CompetenceService
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.notices import Notices
from bot.ui import ask, refusal_text, send_file, show
from bot.views import competence as views
from bot.views.reports import gettext

MANAGER = HasRole(Role.MANAGER)


class Certificate(StatesGroup):
    file = State()
    completed = State()
    hours = State()


class CompetenceEdit(StatesGroup):
    new_name = State()
    rename = State()
    months = State()
    reject_reason = State()


# -- home --------------------------------------------------------------------------------------


async def _home(
    event: Message | CallbackQuery, state: FSMContext, user: User, competence: CompetenceService
) -> None:
    await state.clear()
    headed = await competence.headed(user) if user.has(Role.HEAD) else None
    mine = await competence.mine(user)
    await show(event, *views.home_screen(mine, headed, user.has(Role.MANAGER)))


async def competence_command(
    message: Message, state: FSMContext, user: User, competence: CompetenceService
) -> None:
    await _home(message, state, user, competence)


async def competence_menu(
    callback: CallbackQuery, state: FSMContext, user: User, competence: CompetenceService
) -> None:
    await _home(callback, state, user, competence)


# -- a certificate -----------------------------------------------------------------------------


async def add_certificate(
    callback: CallbackQuery,
    callback_data: CompCB,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
) -> None:
    if not callback_data.id:
        active = await competence.requirements(active_only=True)
        own = [r for r in active if r.applies_to(user.roles)]
        await show(callback, *views.pick_screen(own or active))
        return
    requirement = await competence.requirement(callback_data.id)
    if not requirement.active:
        raise Refused("competence.not_found")
    await set_dialog(state, Certificate.file, req=requirement.id, evidence=[])
    await ask(callback, views.ask_file(requirement))


async def file_given(
    message: Message, state: FSMContext, evidence: EvidenceCollector, file_store: FileService
) -> None:
    async def confirm(current: dict[str, Any]) -> None:
        await state.set_state(Certificate.completed)
        await message.answer(views.ask_date(len(current.get("evidence", []))))

    await collect_file(message, state, evidence, file_store, Certificate.file, confirm)


async def file_missing(message: Message) -> None:
    await message.answer(_("competence.need_file"))


async def date_given(message: Message, state: FSMContext, competence: CompetenceService) -> None:
    day = parse_date(message.text or "")
    if day is None:
        await message.answer(_("refused.audits.bad_date"))
        return
    if day > competence.today():
        await message.answer(_("refused.competence.date_in_future"))
        return
    data = await advance(state, Certificate.hours, completed=day.isoformat())
    (requirement_id,) = need(data, "req")
    requirement = await competence.requirement(requirement_id)
    text, keyboard = views.ask_hours(requirement)
    await message.answer(text, reply_markup=keyboard)


async def hours_given(
    message: Message,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
    notices: Notices,
) -> None:
    raw = (message.text or "").strip()
    if not raw.isdigit():
        await message.answer(_("competence.hours_number"))
        return
    await _submit(message, state, user, competence, notices, int(raw))


async def hours_skipped(
    callback: CallbackQuery,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
    notices: Notices,
) -> None:
    data = await state.get_data()
    (requirement_id,) = need(data, "req")
    if (await competence.requirement(requirement_id)).course:
        raise Refused("competence.hours_needed")
    await _submit(callback, state, user, competence, notices, None)


async def _submit(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
    notices: Notices,
    hours: int | None,
) -> None:
    data = await state.get_data()
    requirement_id, completed, files = need(data, "req", "completed", "evidence")
    try:
        done = await competence.submit(
            user, requirement_id, date.fromisoformat(completed), hours, files
        )
    except Refused as refusal:
        if refusal.key == "competence.bad_hours":  # the question stays
            await ask(event, refusal_text(refusal))
            return
        raise
    await state.clear()
    await notices.about_competence(
        "competence.told.review", done.record, done.requirement, user, done.reviewers
    )
    await show(event, views.submitted_text(done.requirement, done.reviewers))


# -- confirming ------------------------------------------------------------------------------


async def show_file(
    callback: CallbackQuery,
    callback_data: CompCB,
    user: User,
    competence: CompetenceService,
    bot: Bot,
    file_store: FileService,
) -> None:
    record, requirement, owner = await competence.record(user, callback_data.id)
    await callback.answer()
    caption = f"{owner.full_name} · {views.req_name(requirement)}"
    for item in record.evidence:
        await send_file(bot, user.tg_id, item, caption, file_store)


async def confirm_record(
    callback: CallbackQuery,
    callback_data: CompCB,
    user: User,
    competence: CompetenceService,
    notices: Notices,
) -> None:
    done = await competence.review(user, callback_data.id, confirm=True)
    await notices.about_competence(
        "competence.told.confirmed", done.record, done.requirement, done.owner, [done.owner], user
    )
    await show(callback, views.reviewed_text(done.requirement, done.owner, True))


async def reject_record(
    callback: CallbackQuery,
    callback_data: CompCB,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
) -> None:
    await competence.record(user, callback_data.id)  # may he see it at all
    await set_dialog(state, CompetenceEdit.reject_reason, record=callback_data.id)
    await ask(callback, _("competence.ask_reason"))


async def reason_given(
    message: Message,
    state: FSMContext,
    user: User,
    competence: CompetenceService,
    notices: Notices,
) -> None:
    (record_id,) = need(await state.get_data(), "record")
    done = await competence.review(user, record_id, confirm=False, reason=message.text or "")
    await state.clear()
    await notices.about_competence(
        "competence.told.rejected", done.record, done.requirement, done.owner, [done.owner], user
    )
    await message.answer(views.reviewed_text(done.requirement, done.owner, False))


# -- requirements (manager) --------------------------------------------------------------------


async def requirements_list(
    callback: CallbackQuery, state: FSMContext, competence: CompetenceService
) -> None:
    await state.clear()
    await show(callback, *views.requirements_screen(await competence.requirements()))


async def requirement_open(
    callback: CallbackQuery, callback_data: CompCB, competence: CompetenceService
) -> None:
    await show(callback, *views.requirement_card(await competence.requirement(callback_data.id)))


async def requirement_toggle(
    callback: CallbackQuery, callback_data: CompCB, user: User, competence: CompetenceService
) -> None:
    """Each button carries the state it sets ("teacher.1", "0"): a second tap of the same
    button, or a stale one, sets that state again and flips nothing back."""
    current = await competence.requirement(callback_data.id)
    if callback_data.action is CompAction.REQ_ROLE:
        role, _sep, wanted = callback_data.v.partition(".")
        if role not in {r.value for r in Role} or wanted not in ("0", "1"):
            raise Refused("stale")
        changed = await competence.change(user, current.id, role=role, role_on=wanted == "1")
    else:
        if callback_data.v not in ("0", "1"):
            raise Refused("stale")
        field = "course" if callback_data.action is CompAction.REQ_COURSE else "active"
        changed = await competence.change(user, current.id, **{field: callback_data.v == "1"})
    await show(callback, *views.requirement_card(changed))


async def requirement_ask(
    callback: CallbackQuery, callback_data: CompCB, state: FSMContext, competence: CompetenceService
) -> None:
    if callback_data.action is CompAction.REQ_NEW:
        await set_dialog(state, CompetenceEdit.new_name)
        await ask(callback, _("competence.ask_name"))
        return
    requirement = await competence.requirement(callback_data.id)
    if callback_data.action is CompAction.REQ_RENAME:
        await set_dialog(state, CompetenceEdit.rename, req=requirement.id)
        await ask(callback, _("competence.ask_name"))
    else:
        await set_dialog(state, CompetenceEdit.months, req=requirement.id)
        await ask(callback, _("competence.ask_months"))


async def requirement_typed(
    message: Message, state: FSMContext, user: User, competence: CompetenceService
) -> None:
    current = await state.get_state()
    text = message.text or ""
    try:
        if current == CompetenceEdit.new_name.state:
            changed = await competence.add_requirement(user, text)
        else:
            (requirement_id,) = need(await state.get_data(), "req")
            field = "name" if current == CompetenceEdit.rename.state else "months"
            changed = await competence.change(user, requirement_id, **{field: text})
    except Refused as refusal:
        if refusal.key == "competence.not_found":
            await state.clear()
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await show(message, *views.requirement_card(changed))


# -- the matrix --------------------------------------------------------------------------------


async def matrix_departments(callback: CallbackQuery, departments: DepartmentService) -> None:
    await show(callback, *views.departments_screen(await departments.list()))


async def matrix_open(
    callback: CallbackQuery,
    callback_data: CompCB,
    user: User,
    competence: CompetenceService,
    departments: DepartmentService,
) -> None:
    matrix = await competence.matrix(user, callback_data.id)
    if callback_data.id:
        where = (await departments.get(callback_data.id)).name
    else:
        where = _("competence.no_department")
    await show(callback, *views.matrix_screen(matrix, where, user.has(Role.MANAGER)))


async def matrix_xlsx(
    callback: CallbackQuery,
    user: User,
    competence: CompetenceService,
    bot: Bot,
) -> None:
    from bot.reports.xlsx import build_competence_workbook

    await callback.answer(_("export.preparing"))
    matrix = await competence.matrix(user, None)
    names, rows = views.sheet_rows(matrix)
    data = await asyncio.to_thread(build_competence_workbook, names, rows, gettext)
    name = f"competence-{competence.today().isoformat()}.xlsx"
    caption = views.share_text(matrix)
    await bot.send_document(user.tg_id, BufferedInputFile(data, name), caption=caption)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(action: CompAction) -> CallbackQueryFilter:
        return CompCB.filter(F.action == action)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(competence_command, Command("competence"))
    router.callback_query.register(competence_menu, MenuCB.filter(F.command == "competence"))
    router.callback_query.register(competence_menu, on(CompAction.HOME))
    router.callback_query.register(add_certificate, on(CompAction.ADD))
    router.message.register(file_given, Certificate.file, F.photo | F.document)
    router.message.register(file_missing, Certificate.file, *text)
    router.message.register(date_given, Certificate.completed, *text)
    router.message.register(hours_given, Certificate.hours, *text)
    router.callback_query.register(hours_skipped, Certificate.hours, on(CompAction.SKIP_HOURS))
    router.callback_query.register(show_file, on(CompAction.FILE))
    router.callback_query.register(confirm_record, on(CompAction.CONFIRM))
    router.callback_query.register(reject_record, on(CompAction.REJECT))
    router.message.register(reason_given, CompetenceEdit.reject_reason, *text)
    router.callback_query.register(requirements_list, on(CompAction.REQS), MANAGER)
    router.callback_query.register(requirement_open, on(CompAction.REQ), MANAGER)
    for action in (CompAction.REQ_ROLE, CompAction.REQ_COURSE, CompAction.REQ_ACTIVE):
        router.callback_query.register(requirement_toggle, on(action), MANAGER)
    for action in (CompAction.REQ_NEW, CompAction.REQ_RENAME, CompAction.REQ_MONTHS):
        router.callback_query.register(requirement_ask, on(action), MANAGER)
    for step in (CompetenceEdit.new_name, CompetenceEdit.rename, CompetenceEdit.months):
        router.message.register(requirement_typed, step, MANAGER, *text)
    router.callback_query.register(matrix_departments, on(CompAction.DEPTS), MANAGER)
    router.callback_query.register(matrix_open, on(CompAction.MATRIX))
    router.callback_query.register(matrix_xlsx, on(CompAction.XLSX), MANAGER)
    return router
