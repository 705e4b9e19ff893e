"""Reminder texts and their buttons, in the recipient's language, short enough for a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.callbacks import (
    QCB,
    AckCB,
    AuditAction,
    AuditCB,
    CompAction,
    CompCB,
    DecisionAction,
    DecisionCB,
    DocAction,
    DocCB,
    KpiAction,
    KpiCB,
    KpiValueAction,
    KpiValueCB,
    MenuCB,
    NcCB,
    NcView,
    QAction,
    ReportFileAction,
    ReportFileCB,
    ReviewAction,
    ReviewCB,
    RiskCB,
    RiskDoneCB,
    RiskStep,
    SnoozeCB,
    SupplierCB,
    SupplierStep,
)
from bot.domain import numbers
from bot.domain.reminders import Due, Kind
from bot.keyboards.pages import button
from bot.reports.model import format_percent


def render(due: Due, locale: str, i18n: I18n) -> tuple[str, InlineKeyboardMarkup | None]:
    def t(key: str) -> str:
        return i18n.gettext(key, locale=locale)

    def plural(key: str, n: int) -> str:
        """bot.views.common.plural for the recipient's locale, not the current one."""
        return i18n.gettext(key, key, n, locale=locale).format(n=n)

    p = due.params
    snooze = button(t("reminder.snooze"), SnoozeCB(kind=due.kind.value, id=due.object_id))
    rows: list[list[InlineKeyboardButton]] = []
    if due.kind is Kind.AUDIT_OPENED:
        text = t("audit.opened_notice").format(
            number=p["number"], title=html.quote(p["title"]), deadline=p["deadline"],
            questions=plural("templates.questions", p["total"]),
        )  # fmt: skip
        if p.get("anonymous"):
            text += "\n" + t("q.anonymous_note")
        rows = [[button(t("q.begin"), QCB(action=QAction.OPEN, audit=due.object_id))]]
    elif due.kind is Kind.QUESTIONNAIRE_DUE:
        when = plural("reminder.in_days", p["days"]) if p["days"] else t("reminder.today")
        text = t("reminder.questionnaire_due").format(
            number=p["number"], title=html.quote(p["title"]), when=when, deadline=p["deadline"],
            answered=p["answered"], total=p["total"],
        )  # fmt: skip
        rows = [
            [button(t("reminder.continue"), QCB(action=QAction.OPEN, audit=due.object_id))],
            [snooze],
        ]
    elif due.kind is Kind.AUDIT_SOON:
        text = t("reminder.audit_soon").format(
            number=p["number"], title=html.quote(p["title"]), start=p["start"],
            when=plural("reminder.in_days", p["days"]),
        )  # fmt: skip
        if p.get("auditor"):
            rows = [
                [
                    button(
                        t("audit.open_card"), AuditCB(action=AuditAction.CARD, audit=due.object_id)
                    )
                ]
            ]
    elif due.kind in (Kind.CAPA_DUE, Kind.CAPA_OVERDUE):
        if due.kind is Kind.CAPA_DUE:
            when = plural("reminder.in_days", p["days"]) if p["days"] else t("reminder.today")
            text = t("reminder.capa_due").format(number=p["number"], due=p["due"], when=when)
        else:
            text = t("reminder.capa_overdue").format(
                number=p["number"], due=p["due"], late=plural("nc.days_overdue", p["days"])
            )
        rows = [
            [
                button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id)),
                button(t("nc.do.done"), NcCB(action=NcView.DONE, id=due.object_id)),
            ],
            [snooze],
        ]
    elif due.kind is Kind.ESCALATION:
        text = t("reminder.escalation").format(
            number=p["number"], late=plural("nc.days_overdue", p["days"]),
            responsible=html.quote(p["responsible"]), department=html.quote(p["department"]),
        )  # fmt: skip
        rows = [[button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id))]]
    elif due.kind is Kind.UNVERIFIED:
        text = t("reminder.unverified").format(
            number=p["number"], waiting=plural("reminder.days", p["days"])
        )
        rows = [[button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id))]]
    elif due.kind in (Kind.UNASSIGNED, Kind.UNCLASSIFIED, Kind.NO_VERDICT):
        text = t(f"reminder.{due.kind.value}").format(
            number=p["number"], waiting=plural("reminder.days", p["days"])
        )
        rows = [[button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id))]]
    elif due.kind is Kind.RECHECK:
        text = t("reminder.recheck").format(number=p["number"])
        rows = [[button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id))]]
    elif due.kind is Kind.NC_EVENT:
        text = t(p["key"]).format(
            number=p["number"], name=html.quote(p["name"]), text=html.quote(p["text"])
        )
        rows = [[button(t("nc.open"), NcCB(action=NcView.OPEN, id=due.object_id))]]
        if p["key"] == "nc.told.assigned":  # the new responsible can start at once
            rows[0].append(button(t("nc.do.plan"), NcCB(action=NcView.PLAN, id=due.object_id)))
    elif due.kind is Kind.SUBMITTED:
        text = t("q.auditor_told").format(
            name=html.quote(p["name"]), number=p["number"], title=html.quote(p["title"])
        )
        card = AuditCB(action=AuditAction.CARD, audit=due.object_id)
        rows = [[button(t("audit.open_card"), card)]]
    elif due.kind is Kind.NUDGE:
        text = t("audit.reminder").format(
            number=p["number"], title=html.quote(p["title"]), deadline=p["deadline"],
            total=p["total"], answered=p["answered"],
        )  # fmt: skip
        rows = [[button(t("q.begin"), QCB(action=QAction.OPEN, audit=due.object_id))]]
    elif due.kind in (Kind.COMPETENCE_EXPIRING, Kind.COMPETENCE_EXPIRED, Kind.COMPETENCE_EVENT):
        text, rows = _competence(due, t, plural)
    elif due.kind in DOC_KINDS:
        text, rows = _documents(due, t, plural)
    elif due.kind in (Kind.AUDIT_RESULTS, Kind.RESULTS_UNREAD):
        text, rows = _results(due, t, locale)
    elif due.kind in (Kind.KPI_VALUE_DUE, Kind.KPI_BREACH, Kind.REVIEW_EVENT):
        text, rows = _objectives(due, t)
    elif due.kind in (Kind.RISK_ACTION_DUE, Kind.RISK_ACTION_OVERDUE):
        text, rows = _risk_action(due, t, plural)
    elif due.kind is Kind.RISK_PROPOSED:
        text = t(f"reminder.risk_proposed.{p['of']}").format(
            number=p["number"], title=html.quote(p["title"]), name=html.quote(p["name"])
        )
        rows = [[button(t("risks.open"), RiskCB(action=RiskStep.CARD, id=due.object_id))]]
    elif due.kind is Kind.RISK_REVIEW:
        text = t("reminder.risk_review").format(
            number=p["number"], title=html.quote(p["title"]), date=p["date"]
        )
        rows = [[button(t("risks.open"), RiskCB(action=RiskStep.CARD, id=due.object_id))]]
    elif due.kind is Kind.SUPPLIER_EVALUATION:
        text = t("reminder.supplier_evaluation").format(name=html.quote(p["name"]), due=p["due"])
        rows = [[button(t("suppliers.evaluate"), SupplierCB(action=SupplierStep.EVALUATE,
                                                            id=due.object_id))]]  # fmt: skip
    elif due.kind is Kind.AUDIT_EVENT:
        text = t(p["key"]).format(
            number=p["number"], title=html.quote(p["title"]), start=p["start"],
            deadline=p["deadline"],
        )  # fmt: skip
        if p["key"] == "audit.told.team_added":  # the new co-auditor can open it at once
            card = AuditCB(action=AuditAction.CARD, audit=due.object_id)
            rows = [[button(t("audit.open_card"), card)]]
    elif due.kind is Kind.PROGRAMME_EVENT:
        label = f"{p['year']}/{(p['year'] + 1) % 100:02d}"
        text = t(p["key"]).format(
            year=label, name=html.quote(p["name"]), comment=html.quote(p.get("comment", ""))
        )
        program = AuditCB(action=AuditAction.PROGRAM, page=p["year"])
        rows = [[button(t("programme.open"), program)]]
    else:
        text = _digest(p, t)
    return text, InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _competence(
    due: Due, t: Callable[[str], str], plural: Callable[[str, int], str]
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    p = due.params
    requirement = html.quote(p["req"] or t(f"competence.req.{p['code']}"))
    name = html.quote(p["name"])
    rows: list[list[InlineKeyboardButton]] = []
    if due.kind is Kind.COMPETENCE_EXPIRING:
        when = plural("reminder.in_days", p["days"]) if p["days"] else t("reminder.today")
        key = "reminder.competence_expiring" if p["own"] else "competence.expiring_head"
        text = t(key).format(name=name, requirement=requirement, expires=p["expires"], when=when)
        if p["own"]:
            renew = CompCB(action=CompAction.ADD, id=p["requirement_id"])
            rows = [[button(t("competence.renew"), renew)]]
    elif due.kind is Kind.COMPETENCE_EXPIRED:
        text = t("reminder.competence_expired").format(
            name=name, requirement=requirement, expires=p["expires"]
        )
        rows = [[button(t("competence.open"), CompCB(action=CompAction.HOME))]]
    else:
        text = t(p["key"]).format(
            name=name, requirement=requirement, date=p["date"],
            reason=html.quote(p.get("reason") or ""),
        )  # fmt: skip
        if p["key"] == "competence.told.review":
            record = due.object_id
            rows = [
                [
                    button(t("competence.confirm"), CompCB(action=CompAction.CONFIRM, id=record)),
                    button(t("competence.reject"), CompCB(action=CompAction.REJECT, id=record)),
                ],
                [button(t("competence.show_file"), CompCB(action=CompAction.FILE, id=record))],
            ]
    return text, rows


DOC_KINDS = frozenset({Kind.DOC_ACK, Kind.DOC_ACK_REMIND, Kind.DOC_REVIEW, Kind.DOC_EVENT})


def _documents(
    due: Due, t: Callable[[str], str], plural: Callable[[str, int], str]
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    p = due.params
    words = {"code": html.quote(p["code"]), "title": html.quote(p["title"]),
             "number": p["number"]}  # fmt: skip
    version = due.object_id
    if due.kind is Kind.DOC_REVIEW:
        when = plural("reminder.in_days", p["days"]) if p["days"] > 0 else t("reminder.today")
        if p["days"] < 0:
            when = plural("documents.review_late", -p["days"])
        text = t("reminder.doc_review").format(review=p["review"], when=when, **words)
        return text, [
            [
                button(t("documents.still_valid"),
                       DocCB(action=DocAction.STILL_VALID, id=version, n=p["drawn"])),
                button(t("documents.new_version"),
                       DocCB(action=DocAction.NEW_VERSION, id=p["document_id"])),
            ]
        ]  # fmt: skip
    if due.kind is Kind.DOC_EVENT:
        text = t(p["key"]).format(newer=p["newer"], **words)
        return text, [[button(t("documents.open"), DocCB(action=DocAction.OPEN, id=p["doc"]))]]
    if due.kind is Kind.DOC_ACK:
        text = t("reminder.doc_ack").format(effective=p["effective"], **words)
    else:
        text = t("reminder.doc_ack_remind").format(
            effective=p["effective"], waiting=plural("reminder.days", p["days"]), **words
        )
    return text, [
        [button(t("documents.show_file"), DocCB(action=DocAction.FILE, id=version))],
        [button(t("documents.ack"), DocCB(action=DocAction.ACK, id=version))],
    ]


def _results(
    due: Due, t: Callable[[str], str], locale: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """A closed audit's results (or a reminder of them): «Ознакомлен», the chart, the DOCX."""
    p = due.params
    where = html.quote(p["department"]) if p.get("department") else t("audit.whole_school")
    key = "acks.told" if due.kind is Kind.AUDIT_RESULTS else "reminder.results_unread"
    text = t(key).format(
        number=p["number"], title=html.quote(p["title"]), where=where,
        percent=format_percent(p.get("overall"), t),
    )  # fmt: skip
    if p.get("conclusion"):
        text += "\n" + t("acks.conclusion").format(text=html.quote(p["conclusion"]))
    audit = due.object_id
    rows = [
        [button(t("acks.button"), AckCB(audit=audit))],
        [
            button(t("audit.results"), ReportFileCB(action=ReportFileAction.RESULTS, audit=audit)),
            button(t("audit.docx"), ReportFileCB(action=ReportFileAction.DOCX, audit=audit)),
        ],
    ]
    return text, rows


def _digest(p: dict[str, Any], t: Callable[[str], str]) -> str:
    lines = [t("reminder.digest_title"), "", t("reminder.digest_audits")]
    lines += [f"• {html.quote(a)}" for a in p["audits"]] or [t("reminder.digest_none")]
    lines += ["", t("reminder.digest_ncs").format(opened=p["opened"], closed=p["closed"])]
    lines += ["", t("reminder.digest_overdue")]
    overdue = [f"• {html.quote(str(name))}: {count}" for name, count in p["overdue"]]
    lines += overdue or [t("reminder.digest_none")]
    if p.get("objectives_at_risk"):
        lines += ["", t("reminder.digest_objectives").format(count=p["objectives_at_risk"])]
    if p.get("risks_untreated"):
        lines += ["", t("reminder.digest_risks").format(count=p["risks_untreated"])]
    if p.get("evaluations_due"):
        lines += ["", t("reminder.digest_evaluations").format(count=p["evaluations_due"])]
    return "\n".join(lines)


SHOWN = 8


def render_many(dues: list[Due], locale: str, i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    """Several reminders of one kind to one person: a line and a button for the first few
    NCs, and for a long list the count of the rest with a button to see them all."""
    kind = dues[0].kind
    lines = [i18n.gettext(f"reminder.many.{kind.value}", locale=locale).format(count=len(dues))]
    rows = []
    for due in dues[:SHOWN]:
        text, _ = render(due, locale, i18n)
        lines.append("• " + text.split(" ", 1)[1] if " " in text else text)
        rows.append([button(due.params["number"], NcCB(action=NcView.OPEN, id=due.object_id))])
    if len(dues) > SHOWN:
        rest = len(dues) - SHOWN
        lines.append(i18n.gettext("reminder.more", locale=locale).format(count=rest))
        command = "overdue" if kind is Kind.ESCALATION else "actions"
        label = i18n.gettext(f"menu.{command}", locale=locale)
        rows.append([button(label, MenuCB(command=command))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _objectives(due: Due, t: Callable[[str], str]) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """A KPI value to give, a KPI past its threshold (issue 15), a review to approve."""
    p = due.params
    if due.kind is Kind.REVIEW_EVENT:
        text = t(p["key"]).format(
            name=html.quote(p["name"]), held_on=p["held_on"], period=p["period"]
        )
        pack = ReviewCB(action=ReviewAction.PACK, id=due.object_id)
        rows = [[button(t("reviews.pack"), pack)]]
        if p["key"] == "reviews.told.approve":
            approve = DecisionCB(action=DecisionAction.APPROVE, id=due.object_id)
            rows.insert(0, [button(t("reviews.approve"), approve)])
        return text, rows
    words = {"name": html.quote(p["name"]), "objective": html.quote(p["objective"]),
             "period": html.quote(p["period"])}  # fmt: skip
    if due.kind is Kind.KPI_VALUE_DUE:
        enter = KpiValueCB(action=KpiValueAction.ENTER, id=due.object_id, v=p["key"])
        return t("reminder.kpi_value_due").format(**words), [[button(t("objectives.enter"), enter)]]
    locale = t("number.locale")
    value = numbers.amount(p["value"], p["unit"], locale)
    threshold = numbers.amount(p["threshold"], p["unit"], locale)
    text = t("reminder.kpi_breach").format(value=value, threshold=threshold, **words)
    nc = KpiCB(action=KpiAction.NC, id=due.object_id, v=p["key"])
    ofi = KpiCB(action=KpiAction.IMPROVEMENT, id=due.object_id, v=p["key"])
    rows = [[button(t("objectives.raise_nc"), nc)], [button(t("objectives.raise_ofi"), ofi)]]
    return text, rows


def _risk_action(
    due: Due, t: Callable[[str], str], plural: Callable[[str, int], str]
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    p = due.params
    names = {"number": p["number"], "text": html.quote(p["text"]), "due": p["due"]}
    if due.kind is Kind.RISK_ACTION_DUE:
        when = plural("reminder.in_days", p["days"]) if p["days"] else t("reminder.today")
        text = t("reminder.risk_action_due").format(when=when, **names)
    else:
        late = plural("nc.days_overdue", p["days"])
        text = t("reminder.risk_action_overdue").format(late=late, **names)
    card = RiskCB(action=RiskStep.CARD, id=p["risk_id"])
    rows = [[button(t("risks.done_short"), RiskDoneCB(id=due.object_id)),
             button(t("risks.open"), card)]]  # fmt: skip
    return text, rows
