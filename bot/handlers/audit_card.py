"""The audit card (lead auditor, manager): progress, reminders, answers by question,
evidence, conclusion and closing (/program is bot.handlers.programme)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AuditAction, AuditCB
from bot.dialogs import drawn_for
from bot.domain.audits import Audit, may_run
from bot.domain.checklists import Question
from bot.domain.models import User
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.services.audits import AuditService
from bot.services.errors import Refused
from bot.services.files import FileService
from bot.services.nonconformities import NcService
from bot.services.notices import Notices
from bot.services.templates import TemplateService
from bot.ui import ask, send_file, show
from bot.views import acknowledgements as ack_views
from bot.views import audit as views

EVIDENCE_SENT_MAX = 10


class Concluding(StatesGroup):
    text = State()


async def _card(
    event: Message | CallbackQuery,
    user: User,
    audit_id: int,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
) -> None:
    audit = await audits.get_to_read(user, audit_id)
    checklist = await templates.checklist(audit.template_id)
    respondents = await audits.respondents(audit.id)
    raised = await ncs.of_audit(audit.id)
    told = ack_views.card_lines(await audits.acks(audit.id), audits.tz)
    anonymous = (await audits.options(audit.id)).anonymous
    runs = may_run(user, audit) or await audits.in_team(user, audit.id)
    screen = views.card_screen(audit, checklist, respondents, raised, user, told, anonymous, runs)
    await show(event, *screen)


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
    audit = await audits.open_to_run(user, callback_data.audit)
    respondents = await audits.respondents(audit.id)
    count = (await templates.checklist(audit.template_id)).question_count
    told = await notices.nudge(audit, respondents, count)
    waiting = sum(1 for person in respondents if person.submitted_at is None)
    await callback.answer(views.reminded_text(told, waiting), show_alert=True)


async def answers_by_question(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
) -> None:
    audit = await audits.get_to_read(user, callback_data.audit)
    checklist = await templates.checklist(audit.template_id)
    names = {r.user_id: r.full_name for r in await audits.respondents(audit.id)}
    answers = await audits.answers(audit.id)
    anonymous = (await audits.options(audit.id)).anonymous
    runs = may_run(user, audit) or await audits.in_team(user, audit.id)
    screen = views.answers_screen(
        audit, checklist, answers, names, callback_data.page, runs, anonymous
    )
    await show(callback, *screen)


async def _question(
    user: User, data: AuditCB, audits: AuditService, templates: TemplateService
) -> tuple[Audit, Question, dict[int, str]]:
    """The audit this user may run, its question number `data.q` (refused when there is no
    such question), and the respondents' names by user id."""
    audit = await audits.get_to_read(user, data.audit)
    checklist = await templates.checklist(audit.template_id)
    if not 0 <= data.q < checklist.question_count:
        raise Refused("questionnaire.no_such_question")
    names = {r.user_id: r.full_name for r in await audits.respondents(audit.id)}
    if (await audits.options(audit.id)).anonymous:
        names = {}  # its evidence is sent in no one's name
    return audit, checklist.questions[data.q], names


async def send_evidence(
    callback: CallbackQuery,
    callback_data: AuditCB,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    bot: Bot,
    file_store: FileService,
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
            name = names.get(record.user_id, "?") if names else _("audit.anonymous_name")
            caption = views.evidence_caption(callback_data.q, name)
            await send_file(bot, user.tg_id, item, caption, file_store)
            sent += 1


async def ask_conclusion(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
) -> None:
    audit = await audits.open_to_run(user, callback_data.audit)
    respondents = await audits.respondents(audit.id)
    await state.set_state(Concluding.text)
    await state.set_data({"audit": audit.id})
    await ask(callback, views.conclusion_question(audit, respondents))


async def conclusion_given(
    message: Message, state: FSMContext, user: User, audits: AuditService
) -> None:
    data = await state.get_data()
    audit = await audits.get_to_run(user, int(data["audit"]))
    text = (message.text or "").strip()
    await state.update_data(text=text)
    await show(message, *views.close_confirm_screen(audit, text))


async def close_audit(
    callback: CallbackQuery,
    callback_data: AuditCB,
    state: FSMContext,
    user: User,
    audits: AuditService,
    templates: TemplateService,
    ncs: NcService,
    notices: Notices,
) -> None:
    data = await drawn_for(state, audit=callback_data.audit)
    if not data.get("text"):
        raise Refused("stale")
    closed = await audits.close(user, callback_data.audit, str(data["text"]))
    await state.clear()
    await notices.audit_results(closed, await audits.acks(closed.id))
    await _card(callback, user, callback_data.audit, audits, templates, ncs)


async def ask_cancel(
    callback: CallbackQuery, callback_data: AuditCB, user: User, audits: AuditService
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    await show(callback, *views.cancel_confirm_screen(audit))


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
    return router
