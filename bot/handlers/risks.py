"""/risks: the register of risks and opportunities by level and its heat map (everyone);
anyone proposes one in under a minute (risk or opportunity, department, one sentence); the
manager accepts it, scores it, treats it with actions the reminders follow and re-scores
it; an action's owner marks it done."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, RiskCB, RiskDoneCB, RiskStep
from bot.dialogs import advance, carried, carried_number, need, set_dialog
from bot.domain.models import User
from bot.domain.risks import Risk, RiskKind, RiskStatus
from bot.domain.roles import Role
from bot.filters import HasRole
from bot.handlers.date_input import future_day_typed
from bot.services.departments import DepartmentService
from bot.services.errors import Refused
from bot.services.risks import RiskService, StaleRisk
from bot.ui import ask, refusal_text, show
from bot.views import risks as views
from bot.views.reports import gettext

MANAGER = HasRole(Role.MANAGER)


class RiskProposing(StatesGroup):
    kind = State()
    department = State()
    title = State()


class RiskEdit(StatesGroup):
    text = State()  # cause or consequence
    review = State()
    action_text = State()
    action_owner = State()
    action_due = State()
    close_reason = State()


async def _home(
    event: Message | CallbackQuery, state: FSMContext, user: User, risks: RiskService
) -> None:
    await state.clear()
    closed = len(await risks.closed())
    await show(event, *views.home_screen(await risks.register(), user.has(Role.MANAGER), closed))


async def risks_command(
    message: Message, state: FSMContext, user: User, risks: RiskService
) -> None:
    await _home(message, state, user, risks)


async def risks_menu(
    callback: CallbackQuery, state: FSMContext, user: User, risks: RiskService
) -> None:
    await _home(callback, state, user, risks)


# -- proposing -------------------------------------------------------------------------------


async def propose(
    callback: CallbackQuery,
    callback_data: RiskCB,
    state: FSMContext,
    user: User,
    departments: DepartmentService,
) -> None:
    if not callback_data.v:
        await set_dialog(state, RiskProposing.kind)
        await show(callback, *views.kind_screen())
        return
    kind = carried(RiskKind, callback_data.v)
    await set_dialog(state, RiskProposing.department, kind=kind.value)
    await show(callback, *views.department_screen(await departments.list(), user.department_id))


async def department_chosen(
    callback: CallbackQuery, callback_data: RiskCB, state: FSMContext
) -> None:
    dept = carried_number(callback_data.v)
    data = await advance(state, RiskProposing.title, dept=dept or None)
    (kind,) = need(data, "kind")
    await show(callback, views.ask_title(RiskKind(kind)))


async def title_given(
    message: Message,
    state: FSMContext,
    user: User,
    risks: RiskService,
) -> None:
    data = await state.get_data()
    (kind,) = need(data, "kind")
    try:
        risk = await risks.propose(user, RiskKind(kind), message.text or "", data.get("dept"))
    except Refused as refusal:
        await message.answer(refusal_text(refusal))  # the question stays
        return
    await state.clear()
    await message.answer(views.proposed_text(risk))


# -- the card --------------------------------------------------------------------------------


async def _card(event: Message | CallbackQuery, risk: Risk, user: User, risks: RiskService,
                alert: str | None = None) -> None:  # fmt: skip
    await show(event, *views.card_screen(risk, user, risks.today()), alert=alert)


async def card(
    callback: CallbackQuery, callback_data: RiskCB, state: FSMContext, user: User,
    risks: RiskService,
) -> None:  # fmt: skip
    await state.clear()
    risk = await risks.get(callback_data.id)
    if risk.status is RiskStatus.PROPOSED and not user.has(Role.MANAGER):
        await show(callback, views.proposed_text(risk))
        return
    await _card(callback, risk, user, risks)


async def _stale(callback: CallbackQuery, error: StaleRisk, user: User, risks: RiskService) -> None:
    await _card(callback, await risks.get(error.risk_id), user, risks, refusal_text(error))


async def decide(
    callback: CallbackQuery, callback_data: RiskCB, user: User, risks: RiskService
) -> None:
    accept = callback_data.action is RiskStep.ACCEPT
    try:
        risk = await risks.decide(user, callback_data.id, callback_data.r, accept)
    except StaleRisk as error:
        await _stale(callback, error, user, risks)
        return
    await _card(callback, risk, user, risks, _("risks.accepted" if accept else "risks.rejected"))


async def mark(
    callback: CallbackQuery, callback_data: RiskCB, user: User, risks: RiskService
) -> None:
    field, _sep, raw = callback_data.v.partition("=")
    if field not in ("likelihood", "impact", "residual_likelihood", "residual_impact"):
        raise Refused("stale")
    values: dict[str, object] = {field: carried_number(raw)}
    try:
        risk = await risks.change(user, callback_data.id, callback_data.r, **values)
    except StaleRisk as error:
        await _stale(callback, error, user, risks)
        return
    if field.startswith("residual"):
        await show(callback, *views.residual_screen(risk, risks.today()))
    else:
        await _card(callback, risk, user, risks)


async def treat(
    callback: CallbackQuery, callback_data: RiskCB, user: User, risks: RiskService
) -> None:
    try:
        risk = await risks.change(
            user, callback_data.id, callback_data.r, treatment=callback_data.v
        )
    except StaleRisk as error:
        await _stale(callback, error, user, risks)
        return
    except ValueError:
        raise Refused("stale") from None
    await _card(callback, risk, user, risks)


async def residual(callback: CallbackQuery, callback_data: RiskCB, risks: RiskService) -> None:
    await show(callback, *views.residual_screen(await risks.get(callback_data.id), risks.today()))


async def owner(
    callback: CallbackQuery, callback_data: RiskCB, user: User, risks: RiskService
) -> None:
    risk = await risks.get(callback_data.id)
    if not callback_data.v:
        await show(callback, *views.people_screen(risk, await risks.people(), RiskStep.OWNER))
        return
    owner = carried_number(callback_data.v)
    try:
        risk = await risks.change(user, risk.id, callback_data.r, owner_id=owner)
    except StaleRisk as error:
        await _stale(callback, error, user, risks)
        return
    await _card(callback, risk, user, risks)


ASKED = {"cause": RiskEdit.text, "consequence": RiskEdit.text, "review": RiskEdit.review,
         "action": RiskEdit.action_text, "process": RiskEdit.text}  # fmt: skip


async def people_page(callback: CallbackQuery, callback_data: RiskCB, risks: RiskService) -> None:
    if callback_data.v not in (RiskStep.OWNER.value, RiskStep.ACTION_OWNER.value):
        raise Refused("stale")
    risk = await risks.get(callback_data.id)
    step = RiskStep(callback_data.v)
    await show(callback, *views.people_screen(risk, await risks.people(), step, callback_data.p))


async def ask_text(
    callback: CallbackQuery, callback_data: RiskCB, state: FSMContext, risks: RiskService
) -> None:
    if callback_data.v not in ASKED:
        raise Refused("stale")
    risk = await risks.get(callback_data.id)
    await set_dialog(state, ASKED[callback_data.v], risk=risk.id, field=callback_data.v)
    await ask(callback, _(f"risks.ask.{callback_data.v}"))


async def text_given(message: Message, state: FSMContext, user: User, risks: RiskService) -> None:
    risk_id, field = need(await state.get_data(), "risk", "field")
    current = await risks.get(risk_id)
    try:
        risk = await risks.change(user, risk_id, current.revision, **{field: message.text or ""})
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await _card(message, risk, user, risks)


async def review_given(message: Message, state: FSMContext, user: User, risks: RiskService) -> None:
    day = await future_day_typed(message, risks.today())
    if day is None:
        return
    (risk_id,) = need(await state.get_data(), "risk")
    current = await risks.get(risk_id)
    risk = await risks.change(user, risk_id, current.revision, review_on=day)
    await state.clear()
    await _card(message, risk, user, risks)


async def action_text_given(message: Message, state: FSMContext, risks: RiskService) -> None:
    text = " ".join((message.text or "").split())
    if not text:
        await message.answer(_("refused.risks.empty"))
        return
    data = await advance(state, RiskEdit.action_owner, text=text)
    risk = await risks.get(need(data, "risk")[0])
    await show(message, *views.people_screen(risk, await risks.people(), RiskStep.ACTION_OWNER))


async def action_owner_chosen(
    callback: CallbackQuery, callback_data: RiskCB, state: FSMContext
) -> None:
    await advance(state, RiskEdit.action_due, owner=carried_number(callback_data.v))
    await show(callback, _("risks.ask.action_due"))


async def action_due_given(
    message: Message, state: FSMContext, user: User, risks: RiskService
) -> None:
    day = await future_day_typed(message, risks.today())
    if day is None:
        return
    risk_id, text, owner_id = need(await state.get_data(), "risk", "text", "owner")
    risk, _action = await risks.add_action(user, risk_id, text, owner_id, day)
    await state.clear()
    await _card(message, risk, user, risks)


async def action_done(
    callback: CallbackQuery, callback_data: RiskDoneCB, user: User, risks: RiskService
) -> None:
    risk, _action = await risks.complete_action(user, callback_data.id)
    await _card(callback, risk, user, risks, _("risks.action_done"))


# -- closing ---------------------------------------------------------------------------------


async def close_start(
    callback: CallbackQuery, callback_data: RiskCB, state: FSMContext, user: User,
    risks: RiskService,
) -> None:  # fmt: skip
    """The reason is asked first; the button must come from the card as it is now."""
    risk = await risks.get(callback_data.id)
    if risk.status is not RiskStatus.ACTIVE or risk.revision != callback_data.r:
        await _stale(callback, StaleRisk(risk.id), user, risks)
        return
    await set_dialog(state, RiskEdit.close_reason, risk=risk.id, seen=risk.revision)
    await ask(callback, _("risks.ask.close_reason").format(number=risk.number))


async def close_reason_given(
    message: Message, state: FSMContext, user: User, risks: RiskService
) -> None:
    risk_id, seen = need(await state.get_data(), "risk", "seen")
    try:
        risk = await risks.close(user, risk_id, seen, message.text or "")
    except StaleRisk as error:
        await state.clear()
        await message.answer(refusal_text(error))
        await _card(message, await risks.get(error.risk_id), user, risks)
        return
    except Refused as refusal:
        await message.answer(refusal_text(refusal))  # the question stays
        return
    await state.clear()
    await message.answer(_("risks.closed_done").format(number=risk.number))
    await _card(message, risk, user, risks)


async def closed_list(callback: CallbackQuery, state: FSMContext, risks: RiskService) -> None:
    await state.clear()
    await show(callback, *views.closed_screen(await risks.closed()))


async def heat(callback: CallbackQuery, user: User, risks: RiskService, bot: Bot) -> None:
    from bot.reports.charts import risk_heat_map

    await callback.answer()
    counts = await risks.heat()
    image = await asyncio.to_thread(risk_heat_map, dict(counts), _("risks.heat_title"), gettext)
    caption = _("risks.heat_caption").format(count=sum(counts.values()))
    await bot.send_photo(user.tg_id, BufferedInputFile(image, "risks.png"), caption=caption)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(step: RiskStep) -> CallbackQueryFilter:
        return RiskCB.filter(F.action == step)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(risks_command, Command("risks"))
    router.callback_query.register(risks_menu, MenuCB.filter(F.command == "risks"))
    router.callback_query.register(risks_menu, on(RiskStep.HOME))
    router.callback_query.register(propose, on(RiskStep.PROPOSE))
    router.callback_query.register(department_chosen, RiskProposing.department, on(RiskStep.DEPT))
    router.message.register(title_given, RiskProposing.title, *text)
    router.callback_query.register(card, on(RiskStep.CARD))
    router.callback_query.register(heat, on(RiskStep.HEAT))
    router.callback_query.register(action_done, RiskDoneCB.filter())
    for step in (RiskStep.ACCEPT, RiskStep.REJECT):
        router.callback_query.register(decide, on(step), MANAGER)
    router.callback_query.register(mark, on(RiskStep.MARK), MANAGER)
    router.callback_query.register(treat, on(RiskStep.TREAT), MANAGER)
    router.callback_query.register(residual, on(RiskStep.RESIDUAL), MANAGER)
    router.callback_query.register(owner, on(RiskStep.OWNER), MANAGER)
    router.callback_query.register(ask_text, on(RiskStep.ASK), MANAGER)
    router.callback_query.register(people_page, on(RiskStep.PEOPLE), MANAGER)
    router.message.register(text_given, RiskEdit.text, MANAGER, *text)
    router.message.register(review_given, RiskEdit.review, MANAGER, *text)
    router.message.register(action_text_given, RiskEdit.action_text, MANAGER, *text)
    router.callback_query.register(
        action_owner_chosen, RiskEdit.action_owner, on(RiskStep.ACTION_OWNER), MANAGER
    )
    router.message.register(action_due_given, RiskEdit.action_due, MANAGER, *text)
    router.callback_query.register(close_start, on(RiskStep.CLOSE), MANAGER)
    router.message.register(close_reason_given, RiskEdit.close_reason, MANAGER, *text)
    router.callback_query.register(closed_list, on(RiskStep.CLOSED))
    return router
