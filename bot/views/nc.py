"""How a nonconformity reads on a phone."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NcCB, NcView
from bot.domain.dates import format_date
from bot.domain.nonconformities import NcAction, NcStatus, Nonconformity, days_left
from bot.keyboards.pages import button
from bot.views.answers import shorten
from bot.views.common import plural

ACTION_VIEWS: dict[NcAction, NcView] = {
    NcAction.ASSIGN: NcView.ASSIGN,
    NcAction.REJECT: NcView.REJECT,
    NcAction.PLAN: NcView.PLAN,
    NcAction.REQUEST_DUE: NcView.REQUEST_DUE,
    NcAction.DONE: NcView.DONE,
    NcAction.VERIFY: NcView.VERIFY,
    NcAction.EFFECTIVE: NcView.EFFECTIVE,
    NcAction.NOT_EFFECTIVE: NcView.NOT_EFFECTIVE,
}


def due_text(nc: Nonconformity, today: date) -> str:
    if nc.due_date is None:
        return _("nc.no_due")
    text = format_date(nc.due_date)
    if nc.status in (NcStatus.ASSIGNED, NcStatus.PLANNED):
        left = days_left(nc.due_date, today)
        if left < 0:
            text += " — ⏰ " + plural("nc.days_overdue", -left)
        elif left == 0:
            text += " — " + _("nc.due_today")
        else:
            text += " — " + plural("nc.days_left", left)
    return text


def status_text(status: NcStatus) -> str:
    return _(f"nc.status.{status.value}")


def line(nc: Nonconformity, today: date) -> str:
    """One line of a list: number, status, department, due, the start of the text."""
    parts = [f"<b>{nc.number}</b>", status_text(nc.status)]
    if nc.department_name:
        parts.append(html.quote(nc.department_name))
    if nc.due_date is not None and nc.status in (NcStatus.ASSIGNED, NcStatus.PLANNED):
        parts.append(due_text(nc, today))
    first = nc.description.splitlines()[0] if nc.description else ""
    return " · ".join(parts) + "\n   " + html.quote(shorten(first, 70))


def card_text(nc: Nonconformity, today: date) -> str:
    source = _(f"nc.source.{nc.source.value}")
    if nc.audit_number:
        source += f" {nc.audit_number}"
    if nc.external_ref:
        source += f" — {html.quote(nc.external_ref)}"
    severity = _(f"nc.severity.{nc.severity.value}") if nc.severity else _("nc.not_set")
    if nc.suggested_severity and not nc.severity:
        severity += " " + _("nc.suggested").format(
            severity=_(f"nc.severity.{nc.suggested_severity.value}")
        )
    lines = [
        _("nc.card.head").format(number=nc.number, status=status_text(nc.status)),
        _("nc.card.source").format(source=source),
        _("nc.card.department").format(
            department=html.quote(nc.department_name) if nc.department_name else "—"
        ),
        _("nc.card.class").format(clause=nc.clause or "—", severity=severity),
        "",
        html.quote(nc.description),
    ]
    if nc.evidence:
        lines.append(_("nc.card.evidence").format(count=len(nc.evidence)))
    lines += [
        "",
        _("nc.card.reporter").format(
            name=html.quote(nc.reporter_name or "?"), date=format_date(nc.created_at.date())
        ),
        _("nc.card.responsible").format(
            name=html.quote(nc.responsible_name) if nc.responsible_name else _("nc.not_set"),
            due=due_text(nc, today),
        ),
    ]
    if nc.correction:
        lines.append(_("nc.card.correction").format(text=html.quote(nc.correction)))
    if nc.root_cause:
        whys = "\n".join(f"  {n}. {html.quote(why)}" for n, why in enumerate(nc.root_cause, 1))
        lines.append(_("nc.card.root_cause") + "\n" + whys)
    if nc.corrective_action:
        lines.append(_("nc.card.action").format(text=html.quote(nc.corrective_action)))
    if nc.requested_due_date:
        lines.append(
            _("nc.card.due_request").format(
                date=format_date(nc.requested_due_date),
                reason=html.quote(nc.due_request_reason or ""),
            )
        )
    if nc.done_note:
        lines.append(
            _("nc.card.done").format(text=html.quote(nc.done_note), count=len(nc.done_evidence))
        )
    if nc.effective is not None:
        key = "nc.card.effective" if nc.effective else "nc.card.not_effective"
        lines.append(
            _(key).format(
                name=html.quote(nc.verifier_name or "?"),
                note=html.quote(nc.verification_note or "—"),
            )
        )
    elif nc.status is NcStatus.VERIFIED:
        lines.append(_("nc.card.verified").format(name=html.quote(nc.verifier_name or "?")))
    if nc.rejection_reason:
        lines.append(_("nc.card.rejected").format(reason=html.quote(nc.rejection_reason)))
    return "\n".join(lines)


def card_keyboard(nc: Nonconformity, actions: list[NcAction]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for action in actions:
        if action in ACTION_VIEWS:
            rows.append(
                [button(_(f"nc.do.{action.value}"), NcCB(action=ACTION_VIEWS[action], id=nc.id))]
            )
    if NcAction.DECIDE_DUE in actions:
        rows.append(
            [
                button(_("nc.do.grant_due"), NcCB(action=NcView.DECIDE_DUE, id=nc.id, arg="1")),
                button(_("nc.do.refuse_due"), NcCB(action=NcView.DECIDE_DUE, id=nc.id, arg="0")),
            ]
        )
    if NcAction.CLASSIFY in actions:
        rows.append(
            [
                button(_("nc.do.severity"), NcCB(action=NcView.SEVERITY, id=nc.id)),
                button(_("nc.do.clause"), NcCB(action=NcView.CLAUSE, id=nc.id)),
            ]
        )
    extra = [button(_("nc.do.history"), NcCB(action=NcView.HISTORY, id=nc.id))]
    if nc.evidence or nc.done_evidence:
        extra.insert(0, button(_("nc.do.evidence"), NcCB(action=NcView.EVIDENCE, id=nc.id)))
    rows.append(extra)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def open_button(nc: Nonconformity, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button(label, NcCB(action=NcView.OPEN, id=nc.id))]]
    )
