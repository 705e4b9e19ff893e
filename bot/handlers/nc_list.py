"""/actions: what waits for me, overdue first. /ncr: every NC I may see, with filters."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuCB, NcCB, NcListCB, NcView
from bot.domain.models import User
from bot.domain.nonconformities import NcFilter, NcStatus, Severity, Source
from bot.filters import HasRole
from bot.keyboards.pages import button, page_buttons
from bot.services.departments import DepartmentService
from bot.services.nonconformities import NcService
from bot.ui import show
from bot.views.nc import line

PAGE = 8


# -- /actions ----------------------------------------------------------------------------


async def _actions(event: Message | CallbackQuery, user: User, ncs: NcService) -> None:
    items = await ncs.to_act_on(user)
    today = ncs.today()
    items.sort(key=lambda nc: (not nc.is_overdue(today), nc.due_date or today, nc.id))
    lines = [_("actions.title"), ""]
    lines += [line(nc, today) for nc in items] or [_("actions.empty")]
    rows = [[button(f"{nc.number}", NcCB(action=NcView.OPEN, id=nc.id))] for nc in items[:30]]
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def actions_command(message: Message, state: FSMContext, user: User, ncs: NcService) -> None:
    await state.clear()
    await _actions(message, user, ncs)


async def actions_menu(callback: CallbackQuery, user: User, ncs: NcService) -> None:
    await _actions(callback, user, ncs)


# -- /ncr --------------------------------------------------------------------------------


def _cycle(values: list[str], current: str) -> str:
    """The next value of a filter button ("" = any)."""
    options = ["", *values]
    return options[(options.index(current) + 1) % len(options)] if current in options else ""


def _filter(data: NcListCB) -> NcFilter:
    return NcFilter(
        status=NcStatus(data.status) if data.status in NcStatus._value2member_map_ else None,
        department_id=data.dept or None,
        severity=Severity(data.sev) if data.sev in Severity._value2member_map_ else None,
        source=Source(data.src) if data.src in Source._value2member_map_ else None,
        overdue=bool(data.od),
    )


async def _list(
    event: Message | CallbackQuery,
    user: User,
    data: NcListCB,
    ncs: NcService,
    departments: DepartmentService,
) -> None:
    where = _filter(data)
    items, total = await ncs.page(user, where, data.page, PAGE)
    today = ncs.today()
    all_departments = await departments.list()
    names = {d.id: d.name for d in all_departments}
    any_text = _("ncr.any")
    lines = [_("ncr.title").format(count=total), ""]
    lines += [line(nc, today) for nc in items] or [_("ncr.empty")]
    builder = InlineKeyboardBuilder()
    for nc in items:
        builder.row(button(nc.number, NcCB(action=NcView.OPEN, id=nc.id)))
    page_buttons(builder, data.page, total, PAGE, lambda p: data.model_copy(update={"page": p}))

    def toggle(label: str, **change: object) -> InlineKeyboardButton:
        return button(label, data.model_copy(update={**change, "page": 0}))

    status = _(f"nc.status.{data.status}") if where.status else any_text
    severity = _(f"nc.severity.{data.sev}") if where.severity else any_text
    source = _(f"nc.source.{data.src}") if where.source else any_text
    department = names.get(data.dept, any_text)
    dept_ids = [str(d.id) for d in all_departments]
    builder.row(
        toggle(
            _("ncr.f_status").format(value=status),
            status=_cycle([s.value for s in NcStatus], data.status),
        ),
        toggle(
            _("ncr.f_severity").format(value=severity),
            sev=_cycle([s.value for s in Severity], data.sev),
        ),
    )
    builder.row(
        toggle(
            _("ncr.f_source").format(value=source), src=_cycle([s.value for s in Source], data.src)
        ),
        toggle(
            _("ncr.f_department").format(value=department),
            dept=int(_cycle(dept_ids, str(data.dept) if data.dept else "") or 0),
        ),
    )
    builder.row(
        toggle(_("ncr.f_overdue_on") if data.od else _("ncr.f_overdue_off"), od=0 if data.od else 1)
    )
    await show(event, "\n".join(lines), builder.as_markup())


async def ncr_command(
    message: Message, state: FSMContext, user: User, ncs: NcService, departments: DepartmentService
) -> None:
    await state.clear()
    await _list(message, user, NcListCB(), ncs, departments)


async def ncr_menu(
    callback: CallbackQuery, user: User, ncs: NcService, departments: DepartmentService
) -> None:
    await _list(callback, user, NcListCB(), ncs, departments)


async def ncr_page(
    callback: CallbackQuery,
    callback_data: NcListCB,
    user: User,
    ncs: NcService,
    departments: DepartmentService,
) -> None:
    await _list(callback, user, callback_data, ncs, departments)


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole())
    router.callback_query.filter(HasRole())
    router.message.register(actions_command, Command("actions"))
    router.callback_query.register(actions_menu, MenuCB.filter(F.command == "actions"))
    router.message.register(ncr_command, Command("ncr"))
    router.callback_query.register(ncr_menu, MenuCB.filter(F.command == "ncr"))
    router.callback_query.register(ncr_page, NcListCB.filter())
    return router
