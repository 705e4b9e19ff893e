"""The screens of /newaudit, the audit planning wizard: eleven numbered steps, each with
"back" but the first, the summary to check (each answer can be changed there), and what was
created."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PlanAction, PlanCB
from bot.domain.audits import Audit, AuditDraft, Objective, TemplateInfo
from bot.domain.competence import Cell
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.keyboards.calendar import calendar_from
from bot.keyboards.pages import button, ticked_people_rows
from bot.views.audit import card_button, objectives_text
from bot.views.competence import cell_text
from bot.views.nc import Screen, markup

STEPS = 11
PEOPLE_PAGE = 8


def step(number: int, key: str, **params: Any) -> str:
    """ "Step 3 of 10", then the step's question."""
    return _("plan.step").format(n=number, total=STEPS) + "\n" + _(key).format(**params)


def back_row(drawn_on: str) -> list[InlineKeyboardButton]:
    """ "Back" to the step before, drawn on step `drawn_on` (pressed later, it is stale)."""
    return [button(_("plan.back"), PlanCB(action=PlanAction.BACK, value=drawn_on))]


def with_back(keyboard: InlineKeyboardMarkup | None, drawn_on: str) -> InlineKeyboardMarkup:
    rows = list(keyboard.inline_keyboard) if keyboard else []
    return markup([*rows, back_row(drawn_on)])


def current_note(text: str, value: str | None) -> str:
    """A step asked again (back, or changed from the summary) shows the answer it has."""
    if not value:
        return text
    return text + "\n\n" + _("plan.current").format(value=html.quote(value))


def _use_default(drawn_on: str) -> InlineKeyboardMarkup:
    return markup(
        [[button(_("plan.use_default"), PlanCB(action=PlanAction.DEFAULT))], back_row(drawn_on)]
    )


def title_question() -> str:
    return _("plan.intro") + "\n\n" + step(1, "plan.ask_title")


def department_screen(departments: list[Department]) -> Screen:
    rows = [[button(d.name, PlanCB(action=PlanAction.DEPT, id=d.id))] for d in departments]
    rows.append([button(_("plan.whole_school"), PlanCB(action=PlanAction.DEPT, id=0))])
    rows.append(back_row("department"))
    return step(2, "plan.ask_department"), markup(rows)


def template_screen(items: list[TemplateInfo], language: str) -> Screen:
    """The latest templates, those in the planner's `language` first."""
    items = sorted(items, key=lambda t: (t.language != language, t.title))
    rows = [
        [
            button(
                _("plan.template_button").format(
                    title=t.title, language=t.language, count=t.question_count
                ),
                PlanCB(action=PlanAction.TEMPLATE, id=t.id),
            )
        ]
        for t in items
    ]
    rows.append(back_row("template"))
    return step(3, "plan.ask_template"), markup(rows)


def objectives_screen(chosen: list[str]) -> Screen:
    rows = []
    for objective in Objective:
        mark = "✅ " if objective.value in chosen else "▫️ "
        rows.append(
            [
                button(
                    mark + _(f"objective.{objective.value}"),
                    PlanCB(action=PlanAction.OBJECTIVE, value=objective.value),
                )
            ]
        )
    rows.append([button(_("plan.next"), PlanCB(action=PlanAction.NEXT))])
    rows.append(back_row("objectives"))
    return step(4, "plan.ask_objectives"), markup(rows)


def default_scope(where: str, template: str) -> str:
    """The scope proposed from the department and the checklist (kept as typed text)."""
    return _("plan.default_scope").format(where=where, template=template)


def scope_screen(default: str, current: str | None = None) -> Screen:
    text = step(5, "plan.ask_scope", default=html.quote(default))
    return current_note(text, current), _use_default("scope")


def default_criteria() -> str:
    return _("plan.default_criteria")


def criteria_screen(current: str | None = None) -> Screen:
    text = step(6, "plan.ask_criteria", default=html.quote(default_criteria()))
    return current_note(text, current), _use_default("criteria")


def not_offered_lines(
    not_offered: Sequence[tuple[User, Cell]], not_independent: Sequence[tuple[User, str]]
) -> list[str]:
    """Why each person is not offered: no valid internal-auditor training (ISO 19011 7), or
    he would audit his own work (a refusal key)."""
    lines = []
    if not_offered:
        lines.append(_("plan.not_offered"))
        lines += [f"• {html.quote(p.full_name)} — {cell_text(cell)}" for p, cell in not_offered]
    if not_independent:
        lines.append(_("plan.not_independent"))
        lines += [
            f"• {html.quote(p.full_name)} — {_('plan.why.' + key.rsplit('.', 1)[-1])}"
            for p, key in not_independent
        ]
    return lines


def auditor_screen(
    people: list[User],
    not_offered: Sequence[tuple[User, Cell]] = (),
    not_independent: Sequence[tuple[User, str]] = (),
) -> Screen:
    """Those who may lead an audit (the handler picks them), and why the others are not
    offered."""
    rows = [[button(p.full_name, PlanCB(action=PlanAction.AUDITOR, id=p.id))] for p in people]
    rows.append(back_row("auditor"))
    text = step(7, "plan.ask_auditor")
    lines = not_offered_lines(not_offered, not_independent)
    if lines:
        text += "\n\n" + "\n".join(lines)
    return text, markup(rows)


def team_screen(
    people: list[User],
    chosen: set[int],
    not_offered: Sequence[tuple[User, Cell]] = (),
    not_independent: Sequence[tuple[User, str]] = (),
) -> Screen:
    """Co-auditors to tick beside the lead (none is fine)."""
    rows = []
    for person in people:
        mark = "✅ " if person.id in chosen else "▫️ "
        rows.append([button(mark + person.full_name, PlanCB(action=PlanAction.TEAM, id=person.id))])
    done = _("plan.team_done").format(count=len(chosen))
    rows.append([button(done, PlanCB(action=PlanAction.NEXT, value="team"))])
    rows.append(back_row("team"))
    text = step(8, "plan.ask_team")
    lines = not_offered_lines(not_offered, not_independent)
    if lines:
        text += "\n\n" + "\n".join(lines)
    return text, markup(rows)


def respondents_screen(where: str, staff: int) -> Screen:
    """All `staff` of the department at once, or people picked one by one."""
    rows = [
        [button(_("plan.all_staff").format(count=staff), PlanCB(action=PlanAction.ALL_STAFF))],
        [button(_("plan.pick_people"), PlanCB(action=PlanAction.PICK))],
        back_row("respondents"),
    ]
    return step(9, "plan.ask_respondents", where=html.quote(where)), markup(rows)


def people_screen(
    people: list[User], chosen: set[int], page: int, team: Sequence[str] = ()
) -> Screen:
    """A page of people to tick; each tick keeps its page (in `value`)."""
    rows = ticked_people_rows(
        people,
        chosen,
        page,
        PEOPLE_PAGE,
        lambda person: PlanCB(action=PlanAction.PERSON, id=person.id, value=str(page)),
        lambda p: PlanCB(action=PlanAction.PAGE, id=p),
    )
    done = _("plan.people_done").format(count=len(chosen))
    rows.append([button(done, PlanCB(action=PlanAction.NEXT))])
    rows.append(back_row("respondents"))
    text = step(9, "plan.pick_people_title")
    if team:
        text += "\n" + _("plan.team_not_respondents").format(names=html.quote(", ".join(team)))
    return text, markup(rows)


def start_screen(earliest: date) -> Screen:
    """The start date: a calendar from the earliest day allowed."""
    keyboard = calendar_from(earliest)
    return step(10, "plan.ask_start"), with_back(keyboard, "start")


def deadline_screen(start: date) -> Screen:
    text = step(11, "plan.ask_deadline", start=format_date(start))
    return text, with_back(calendar_from(start), "deadline")


SUMMARY_FIELDS = (
    "title",
    "department",
    "template",
    "objectives",
    "scope",
    "criteria",
    "auditor",
    "respondents",
    "start",
)


def summary_screen(
    draft: AuditDraft,
    where: str,
    template: str,
    auditor: str,
    team: Sequence[str] = (),
    forced_anonymous: bool = False,
) -> Screen:
    """Everything the wizard collected (with the names it showed); a button to change each
    answer, the anonymous switch (on for good when the checklist itself is anonymous), and
    "create"."""
    text = _("plan.summary").format(
        title=html.quote(draft.title),
        where=html.quote(where),
        template=html.quote(template),
        objectives=objectives_text(draft.objectives),
        scope=html.quote(draft.scope),
        criteria=html.quote(draft.criteria),
        auditor=html.quote(auditor),
        respondents=len(draft.respondent_ids),
        start=format_date(draft.start_date),  # type: ignore[arg-type]
        deadline=format_date(draft.deadline),  # type: ignore[arg-type]
    )
    if team:
        text += "\n" + _("plan.summary_team").format(names=html.quote(", ".join(team)))
    text += "\n" + _("plan.summary_anonymous" if draft.anonymous else "plan.summary_named")
    edits = [
        button(_(f"plan.edit.{name}"), PlanCB(action=PlanAction.EDIT, value=name))
        for name in SUMMARY_FIELDS
    ]
    rows = [edits[i : i + 3] for i in range(0, len(edits), 3)]
    if not forced_anonymous:
        switch = "plan.make_named" if draft.anonymous else "plan.make_anonymous"
        rows.append([button(_(switch), PlanCB(action=PlanAction.ANON))])
    rows.append([button(_("plan.create"), PlanCB(action=PlanAction.CONFIRM))])
    rows.append(back_row("confirm"))
    return text, markup(rows)


def created_screen(audit: Audit, sent_to: int | None) -> Screen:
    """Planned for later; or opened today, its questionnaires sent to `sent_to` people."""
    if sent_to is None:
        text = _("plan.created").format(number=audit.number, start=format_date(audit.start_date))
    else:
        text = _("plan.created_open").format(number=audit.number, count=sent_to)
    return text, markup([[card_button(audit, _("audit.open_card"))]])
