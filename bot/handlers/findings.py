"""The auditor's findings by question: one NC per question (from submitted questionnaires
only, respondents unnamed unless he chooses), observations, opportunities for improvement,
strengths, or "nothing to record"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FindingAction, FindingCB
from bot.dialogs import carried, dialog_data, set_dialog
from bot.domain.findings import FindingKind
from bot.domain.models import User
from bot.filters import HasRole
from bot.services.errors import Refused
from bot.services.findings import FindingService
from bot.services.nonconformities import NcService, text_refused
from bot.services.notices import Notices
from bot.ui import ask, refusal_text, show
from bot.views import findings as views


class FindingNote(StatesGroup):
    text = State()


def _question(data: FindingCB) -> int | None:
    return None if data.q < 0 else data.q


async def _overview(
    event: CallbackQuery | Message, user: User, findings: FindingService, audit_id: int
) -> None:
    await show(event, *views.overview_screen(await findings.overview(user, audit_id)))


async def overview(
    callback: CallbackQuery,
    callback_data: FindingCB,
    state: FSMContext,
    user: User,
    findings: FindingService,
) -> None:
    await state.clear()
    await _overview(callback, user, findings, callback_data.audit)


async def question(
    callback: CallbackQuery, callback_data: FindingCB, user: User, findings: FindingService
) -> None:
    of = await findings.overview(user, callback_data.audit)
    await show(callback, *views.question_screen(of, callback_data.q))


async def raise_nc(
    callback: CallbackQuery,
    callback_data: FindingCB,
    user: User,
    findings: FindingService,
    ncs: NcService,
    notices: Notices,
) -> None:
    nc = await findings.raise_nc(user, callback_data.audit, callback_data.q, callback_data.n == 1)
    await notices.about_nc(nc, "nc.told.reported", user, await ncs.managers())
    if nc.responsible_id is not None:
        await notices.about_nc(nc, "nc.told.assigned", user, [await ncs.person(nc.responsible_id)])
    of = await findings.overview(user, callback_data.audit)
    await show(callback, *views.question_screen(of, callback_data.q), alert=views.raised_alert(nc))


async def dismiss(
    callback: CallbackQuery, callback_data: FindingCB, user: User, findings: FindingService
) -> None:
    await findings.record(user, callback_data.audit, FindingKind.DISMISSED, None, callback_data.q)
    await _overview(callback, user, findings, callback_data.audit)


async def ask_note(
    callback: CallbackQuery,
    callback_data: FindingCB,
    state: FSMContext,
    user: User,
    findings: FindingService,
) -> None:
    kind = carried(FindingKind, callback_data.k)
    if kind not in views.NOTES:
        raise Refused("stale")
    of = await findings.overview(user, callback_data.audit)  # may he? refuses if not
    index = _question(callback_data)
    if index is not None:
        of.question(index)
    await set_dialog(state, FindingNote.text, audit=of.audit.id, q=index, kind=kind.value)
    await ask(callback, views.note_question(kind, index))


async def note_given(
    message: Message, state: FSMContext, user: User, findings: FindingService
) -> None:
    audit_id, index, kind = await dialog_data(state, "audit", "q", "kind")
    try:
        await findings.record(user, int(audit_id), FindingKind(kind), message.text or "", index)
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        if not text_refused(refusal):
            await state.clear()
        return
    await state.clear()
    of = await findings.overview(user, int(audit_id))
    screen = views.question_screen(of, index) if index is not None else views.overview_screen(of)
    await message.answer(_("findings.saved"))
    await show(message, *screen)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.callback_query.register(overview, FindingCB.filter(F.action == FindingAction.LIST))
    router.callback_query.register(question, FindingCB.filter(F.action == FindingAction.QUESTION))
    router.callback_query.register(raise_nc, FindingCB.filter(F.action == FindingAction.RAISE))
    router.callback_query.register(dismiss, FindingCB.filter(F.action == FindingAction.DISMISS))
    router.callback_query.register(ask_note, FindingCB.filter(F.action == FindingAction.NOTE))
    router.message.register(note_given, FindingNote.text, F.text, ~F.text.startswith("/"))
    return router
