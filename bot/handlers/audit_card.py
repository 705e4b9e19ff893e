"""The audit card (lead auditor, manager): progress, reminders, answers by question,
evidence, conclusion and closing; and /program, the year's audits by month."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    AuditAction,
    AuditCB,
    FindingAction,
    FindingCB,
    MenuCB,
    ReportFileAction,
    ReportFileCB,
)
from bot.domain.audits import AnswerRecord, Audit, AuditStatus, Respondent, evidence_pieces
from bot.domain.checklists import Checklist, Question, is_nonconforming
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.keyboards.pages import button, page_buttons
from bot.services.audits import AuditService
from bot.services.errors import Refused
from bot.services.nonconformities import NcService
from bot.services.notices import Notices
from bot.services.templates import TemplateService
from bot.ui import send_file, show
from bot.views.answers import format_value, shorten
from bot.views.nc import status_text

QUESTIONS_PER_PAGE = 5
EVIDENCE_SENT_MAX = 10


class Concluding(StatesGroup):
    text = State()


def _where(audit: Audit) -> str:
    return html.quote(audit.department_name) if audit.department_name else _("audit.whole_school")


def results_lines(audit: Audit) -> list[str]:
    results = audit.results or {}
    if results.get("overall") is None:
        return [_("audit.results_none")]
    lines = [_("audit.results_overall").format(percent=results["overall"])]
    for title, percent in results.get("by_section", {}).items():
        value = "—" if percent is None else f"{percent}%"
        lines.append(f"  • {html.quote(title)}: {value}")
    clauses = [(c, p) for c, p in results.get("by_clause", {}).items() if p is not None]
    weakest = sorted(clauses, key=lambda item: item[1])[:5]
    if weakest:
        lines.append(_("audit.results_weakest"))
        lines += [f"  • {clause}: {percent}%" for clause, percent in weakest]
    return lines


def card_text(
    audit: Audit,
    checklist: Checklist,
    respondents: list[Respondent],
    raised: list[Nonconformity] | None = None,
) -> str:
    objectives = ", ".join(_(f"objective.{o}") for o in audit.objectives)
    submitted = sum(1 for r in respondents if r.submitted_at)
    lines = [
        f"<b>{audit.number} · {html.quote(audit.title)}</b>",
        _("audit.card").format(
            where=_where(audit),
            template=html.quote(checklist.title),
            version=checklist.version,
            objectives=objectives,
            scope=html.quote(audit.scope),
            criteria=html.quote(audit.criteria),
            auditor=html.quote(audit.lead_auditor_name),
            start=format_date(audit.start_date),
            deadline=format_date(audit.deadline),
            status=_(f"audit.status.{audit.status.value}"),
        ),
        "",
        _("audit.respondents").format(submitted=submitted, total=len(respondents)),
    ]
    for person in respondents:
        mark = "✅" if person.submitted_at else "⏳"
        lines.append(
            f"{mark} {html.quote(person.full_name)} — {person.answered}/{checklist.question_count}"
        )
    if raised:
        lines += ["", _("audit.raised_ncs")]
        lines += [f"⚠️ {nc.number} — {status_text(nc.status)}" for nc in raised]
    if audit.status is AuditStatus.CLOSED:
        lines += ["", *results_lines(audit)]
        if audit.conclusion:
            lines += ["", _("audit.conclusion").format(text=html.quote(audit.conclusion))]
    return "\n".join(lines)


def card_keyboard(audit: Audit, user: User, respondents: list[Respondent]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    waiting = any(r.submitted_at is None for r in respondents)
    if audit.status is AuditStatus.OPEN and waiting:
        rows.append([button(_("audit.remind"), AuditCB(action=AuditAction.REMIND, audit=audit.id))])
    if audit.status in (AuditStatus.OPEN, AuditStatus.CLOSED):
        rows.append(
            [button(_("audit.answers"), AuditCB(action=AuditAction.ANSWERS, audit=audit.id))]
        )
        rows.append(
            [button(_("audit.findings"), FindingCB(action=FindingAction.LIST, audit=audit.id))]
        )
    if audit.status is AuditStatus.OPEN:
        rows.append(
            [button(_("audit.conclude"), AuditCB(action=AuditAction.CONCLUDE, audit=audit.id))]
        )
    if audit.status is AuditStatus.CLOSED:
        rows.append(
            [
                button(
                    _("audit.results"),
                    ReportFileCB(action=ReportFileAction.RESULTS, audit=audit.id),
                ),
                button(_("audit.docx"), ReportFileCB(action=ReportFileAction.DOCX, audit=audit.id)),
            ]
        )
    if user.has(Role.MANAGER) and audit.status in (AuditStatus.PLANNED, AuditStatus.OPEN):
        rows.append([button(_("audit.cancel"), AuditCB(action=AuditAction.CANCEL, audit=audit.id))])
    year = audit.start_date.year
    rows.append([button(_("audit.to_program"), AuditCB(action=AuditAction.PROGRAM, page=year))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _card(
    event: Message | CallbackQuery,
    user: User,
    audit_id: int,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
) -> None:
    audit = await audits.get_to_run(user, audit_id)
    checklist = await templates.checklist(audit.template_id)
    respondents = await audits.respondents(audit.id)
    raised = await ncs.of_audit(audit.id)
    await show(
        event,
        card_text(audit, checklist, respondents, raised),
        card_keyboard(audit, user, respondents),
    )


async def open_card(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
) -> None:
    await state.clear()
    await _card(callback, user, callback_data.audit, audits, templates, ncs)


async def remind(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    notices: Notices,
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    if audit.status is not AuditStatus.OPEN:
        raise Refused("audits.not_open")
    respondents = await audits.respondents(audit.id)
    count = (await templates.checklist(audit.template_id)).question_count
    told = await notices.nudge(audit, respondents, count)
    waiting = sum(1 for person in respondents if person.submitted_at is None)
    text = _("audit.reminded").format(count=told)
    if waiting and not told:
        text = _("audit.reminded_already")
    await callback.answer(text, show_alert=True)


async def answers_by_question(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    checklist = await templates.checklist(audit.template_id)
    names = {r.user_id: r.full_name for r in await audits.respondents(audit.id)}
    by_question: dict[str, list[AnswerRecord]] = {}
    for record in await audits.answers(audit.id):
        by_question.setdefault(record.question_id, []).append(record)
    total = checklist.question_count
    page = max(0, min(callback_data.page, (total - 1) // QUESTIONS_PER_PAGE))
    first = page * QUESTIONS_PER_PAGE
    lines = [f"<b>{audit.number} · {html.quote(audit.title)}</b>", _("audit.answers_legend"), ""]
    evidence_buttons = []
    finding_buttons = []
    for index in range(first, min(first + QUESTIONS_PER_PAGE, total)):
        question = checklist.questions[index]
        lines.append(
            f"<b>{index + 1}. [{question.clause}] {html.quote(shorten(question.text, 120))}</b>"
        )
        records = by_question.get(question.id, [])
        if not records:
            lines.append("   " + _("audit.no_answers"))
        pieces = 0
        for record in records:
            flag = " ⚠️" if record.value and is_nonconforming(question, record.value) else ""
            extra = ""
            if record.comment:
                extra += " 💬 «" + html.quote(shorten(record.comment, 80)) + "»"
            if record.evidence:
                count = evidence_pieces(record.evidence)
                pieces += count
                extra += f" 📎{count}"
            name = html.quote(names.get(record.user_id, "?"))
            lines.append(f"   {name}: {format_value(question, record.value)}{flag}{extra}")
        if records:
            finding_buttons.append(
                button(
                    f"⚠️ {index + 1}",
                    FindingCB(action=FindingAction.QUESTION, audit=audit.id, q=index),
                )
            )
        if pieces:
            evidence_buttons.append(
                button(
                    _("audit.evidence_of").format(n=index + 1),
                    AuditCB(action=AuditAction.EVIDENCE, audit=audit.id, q=index, page=page),
                )
            )
        lines.append("")
    builder = InlineKeyboardBuilder()
    for start in range(0, len(evidence_buttons), 3):
        builder.row(*evidence_buttons[start : start + 3])
    if finding_buttons:
        builder.row(*finding_buttons)
    page_buttons(
        builder,
        page,
        total,
        QUESTIONS_PER_PAGE,
        lambda p: AuditCB(action=AuditAction.ANSWERS, audit=audit.id, page=p),
    )
    builder.row(button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id)))
    await show(callback, "\n".join(lines).strip(), builder.as_markup())


async def _question(
    user: User, data: AuditCB, audits: AuditService, templates: TemplateService
) -> tuple[Audit, Question, dict[int, str]]:
    """The audit this user may run, its question number `data.q` (refused when there is no
    such question), and the respondents' names by user id."""
    audit = await audits.get_to_run(user, data.audit)
    checklist = await templates.checklist(audit.template_id)
    if not 0 <= data.q < checklist.question_count:
        raise Refused("questionnaire.no_such_question")
    names = {r.user_id: r.full_name for r in await audits.respondents(audit.id)}
    return audit, checklist.questions[data.q], names


async def send_evidence(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    bot: Bot,
) -> None:
    audit, question, names = await _question(user, callback_data, audits, templates)
    await callback.answer()
    sent = 0
    for record in await audits.answers(audit.id):
        if record.question_id != question.id:
            continue
        for item in record.evidence:
            if sent >= EVIDENCE_SENT_MAX:
                break
            caption = _("audit.evidence_caption").format(
                n=callback_data.q + 1, name=html.quote(names.get(record.user_id, "?"))
            )
            await send_file(bot, user.tg_id, item, caption)
            sent += 1


async def ask_conclusion(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    if audit.status is not AuditStatus.OPEN:
        raise Refused("audits.not_open")
    respondents = await audits.respondents(audit.id)
    submitted = sum(1 for r in respondents if r.submitted_at)
    await state.set_state(Concluding.text)
    await state.set_data({"audit": audit.id})
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("audit.ask_conclusion").format(
            number=audit.number, submitted=submitted, total=len(respondents)
        )
    )


async def conclusion_given(
    message: Message, state: FSMContext, user: User, audits: AuditService
) -> None:
    data = await state.get_data()
    audit = await audits.get_to_run(user, int(data["audit"]))
    text = (message.text or "").strip()
    await state.update_data(text=text)
    rows = [
        [button(_("audit.close_sure"), AuditCB(action=AuditAction.CLOSE, audit=audit.id))],
        [button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id))],
    ]
    await message.answer(
        _("audit.close_confirm").format(number=audit.number, text=html.quote(shorten(text, 500))),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def close_audit(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
) -> None:
    data = await state.get_data()
    if int(data.get("audit", 0)) != callback_data.audit or not data.get("text"):
        raise Refused("stale")
    await audits.close(user, callback_data.audit, str(data["text"]))
    await state.clear()
    await _card(callback, user, callback_data.audit, audits, templates, ncs)


async def ask_cancel(
    callback: CallbackQuery, callback_data: AuditCB, user: User, audits: AuditService
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    rows = [
        [button(_("audit.cancel_sure"), AuditCB(action=AuditAction.CANCEL_SURE, audit=audit.id))],
        [button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id))],
    ]
    text = _("audit.cancel_confirm").format(number=audit.number)
    await show(callback, text, InlineKeyboardMarkup(inline_keyboard=rows))


async def cancel_audit(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
) -> None:
    await audits.cancel(user, callback_data.audit)
    await _card(callback, user, callback_data.audit, audits, templates, ncs)


# -- the programme ---------------------------------------------------------------------


async def _program(
    event: Message | CallbackQuery, user: User, year: int, audits: AuditService
) -> None:
    items = await audits.program(year)
    lines = [_("program.title").format(year=year), ""]
    rows: list[list[InlineKeyboardButton]] = []
    month = 0
    for audit in items:
        if audit.start_date.month != month:
            month = audit.start_date.month
            lines.append(f"<b>{_(f'month.{month}')}</b>")
        lines.append(
            _("program.line").format(
                number=audit.number,
                title=html.quote(audit.title),
                where=_where(audit),
                start=format_date(audit.start_date)[:5],
                deadline=format_date(audit.deadline)[:5],
                status=_(f"audit.status.{audit.status.value}"),
            )
        )
        if user.has(Role.MANAGER) or audit.lead_auditor_id == user.id:
            rows.append(
                [button(f"🔎 {audit.number}", AuditCB(action=AuditAction.CARD, audit=audit.id))]
            )
    if not items:
        lines.append(_("program.empty"))
    rows.append(
        [
            button(f"◀️ {year - 1}", AuditCB(action=AuditAction.PROGRAM, page=year - 1)),
            button(f"{year + 1} ▶️", AuditCB(action=AuditAction.PROGRAM, page=year + 1)),
        ]
    )
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def program_command(message: Message, user: User, audits: AuditService) -> None:
    await _program(message, user, audits.today().year, audits)


async def program_menu(callback: CallbackQuery, user: User, audits: AuditService) -> None:
    await _program(callback, user, audits.today().year, audits)


async def program_year(
    callback: CallbackQuery, callback_data: AuditCB, user: User, audits: AuditService
) -> None:
    year = callback_data.page if 2000 <= callback_data.page <= 2100 else audits.today().year
    await _program(callback, user, year, audits)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER, Role.AUDITOR, Role.HEAD, Role.OBSERVER))
    router.callback_query.filter(HasRole(Role.MANAGER, Role.AUDITOR, Role.HEAD, Role.OBSERVER))
    router.callback_query.register(open_card, AuditCB.filter(F.action == AuditAction.CARD))
    router.callback_query.register(remind, AuditCB.filter(F.action == AuditAction.REMIND))
    router.callback_query.register(
        answers_by_question, AuditCB.filter(F.action == AuditAction.ANSWERS)
    )
    router.callback_query.register(send_evidence, AuditCB.filter(F.action == AuditAction.EVIDENCE))
    router.callback_query.register(ask_conclusion, AuditCB.filter(F.action == AuditAction.CONCLUDE))
    router.message.register(conclusion_given, Concluding.text, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        close_audit, Concluding.text, AuditCB.filter(F.action == AuditAction.CLOSE)
    )
    router.callback_query.register(ask_cancel, AuditCB.filter(F.action == AuditAction.CANCEL))
    router.callback_query.register(
        cancel_audit, AuditCB.filter(F.action == AuditAction.CANCEL_SURE)
    )
    router.message.register(program_command, Command("program"))
    router.callback_query.register(program_menu, MenuCB.filter(F.command == "program"))
    router.callback_query.register(program_year, AuditCB.filter(F.action == AuditAction.PROGRAM))
    return router
