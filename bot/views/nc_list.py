"""Lists of nonconformities: /actions (what waits for me, overdue first) and /ncr (the
register; its filters travel in the buttons, each tap moves one filter to its next value)."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import NcCB, NcListCB, NcView
from bot.domain.models import Department
from bot.domain.nonconformities import NcFilter, NcStatus, Nonconformity, Severity, Source
from bot.keyboards.pages import button, page_buttons
from bot.views.nc import Screen, line, markup

PAGE = 8  # NCs on one page of the register
ACTIONS_SHOWN = 30  # buttons under /actions (the lines above list them all)


def actions_screen(items: list[Nonconformity], today: date) -> Screen:
    """What waits for this person: the overdue first, then by due date."""
    items = sorted(items, key=lambda nc: (not nc.is_overdue(today), nc.due_date or today, nc.id))
    lines = [_("actions.title"), ""]
    lines += [line(nc, today) for nc in items] or [_("actions.empty")]
    rows = [
        [button(f"{nc.number}", NcCB(action=NcView.OPEN, id=nc.id))] for nc in items[:ACTIONS_SHOWN]
    ]
    return "\n".join(lines), markup(rows)


def _cycle(values: list[str], current: str) -> str:
    """The next value of a filter button ("" = any)."""
    options = ["", *values]
    return options[(options.index(current) + 1) % len(options)] if current in options else ""


def register_screen(
    items: list[Nonconformity],
    total: int,
    today: date,
    data: NcListCB,
    where: NcFilter,
    departments: list[Department],
) -> Screen:
    """One page of the register (`data` is the page and its filters, `where` what they
    mean), a button per NC, the pager, then the filter buttons."""
    names = {d.id: d.name for d in departments}
    any_text = _("ncr.any")
    lines = [_("ncr.title").format(count=total), ""]
    lines += [line(nc, today) for nc in items] or [_("ncr.empty")]
    rows = [[button(nc.number, NcCB(action=NcView.OPEN, id=nc.id))] for nc in items]
    pager = InlineKeyboardBuilder()  # page_buttons adds its row to a builder
    page_buttons(pager, data.page, total, PAGE, lambda p: data.model_copy(update={"page": p}))
    rows += pager.export()

    def toggle(label: str, **change: object) -> InlineKeyboardButton:
        return button(label, data.model_copy(update={**change, "page": 0}))

    status = _(f"nc.status.{data.status}") if where.status else any_text
    severity = _(f"nc.severity.{data.sev}") if where.severity else any_text
    source = _(f"nc.source.{data.src}") if where.source else any_text
    department = names.get(data.dept, any_text)
    dept_ids = [str(d.id) for d in departments]
    rows.append(
        [
            toggle(
                _("ncr.f_status").format(value=status),
                status=_cycle([s.value for s in NcStatus], data.status),
            ),
            toggle(
                _("ncr.f_severity").format(value=severity),
                sev=_cycle([s.value for s in Severity], data.sev),
            ),
        ]
    )
    rows.append(
        [
            toggle(
                _("ncr.f_source").format(value=source),
                src=_cycle([s.value for s in Source], data.src),
            ),
            toggle(
                _("ncr.f_department").format(value=department),
                dept=int(_cycle(dept_ids, str(data.dept) if data.dept else "") or 0),
            ),
        ]
    )
    rows.append(
        [
            toggle(
                _("ncr.f_overdue_on") if data.od else _("ncr.f_overdue_off"), od=0 if data.od else 1
            )
        ]
    )
    return "\n".join(lines), markup(rows)
