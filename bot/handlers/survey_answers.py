"""A survey's public link `t.me/<bot>?start=sv_<token>`: anyone, staff or stranger, answers
that survey and sees nothing else of the bot. The answers are kept in the dialog until the
last step and written once, as one anonymous response.

This router comes before /start's: the link is a survey's, never an invite."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SurveyAnswerCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.surveys import SCALE, QuestionType
from bot.handlers.surveys import LINK_PREFIX
from bot.services.errors import Refused
from bot.services.surveys import SurveyService
from bot.ui import show
from bot.views import surveys as views
from bot.views.surveys import NO_COMMENT


class SurveyAnswering(StatesGroup):
    question = State()
    comment = State()


async def open_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    surveys: SurveyService,
    i18n: I18n,
) -> None:
    assert message.from_user is not None
    payload = (command.args or "").strip()
    if await surveys.is_invite(payload):
        raise SkipHandler  # /start's: someone joins by it
    token = payload.removeprefix(LINK_PREFIX)
    opened = await surveys.open_link(token, message.from_user.id, i18n.current_locale)
    await set_dialog(
        state, SurveyAnswering.question, token=token, group=opened.group.id,
        language=opened.template.language, code=opened.template.code, q=0, answers={},
    )  # fmt: skip
    await message.answer(views.intro_text(opened.template))
    text, keyboard = views.question_screen(opened.template, opened.group.id, 0)
    await message.answer(text, reply_markup=keyboard)


async def answered(
    callback: CallbackQuery,
    callback_data: SurveyAnswerCB,
    state: FSMContext,
    surveys: SurveyService,
) -> None:
    data = await state.get_data()
    current = await state.get_state()
    if current is None or data.get("group") != callback_data.g:
        await callback.answer(_("surveys.stale_answer"), show_alert=True)
        return
    group, code, language, index = need(data, "group", "code", "language", "q")
    template = surveys.template(code, language)
    if current == SurveyAnswering.comment.state and callback_data.q == len(template.questions):
        if callback_data.v != NO_COMMENT:
            raise Refused("stale")
        await _submit(callback, state, surveys, None)
        return
    if current != SurveyAnswering.question.state or callback_data.q != index:
        # A double tap, or a button of a question answered before: nothing changes.
        await callback.answer(_("surveys.stale_answer"), show_alert=True)
        return
    question = template.questions[index]
    allowed = SCALE if question.type is QuestionType.SCALE else range(len(question.options))
    if callback_data.v not in allowed:
        raise Refused("stale")
    answers = {**data.get("answers", {}), question.id: callback_data.v}
    if index + 1 < len(template.questions):
        await advance(state, SurveyAnswering.question, q=index + 1, answers=answers)
        await show(callback, *views.question_screen(template, group, index + 1))
        return
    await advance(state, SurveyAnswering.comment, q=index + 1, answers=answers)
    await show(callback, *views.comment_screen(template, group))


async def comment_given(message: Message, state: FSMContext, surveys: SurveyService) -> None:
    await _submit(message, state, surveys, message.text or "")


async def use_buttons(message: Message) -> None:
    await message.answer(_("surveys.use_buttons"))


async def comment_as_text(message: Message) -> None:
    await message.answer(_("surveys.comment_as_text"))


async def _submit(
    event: Message | CallbackQuery, state: FSMContext, surveys: SurveyService, comment: str | None
) -> None:
    token, answers = need(await state.get_data(), "token", "answers")
    account = event.from_user
    assert account is not None
    try:
        await surveys.submit(token, account.id, answers, comment)
    finally:
        await state.clear()  # answered, closed meanwhile or answered from another phone
    await show(event, _("surveys.thanks"))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app). No role
    filter: the link is public."""
    router = Router(name=__name__)
    router.message.register(
        open_link, CommandStart(deep_link=True, magic=F.args.startswith(LINK_PREFIX))
    )
    router.callback_query.register(answered, SurveyAnswerCB.filter())
    router.message.register(comment_given, SurveyAnswering.comment, F.text, ~F.text.startswith("/"))
    router.message.register(use_buttons, SurveyAnswering.question, ~F.text.startswith("/"))
    router.message.register(comment_as_text, SurveyAnswering.comment, ~F.text)
    return router
