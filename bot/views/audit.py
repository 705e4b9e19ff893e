"""How an audit reads on a phone: its card (lead auditor, manager), the answers by question,
the conclusion and closing, its results, and /program, the year's audits by month."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    AuditAction,
    AuditCB,
    AuditEditAction,
    AuditEditCB,
    FindingAction,
    FindingCB,
    ReportFileAction,
    ReportFileCB,
)
from bot.domain.audits import (
    AnswerRecord,
    Audit,
    AuditStatus,
    Respondent,
    evidence_pieces,
    may_run,
)
from bot.domain.checklists import Checklist, Question
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity
from bot.domain.roles import Role
from bot.domain.school_calendar import school_year_months
from bot.domain.scoring import is_nonconforming
from bot.keyboards.pages import button, page_buttons
from bot.reports.model import format_percent
from bot.views.answers import format_value, shorten
from bot.views.common import plural
from bot.views.nc import Screen, markup, status_text

QUESTIONS_PER_PAGE = 5
EVIDENCE_ROW = 3


# -- small pieces shared by the audit screens ---------------------------------------------------


def where_text(department_name: str | None) -> str:
    """The audited department, or the whole school when the audit has none (HTML-escaped)."""
    return html.quote(department_name) if department_name else _("audit.whole_school")


def audit_status(status: AuditStatus) -> str:
    return _(f"audit.status.{status.value}")


def objectives_text(objectives: list[str]) -> str:
    return ", ".join(_(f"objective.{o}") for o in objectives)


def results_lines(audit: Audit) -> list[str]:
    """The closed audit's compliance on its card: overall, by section, the weakest clauses."""
    results = audit.results or {}
    if results.get("overall") is None:
        return [_("audit.results_none")]
    lines = [_("audit.results_overall").format(percent=format_percent(results["overall"], _))]
    for title, percent in results.get("by_section", {}).items():
        lines.append(f"  • {html.quote(title)}: {format_percent(percent, _)}")
    clauses = [(c, p) for c, p in results.get("by_clause", {}).items() if p is not None]
    weakest = sorted(clauses, key=lambda item: item[1])[:5]
    if weakest:
        lines.append(_("audit.results_weakest"))
        lines += [f"  • {clause}: {format_percent(percent, _)}" for clause, percent in weakest]
    return lines


def _head(audit: Audit) -> str:
    return f"<b>{audit.number} · {html.quote(audit.title)}</b>"


def _back_to_card(audit: Audit) -> InlineKeyboardButton:
    return button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id))


# -- the card ---------------------------------------------------------------------------------


def card_text(
    audit: Audit,
    checklist: Checklist,
    respondents: list[Respondent],
    raised: list[Nonconformity] | None = None,
    anonymous: bool = False,
) -> str:
    submitted = sum(1 for r in respondents if r.submitted_at)
    lines = [
        _head(audit),
        _("audit.card").format(
            where=where_text(audit.department_name),
            template=html.quote(checklist.title),
            version=checklist.version,
            objectives=objectives_text(audit.objectives),
            scope=html.quote(audit.scope),
            criteria=html.quote(audit.criteria),
            auditor=html.quote(audit.lead_auditor_name),
            start=format_date(audit.start_date),
            deadline=format_date(audit.deadline),
            status=audit_status(audit.status),
        ),
        "",
        _("audit.respondents").format(submitted=submitted, total=len(respondents)),
    ]
    if anonymous:  # who submitted (for reminders), never how far or what (issue 12)
        lines.insert(2, _("audit.anonymous_card"))
    for person in respondents:
        mark = "✅" if person.submitted_at else "⏳"
        if anonymous:
            lines.append(f"{mark} {html.quote(person.full_name)}")
            continue
        lines.append(
            f"{mark} {html.quote(person.full_name)} — {person.answered}/{checklist.question_count}"
        )
    if raised:
        lines += ["", _("audit.raised_ncs")]
        lines += [f"⚠️ {nc.number} — {status_text(nc.status)}" for nc in raised]
    if audit.status is AuditStatus.CLOSED:
        lines += ["", *results_lines(audit)]
        if audit.conclusion:
            lines += ["", _("audit.conclusion").format(text=html.quote(audit.conclusion))]
    return "\n".join(lines)


def card_keyboard(
    audit: Audit, user: User, respondents: list[Respondent], runs: bool | None = None
) -> InlineKeyboardMarkup:
    """`runs`: whether this person runs the audit (a co-auditor does: the handler knows the
    team); by default a manager or its lead auditor. Everyone else only reads."""
    rows: list[list[InlineKeyboardButton]] = []
    waiting = any(r.submitted_at is None for r in respondents)
    runs = may_run(user, audit) if runs is None else runs
    if runs and audit.status is AuditStatus.OPEN and waiting:
        rows.append([button(_("audit.remind"), AuditCB(action=AuditAction.REMIND, audit=audit.id))])
    if audit.status in (AuditStatus.OPEN, AuditStatus.CLOSED):
        rows.append(
            [button(_("audit.answers"), AuditCB(action=AuditAction.ANSWERS, audit=audit.id))]
        )
        if runs:
            findings = FindingCB(action=FindingAction.LIST, audit=audit.id)
            rows.append([button(_("audit.findings"), findings)])
    if runs and audit.status is AuditStatus.OPEN:
        rows.append(
            [button(_("audit.conclude"), AuditCB(action=AuditAction.CONCLUDE, audit=audit.id))]
        )
    if audit.status is AuditStatus.CLOSED:
        rows.append(
            [
                button(
                    _("audit.results"),
                    ReportFileCB(action=ReportFileAction.RESULTS, audit=audit.id),
                ),
                button(_("audit.docx"), ReportFileCB(action=ReportFileAction.DOCX, audit=audit.id)),
            ]
        )
    if user.has(Role.MANAGER) and audit.status is AuditStatus.PLANNED:
        rows.append([edit_button(audit)])  # issue 12: a planned audit is changed
    if user.has(Role.MANAGER) and audit.status in (AuditStatus.PLANNED, AuditStatus.OPEN):
        rows.append([button(_("audit.cancel"), AuditCB(action=AuditAction.CANCEL, audit=audit.id))])
    # The programme of the audit's school year: the handler finds it from the audit.
    to_program = AuditCB(action=AuditAction.PROGRAM, audit=audit.id)
    rows.append([button(_("audit.to_program"), to_program)])
    return markup(rows)


def card_screen(
    audit: Audit,
    checklist: Checklist,
    respondents: list[Respondent],
    raised: list[Nonconformity],
    user: User,
    told: list[str] | None = None,
    anonymous: bool = False,
    runs: bool | None = None,
) -> Screen:
    """The card with the buttons this person may use on it (cancel is the manager's);
    `told`: the lines of who acknowledged the results."""
    text = card_text(audit, checklist, respondents, raised, anonymous)
    text += "\n".join(["", *told] if told else [])
    return text, card_keyboard(audit, user, respondents, runs)


def reminded_text(told: int, waiting: int) -> str:
    """The pop-up after "remind": how many were told, or that all were reminded recently."""
    if waiting and not told:
        return _("audit.reminded_already")
    return plural("audit.reminded", told)


# -- answers by question ----------------------------------------------------------------------


def answers_screen(
    audit: Audit,
    checklist: Checklist,
    answers: list[AnswerRecord],
    names: dict[int, str],
    page: int,
    runs: bool = True,
    anonymous: bool = False,
) -> Screen:
    """A page of questions with every respondent's answer (of an anonymous audit: how many
    gave each answer, and the comments, with no names); buttons for the evidence of a
    question and (for who runs the audit) for its finding, the pager, and back to the card."""
    by_question: dict[str, list[AnswerRecord]] = {}
    for record in answers:
        by_question.setdefault(record.question_id, []).append(record)
    total = checklist.question_count
    page = max(0, min(page, (total - 1) // QUESTIONS_PER_PAGE))
    first = page * QUESTIONS_PER_PAGE
    lines = [_head(audit), _("audit.answers_legend"), ""]
    evidence_buttons = []
    finding_buttons = []
    for index in range(first, min(first + QUESTIONS_PER_PAGE, total)):
        question = checklist.questions[index]
        lines.append(
            f"<b>{index + 1}. [{question.clause}] {html.quote(shorten(question.text, 120))}</b>"
        )
        records = by_question.get(question.id, [])
        if not records:
            lines.append("   " + _("audit.no_answers"))
        pieces = 0
        if anonymous:
            lines += anonymous_lines(question, records)
            pieces = sum(evidence_pieces(r.evidence) for r in records)
            records_shown: list[AnswerRecord] = []
        else:
            records_shown = records
        for record in records_shown:
            flag = " ⚠️" if record.value and is_nonconforming(question, record.value) else ""
            extra = ""
            if record.comment:
                extra += " 💬 «" + html.quote(shorten(record.comment, 80)) + "»"
            if record.evidence:
                count = evidence_pieces(record.evidence)
                pieces += count
                extra += f" 📎{count}"
            name = html.quote(names.get(record.user_id, "?"))
            lines.append(f"   {name}: {format_value(question, record.value)}{flag}{extra}")
        if records and runs:
            finding_buttons.append(
                button(
                    f"⚠️ {index + 1}",
                    FindingCB(action=FindingAction.QUESTION, audit=audit.id, q=index),
                )
            )
        if pieces:
            evidence_buttons.append(
                button(
                    _("audit.evidence_of").format(n=index + 1),
                    AuditCB(action=AuditAction.EVIDENCE, audit=audit.id, q=index, page=page),
                )
            )
        lines.append("")
    rows = [
        evidence_buttons[start : start + EVIDENCE_ROW]
        for start in range(0, len(evidence_buttons), EVIDENCE_ROW)
    ]
    if finding_buttons:
        rows.append(finding_buttons)
    pager = InlineKeyboardBuilder()  # page_buttons adds its row to a builder
    page_buttons(
        pager,
        page,
        total,
        QUESTIONS_PER_PAGE,
        lambda p: AuditCB(action=AuditAction.ANSWERS, audit=audit.id, page=p),
    )
    rows += pager.export()
    rows.append([_back_to_card(audit)])
    return "\n".join(lines).strip(), markup(rows)


def anonymous_lines(question: Question, records: list[AnswerRecord]) -> list[str]:
    """How many gave each answer, then the comments, in no one's name."""
    counts: dict[str, int] = {}
    for record in records:
        if record.value is not None:
            counts[record.value] = counts.get(record.value, 0) + 1
    lines = []
    for value, count in counts.items():
        flag = " ⚠️" if is_nonconforming(question, value) else ""
        lines.append(f"   {format_value(question, value)} — {count}{flag}")
    lines += ["   💬 «" + html.quote(shorten(r.comment, 200)) + "»" for r in records if r.comment]
    return lines


def evidence_caption(index: int, name: str) -> str:
    """The caption of a file sent back: the question's number and who attached it."""
    return _("audit.evidence_caption").format(n=index + 1, name=html.quote(name))


# -- conclusion, closing, cancelling -----------------------------------------------------------


def conclusion_question(audit: Audit, respondents: list[Respondent]) -> str:
    submitted = sum(1 for r in respondents if r.submitted_at)
    return _("audit.ask_conclusion").format(
        number=audit.number, submitted=submitted, total=len(respondents)
    )


def close_confirm_screen(audit: Audit, conclusion: str) -> Screen:
    rows = [
        [button(_("audit.close_sure"), AuditCB(action=AuditAction.CLOSE, audit=audit.id))],
        [_back_to_card(audit)],
    ]
    text = _("audit.close_confirm").format(
        number=audit.number, text=html.quote(shorten(conclusion, 500))
    )
    return text, markup(rows)


def cancel_confirm_screen(audit: Audit) -> Screen:
    rows = [
        [button(_("audit.cancel_sure"), AuditCB(action=AuditAction.CANCEL_SURE, audit=audit.id))],
        [_back_to_card(audit)],
    ]
    return _("audit.cancel_confirm").format(number=audit.number), markup(rows)


# -- results (sent from the card of a closed audit) ---------------------------------------------


def results_text(audit: Audit, raised: list[Nonconformity]) -> str:
    """Every section's and clause's compliance, the NCs raised, and the conclusion."""
    results = audit.results or {}
    lines = [_("results.title").format(number=audit.number, title=html.quote(audit.title)), ""]
    lines.append(
        _("audit.results_overall").format(percent=format_percent(results.get("overall"), _))
    )
    lines.append(_("results.by_section"))
    lines += [
        f"  • {html.quote(title)}: {format_percent(p, _)}"
        for title, p in (results.get("by_section") or {}).items()
    ]
    lines.append(_("results.by_clause"))
    lines += [
        f"  • {clause}: {format_percent(p, _)}"
        for clause, p in (results.get("by_clause") or {}).items()
    ]
    lines.append(_("audit.raised_ncs"))
    lines += [f"  ⚠️ {nc.number} — {status_text(nc.status)}" for nc in raised] or [
        _("findings.empty")
    ]
    if audit.conclusion:
        lines += ["", _("audit.conclusion").format(text=html.quote(audit.conclusion))]
    return "\n".join(lines)


def docx_caption(audit: Audit) -> str:
    return _("export.docx_caption").format(number=audit.number)


# -- the programme ----------------------------------------------------------------------------


def school_year_label(year: int) -> str:
    """The school year beginning in `year`: "2026/27"."""
    return f"{year}/{(year + 1) % 100:02d}"


def program_screen(
    year: int, items: list[Audit], user: User, year_start: tuple[int, int] = (9, 1)
) -> Screen:
    """The school year's audits, month by month from its first (a month without audits
    says so); a card button for those this person may run or (an observer) read; ◀️/▶️
    to the other years."""
    lines = [_("program.title").format(year=school_year_label(year)), ""]
    rows: list[list[InlineKeyboardButton]] = []
    by_month: dict[tuple[int, int], list[Audit]] = {}
    for audit in items:
        by_month.setdefault((audit.start_date.year, audit.start_date.month), []).append(audit)
    for month_year, month in school_year_months(year, year_start):
        heading = f"<b>{_(f'month.{month}')} {month_year}</b>"
        found = by_month.get((month_year, month), [])
        lines.append(heading if found else f"{heading} — {_('program.no_audits')}")
        for audit in found:
            lines.append(
                _("program.line").format(
                    number=audit.number,
                    title=html.quote(audit.title),
                    where=where_text(audit.department_name),
                    start=format_date(audit.start_date)[:5],
                    deadline=format_date(audit.deadline)[:5],
                    status=audit_status(audit.status),
                )
            )
            if user.has(Role.OBSERVER) or may_run(user, audit):
                rows.append([card_button(audit)])
    if not items:
        lines += ["", _("program.empty")]
    before, after = school_year_label(year - 1), school_year_label(year + 1)
    rows.append(
        [
            button(f"◀️ {before}", AuditCB(action=AuditAction.PROGRAM, page=year - 1)),
            button(f"{after} ▶️", AuditCB(action=AuditAction.PROGRAM, page=year + 1)),
        ]
    )
    return "\n".join(lines), markup(rows)


def card_button(audit: Audit, label: str | None = None) -> InlineKeyboardButton:
    """Opens the audit's card; "🔎 A-2026-001" unless another label is given."""
    text = f"🔎 {audit.number}" if label is None else label
    return button(text, AuditCB(action=AuditAction.CARD, audit=audit.id))


def edit_button(audit: Audit) -> InlineKeyboardButton:
    """On the card of a planned audit (the manager's): its changes (bot.handlers.audit_edit)."""
    return button(_("audit_edit.open"), AuditEditCB(action=AuditEditAction.MENU, audit=audit.id))
