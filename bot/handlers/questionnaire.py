"""/audits: a respondent answers a questionnaire, one question per screen.

Every answer is stored the moment it is given. The question a screen shows travels in
its buttons' callback data, so an old screen still answers its own question (answers are
editable until submission) and a screen of a submitted questionnaire changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QCB, MenuCB, QAction
from bot.dialogs import DialogInUnit, dialog_data, need, set_dialog
from bot.domain.checklists import AnswerType
from bot.domain.models import User
from bot.evidence import EvidenceCollector, received_item
from bot.filters import HasRole
from bot.services.accounts import AccountService
from bot.services.audits import AuditService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.notices import Notices
from bot.services.questionnaire import Questionnaire, QuestionnaireService
from bot.services.redelivery import HandledInUnit
from bot.ui import ask, refusal_text, show
from bot.views import questionnaire as views

if TYPE_CHECKING:
    from sqlalchemy import Connection


class Answering(StatesGroup):
    question = State()  # a question is on screen; typed text answers it, photos attach to it
    comment = State()  # the next text is the question's comment


async def show_question(
    event: Message | CallbackQuery, state: FSMContext, q: Questionnaire, index: int
) -> None:
    if q.submitted:
        await show(event, *views.review_screen(q))
        return
    await set_dialog(state, Answering.question, **at_question(q, index))
    await show(event, *views.question_screen(q, index))


def at_question(q: Questionnaire, index: int) -> dict[str, Any]:
    """The dialog's data at question `index` (its step is Answering.question): typed text
    answers it when it takes a number or text (else the person is told to use its
    buttons), photos attach to it."""
    typed = q.question(index).type in (AnswerType.NUMBER, AnswerType.TEXT)
    return {"audit": q.audit.id, "q": index, "typed": typed}


async def show_next(
    event: Message | CallbackQuery, state: FSMContext, q: Questionnaire, index: int
) -> None:
    """After question `index`: the next one, or the review screen after the last."""
    if index + 1 < q.total:
        await show_question(event, state, q, index + 1)
    else:
        await state.clear()
        await show(event, *views.review_screen(q))


def dialog_after(q: Questionnaire, index: int) -> tuple[State | None, dict[str, Any]]:
    """The dialog step show_question / show_next set after an answer to question `index`."""
    shown = index if q.needs_evidence(q.question(index)) else index + 1
    if q.submitted or shown >= q.total:
        return None, {}
    return Answering.question, at_question(q, shown)


# The busiest handler goes first: aiogram tries handlers in order, unpacking the
# callback data for each.
async def answer_button(
    callback: CallbackQuery,
    callback_data: QCB,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
) -> None:
    # One transaction per tap: the answer, the next screen's dialog step (the show_* below
    # then find it written and write nothing) and the update's being handled.
    index, step, handled = callback_data.q, DialogInUnit(state), HandledInUnit()

    def after(conn: Connection, answered: Questionnaire) -> None:
        step.write(conn, *dialog_after(answered, index))
        handled.write(conn)

    q = await questionnaires.answer(
        user, callback_data.audit, index, callback_data.v, tapped=True, after=after
    )
    step.committed()
    handled.committed()
    await _answered(callback, state, q, callback_data.q)


async def _answered(
    event: Message | CallbackQuery, state: FSMContext, q: Questionnaire, index: int
) -> None:
    """After an answer, tapped or typed: its question again while it wants evidence, else
    the next one."""
    if q.needs_evidence(q.question(index)):
        await show_question(event, state, q, index)
    else:
        await show_next(event, state, q, index)


# -- the list --------------------------------------------------------------------------


async def _list(
    event: Message | CallbackQuery,
    user: User,
    questionnaires: QuestionnaireService,
    audits: AuditService,
) -> None:
    mine = await questionnaires.open_for(user)
    await show(event, *views.list_screen(mine, await audits.running(user)))


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
        await show(callback, *views.review_screen(q))
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
    await show(callback, *views.review_screen(await questionnaires.load(user, callback_data.audit)))


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
    await _answered(message, state, q, index)


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
    await ask(callback, views.comment_question(callback_data.q))


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
    await set_dialog(state, Answering.question, **at_question(q, callback_data.q))
    await ask(callback, *views.evidence_question(q.audit.id, callback_data.q))


async def evidence_given(
    message: Message,
    state: FSMContext,
    user: User,
    questionnaires: QuestionnaireService,
    evidence: EvidenceCollector,
    file_store: FileService,
) -> None:
    data = await state.get_data()
    audit_id, index = (int(value) for value in need(data, "audit", "q"))
    item = await received_item(message, file_store)
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
        pieces = q.pieces(q.question(index))
        await show(message, *views.evidence_saved_screen(audit_id, index, pieces))

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
        await show(callback, *views.missing_screen(q, missing))
        return
    await show(callback, *views.submit_confirm_screen(q))


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
        await show(callback, *views.missing_screen(q, missing))
        return
    await state.clear()
    await notices.submitted(q.audit, user, await accounts.get(q.audit.lead_auditor_id))
    await show(callback, views.submitted_text(q))


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
