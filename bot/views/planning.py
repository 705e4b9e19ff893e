"""The screens of /newaudit, the audit planning wizard: ten numbered steps, the summary to
check, and what was created."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import PlanAction, PlanCB
from bot.domain.audits import Audit, AuditDraft, Objective, TemplateInfo
from bot.domain.competence import Cell
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.keyboards.calendar import calendar_keyboard
from bot.keyboards.pages import button, page_buttons
from bot.views.audit import card_button, objectives_text
from bot.views.competence import cell_text
from bot.views.nc import Screen, markup

STEPS = 10
PEOPLE_PAGE = 8


def step(number: int, key: str, **params: Any) -> str:
    """ "Step 3 of 10", then the step's question."""
    return _("plan.step").format(n=number, total=STEPS) + "\n" + _(key).format(**params)


def _use_default() -> InlineKeyboardMarkup:
    return markup([[button(_("plan.use_default"), PlanCB(action=PlanAction.DEFAULT))]])


def title_question() -> str:
    return _("plan.intro") + "\n\n" + step(1, "plan.ask_title")


def department_screen(departments: list[Department]) -> Screen:
    rows = [[button(d.name, PlanCB(action=PlanAction.DEPT, id=d.id))] for d in departments]
    rows.append([button(_("plan.whole_school"), PlanCB(action=PlanAction.DEPT, id=0))])
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
    return step(4, "plan.ask_objectives"), markup(rows)


def default_scope(where: str, template: str) -> str:
    """The scope proposed from the department and the checklist (kept as typed text)."""
    return _("plan.default_scope").format(where=where, template=template)


def scope_screen(default: str) -> Screen:
    return step(5, "plan.ask_scope", default=html.quote(default)), _use_default()


def default_criteria() -> str:
    return _("plan.default_criteria")


def criteria_screen() -> Screen:
    return step(6, "plan.ask_criteria", default=html.quote(default_criteria())), _use_default()


def auditor_screen(people: list[User], not_offered: Sequence[tuple[User, Cell]] = ()) -> Screen:
    """Those who may lead an audit (the handler picks them), and why the others are not
    offered (no valid internal-auditor training)."""
    rows = [[button(p.full_name, PlanCB(action=PlanAction.AUDITOR, id=p.id))] for p in people]
    text = step(7, "plan.ask_auditor")
    if not_offered:
        lines = [f"• {html.quote(p.full_name)} — {cell_text(cell)}" for p, cell in not_offered]
        text += "\n\n" + "\n".join([_("plan.not_offered"), *lines])
    return text, markup(rows)


def respondents_screen(where: str, staff: int) -> Screen:
    """All `staff` of the department at once, or people picked one by one."""
    rows = [
        [button(_("plan.all_staff").format(count=staff), PlanCB(action=PlanAction.ALL_STAFF))],
        [button(_("plan.pick_people"), PlanCB(action=PlanAction.PICK))],
    ]
    return step(8, "plan.ask_respondents", where=html.quote(where)), markup(rows)


def people_screen(people: list[User], chosen: set[int], page: int) -> Screen:
    """A page of people to tick; each tick keeps its page (in `value`)."""
    rows = []
    for person in people[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]:
        mark = "✅ " if person.id in chosen else "▫️ "
        label = mark + person.full_name
        if person.department_name:
            label += f" · {person.department_name}"
        rows.append(
            [button(label, PlanCB(action=PlanAction.PERSON, id=person.id, value=str(page)))]
        )
    pager = InlineKeyboardBuilder()  # page_buttons adds its row to a builder
    page_buttons(
        pager, page, len(people), PEOPLE_PAGE, lambda p: PlanCB(action=PlanAction.PAGE, id=p)
    )
    rows += pager.export()
    done = _("plan.people_done").format(count=len(chosen))
    rows.append([button(done, PlanCB(action=PlanAction.NEXT))])
    return step(8, "plan.pick_people_title"), markup(rows)


def start_screen(earliest: date) -> Screen:
    """The start date: a calendar from the earliest day allowed."""
    return step(9, "plan.ask_start"), calendar_keyboard(earliest.year, earliest.month, earliest)


def deadline_screen(start: date) -> Screen:
    text = step(10, "plan.ask_deadline", start=format_date(start))
    return text, calendar_keyboard(start.year, start.month, start)


def summary_screen(draft: AuditDraft, where: str, template: str, auditor: str) -> Screen:
    """Everything the wizard collected (with the names it showed), and "create"."""
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
    return text, markup([[button(_("plan.create"), PlanCB(action=PlanAction.CONFIRM))]])


def created_screen(audit: Audit, sent_to: int | None) -> Screen:
    """Planned for later; or opened today, its questionnaires sent to `sent_to` people."""
    if sent_to is None:
        text = _("plan.created").format(number=audit.number, start=format_date(audit.start_date))
    else:
        text = _("plan.created_open").format(number=audit.number, count=sent_to)
    return text, markup([[card_button(audit, _("audit.open_card"))]])
