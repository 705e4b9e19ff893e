"""/risks screens: the register by level, a risk's card, proposing one, the heat map."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RiskCB, RiskDoneCB, RiskStep
from bot.domain.dates import format_date
from bot.domain.models import Department, User
from bot.domain.risks import (
    LEVEL_ICONS,
    MARKS,
    Level,
    Risk,
    RiskKind,
    RiskStatus,
    treatments_for,
)
from bot.domain.roles import Role
from bot.keyboards.pages import button, people_buttons

Screen = tuple[str, InlineKeyboardMarkup]
SHOWN = 30  # risks with a button on the register screen
PAGE = 20  # people per page of a picker
TEXT_LIMIT = 3800


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cb(step: RiskStep, id: int = 0, v: str = "", r: int = -1) -> RiskCB:
    return RiskCB(action=step, id=id, v=v, r=r)


def level_text(level: Level | None, score: int | None) -> str:
    if level is None or score is None:
        return "⚪ " + _("risks.unscored")
    return f"{LEVEL_ICONS[level]} {score} — {_(f'risks.level.{level.value}')}"


def _score_line(likelihood: int | None, impact: int | None, risk: Risk, residual: bool) -> str:
    level = risk.residual_level if residual else risk.level
    score = risk.residual_score if residual else risk.score
    return _("risks.score_line").format(
        likelihood=likelihood or "—", impact=impact or "—", level=level_text(level, score)
    )


def home_screen(risks: list[Risk], manager: bool, closed: int = 0) -> Screen:
    """The register by level; `closed`: how many risks are closed (a button to their list)."""
    lines = [_("risks.title"), ""]
    active = [r for r in risks if r.status is RiskStatus.ACTIVE]
    active.sort(key=lambda r: (-(r.score or 0), r.id))
    rows: list[list[InlineKeyboardButton]] = []
    for index, risk in enumerate(active):
        kind = "💡 " if risk.kind is RiskKind.OPPORTUNITY else ""
        line = (
            f"{level_text(risk.level, risk.score)} · {risk.number} {kind}{html.quote(risk.title)}"
        )
        if sum(len(x) + 1 for x in lines) + len(line) > TEXT_LIMIT:  # a phone's message limit
            lines.append(_("risks.more").format(count=len(active) - index))
            break
        lines.append(line)
    if not active:
        lines.append(_("risks.empty_register"))
    proposed = [r for r in risks if r.status is RiskStatus.PROPOSED]
    if proposed:
        lines += ["", _("risks.proposed_title")]
        lines += [f"• {r.number} {html.quote(r.title[:80])}" for r in proposed[:20]]
    for risk in (proposed if manager else []) + active:
        if len(rows) < SHOWN:
            rows.append([button(f"{risk.number} {risk.title}"[:60], cb(RiskStep.CARD, risk.id))])
    rows.append(
        [
            button(_("risks.propose"), cb(RiskStep.PROPOSE)),
            button(_("risks.heat"), cb(RiskStep.HEAT)),
        ]
    )
    if closed:
        rows.append([button(_("risks.closed_list").format(count=closed), cb(RiskStep.CLOSED))])
    return "\n".join(lines), markup(rows)


def closed_screen(risks: list[Risk]) -> Screen:
    """The closed risks and opportunities, the latest first, each with its reason."""
    lines = [_("risks.closed_title"), ""]
    ordered = sorted(risks, key=lambda r: r.id, reverse=True)
    rows: list[list[InlineKeyboardButton]] = []
    for index, risk in enumerate(ordered):
        line = f"• {risk.number} {html.quote(risk.title)} — {html.quote(risk.closed_reason or '—')}"
        if sum(len(x) + 1 for x in lines) + len(line) > TEXT_LIMIT:
            lines.append(_("risks.more").format(count=len(ordered) - index))
            break
        lines.append(line)
        if len(rows) < SHOWN:
            rows.append([button(f"{risk.number} {risk.title}"[:60], cb(RiskStep.CARD, risk.id))])
    rows.append([button(_("common.back"), cb(RiskStep.HOME))])
    return "\n".join(lines), markup(rows)


def kind_screen() -> Screen:
    rows = [
        [
            button(_("risks.kind.risk"), cb(RiskStep.PROPOSE, v=RiskKind.RISK.value)),
            button(_("risks.kind.opportunity"), cb(RiskStep.PROPOSE, v=RiskKind.OPPORTUNITY.value)),
        ]
    ]
    return _("risks.ask_kind"), markup(rows)


def department_screen(departments: list[Department], own: int | None) -> Screen:
    ordered = sorted(departments, key=lambda d: d.id != own)
    rows = [[button(d.name, cb(RiskStep.DEPT, v=str(d.id)))] for d in ordered]
    rows.append([button(_("risks.no_department"), cb(RiskStep.DEPT, v="0"))])
    return _("risks.ask_department"), markup(rows)


def ask_title(kind: RiskKind) -> str:
    return _(f"risks.ask_title.{kind.value}")


def proposed_text(risk: Risk) -> str:
    return _("risks.proposed").format(number=risk.number, title=html.quote(risk.title))


def card_text(risk: Risk, today: date) -> str:
    lines = [
        _("risks.card_head").format(
            number=risk.number, kind=_(f"risks.kind.{risk.kind.value}"),
            status=_(f"risks.status.{risk.status.value}"),
        ),
        f"<b>{html.quote(risk.title)}</b>",
        _("risks.department").format(
            department=html.quote(risk.department_name or _("risks.no_department"))
        ),
        _("risks.process").format(process=html.quote(risk.process or "—")),
        _("risks.cause").format(text=html.quote(risk.cause or "—")),
        _("risks.consequence").format(text=html.quote(risk.consequence or "—")),
        _score_line(risk.likelihood, risk.impact, risk, False),
        _("risks.owner").format(name=html.quote(risk.owner_name or "—")),
        _("risks.treatment").format(
            treatment=_(f"risks.treat.{risk.treatment.value}") if risk.treatment else "—"
        ),
        _("risks.review").format(date=format_date(risk.review_on) if risk.review_on else "—"),
        _("risks.after").format(
            line=_score_line(risk.residual_likelihood, risk.residual_impact, risk, True)
        ),
    ]  # fmt: skip
    if risk.status is RiskStatus.CLOSED:
        lines.append(_("risks.closed_because").format(reason=html.quote(risk.closed_reason or "—")))
    lines += ["", _("risks.actions")]
    for number, action in enumerate(risk.actions, 1):
        mark = "✅" if action.done_at else ("⏰" if action.is_overdue(today) else "⏳")
        lines.append(
            _("risks.action_line").format(
                n=number, mark=mark, text=html.quote(action.text),
                owner=html.quote(action.owner_name or "—"), due=format_date(action.due_date),
            )
        )  # fmt: skip
    if not risk.actions:
        lines.append(_("risks.no_actions"))
    return "\n".join(lines)


def _marks_row(
    risk: Risk, field: str, current: int | None, short: str
) -> list[InlineKeyboardButton]:
    return [
        button(
            ("✅" if current == m else "") + f"{short}{m}",
            cb(RiskStep.MARK, risk.id, f"{field}={m}", risk.revision),
        )
        for m in MARKS
    ]


def card_screen(risk: Risk, viewer: User, today: date) -> Screen:
    manager = viewer.has(Role.MANAGER)
    rows: list[list[InlineKeyboardButton]] = []
    if manager and risk.status is RiskStatus.PROPOSED:
        rows.append(
            [
                button(_("risks.accept"), cb(RiskStep.ACCEPT, risk.id, r=risk.revision)),
                button(_("risks.reject"), cb(RiskStep.REJECT, risk.id, r=risk.revision)),
            ]
        )
    elif manager and risk.status is RiskStatus.ACTIVE:
        rows.append(_marks_row(risk, "likelihood", risk.likelihood, _("risks.l_short")))
        rows.append(_marks_row(risk, "impact", risk.impact, _("risks.i_short")))
        rows.append(
            [
                button(
                    ("✅ " if risk.treatment is t else "") + _(f"risks.treat.{t.value}"),
                    cb(RiskStep.TREAT, risk.id, t.value, risk.revision),
                )
                for t in treatments_for(risk.kind)
            ]
        )
        rows.append(
            [
                button(_("risks.edit_cause"), cb(RiskStep.ASK, risk.id, "cause")),
                button(_("risks.edit_consequence"), cb(RiskStep.ASK, risk.id, "consequence")),
            ]
        )
        rows.append(
            [
                button(_("risks.set_owner"), cb(RiskStep.OWNER, risk.id)),
                button(_("risks.set_review"), cb(RiskStep.ASK, risk.id, "review")),
            ]
        )
        rows.append(
            [
                button(_("risks.add_action"), cb(RiskStep.ASK, risk.id, "action")),
                button(_("risks.residual"), cb(RiskStep.RESIDUAL, risk.id)),
            ]
        )
        rows.append(
            [
                button(_("risks.set_process"), cb(RiskStep.ASK, risk.id, "process")),
                button(_("risks.close"), cb(RiskStep.CLOSE, risk.id, r=risk.revision)),
            ]
        )
    for number, action in enumerate(risk.actions, 1):
        if risk.status is not RiskStatus.ACTIVE:
            break  # a closed risk's actions are off
        if action.done_at is None and (manager or action.owner_id == viewer.id):
            rows.append([button(_("risks.done").format(n=number), RiskDoneCB(id=action.id))])
    rows.append([button(_("common.back"), cb(RiskStep.HOME))])
    return card_text(risk, today), markup(rows)


def residual_screen(risk: Risk, today: date) -> Screen:
    rows = [
        _marks_row(risk, "residual_likelihood", risk.residual_likelihood, _("risks.l_short")),
        _marks_row(risk, "residual_impact", risk.residual_impact, _("risks.i_short")),
        [button(_("common.back"), cb(RiskStep.CARD, risk.id))],
    ]
    text = card_text(risk, today) + "\n\n" + _("risks.ask_residual")
    return text, markup(rows)


def people_screen(risk: Risk, people: list[User], step: RiskStep, page: int = 0) -> Screen:
    builder = InlineKeyboardBuilder()
    people_buttons(
        builder, people, page, PAGE,
        lambda person: cb(step, risk.id, str(person.id), risk.revision),
        lambda n: RiskCB(action=RiskStep.PEOPLE, id=risk.id, v=step.value, p=n),
    )  # fmt: skip
    builder.row(button(_("common.back"), cb(RiskStep.CARD, risk.id)))
    return _("risks.ask_owner"), builder.as_markup()
