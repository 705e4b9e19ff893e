"""Changing a planned audit from its card (the manager): what can be changed, the new dates,
texts, team and respondents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AuditAction, AuditCB, AuditEditAction, AuditEditCB
from bot.domain.audits import Audit, Respondent
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.keyboards.calendar import calendar_from
from bot.keyboards.pages import button, ticked_people_rows
from bot.services.programme import Candidates
from bot.views.common import plural
from bot.views.nc import Screen, markup
from bot.views.planning import PEOPLE_PAGE, not_offered_lines

FIELDS = ("dates", "scope", "criteria", "team", "people")


def _to_card(audit: Audit) -> list[InlineKeyboardButton]:
    return [button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id))]


def menu_screen(
    audit: Audit,
    revision: int,
    team: Sequence[str],
    respondents: list[Respondent],
    note: str | None = None,
) -> Screen:
    """The audit as it is now and a button for each thing that can be changed."""
    lines = [
        f"<b>{audit.number} · {html.quote(audit.title)}</b>",
        _("audit_edit.summary").format(
            start=format_date(audit.start_date),
            deadline=format_date(audit.deadline),
            scope=html.quote(audit.scope),
            criteria=html.quote(audit.criteria),
            auditor=html.quote(audit.lead_auditor_name),
            team=html.quote(", ".join(team)) if team else "—",
            respondents=len(respondents),
        ),
        "",
        _("audit_edit.what"),
    ]
    if note:
        lines = [note, "", *lines]
    buttons = [
        button(
            _(f"audit_edit.field.{name}"),
            AuditEditCB(action=AuditEditAction.FIELD, audit=audit.id, rev=revision, value=name),
        )
        for name in FIELDS
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_to_card(audit))
    return "\n".join(lines), markup(rows)


def changed_note(told: int) -> str:
    return _("audit_edit.changed") + " " + plural("audit_edit.told", told)


def start_screen(audit: Audit, today: date) -> Screen:
    text = _("audit_edit.ask_start").format(number=audit.number, now=format_date(audit.start_date))
    return text, calendar_from(today)


def deadline_screen(audit: Audit, start: date) -> Screen:
    text = _("audit_edit.ask_deadline").format(
        start=format_date(start), now=format_date(audit.deadline)
    )
    return text, calendar_from(start)


def text_question(audit: Audit, field: str) -> str:
    now = audit.scope if field == "scope" else audit.criteria
    return _(f"audit_edit.ask_{field}").format(number=audit.number, now=html.quote(now))


def lead_screen(audit: Audit, revision: int, found: Candidates) -> Screen:
    rows = [
        [
            button(
                ("● " if p.id == audit.lead_auditor_id else "") + p.full_name,
                AuditEditCB(action=AuditEditAction.LEAD, audit=audit.id, rev=revision, id=p.id),
            )
        ]
        for p in found.offered
    ]
    rows.append(_to_card(audit))
    text = _("audit_edit.ask_lead").format(number=audit.number)
    lines = not_offered_lines(found.untrained, found.not_independent)
    if lines:
        text += "\n\n" + "\n".join(lines)
    return text, markup(rows)


def co_screen(
    audit: Audit, revision: int, lead: str, found: Candidates, chosen: set[int]
) -> Screen:
    rows = []
    for person in found.offered:
        mark = "✅ " if person.id in chosen else "▫️ "
        data = AuditEditCB(action=AuditEditAction.CO, audit=audit.id, rev=revision, id=person.id)
        rows.append([button(mark + person.full_name, data)])
    done = AuditEditCB(action=AuditEditAction.DONE, audit=audit.id, rev=revision, value="team")
    rows.append([button(_("audit_edit.save"), done)])
    rows.append(_to_card(audit))
    text = _("audit_edit.ask_co").format(lead=html.quote(lead))
    lines = not_offered_lines(found.untrained, found.not_independent)
    if lines:
        text += "\n\n" + "\n".join(lines)
    return text, markup(rows)


def people_screen(
    audit: Audit, revision: int, people: list[User], chosen: set[int], page: int
) -> Screen:
    """Everyone but the audit team, to tick; each tick keeps its page."""
    rows = ticked_people_rows(
        people,
        chosen,
        page,
        PEOPLE_PAGE,
        lambda person: AuditEditCB(
            action=AuditEditAction.PERSON,
            audit=audit.id,
            rev=revision,
            id=person.id,
            value=str(page),
        ),
        lambda p: AuditEditCB(action=AuditEditAction.PAGE, audit=audit.id, rev=revision, id=p),
    )
    done = AuditEditCB(action=AuditEditAction.DONE, audit=audit.id, rev=revision, value="people")
    rows.append([button(_("audit_edit.save_people").format(count=len(chosen)), done)])
    rows.append(_to_card(audit))
    return _("audit_edit.ask_people").format(number=audit.number), markup(rows)
