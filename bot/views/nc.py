"""How a nonconformity reads on a phone: its card, its list line, and the screens of its
workflow (the plan among them). The lists are in views.nc_list, /report in views.nc_report.

Action buttons carry the card's revision (`v`): a tap on an older card is recognised by the
service and answered with the card as it is now.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DocAction, DocCB, NcCB, NcView, PlanNcAction, PlanNcCB
from bot.domain import findings
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.domain.nonconformities import (
    MAX_WHYS,
    NcAction,
    NcStatus,
    Nonconformity,
    Severity,
    days_left,
)
from bot.keyboards.calendar import calendar_from
from bot.keyboards.pages import button
from bot.services.nonconformities import HistoryLine, SimilarNc
from bot.views.answers import shorten
from bot.views.common import plural

Screen = tuple[str, InlineKeyboardMarkup]
PEOPLE_SHOWN = 8

ACTION_VIEWS: dict[NcAction, NcView] = {
    NcAction.ASSIGN: NcView.ASSIGN,
    NcAction.REASSIGN: NcView.ASSIGN,
    NcAction.REJECT: NcView.REJECT,
    NcAction.PLAN: NcView.PLAN,
    NcAction.REQUEST_DUE: NcView.REQUEST_DUE,
    NcAction.DONE: NcView.DONE,
    NcAction.VERIFY: NcView.VERIFY,
    NcAction.EFFECTIVE: NcView.EFFECTIVE,
    NcAction.NOT_EFFECTIVE: NcView.NOT_EFFECTIVE,
    NcAction.RECHECK: NcView.RECHECK,
    NcAction.REOPEN: NcView.REOPEN,
}


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def act(view: NcView, nc: Nonconformity, arg: str = "") -> NcCB:
    """A button's data for an action on this card, with the card's revision."""
    return NcCB(action=view, id=nc.id, arg=arg, v=nc.revision)


def back_to(nc: Nonconformity) -> InlineKeyboardButton:
    return button(_("common.back"), NcCB(action=NcView.OPEN, id=nc.id))


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


def severity_text(severity: Severity) -> str:
    return _(f"nc.severity.{severity.value}")


def finding_text(finding: dict[str, Any], audit_number: str | None) -> str:
    """ "A-2026-001, question 2 [7.1.4]: 7 of 23 — «No» — 7" in the reader's language."""
    return findings.finding_text(finding, audit_number, _, html.quote)


def description_text(nc: Nonconformity) -> str:
    """What the NC says, with the facts of its audit question when it came from one."""
    first = html.quote(nc.description)
    if nc.finding:
        return finding_text(nc.finding, nc.audit_number) + "\n" + first
    return first


def line(nc: Nonconformity, today: date) -> str:
    """One line of a list: number, status, department, due, the start of the text."""
    parts = [f"<b>{nc.number}</b>", status_text(nc.status)]
    if nc.department_name:
        parts.append(html.quote(nc.department_name))
    if nc.due_date is not None and nc.status in (NcStatus.ASSIGNED, NcStatus.PLANNED):
        parts.append(due_text(nc, today))
    first = nc.description.splitlines()[0] if nc.description else ""
    return " · ".join(parts) + "\n   " + html.quote(shorten(first, 70))


def _similar_lines(similar: list[SimilarNc]) -> list[str]:
    if not similar:
        return []
    lines = ["", _("nc.card.similar")]
    for found in similar:
        reasons = ", ".join(_(f"nc.similar.{reason}") for reason in found.reasons)
        mark = "🔗 " if found.linked else "• "
        first = shorten(found.nc.description.splitlines()[0], 50)
        lines.append(
            f"{mark}<b>{found.nc.number}</b> · {status_text(found.nc.status)}"
            + (f" ({reasons})" if reasons else "")
            + f" — {html.quote(first)}"
        )
    return lines


def card_text(nc: Nonconformity, today: date, similar: list[SimilarNc] | None = None) -> str:
    source = _(f"nc.source.{nc.source.value}")
    if nc.audit_number:
        source += f" {nc.audit_number}"
    if nc.external_ref:
        source += f" — {html.quote(nc.external_ref)}"
    severity = severity_text(nc.severity) if nc.severity else _("nc.not_set")
    if nc.suggested_severity and not nc.severity:
        severity += " " + _("nc.suggested").format(severity=severity_text(nc.suggested_severity))
    lines = [
        _("nc.card.head").format(number=nc.number, status=status_text(nc.status)),
        _("nc.card.source").format(source=source),
        _("nc.card.department").format(
            department=html.quote(nc.department_name) if nc.department_name else "—"
        ),
        _("nc.card.class").format(clause=nc.clause or "—", severity=severity),
        "",
        description_text(nc),
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
        text, count = html.quote(nc.done_note), len(nc.done_evidence)
        if count:  # no "(📎 0)" when nothing was attached
            lines.append(_("nc.card.done").format(text=text, count=count))
        else:
            lines.append(_("nc.card.done_no_evidence").format(text=text))
    if nc.effective is not None:
        key = "nc.card.effective" if nc.effective else "nc.card.not_effective"
        lines.append(
            _(key).format(
                name=html.quote(nc.verifier_name or "?"),
                note=html.quote(nc.verification_note or "—"),
            )
        )
        if nc.verdict_evidence:
            lines.append(_("nc.card.verdict_evidence").format(count=len(nc.verdict_evidence)))
    elif nc.status is NcStatus.VERIFIED:
        lines.append(_("nc.card.verified").format(name=html.quote(nc.verifier_name or "?")))
    if nc.recheck_due:
        lines.append(_("nc.card.recheck").format(date=format_date(nc.recheck_due)))
    if nc.rejection_reason:
        lines.append(_("nc.card.rejected").format(reason=html.quote(nc.rejection_reason)))
    lines += _similar_lines(similar or [])
    return "\n".join(lines)


def card_keyboard(
    nc: Nonconformity,
    actions: list[NcAction],
    similar: list[SimilarNc] | None = None,
    may_link: bool = False,
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for action in actions:
        if action in ACTION_VIEWS:
            rows.append([button(_(f"nc.do.{action.value}"), act(ACTION_VIEWS[action], nc))])
    if NcAction.DECIDE_DUE in actions:
        rows.append(
            [
                button(_("nc.do.grant_due"), act(NcView.DECIDE_DUE, nc, "1")),
                button(_("nc.do.refuse_due"), act(NcView.DECIDE_DUE, nc, "0")),
            ]
        )
    if NcAction.CLASSIFY in actions:
        rows.append(
            [
                button(_("nc.do.severity"), act(NcView.SEVERITY, nc)),
                button(_("nc.do.clause"), act(NcView.CLAUSE, nc)),
            ]
        )
    if may_link:
        links = [
            button(_("nc.do.link").format(number=s.nc.number), act(NcView.LINK, nc, str(s.nc.id)))
            for s in similar or []
            if not s.linked
        ]
        rows += [links[i : i + 2] for i in range(0, len(links), 2)]
    extra = [button(_("nc.do.history"), NcCB(action=NcView.HISTORY, id=nc.id))]
    extra.append(button(_("documents.nc_button"), DocCB(action=DocAction.NC_DOCS, id=nc.id)))
    if nc.evidence or nc.done_evidence or nc.verdict_evidence:
        extra.insert(0, button(_("nc.do.evidence"), NcCB(action=NcView.EVIDENCE, id=nc.id)))
    rows.append(extra)
    return markup(rows)


def card_screen(
    nc: Nonconformity,
    today: date,
    actions: list[NcAction],
    similar: list[SimilarNc] | None = None,
    may_link: bool = False,
) -> Screen:
    """The card with a button for each action this person may take on it now."""
    return card_text(nc, today, similar), card_keyboard(nc, actions, similar, may_link)


def open_button(nc: Nonconformity, label: str) -> InlineKeyboardMarkup:
    return markup([[button(label, NcCB(action=NcView.OPEN, id=nc.id))]])


def nc_question(key: str, nc: Nonconformity) -> str:
    """A step's question (`key`) about this NC, which it names by its number."""
    return _(key).format(number=nc.number)


def evidence_files(nc: Nonconformity) -> list[tuple[dict[str, Any], str]]:
    """Every file kept with the NC and its caption: the report's, the work's, the verdict's."""
    items = [(item, "nc.evidence_caption") for item in nc.evidence]
    items += [(item, "nc.done_evidence_caption") for item in nc.done_evidence]
    items += [(item, "nc.verdict_evidence_caption") for item in nc.verdict_evidence]
    return [(item, _(key).format(number=nc.number)) for item, key in items]


# -- classification and the responsible -----------------------------------------------------


def severity_screen(nc: Nonconformity) -> Screen:
    rows = [[button(severity_text(s), act(NcView.SEVERITY, nc, s.value))] for s in Severity]
    rows.append([back_to(nc)])
    return _("nc.ask_severity").format(number=nc.number), markup(rows)


def _person_label(person: User, head_id: int | None) -> str:
    label = ("👤 " if person.id == head_id else "") + person.full_name
    if person.department_name:
        label += f" · {person.department_name}"
    return shorten(label, 60)


def responsible_screen(
    nc: Nonconformity,
    people: list[User],
    head_id: int | None,
    title: str | None = None,
    page: int = 0,
    arg_prefix: str = "p",
) -> Screen:
    """Up to eight people to choose from (the head first), then the ways to find others:
    another department, or a part of the name typed."""
    shown = people[page * PEOPLE_SHOWN : (page + 1) * PEOPLE_SHOWN]
    rows = [
        [button(_person_label(person, head_id), act(NcView.ASSIGN, nc, f"u{person.id}"))]
        for person in shown
    ]
    pager = []
    if page > 0:
        pager.append(button("◀️", act(NcView.ASSIGN, nc, f"{arg_prefix}{page - 1}")))
    if (page + 1) * PEOPLE_SHOWN < len(people):
        pager.append(button("▶️", act(NcView.ASSIGN, nc, f"{arg_prefix}{page + 1}")))
    if pager:
        rows.append(pager)
    rows.append(
        [
            button(_("nc.pick.departments"), act(NcView.ASSIGN, nc, "D")),
            button(_("nc.pick.search"), act(NcView.ASSIGN, nc, "s")),
        ]
    )
    rows.append([back_to(nc)])
    text = _("nc.ask_responsible").format(number=nc.number)
    if title:
        text += "\n" + title
    if not people:
        text += "\n" + _("nc.pick.nobody")
    return text, markup(rows)


def found_screen(nc: Nonconformity, found: list[User], head_id: int | None, typed: str) -> Screen:
    """The people whose names hold the typed text, to choose the responsible from."""
    title = _("nc.pick.found").format(text=html.quote(typed), count=len(found))
    return responsible_screen(nc, found, head_id, title)


def already_responsible(person: User) -> str:
    """Said in a pop-up, which is plain text: the name is not quoted."""
    return _("nc.already_responsible").format(name=person.full_name)


def departments_screen(nc: Nonconformity, departments: list[Department]) -> Screen:
    rows = [[button(d.name, act(NcView.ASSIGN, nc, f"d{d.id}"))] for d in departments]
    rows.append([button(_("common.back"), act(NcView.ASSIGN, nc))])
    return _("nc.pick.which_department").format(number=nc.number), markup(rows)


def reassign_screen(nc: Nonconformity, person: User) -> str:
    return _("nc.ask_reassign_reason").format(
        number=nc.number,
        old=html.quote(nc.responsible_name or "—"),
        new=html.quote(person.full_name),
    )


# -- due dates and done ----------------------------------------------------------------------


def new_due_screen(nc: Nonconformity, today: date) -> Screen:
    """The new due date the responsible asks for: a calendar from today."""
    text = _("nc.ask_new_due").format(number=nc.number)
    return text, calendar_from(today)


def due_reason_question(day: date) -> str:
    return _("nc.ask_due_reason").format(date=format_date(day))


def _finish_done(nc_id: int) -> InlineKeyboardMarkup:
    finish = NcCB(action=NcView.DONE, id=nc_id, arg="finish")
    return markup([[button(_("nc.do.done_finish"), finish)]])


def done_question(nc: Nonconformity) -> Screen:
    """What was done (a note, files); the button marks it done once the note is there."""
    return _("nc.ask_done").format(number=nc.number), _finish_done(nc.id)


def done_note_saved(nc_id: int) -> Screen:
    return _("nc.done_note_saved"), _finish_done(nc_id)


def done_evidence_saved(nc_id: int, count: int) -> Screen:
    return _("nc.done_evidence_saved").format(count=count), _finish_done(nc_id)


# -- effectiveness ---------------------------------------------------------------------------


def effective_question(nc: Nonconformity) -> str:
    return _("nc.ask_effective").format(number=nc.number)


def recheck_screen(nc: Nonconformity, note: str, pieces: int, recheck_days: int) -> Screen:
    """After the justification: close, with or without a re-check of effectiveness."""
    rows = []
    if recheck_days > 0:
        label = _("nc.effective.recheck").format(days=plural("reminder.days", recheck_days))
        rows.append([button(label, act(NcView.EFFECTIVE, nc, f"r{recheck_days}"))])
    rows.append([button(_("nc.effective.no_recheck"), act(NcView.EFFECTIVE, nc, "r0"))])
    rows.append([back_to(nc)])
    text = _("nc.effective.confirm").format(number=nc.number, note=html.quote(note), count=pieces)
    return text, markup(rows)


def effective_evidence_saved(count: int) -> str:
    """Files came before the justification: it is still needed."""
    return _("nc.effective.evidence_saved").format(count=count)


# -- the plan: five whys, the action, the due date; every field editable ------------------


PLAN_FIELDS = ("correction", "whys", "action", "due")


def _skip_correction() -> InlineKeyboardMarkup:
    skip = PlanNcCB(action=PlanNcAction.NO_CORRECTION)
    return markup([[button(_("nc.plan.no_correction"), skip)]])


def correction_question(nc: Nonconformity) -> Screen:
    """The plan's first step: the correction (what was done at once), which may be none."""
    return _("nc.plan.ask_correction").format(number=nc.number), _skip_correction()


def correction_edit_question() -> Screen:
    return _("nc.plan.edit_ask_correction"), _skip_correction()


def _plan_keyboard() -> InlineKeyboardMarkup:
    edit = [
        button(_(f"nc.plan.edit_{field}"), PlanNcCB(action=PlanNcAction.EDIT, field=field))
        for field in PLAN_FIELDS
    ]
    rows = [
        edit[:2],
        edit[2:],
        [button(_("nc.plan.confirm"), PlanNcCB(action=PlanNcAction.CONFIRM))],
    ]
    return markup(rows)


def plan_summary(data: dict[str, Any]) -> Screen:
    whys = "\n".join(f"  {n}. {html.quote(w)}" for n, w in enumerate(data.get("whys", []), 1))
    due = data.get("due")
    text = _("nc.plan.summary").format(
        correction=html.quote(data.get("correction") or "—"),
        whys=whys or "—",
        action=html.quote(data.get("action") or "—"),
        due=format_date(date.fromisoformat(due)) if due else "—",
    )
    return text, _plan_keyboard()


def use_buttons_screen() -> Screen:
    """Text typed at the summary: the plan's buttons again, under a word about them."""
    return _("nc.plan.use_buttons"), _plan_keyboard()


def why_question(whys: list[str], suggestions: list[str]) -> Screen:
    """The next "why?", with the causes found for similar NCs to take in one tap."""
    rows = [
        [button("💡 " + shorten(cause, 50), PlanNcCB(action=PlanNcAction.CAUSE, i=n))]
        for n, cause in enumerate(suggestions[:3])
    ]
    if whys:
        rows.append([button(_("nc.plan.root_found"), PlanNcCB(action=PlanNcAction.ROOT_FOUND))])
    key = "nc.plan.ask_first_why" if not whys else "nc.plan.ask_next_why"
    text = _(key).format(
        n=len(whys) + 1, total=MAX_WHYS, previous=html.quote(whys[-1]) if whys else ""
    )
    if suggestions:
        text += "\n" + _("nc.plan.similar_causes")
    return text, markup(rows)


def due_question(suggested: date | None, today: date) -> Screen:
    """The plan's due date: a calendar from today, and the date the severity suggests
    (when it has not passed) to take in one tap."""
    text = _("nc.plan.ask_due")
    keyboard = calendar_from(today)
    if suggested is not None:
        text += "\n" + _("nc.plan.suggested_due").format(date=format_date(suggested))
        label = _("nc.plan.take_due").format(date=format_date(suggested))
        take = [button(label, PlanNcCB(action=PlanNcAction.DEFAULT_DUE))]
        keyboard = markup([take, *keyboard.inline_keyboard])
    return text, keyboard


def history_screen(nc: Nonconformity, entries: list[HistoryLine], tz: ZoneInfo) -> Screen:
    """Who did what when, oldest first, in the school's time zone."""
    lines = [_("nc.history_title").format(number=nc.number), ""]
    for entry in entries:
        moment = entry.event.at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
        who, action, data = entry.actor_name or _("nc.system"), entry.event.action, entry.event.data
        before, after = data.get("from"), data.get("to")
        change = ""
        if before and after and before != after:
            change = f" ({status_text(NcStatus(before))} → {status_text(NcStatus(after))})"
        elif after:
            change = f" ({status_text(NcStatus(after))})"
        note = f"\n   «{html.quote(str(data['note']))}»" if data.get("note") else ""
        lines.append(f"{moment} · {html.quote(who)} · {_(f'nc.event.{action}')}{change}{note}")
    return "\n".join(lines), markup([[back_to(nc)]])
