"""/summary (manager, observer), /overdue (manager, head), /export (manager), and an audit's
results and DOCX report from its card."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, NcCB, NcView, ReportFileAction, ReportFileCB, SummaryCB
from bot.domain.dates import format_date
from bot.domain.models import User
from bot.domain.roles import Role
from bot.domain.summaries import Period, Summary
from bot.filters import HasRole
from bot.keyboards.pages import button
from bot.services.audits import AuditService
from bot.services.nonconformities import NcService
from bot.services.reports import ReportService, nc_status_series
from bot.ui import show
from bot.views.common import plural
from bot.views.nc import status_text
from bot.views.reports import gettext, translate

SUMMARY_READERS = HasRole(Role.MANAGER, Role.OBSERVER)
OVERDUE_READERS = HasRole(Role.MANAGER, Role.HEAD)
EXPORTERS = HasRole(Role.MANAGER)


def _delta(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    change = round(now - before, 1)
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    return _("summary.change").format(before=before, arrow=arrow, change=abs(change))


def summary_text(summary: Summary, period: Period) -> str:
    end = summary.end - timedelta(days=1)
    lines = [
        _("summary.title").format(
            period=_(f"summary.period.{period.value}"),
            start=format_date(summary.start),
            end=format_date(end),
        ),
        "",
        _("summary.audits").format(
            planned=summary.audits.get("planned", 0),
            open=summary.audits.get("open", 0),
            closed=summary.audits.get("closed", 0),
        ),
    ]
    if summary.compliance is None:
        lines.append(_("summary.no_compliance"))
    else:
        lines.append(
            _("summary.compliance").format(percent=summary.compliance)
            + _delta(summary.compliance, summary.previous_compliance)
        )
        lines += [
            f"  • {html.quote(name or _('audit.whole_school'))} — {percent}%"
            for name, percent in summary.by_department.items()
        ]
    if summary.weakest:
        lines.append(_("summary.weakest"))
        lines += [f"  • {clause} — {percent}%" for clause, percent in summary.weakest]
    lines += [
        "",
        _("summary.ncs").format(count=summary.ncs, before=summary.previous_ncs),
    ]
    if summary.ncs:
        lines.append(
            "  "
            + ", ".join(
                f"{status_text_of(status)}: {count}"
                for status, count in sorted(summary.nc_status.items())
            )
        )
        lines.append(
            "  "
            + ", ".join(
                f"{severity_text(severity)}: {count}"
                for severity, count in sorted(summary.nc_severity.items())
            )
        )
    lines.append(_("summary.actions").format(on_time=summary.on_time, overdue=summary.overdue))
    return "\n".join(lines)


def status_text_of(value: str) -> str:
    return _(f"nc.status.{value}")


def severity_text(value: str) -> str:
    return _("summary.unset") if value == "unset" else _(f"nc.severity.{value}")


def summary_keyboard(period: Period) -> InlineKeyboardMarkup:
    periods = [
        button(
            ("• " if p is period else "") + _(f"summary.period.{p.value}"),
            SummaryCB(period=p.value),
        )
        for p in Period
    ]
    chart = button(_("summary.chart"), SummaryCB(period=period.value, chart=True))
    return InlineKeyboardMarkup(inline_keyboard=[periods, [chart]])


async def summary_command(message: Message, reports: ReportService) -> None:
    summary = await reports.summary(Period.MONTH)
    await message.answer(
        summary_text(summary, Period.MONTH), reply_markup=summary_keyboard(Period.MONTH)
    )


async def summary_menu(callback: CallbackQuery, reports: ReportService) -> None:
    summary = await reports.summary(Period.MONTH)
    await show(callback, summary_text(summary, Period.MONTH), summary_keyboard(Period.MONTH))


async def summary_period(
    callback: CallbackQuery, callback_data: SummaryCB, reports: ReportService, bot: Bot, user: User
) -> None:
    try:
        period = Period(callback_data.period)
    except ValueError:
        period = Period.MONTH
    if not callback_data.chart:
        summary = await reports.summary(period)
        await show(callback, summary_text(summary, period), summary_keyboard(period))
        return
    from bot.reports.charts import compliance_by_department, ncs_by_status_over_time

    await callback.answer(_("summary.drawing"))
    summary = await reports.summary(Period.YEAR)
    months, counts = await reports.nc_months()
    series = {_(f"nc.status.{k}"): v for k, v in nc_status_series(months, counts).items()}
    labels = [f"{_(f'month.{m.month}')[:3]} {m.year % 100:02d}" for m in months]
    departments = {
        name or _("audit.whole_school"): value for name, value in summary.by_department.items()
    }
    first = await asyncio.to_thread(compliance_by_department, departments, gettext)
    second = await asyncio.to_thread(ncs_by_status_over_time, labels, series, gettext)
    await bot.send_photo(
        user.tg_id,
        BufferedInputFile(first, "compliance.png"),
        caption=_("summary.chart_compliance"),
    )
    await bot.send_photo(
        user.tg_id, BufferedInputFile(second, "ncs.png"), caption=_("summary.chart_ncs")
    )


# -- /overdue ------------------------------------------------------------------------------


async def overdue_command(message: Message, user: User, reports: ReportService) -> None:
    await _overdue(message, user, reports)


async def overdue_menu(callback: CallbackQuery, user: User, reports: ReportService) -> None:
    await _overdue(callback, user, reports)


async def _overdue(event: Message | CallbackQuery, user: User, reports: ReportService) -> None:
    items = await reports.overdue(user)
    today = reports.today()
    lines = [_("overdue.title").format(count=len(items)), ""]
    rows = []
    for nc in items[:40]:
        late = plural("nc.days_overdue", (today - nc.due_date).days) if nc.due_date else ""
        lines.append(
            _("overdue.line").format(
                number=nc.number,
                late=late,
                responsible=html.quote(nc.responsible_name or _("nc.not_set")),
                department=html.quote(nc.department_name or "—"),
            )
        )
        rows.append([button(f"{nc.number} · {late}", NcCB(action=NcView.OPEN, id=nc.id))])
    if not items:
        lines.append(_("overdue.empty"))
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


# -- /export, audit results and DOCX -------------------------------------------------------------


async def export_command(message: Message, user: User, reports: ReportService, bot: Bot) -> None:
    await _export(user, reports, bot)


async def export_menu(
    callback: CallbackQuery, user: User, reports: ReportService, bot: Bot
) -> None:
    await callback.answer()
    await _export(user, reports, bot)


async def _export(user: User, reports: ReportService, bot: Bot) -> None:
    waiting = await bot.send_message(user.tg_id, _("export.preparing"))
    data = await reports.workbook(gettext, translate)
    name = f"qms-export-{reports.today().isoformat()}.xlsx"
    await bot.send_document(user.tg_id, BufferedInputFile(data, name), caption=_("export.caption"))
    await waiting.delete()


async def audit_docx(
    callback: CallbackQuery,
    callback_data: ReportFileCB,
    user: User,
    audits: AuditService,
    reports: ReportService,
    bot: Bot,
) -> None:
    audit = await audits.get_to_run(user, callback_data.audit)
    await callback.answer(_("export.preparing"))
    data = await reports.audit_report(audit, gettext, translate)
    name = f"{audit.number}-report.docx"
    await bot.send_document(
        user.tg_id,
        BufferedInputFile(data, name),
        caption=_("export.docx_caption").format(number=audit.number),
    )


async def audit_results(
    callback: CallbackQuery,
    callback_data: ReportFileCB,
    user: User,
    audits: AuditService,
    ncs: NcService,
    bot: Bot,
) -> None:
    from bot.reports.charts import compliance_by_clause

    audit = await audits.get_to_run(user, callback_data.audit)
    results = audit.results or {}
    lines = [_("results.title").format(number=audit.number, title=html.quote(audit.title)), ""]
    lines.append(_("audit.results_overall").format(percent=results.get("overall", "—")))
    lines.append(_("results.by_section"))
    lines += [
        f"  • {html.quote(title)}: {'—' if p is None else f'{p}%'}"
        for title, p in (results.get("by_section") or {}).items()
    ]
    lines.append(_("results.by_clause"))
    lines += [
        f"  • {clause}: {'—' if p is None else f'{p}%'}"
        for clause, p in (results.get("by_clause") or {}).items()
    ]
    raised = await ncs.of_audit(audit.id)
    lines.append(_("audit.raised_ncs"))
    lines += [f"  ⚠️ {nc.number} — {status_text(nc.status)}" for nc in raised] or [
        _("findings.empty")
    ]
    if audit.conclusion:
        lines += ["", _("audit.conclusion").format(text=html.quote(audit.conclusion))]
    await callback.answer()
    await bot.send_message(user.tg_id, "\n".join(lines))
    clauses = {c: p for c, p in (results.get("by_clause") or {}).items()}
    picture = await asyncio.to_thread(compliance_by_clause, clauses, audit.number, gettext)
    await bot.send_photo(
        user.tg_id, BufferedInputFile(picture, f"{audit.number}.png"), caption=_("results.chart")
    )


def make_router() -> Router:
    """This feature's handlers, on a router of their own (a fresh one per app)."""
    router = Router(name=__name__)
    router.message.filter(HasRole(Role.MANAGER, Role.OBSERVER, Role.HEAD, Role.AUDITOR))
    router.callback_query.filter(HasRole(Role.MANAGER, Role.OBSERVER, Role.HEAD, Role.AUDITOR))
    router.message.register(summary_command, Command("summary"), SUMMARY_READERS)
    router.callback_query.register(
        summary_menu, MenuCB.filter(F.command == "summary"), SUMMARY_READERS
    )
    router.callback_query.register(summary_period, SummaryCB.filter(), SUMMARY_READERS)
    router.message.register(overdue_command, Command("overdue"), OVERDUE_READERS)
    router.callback_query.register(
        overdue_menu, MenuCB.filter(F.command == "overdue"), OVERDUE_READERS
    )
    router.message.register(export_command, Command("export"), EXPORTERS)
    router.callback_query.register(export_menu, MenuCB.filter(F.command == "export"), EXPORTERS)
    router.callback_query.register(
        audit_docx, ReportFileCB.filter(F.action == ReportFileAction.DOCX)
    )
    router.callback_query.register(
        audit_results, ReportFileCB.filter(F.action == ReportFileAction.RESULTS)
    )
    return router
