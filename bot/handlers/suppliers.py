"""/suppliers (manager): external providers — add one, set its status, owner, contact and
contract, evaluate it by the weighted criteria (the owner may too, from his reminder), edit
the weights, and raise an NC against it, which then shows on its card."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, SupplierCB, SupplierStep
from bot.dialogs import advance, carried_number, need, set_dialog
from bot.domain.models import User
from bot.domain.roles import Role
from bot.domain.suppliers import CRITERIA, SupplierStatus
from bot.filters import HasRole
from bot.services.errors import Refused
from bot.services.notices import Notices
from bot.services.suppliers import SupplierService
from bot.ui import ask, refusal_text, show
from bot.views import suppliers as views

MANAGER = HasRole(Role.MANAGER)


class NewSupplier(StatesGroup):
    name = State()
    supplies = State()


class SupplierEdit(StatesGroup):
    text = State()  # contact or contract
    nc = State()


class SupplierEvaluating(StatesGroup):
    marks = State()


async def _home(
    event: Message | CallbackQuery, state: FSMContext, suppliers: SupplierService
) -> None:
    await state.clear()
    await show(event, *views.home_screen(await suppliers.list()))


async def suppliers_command(
    message: Message, state: FSMContext, suppliers: SupplierService
) -> None:
    await _home(message, state, suppliers)


async def suppliers_menu(
    callback: CallbackQuery, state: FSMContext, suppliers: SupplierService
) -> None:
    await _home(callback, state, suppliers)


async def _card(event: Message | CallbackQuery, supplier_id: int, user: User,
                suppliers: SupplierService, alert: str | None = None) -> None:  # fmt: skip
    card = await suppliers.card(supplier_id)
    await show(event, *views.card_screen(card, user.has(Role.MANAGER)), alert=alert)


async def card(
    callback: CallbackQuery, callback_data: SupplierCB, state: FSMContext, user: User,
    suppliers: SupplierService,
) -> None:  # fmt: skip
    await state.clear()
    await _card(callback, callback_data.id, user, suppliers)


async def new_supplier(callback: CallbackQuery, state: FSMContext) -> None:
    await set_dialog(state, NewSupplier.name)
    await ask(callback, _("suppliers.ask_name"))


async def name_given(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())
    if not name:
        await message.answer(_("refused.risks.empty"))
        return
    await advance(state, NewSupplier.supplies, name=name)
    await message.answer(_("suppliers.ask_supplies"))


async def supplies_given(
    message: Message, state: FSMContext, user: User, suppliers: SupplierService
) -> None:
    (name,) = need(await state.get_data(), "name")
    try:
        supplier = await suppliers.add(user, name, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await _card(message, supplier.id, user, suppliers)


async def set_status(
    callback: CallbackQuery, callback_data: SupplierCB, user: User, suppliers: SupplierService
) -> None:
    if callback_data.v not in {s.value for s in SupplierStatus}:
        raise Refused("stale")
    await suppliers.change(user, callback_data.id, status=callback_data.v)  # the same: no-op
    await _card(callback, callback_data.id, user, suppliers)


async def owner(
    callback: CallbackQuery, callback_data: SupplierCB, user: User, suppliers: SupplierService
) -> None:
    if not callback_data.v:
        supplier = (await suppliers.card(callback_data.id)).supplier
        people = await suppliers.people()
        await show(callback, *views.people_screen(supplier, people, callback_data.p))
        return
    await suppliers.change(user, callback_data.id, owner_id=carried_number(callback_data.v))
    await _card(callback, callback_data.id, user, suppliers)


async def ask_text(
    callback: CallbackQuery, callback_data: SupplierCB, state: FSMContext,
    suppliers: SupplierService,
) -> None:  # fmt: skip
    if callback_data.v not in ("contact", "contract"):
        raise Refused("stale")
    await suppliers.card(callback_data.id)
    await set_dialog(state, SupplierEdit.text, supplier=callback_data.id, field=callback_data.v)
    await ask(callback, _(f"suppliers.ask.{callback_data.v}"))


async def text_given(
    message: Message, state: FSMContext, user: User, suppliers: SupplierService
) -> None:
    supplier_id, field = need(await state.get_data(), "supplier", "field")
    try:
        await suppliers.change(user, supplier_id, **{field: message.text or ""})
    except Refused as refusal:
        await message.answer(refusal_text(refusal))  # the question stays
        return
    await state.clear()
    await _card(message, supplier_id, user, suppliers)


async def ask_nc(
    callback: CallbackQuery, callback_data: SupplierCB, state: FSMContext,
    suppliers: SupplierService,
) -> None:  # fmt: skip
    supplier = (await suppliers.card(callback_data.id)).supplier
    await set_dialog(state, SupplierEdit.nc, supplier=supplier.id)
    await ask(callback, _("suppliers.ask_nc").format(name=supplier.name))


async def nc_given(
    message: Message, state: FSMContext, user: User, suppliers: SupplierService, notices: Notices
) -> None:
    (supplier_id,) = need(await state.get_data(), "supplier")
    try:
        nc = await suppliers.raise_nc(user, supplier_id, message.text or "")
    except Refused as refusal:
        await message.answer(refusal_text(refusal))
        return
    await state.clear()
    await notices.about_nc(nc, "nc.told.reported", user, await suppliers.ncs.managers())
    await message.answer(_("suppliers.nc_raised").format(number=nc.number))
    await _card(message, supplier_id, user, suppliers)


# -- the evaluation ------------------------------------------------------------------------


async def evaluate(
    callback: CallbackQuery, callback_data: SupplierCB, state: FSMContext, user: User,
    suppliers: SupplierService,
) -> None:  # fmt: skip
    supplier = await suppliers.may_evaluate(user, callback_data.id)
    await set_dialog(state, SupplierEvaluating.marks, supplier=supplier.id, marks={})
    await ask(callback, *views.criterion_screen(supplier, CRITERIA[0], 0))


async def mark(
    callback: CallbackQuery, callback_data: SupplierCB, state: FSMContext, user: User,
    suppliers: SupplierService,
) -> None:  # fmt: skip
    data = await state.get_data()
    supplier_id, marks = need(data, "supplier", "marks")
    criterion, _sep, raw = callback_data.v.partition("=")
    left = [c for c in CRITERIA if c not in marks]
    if supplier_id != callback_data.id or not left or criterion != left[0]:
        await callback.answer(_("suppliers.marked_already"), show_alert=True)  # a double tap
        return
    marks = {**marks, criterion: carried_number(raw)}
    supplier = await suppliers.may_evaluate(user, supplier_id)
    if len(left) > 1:
        await advance(state, SupplierEvaluating.marks, marks=marks)
        await show(callback, *views.criterion_screen(supplier, left[1], len(marks)))
        return
    evaluation = await suppliers.evaluate(user, supplier_id, marks)
    await state.clear()
    card = await suppliers.card(supplier_id)
    await show(callback, *views.evaluated_screen(card, evaluation, user.has(Role.MANAGER)))


async def stale_mark(callback: CallbackQuery) -> None:
    await callback.answer(_("suppliers.marked_already"), show_alert=True)


async def weights(callback: CallbackQuery, suppliers: SupplierService) -> None:
    await show(callback, *views.weights_screen(await suppliers.weights()))


async def weight(
    callback: CallbackQuery, callback_data: SupplierCB, user: User, suppliers: SupplierService
) -> None:
    code, _sep, raw = callback_data.v.partition("=")
    weight = carried_number(raw)
    try:
        changed = await suppliers.set_weight(user, code, callback_data.n, weight)
    except Refused as refusal:
        if refusal.key not in ("suppliers.weights_changed", "suppliers.weights_zero"):
            raise
        current = await suppliers.weights()
        await show(callback, *views.weights_screen(current), alert=refusal_text(refusal))
        return
    await show(callback, *views.weights_screen(changed))


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())

    def on(step: SupplierStep) -> CallbackQueryFilter:
        return SupplierCB.filter(F.action == step)

    text = (F.text, ~F.text.startswith("/"))
    router.message.register(suppliers_command, Command("suppliers"), MANAGER)
    router.callback_query.register(suppliers_menu, MenuCB.filter(F.command == "suppliers"), MANAGER)
    router.callback_query.register(suppliers_menu, on(SupplierStep.HOME), MANAGER)
    router.callback_query.register(card, on(SupplierStep.CARD), MANAGER)
    router.callback_query.register(new_supplier, on(SupplierStep.NEW), MANAGER)
    router.message.register(name_given, NewSupplier.name, MANAGER, *text)
    router.message.register(supplies_given, NewSupplier.supplies, MANAGER, *text)
    router.callback_query.register(set_status, on(SupplierStep.STATUS), MANAGER)
    router.callback_query.register(owner, on(SupplierStep.OWNER), MANAGER)
    router.callback_query.register(ask_text, on(SupplierStep.ASK), MANAGER)
    router.message.register(text_given, SupplierEdit.text, MANAGER, *text)
    router.callback_query.register(ask_nc, on(SupplierStep.NC), MANAGER)
    router.message.register(nc_given, SupplierEdit.nc, MANAGER, *text)
    router.callback_query.register(weights, on(SupplierStep.WEIGHTS), MANAGER)
    router.callback_query.register(weight, on(SupplierStep.WEIGHT), MANAGER)
    # The owner evaluates from his reminder too (the service checks who may).
    router.callback_query.register(evaluate, on(SupplierStep.EVALUATE))
    router.callback_query.register(mark, SupplierEvaluating.marks, on(SupplierStep.MARK))
    router.callback_query.register(stale_mark, on(SupplierStep.MARK))
    return router
