"""/program: the school year's audits by month (bot.views.audit.program_screen) with the
programme's recurring lines, where it stands with the director, and their buttons; the
recurring-line wizard and the director's decision."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import html
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    ApprovalAction,
    ApprovalCB,
    AuditAction,
    AuditCB,
    ProgrammeAction,
    ProgrammeCB,
)
from bot.domain.audits import Audit, TemplateInfo
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.domain.programme import Frequency, Occurrence, Suggestion
from bot.domain.roles import Role
from bot.domain.school_calendar import Moved
from bot.keyboards.pages import button
from bot.reports.model import format_percent
from bot.services.programme import Candidates, Standing
from bot.storage.programme import Line
from bot.views.audit import program_screen, school_year_label, where_text
from bot.views.calendar import moved_note
from bot.views.nc import Screen, markup
from bot.views.planning import not_offered_lines


def frequency_text(frequency: str) -> str:
    return _(f"programme.freq.{frequency}")


def standing_lines(standing: Standing) -> list[str]:
    """The decision and its date; a change after approval says so."""
    latest = standing.latest
    if latest is None:
        return [_("programme.not_sent")]
    when, who = format_date(latest.at.date()), html.quote(latest.actor_name)
    if latest.decision == "approved":
        lines = [_("programme.approved").format(date=when, name=who)]
    elif latest.decision == "returned":
        comment = html.quote(latest.comment or "")
        lines = [_("programme.returned").format(date=when, name=who, comment=comment)]
    else:
        lines = [_("programme.submitted").format(date=when, name=who)]
        if standing.approved is not None:
            approved = format_date(standing.approved.at.date())
            lines.append(_("programme.approved_before").format(date=approved))
    if standing.approved is not None and standing.changed_since:
        lines.append(_("programme.changed_since").format(count=standing.changed_since))
    return lines


def line_text(line: Line, count: int) -> str:
    return _("programme.line").format(
        template=html.quote(line.template_title),
        where=where_text(line.department_name),
        frequency=frequency_text(line.frequency),
        count=count,
    )


def screen(
    year: int,
    items: list[Audit],
    user: User,
    year_start: tuple[int, int],
    lines: Sequence[Line],
    generated: dict[int, int],
    standing: Standing,
) -> Screen:
    text, keyboard = program_screen(year, items, user, year_start)
    extra = ["", _("programme.standing_title"), *standing_lines(standing)]
    if lines:
        extra += ["", _("programme.lines_title")]
        extra += [line_text(line, generated.get(line.id, 0)) for line in lines]
    rows = list(keyboard.inline_keyboard)
    nav = rows.pop()  # ◀️/▶️ stay last
    mine: list[list[InlineKeyboardButton]] = []
    if user.has(Role.MANAGER):
        mine.append(
            [
                button(
                    _("programme.add_line"), ProgrammeCB(action=ProgrammeAction.NEW_LINE, year=year)
                )
            ]
        )
        if items:
            mine.append(
                [button(_("programme.send"), ProgrammeCB(action=ProgrammeAction.SUBMIT, year=year))]
            )
    if user.has(Role.OBSERVER) and items:
        stamp = standing.stamp
        mine.append(
            [
                button(
                    _("programme.approve"),
                    ApprovalCB(action=ApprovalAction.APPROVE, year=year, stamp=stamp),
                ),
                button(
                    _("programme.return"),
                    ApprovalCB(action=ApprovalAction.RETURN, year=year, stamp=stamp),
                ),
            ]
        )
    return text + "\n" + "\n".join(extra), markup([*rows, *mine, nav])


def _back(year: int) -> list[InlineKeyboardButton]:
    return [button(_("programme.back"), AuditCB(action=AuditAction.PROGRAM, page=year))]


def template_screen(year: int, items: list[TemplateInfo], language: str) -> Screen:
    items = sorted(items, key=lambda t: (t.language != language, t.title))
    rows = [
        [
            button(
                f"{t.title} ({t.language})",
                ProgrammeCB(action=ProgrammeAction.TEMPLATE, year=year, id=t.id),
            )
        ]
        for t in items
    ]
    rows.append(_back(year))
    text = _("programme.ask_template").format(year=school_year_label(year))
    return text, markup(rows)


def department_screen(year: int, departments: list[Department]) -> Screen:
    rows = [
        [button(d.name, ProgrammeCB(action=ProgrammeAction.DEPT, year=year, id=d.id))]
        for d in departments
    ]
    rows.append(
        [button(_("plan.whole_school"), ProgrammeCB(action=ProgrammeAction.DEPT, year=year, id=0))]
    )
    rows.append(_back(year))
    return _("programme.ask_department"), markup(rows)


def reason_text(suggestion: Suggestion) -> str:
    """Why this frequency: "the last compliance 61,5 % is below the threshold 75,0 %"."""
    values: dict[str, str] = {}
    for key, value in suggestion.params.items():
        values[key] = str(int(value)) if key == "count" else format_percent(value, _)
    return _(suggestion.reason).format(**values)


def frequency_screen(year: int, suggestion: Suggestion) -> Screen:
    """The three frequencies, the suggested one marked, and why it is suggested."""
    rows = []
    for frequency in Frequency:
        mark = "⭐ " if frequency is suggestion.frequency else ""
        data = ProgrammeCB(action=ProgrammeAction.FREQUENCY, year=year, value=frequency.value)
        rows.append([button(mark + frequency_text(frequency.value), data)])
    rows.append(_back(year))
    text = _("programme.ask_frequency").format(
        frequency=frequency_text(suggestion.frequency.value), reason=reason_text(suggestion)
    )
    return text, markup(rows)


def auditor_screen(year: int, found: Candidates) -> Screen:
    rows = [
        [button(p.full_name, ProgrammeCB(action=ProgrammeAction.AUDITOR, year=year, id=p.id))]
        for p in found.offered
    ]
    rows.append(_back(year))
    text = _("programme.ask_auditor")
    lines = not_offered_lines(found.untrained, found.not_independent)
    if lines:
        text += "\n\n" + "\n".join(lines)
    return text, markup(rows)


def generated_screen(year: int, made: list[tuple[Audit, Occurrence]]) -> Screen:
    lines = [_("programme.generated").format(count=len(made))]
    for audit, item in made:
        lines.append(
            _("programme.generated_line").format(
                number=audit.number,
                term=html.quote(item.window.name),
                start=format_date(audit.start_date),
                deadline=format_date(audit.deadline),
            )
        )
        if item.moved_from is not None:
            moved = Moved(item.moved_from, item.start, item.holiday)
            lines.append("   " + moved_note(moved, deadline=False))
    return "\n".join(lines), markup([_back(year)])


def approval_question(year: int) -> str:
    return _("programme.ask_comment").format(year=school_year_label(year))
