"""/audits: a respondent answers a questionnaire, one question per screen.

Every answer is stored the moment it is given. The question a screen shows travels in
its buttons' callback data, so an old screen still answers its own question (answers are
editable until submission) and a screen of a submitted questionnaire changes nothing.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QCB, AuditAction, AuditCB, MenuCB, QAction
from bot.dialogs import dialog_data, need, set_dialog
from bot.domain.checklists import AnswerType, EvidenceRule, Question
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.evidence import EvidenceCollector, evidence_item
from bot.filters import HasRole
from bot.keyboards.pages import button
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.questionnaire import Questionnaire, QuestionnaireService
from bot.ui import refusal_text, show
from bot.views.answers import format_value, progress_bar, shorten

REVIEW_ROW = 8


class Answering(StatesGroup):
    question = State()  # a question is on screen; typed text answers it, photos attach to it
    comment = State()  # the next text is the question's comment


# -- screens ---------------------------------------------------------------------------


def question_text(q: Questionnaire, index: int) -> str:
    question = q.question(index)
    section = q.checklist.section_of(index)
    lines = [
        f"<b>{q.audit.number} · {html.quote(q.checklist.title)}</b>",
        _("q.where").format(
            section=html.quote(section.title),
            clause=question.clause,
            n=index + 1,
            total=q.total,
        ),
        f"{progress_bar(q.answered, q.total)} {q.answered}/{q.total}",
        "",
        f"<b>{html.quote(question.text)}</b>",
    ]
    if question.hint:
        lines.append(f"<i>💡 {html.quote(question.hint)}</i>")
    if question.evidence is EvidenceRule.REQUIRED:
        lines.append(evidence_rule_text(question))
    if question.type in (AnswerType.NUMBER, AnswerType.TEXT):
        lines.append(_(f"q.type_{question.type.value}"))
    record = q.record(question)
    status = [_("q.your_answer").format(answer=format_value(question, q.value(question)))]
    if record and record.comment:
        status.append(_("q.comment_mark").format(comment=html.quote(shorten(record.comment))))
    if q.pieces(question):
        status.append(_("q.evidence_mark").format(count=q.pieces(question)))
    lines += ["", *status]
    if q.value(question) is not None and q.needs_evidence(question):
        lines += ["", _("q.attach_now")]
    return "\n".join(lines)


def evidence_rule_text(question: Question) -> str:
    """What must be shown, said before the answer: for which answers, never for N/A."""
    if question.evidence_for is not None:
        answers = ", ".join(f"«{format_value(question, v)}»" for v in question.evidence_for)
        return _("q.evidence_required_for").format(answers=answers)
    if question.type is AnswerType.YES_NO_NA:
        return _("q.evidence_required_but_na")
    return _("q.evidence_required")


def _answer_buttons(q: Questionnaire, index: int, question: Question) -> list[list[Any]]:
    current = q.value(question)

    def choice(text: str, value: str) -> InlineKeyboardButton:
        mark = "● " if current == value else ""
        return button(mark + text, QCB(action=QAction.ANSWER, audit=q.audit.id, q=index, v=value))

    kind = question.type
    if kind in (AnswerType.YES_NO, AnswerType.YES_NO_NA):
        values = ["yes", "no"] + (["na"] if kind is AnswerType.YES_NO_NA else [])
        return [[choice(_(f"answer.{v}"), v) for v in values]]
    if kind is AnswerType.SCALE:
        return [[choice(str(v), str(v)) for v in range(1, 6)]]
    if kind is AnswerType.CHOICE:
        rows = []
        for number, option in enumerate(question.options):
            mark = "● " if current == option else ""
            data = QCB(action=QAction.ANSWER, audit=q.audit.id, q=index, v=str(number))
            rows.append([button(mark + option, data)])
        return rows
    return []  # number and text are typed


def question_keyboard(q: Questionnaire, index: int) -> InlineKeyboardMarkup:
    question = q.question(index)
    audit = q.audit.id
    rows = _answer_buttons(q, index, question)
    extra = [button(_("q.comment"), QCB(action=QAction.COMMENT, audit=audit, q=index))]
    if question.evidence is not EvidenceRule.NONE:
        extra.append(button(_("q.evidence"), QCB(action=QAction.EVIDENCE, audit=audit, q=index)))
    rows.append(extra)
    rows.append(
        [
            button(_("q.back"), QCB(action=QAction.BACK, audit=audit, q=index)),
            button(_("q.skip"), QCB(action=QAction.SKIP, audit=audit, q=index)),
        ]
    )
    rows.append([button(_("q.review"), QCB(action=QAction.REVIEW, audit=audit))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def review_screen(q: Questionnaire) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        f"<b>{q.audit.number} · {html.quote(q.checklist.title)}</b>",
        _("q.review_title").format(answered=q.answered, total=q.total),
        "",
    ]
    limit = max(20, min(SHORT_REVIEW, 3300 // max(q.total, 1)))
    for index, question in enumerate(q.checklist.questions):
        value = q.value(question)
        mark = "⬜" if value is None else ("⚠️" if q.needs_evidence(question) else "✅")
        extras = ("💬" if (r := q.record(question)) and r.comment else "") + (
            "📎" if q.pieces(question) else ""
        )
        answer = format_value(question, value) if value is not None else "—"
        lines.append(
            f"{index + 1}. {mark} {answer}{extras} · {html.quote(shorten(question.text, limit))}"
        )
    rows: list[list[InlineKeyboardButton]] = []
    numbers = [
        button(str(i + 1), QCB(action=QAction.SHOW, audit=q.audit.id, q=i)) for i in range(q.total)
    ]
    rows += [numbers[i : i + REVIEW_ROW] for i in range(0, len(numbers), REVIEW_ROW)]
    if not q.submitted:
        rows.append([button(_("q.submit"), QCB(action=QAction.SUBMIT, audit=q.audit.id))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


SHORT_REVIEW = 60


async def show_question(
    event: Message | CallbackQuery, state: FSMContext, q: Questionnaire, index: int
) -> None:
    if q.submitted:
        await show(event, *review_screen(q))
        return
    typed = q.question(index).type in (AnswerType.NUMBER, AnswerType.TEXT)
    await set_dialog(state, Answering.question, audit=q.audit.id, q=index, typed=typed)
    await show(event, question_text(q, index), question_keyboard(q, index))


async def show_next(
    event: Message | CallbackQuery, state: FSMContext, q: Questionnaire, index: int
) -> None:
    """After question `index`: the next one, or the review screen after the last."""
    if index + 1 < q.total:
        await show_question(event, state, q, index + 1)
    else:
        await state.clear()
        await show(event, *review_screen(q))


# The busiest handler goes first: aiogram tries handlers in order, unpacking the
# callback data for each.
async def answer_button(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.answer(
        user, callback_data.audit, callback_data.q, callback_data.v, tapped=True
    )
    question = q.question(callback_data.q)
    if q.needs_evidence(question):
        await show_question(callback, state, q, callback_data.q)
        return
    await show_next(callback, state, q, callback_data.q)


# -- the list --------------------------------------------------------------------------


async def _list(
    event: Message | CallbackQuery,
    user: User,
    questionnaires: QuestionnaireService,
    audits: AuditService,
) -> None:
    mine = await questionnaires.open_for(user)
    running = await audits.running(user)
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    if mine:
        lines.append(_("audits.mine_title"))
        for audit, person, total in mine:
            lines.append(
                _("audits.mine_line").format(
                    number=audit.number,
                    title=html.quote(audit.title),
                    deadline=format_date(audit.deadline),
                    answered=person.answered,
                    total=total,
                )
            )
            label = f"▶️ {audit.number} ({person.answered}/{total})"
            rows.append([button(label, QCB(action=QAction.OPEN, audit=audit.id))])
    else:
        lines.append(_("audits.mine_empty"))
    if running:
        lines += ["", _("audits.running_title")]
        for audit in running:
            lines.append(
                _("audits.running_line").format(
                    number=audit.number,
                    title=html.quote(audit.title),
                    status=_(f"audit.status.{audit.status.value}"),
                )
            )
            rows.append(
                [button(f"🔎 {audit.number}", AuditCB(action=AuditAction.CARD, audit=audit.id))]
            )
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def audits_command(
    message: Message,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
    audits: AuditService,
) -> None:
    await state.clear()
    await _list(message, user, questionnaires, audits)


async def audits_menu(
    callback: CallbackQuery,
    user: User,
    questionnaires: QuestionnaireService,
    audits: AuditService,
) -> None:
    await _list(callback, user, questionnaires, audits)


# -- moving around ---------------------------------------------------------------------


async def open_questionnaire(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    index = q.first_unanswered()
    if index is None or q.submitted:
        await state.clear()
        await show(callback, *review_screen(q))
    else:
        await show_question(callback, state, q, index)


async def show_one(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    q.question(callback_data.q)  # refuses a forged index
    await show_question(callback, state, q, callback_data.q)


async def back(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    await show_question(callback, state, q, max(0, min(callback_data.q - 1, q.total - 1)))


async def skip(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    question = q.question(callback_data.q)
    if q.value(question) is not None and q.needs_evidence(question):
        await callback.answer(_("q.evidence_first"), show_alert=True)
        return
    await show_next(callback, state, q, callback_data.q)


async def review(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    await state.clear()
    await show(callback, *review_screen(await questionnaires.load(user, callback_data.audit)))


# -- answering -------------------------------------------------------------------------


async def typed_answer(
    message: Message, state: FSMContext, user: User, questionnaires: QuestionnaireService
) -> None:
    data = await state.get_data()
    audit_id, index = (int(value) for value in need(data, "audit", "q"))
    if data.get("typed") is False:
        await message.answer(_("q.use_buttons"))
        return
    try:
        q = await questionnaires.answer(user, audit_id, index, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    question = q.question(index)
    if q.needs_evidence(question):
        await show_question(message, state, q, index)
    else:
        await show_next(message, state, q, index)


async def _editable(user: User, data: QCB, questionnaires: QuestionnaireService) -> Questionnaire:
    """The questionnaire, if its question `data.q` may still be changed."""
    q = await questionnaires.load(user, data.audit)
    if q.submitted:
        raise Refused("questionnaire.submitted")
    q.question(data.q)  # refuses a forged index
    return q


async def ask_comment(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await _editable(user, callback_data, questionnaires)
    await set_dialog(state, Answering.comment, audit=q.audit.id, q=callback_data.q)
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("q.ask_comment").format(n=callback_data.q + 1)
    )


async def comment_given(
    message: Message, state: FSMContext, user: User, questionnaires: QuestionnaireService
) -> None:
    audit_id, index = (int(value) for value in await dialog_data(state, "audit", "q"))
    try:
        q = await questionnaires.comment(user, audit_id, index, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await message.answer(_("q.comment_saved"))
    await show_question(message, state, q, index)


async def ask_evidence(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await _editable(user, callback_data, questionnaires)
    typed = q.question(callback_data.q).type in (AnswerType.NUMBER, AnswerType.TEXT)
    await set_dialog(state, Answering.question, audit=q.audit.id, q=callback_data.q, typed=typed)
    await callback.answer()
    done = QCB(action=QAction.EVIDENCE_DONE, audit=q.audit.id, q=callback_data.q)
    await callback.message.answer(  # type: ignore[union-attr]
        _("q.ask_evidence").format(n=callback_data.q + 1),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button(_("q.evidence_done"), done)]]),
    )


async def evidence_given(
    message: Message,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
    evidence: EvidenceCollector,
) -> None:
    data = await state.get_data()
    audit_id, index = (int(value) for value in need(data, "audit", "q"))
    item = evidence_item(message)
    assert item is not None
    try:
        await questionnaires.add_evidence(user, audit_id, index, item)
        if await state.get_state() == Answering.comment.state and message.caption:
            await questionnaires.comment(user, audit_id, index, message.caption)
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.set_state(Answering.question)

    async def confirm() -> None:
        q = await questionnaires.load(user, audit_id)
        done = QCB(action=QAction.EVIDENCE_DONE, audit=audit_id, q=index)
        await message.answer(
            _("q.evidence_saved").format(n=index + 1, count=q.pieces(q.question(index))),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[button(_("q.evidence_done"), done)]]
            ),
        )

    await evidence.confirm(message, state.key, confirm)


async def evidence_done(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    question = q.question(callback_data.q)
    if q.value(question) is not None and not q.needs_evidence(question):
        await show_next(callback, state, q, callback_data.q)
    else:
        await show_question(callback, state, q, callback_data.q)


# -- submitting ------------------------------------------------------------------------


async def submit(
    callback: CallbackQuery, callback_data: QCB, user: User, questionnaires: QuestionnaireService
) -> None:
    q = await questionnaires.load(user, callback_data.audit)
    if q.submitted:
        raise Refused("questionnaire.submitted")
    missing = q.missing()
    if missing:
        await _show_missing(callback, q, missing)
        return
    rows = [
        [button(_("q.submit_sure"), QCB(action=QAction.SUBMIT_SURE, audit=q.audit.id))],
        [button(_("q.back_to_review"), QCB(action=QAction.REVIEW, audit=q.audit.id))],
    ]
    text = _("q.submit_confirm").format(number=q.audit.number)
    await show(callback, text, InlineKeyboardMarkup(inline_keyboard=rows))


async def _show_missing(callback: CallbackQuery, q: Questionnaire, missing: list[int]) -> None:
    lines = [_("q.missing_title").format(count=len(missing)), ""]
    for index in missing:
        question = q.question(index)
        reason = _("q.missing_evidence") if q.value(question) is not None else ""
        lines.append(f"{index + 1}. {html.quote(shorten(question.text))} {reason}".rstrip())
    rows = [
        [button(str(i + 1), QCB(action=QAction.SHOW, audit=q.audit.id, q=i)) for i in chunk]
        for chunk in (missing[n : n + REVIEW_ROW] for n in range(0, len(missing), REVIEW_ROW))
    ]
    rows.append([button(_("q.back_to_review"), QCB(action=QAction.REVIEW, audit=q.audit.id))])
    await show(callback, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def submit_sure(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
    accounts: AccountService,
    notices: Notices,
) -> None:
    q, missing = await questionnaires.submit(user, callback_data.audit)
    if missing:
        await _show_missing(callback, q, missing)
        return
    await state.clear()
    await notices.submitted(q.audit, user, await accounts.get(q.audit.lead_auditor_id))
    await show(callback, _("q.submitted").format(number=q.audit.number))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.callback_query.register(answer_button, QCB.filter(F.action == QAction.ANSWER))
    router.message.register(audits_command, Command("audits"))
    router.callback_query.register(audits_menu, MenuCB.filter(F.command == "audits"))
    router.callback_query.register(open_questionnaire, QCB.filter(F.action == QAction.OPEN))
    router.callback_query.register(show_one, QCB.filter(F.action == QAction.SHOW))
    router.callback_query.register(back, QCB.filter(F.action == QAction.BACK))
    router.callback_query.register(skip, QCB.filter(F.action == QAction.SKIP))
    router.callback_query.register(review, QCB.filter(F.action == QAction.REVIEW))
    router.message.register(typed_answer, Answering.question, F.text, ~F.text.startswith("/"))
    router.callback_query.register(ask_comment, QCB.filter(F.action == QAction.COMMENT))
    router.message.register(comment_given, Answering.comment, F.text, ~F.text.startswith("/"))
    router.callback_query.register(ask_evidence, QCB.filter(F.action == QAction.EVIDENCE))
    router.message.register(evidence_given, Answering.comment, F.photo | F.document)
    router.message.register(evidence_given, Answering.question, F.photo | F.document)
    router.callback_query.register(evidence_done, QCB.filter(F.action == QAction.EVIDENCE_DONE))
    router.callback_query.register(submit, QCB.filter(F.action == QAction.SUBMIT))
    router.callback_query.register(submit_sure, QCB.filter(F.action == QAction.SUBMIT_SURE))
    return router
