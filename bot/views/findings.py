"""The auditor's findings by question: how many submitted answers hit each question's
trigger, what was recorded, and the buttons to record one finding per question."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AuditAction, AuditCB, FindingAction, FindingCB
from bot.domain.findings import Facts, Finding, FindingKind
from bot.domain.nonconformities import Nonconformity
from bot.keyboards.pages import button
from bot.services.findings import AuditFindings
from bot.views.answers import shorten
from bot.views.nc import Screen, markup
from bot.views.reports import value_label

ROW = 6
MARKS = {
    FindingKind.NONCONFORMITY: "🚩",
    FindingKind.OBSERVATION: "👁",
    FindingKind.IMPROVEMENT: "💡",
    FindingKind.STRENGTH: "⭐",
    FindingKind.DISMISSED: "✖️",
}
NOTES = (FindingKind.OBSERVATION, FindingKind.IMPROVEMENT, FindingKind.STRENGTH)


def facts_text(facts: Facts) -> str:
    """ "7 of 23: «No» — 7" """
    values = ", ".join(
        f"«{html.quote(value_label(value))}» — {count}" for value, count in facts.values.items()
    )
    return _("findings.facts").format(count=facts.triggering, total=facts.answered, values=values)


def finding_mark(finding: Finding, numbers: dict[int, str]) -> str:
    if finding.kind is FindingKind.NONCONFORMITY and finding.nc_id in numbers:
        return f"{MARKS[finding.kind]} {numbers[finding.nc_id]}"
    return f"{MARKS[finding.kind]} {_(f'findings.kind.{finding.kind.value}')}"


def overview_screen(of: AuditFindings) -> Screen:
    audit = of.audit
    lines = [
        _("findings.overview_title").format(number=audit.number, title=html.quote(audit.title)),
        _("findings.submitted").format(submitted=of.submitted, total=of.respondents),
        "",
    ]
    if not of.facts:
        lines.append(_("findings.none_triggered"))
    for facts in of.facts:
        question = of.checklist.questions[facts.index]
        marks = " ".join(finding_mark(f, of.numbers) for f in of.of_question(question.id))
        text = html.quote(shorten(question.text, 70))
        lines.append(
            f"<b>{facts.index + 1}.</b> [{question.clause}] {text}\n   {facts_text(facts)}"
            + (f" · {marks}" if marks else "")
        )
    general = [f for f in of.findings if f.question_id is None]
    if general:
        lines += ["", _("findings.general")]
        lines += [
            f"{MARKS[f.kind]} {_(f'findings.kind.{f.kind.value}')}: {html.quote(f.text or '')}"
            for f in general
        ]
    numbers = [
        button(
            str(f.index + 1), FindingCB(action=FindingAction.QUESTION, audit=audit.id, q=f.index)
        )
        for f in of.facts
    ]
    rows: list[list[InlineKeyboardButton]] = [
        numbers[i : i + ROW] for i in range(0, len(numbers), ROW)
    ]
    rows += [
        [
            button(
                _(f"findings.add.{kind.value}"),
                FindingCB(action=FindingAction.NOTE, audit=audit.id, k=kind.value),
            )
        ]
        for kind in NOTES
    ]
    rows.append([button(_("audit.back_to_card"), AuditCB(action=AuditAction.CARD, audit=audit.id))])
    return "\n".join(lines), markup(rows)


def question_screen(of: AuditFindings, index: int) -> Screen:
    audit = of.audit
    question = of.question(index)
    facts = of.facts_of(index)
    recorded = of.of_question(question.id)
    lines = [f"<b>{index + 1}. [{question.clause}] {html.quote(question.text)}</b>", ""]
    if facts is None:
        lines.append(_("findings.question_clean"))
    else:
        lines.append(facts_text(facts))
        if facts.comments:
            lines += ["", _("findings.comments")]
            lines += [f"💬 {html.quote(shorten(c, 150))}" for c in facts.comments[:5]]
        if facts.evidence:
            lines.append(_("findings.evidence").format(count=len(facts.evidence)))
    if recorded:
        lines += ["", _("findings.recorded")]
        lines += [
            finding_mark(f, of.numbers) + (f": {html.quote(f.text)}" if f.text else "")
            for f in recorded
        ]
    rows: list[list[InlineKeyboardButton]] = []
    raised = any(f.kind is FindingKind.NONCONFORMITY for f in recorded)
    if facts is not None and not raised:
        rows.append(
            [
                button(
                    _("findings.raise_nc"),
                    FindingCB(action=FindingAction.RAISE, audit=audit.id, q=index),
                )
            ]
        )
        rows.append(
            [
                button(
                    _("findings.raise_named"),
                    FindingCB(action=FindingAction.RAISE, audit=audit.id, q=index, n=1),
                )
            ]
        )
    rows += [
        [
            button(
                _(f"findings.add.{kind.value}"),
                FindingCB(action=FindingAction.NOTE, audit=audit.id, q=index, k=kind.value),
            )
        ]
        for kind in NOTES
    ]
    if facts is not None and not recorded:
        rows.append(
            [
                button(
                    _("findings.nothing"),
                    FindingCB(action=FindingAction.DISMISS, audit=audit.id, q=index),
                )
            ]
        )
    rows.append([button(_("findings.back"), FindingCB(action=FindingAction.LIST, audit=audit.id))])
    return "\n".join(lines), markup(rows)


def note_question(kind: FindingKind, index: int | None) -> str:
    where = _("findings.of_question").format(n=index + 1) if index is not None else ""
    return _(f"findings.ask.{kind.value}").format(where=where)


def raised_alert(nc: Nonconformity) -> str:
    """A pop-up (plain text) over the question: the NC's number and who is responsible."""
    text = _("findings.raised_nc").format(number=nc.number)
    if nc.responsible_name:
        text += " " + _("findings.raised_to").format(name=nc.responsible_name)
    return text
