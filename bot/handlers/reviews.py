"""/review: the manager starts a management review (the school year, the changes of
external and internal issues typed in chat, the participants), gets the pack as DOCX,
enters the decisions after the meeting (each an action with an owner and a due date) and
sends the review to the director, who approves it with one tap («Утверждаю»)."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CalendarCB, DecisionAction, DecisionCB, MenuCB, ReviewAction, ReviewCB
from bot.dialogs import advance, need, set_dialog
from bot.domain.models import User
from bot.domain.objectives import DecisionKind, ReviewStatus
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.handlers.date_input import future_day_picked, future_day_typed
from bot.keyboards.calendar import calendar_from
from bot.keyboards.pages import button
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.reviews import ReviewService
from bot.ui import ask, show
from bot.views import reviews as views
from bot.views.reports import gettext

MANAGER = HasRole(Role.MANAGER)
DIRECTOR = HasRole(Role.OBSERVER)
MANAGER_OR_DIRECTOR = HasRole(Role.MANAGER, Role.OBSERVER)


class ReviewEdit(StatesGroup):
    year = State()
    external = State()
    internal = State()
    participants = State()
    kind = State()
    text = State()
    owner = State()
    due = State()


async def _list(event: Message | CallbackQuery, state: FSMContext, reviews: ReviewService) -> None:
    await state.clear()
    await show(event, *views.list_screen(await reviews.list()))


async def review_command(message: Message, state: FSMContext, reviews: ReviewService) -> None:
    await _list(message, state, reviews)


async def review_menu(callback: CallbackQuery, state: FSMContext, reviews: ReviewService) -> None:
    await _list(callback, state, reviews)


async def review_new(callback: CallbackQuery, state: FSMContext, reviews: ReviewService) -> None:
    await set_dialog(state, ReviewEdit.year)
    await show(callback, *views.year_screen(reviews.years()))


async def year_picked(
    callback: CallbackQuery, callback_data: ReviewCB, state: FSMContext, reviews: ReviewService
) -> None:
    if callback_data.id not in reviews.years():
        raise Refused("stale")
    await set_dialog(state, ReviewEdit.external, year=callback_data.id)
    await ask(callback, *views.ask_issues("reviews.ask_external"))


async def external_given(message: Message, state: FSMContext) -> None:
    await advance(state, ReviewEdit.internal, external=message.text)
    await show(message, *views.ask_issues("reviews.ask_internal"))


async def internal_given(message: Message, state: FSMContext) -> None:
    await advance(state, ReviewEdit.participants, internal=message.text)
    await message.answer(_("reviews.ask_participants"))


async def issues_skipped(callback: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == ReviewEdit.external.state:
        await advance(state, ReviewEdit.internal, external=None)
        await ask(callback, *views.ask_issues("reviews.ask_internal"))
    else:
        await advance(state, ReviewEdit.participants, internal=None)
        await ask(callback, _("reviews.ask_participants"))


async def participants_given(
    message: Message, state: FSMContext, user: User, reviews: ReviewService, bot: Bot
) -> None:
    data = await state.get_data()
    (year,) = need(data, "year")
    review = await reviews.create(
        user, year, data.get("external"), data.get("internal"), message.text or ""
    )
    await state.clear()
    await message.answer(_("export.preparing"))
    await _send_pack(bot, user, reviews, review.id)


async def _send_pack(
    bot: Bot, user: User, reviews: ReviewService, review_id: int, fresh: bool = False
) -> None:
    """Once sent to the director, the review's pack is the one kept with the record; before
    that it is built anew (with the decisions entered so far) and kept in its place."""
    review = await reviews.get(review_id)
    text, card_markup = views.card_screen(review, await reviews.decisions(review_id))
    markup = card_markup if user.has(Role.MANAGER) else None
    if review.status is not ReviewStatus.DRAFT and review.pack_file_id and not fresh:
        await bot.send_document(
            user.tg_id, review.pack_file_id, caption=text[:1000], reply_markup=markup
        )
        return
    data = await reviews.pack(review_id, gettext)
    name = f"management-review-{review.held_on.isoformat()}.docx"
    sent = await bot.send_document(
        user.tg_id, BufferedInputFile(data, name), caption=text[:1000], reply_markup=markup
    )
    if sent.document is not None and user.has(Role.MANAGER):
        await reviews.set_pack(review_id, sent.document.file_id)


async def review_open(
    callback: CallbackQuery, callback_data: ReviewCB, reviews: ReviewService
) -> None:
    review = await reviews.get(callback_data.id)
    await show(callback, *views.card_screen(review, await reviews.decisions(review.id)))


async def review_pack(
    callback: CallbackQuery,
    callback_data: ReviewCB,
    user: User,
    reviews: ReviewService,
    bot: Bot,
) -> None:
    await reviews.get(callback_data.id)
    await callback.answer(_("export.preparing"))
    await _send_pack(bot, user, reviews, callback_data.id)


# -- decisions -------------------------------------------------------------------------------


async def decision_new(
    callback: CallbackQuery, callback_data: DecisionCB, state: FSMContext, reviews: ReviewService
) -> None:
    if (await reviews.get(callback_data.id)).status is not ReviewStatus.DRAFT:
        raise Refused("reviews.already_sent")
    await set_dialog(state, ReviewEdit.kind, review=callback_data.id)
    await ask(callback, *views.kind_screen())


async def kind_picked(
    callback: CallbackQuery, callback_data: DecisionCB, state: FSMContext
) -> None:
    if callback_data.v not in {k.value for k in DecisionKind}:
        raise Refused("stale")
    await advance(state, ReviewEdit.text, kind=callback_data.v)
    await ask(callback, _("reviews.ask_text"))


async def text_given(message: Message, state: FSMContext, reviews: ReviewService) -> None:
    await advance(state, ReviewEdit.owner, text=message.text)
    await show(message, *views.owner_screen(await reviews.objectives.people()))


async def owner_picked(
    callback: CallbackQuery, callback_data: DecisionCB, state: FSMContext, reviews: ReviewService
) -> None:
    await advance(state, ReviewEdit.due, owner=callback_data.id)
    today = reviews.today()
    await ask(callback, _("reviews.ask_due"), calendar_from(today))


async def due_given(
    message: Message, state: FSMContext, user: User, reviews: ReviewService, notices: Notices
) -> None:
    if chosen := await future_day_typed(message, reviews.today()):
        await _add_decision(message, state, user, reviews, notices, chosen)


async def due_picked(
    callback: CallbackQuery,
    callback_data: CalendarCB,
    state: FSMContext,
    user: User,
    reviews: ReviewService,
    notices: Notices,
) -> None:
    if chosen := await future_day_picked(callback, callback_data, reviews.today()):
        await _add_decision(callback, state, user, reviews, notices, chosen)


async def _add_decision(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: User,
    reviews: ReviewService,
    notices: Notices,
    day: date,
) -> None:
    review_id, kind, text, owner_id = need(
        await state.get_data(), "review", "kind", "text", "owner"
    )
    _decision, nc = await reviews.add_decision(
        user, review_id, DecisionKind(kind), text, owner_id, day
    )
    await state.clear()
    owner = await reviews.objectives.ncs.person(nc.responsible_id)
    await notices.about_nc(nc, "nc.told.assigned", user, [owner])
    review = await reviews.get(review_id)
    await ask(event, _("reviews.decision_added").format(number=nc.number))
    text_, markup = views.card_screen(review, await reviews.decisions(review_id))
    await ask(event, text_, markup)


# -- «Утверждаю» -----------------------------------------------------------------------------


async def send_for_approval(
    callback: CallbackQuery,
    callback_data: DecisionCB,
    user: User,
    reviews: ReviewService,
    notices: Notices,
    bot: Bot,
) -> None:
    sent = await reviews.send(user, callback_data.id)
    await callback.answer(_("reviews.sent"))
    await _send_pack(bot, user, reviews, sent.review.id, fresh=True)
    period = views.period_text(sent.review)
    await notices.about_review("reviews.told.approve", sent.review, period, sent.people, user)


async def approve(
    callback: CallbackQuery,
    callback_data: DecisionCB,
    user: User,
    reviews: ReviewService,
    notices: Notices,
) -> None:
    done = await reviews.approve(user, callback_data.id)
    period = views.period_text(done.review)
    await notices.about_review("reviews.told.approved", done.review, period, done.people, user)
    pack = button(_("reviews.pack"), ReviewCB(action=ReviewAction.PACK, id=done.review.id))
    await show(callback, _("reviews.approved").format(period=period), views.markup([[pack]]))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(action: ReviewAction) -> CallbackQueryFilter:
        return ReviewCB.filter(F.action == action)

    def decision(action: DecisionAction) -> CallbackQueryFilter:
        return DecisionCB.filter(F.action == action)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(review_command, Command("review"), MANAGER)
    router.callback_query.register(review_menu, MenuCB.filter(F.command == "review"), MANAGER)
    router.callback_query.register(review_menu, on(ReviewAction.LIST), MANAGER)
    router.callback_query.register(review_new, on(ReviewAction.NEW), MANAGER)
    router.callback_query.register(year_picked, ReviewEdit.year, on(ReviewAction.YEAR), MANAGER)
    router.message.register(external_given, ReviewEdit.external, MANAGER, *text)
    router.message.register(internal_given, ReviewEdit.internal, MANAGER, *text)
    for step in (ReviewEdit.external, ReviewEdit.internal):
        router.callback_query.register(issues_skipped, step, on(ReviewAction.SKIP), MANAGER)
    router.message.register(participants_given, ReviewEdit.participants, MANAGER, *text)
    router.callback_query.register(review_open, on(ReviewAction.OPEN), MANAGER)
    router.callback_query.register(review_pack, on(ReviewAction.PACK), MANAGER_OR_DIRECTOR)
    router.callback_query.register(decision_new, decision(DecisionAction.NEW), MANAGER)
    router.callback_query.register(
        kind_picked, ReviewEdit.kind, decision(DecisionAction.KIND), MANAGER
    )
    router.message.register(text_given, ReviewEdit.text, MANAGER, *text)
    router.callback_query.register(
        owner_picked, ReviewEdit.owner, decision(DecisionAction.OWNER), MANAGER
    )
    router.message.register(due_given, ReviewEdit.due, MANAGER, *text)
    router.callback_query.register(due_picked, ReviewEdit.due, CalendarCB.filter(), MANAGER)
    router.callback_query.register(send_for_approval, decision(DecisionAction.SEND), MANAGER)
    router.callback_query.register(approve, decision(DecisionAction.APPROVE), DIRECTOR)
    return router
