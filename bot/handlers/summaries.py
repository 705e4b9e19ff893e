"""/summary (manager, observer), /overdue (manager, head), /export (manager), and an audit's
results and DOCX report from its card."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCB, ReportFileAction, ReportFileCB, SummaryCB
from bot.config import Settings
from bot.domain.models import User
from bot.domain.roles import Role
from bot.domain.summaries import Period
from bot.filters import HasRole
from bot.services.audits import AuditService
from bot.services.nonconformities import NcService
from bot.services.now import NowBoard
from bot.services.reports import ReportService, nc_status_series
from bot.ui import show
from bot.views import summaries as views
from bot.views.audit import docx_caption, results_text
from bot.views.reports import gettext, translate

SUMMARY_READERS = HasRole(Role.MANAGER, Role.OBSERVER)
OVERDUE_READERS = HasRole(Role.MANAGER, Role.HEAD)
EXPORTERS = HasRole(Role.MANAGER)


async def _summary(
    event: Message | CallbackQuery, reports: ReportService, now: NowBoard, period: Period
) -> None:
    """What is live now (whatever the period), then the period's figures."""
    today = reports.today()
    figures = await now.figures(today)
    summary = await reports.summary(period)
    await show(event, *views.summary_screen(summary, period, (figures, today)))


async def summary_command(message: Message, reports: ReportService, now: NowBoard) -> None:
    await _summary(message, reports, now, Period.MONTH)


async def summary_menu(callback: CallbackQuery, reports: ReportService, now: NowBoard) -> None:
    await _summary(callback, reports, now, Period.MONTH)


async def summary_period(
    callback: CallbackQuery,
    callback_data: SummaryCB,
    reports: ReportService,
    bot: Bot,
    user: User,
    now: NowBoard,
    settings: Settings,
) -> None:
    try:
        period = Period(callback_data.period)
    except ValueError:
        period = Period.MONTH
    if not callback_data.chart:
        await _summary(callback, reports, now, period)
        return
    from bot.reports.charts import compliance_by_department, ncs_by_status_over_time

    await callback.answer(_("summary.drawing"))
    summary = await reports.summary(Period.YEAR)
    months, counts = await reports.nc_months()
    by_status = nc_status_series(months, counts)
    labels, series = views.ncs_chart_data(months, by_status)
    colors = views.ncs_chart_colors(by_status)
    departments = views.compliance_chart_data(summary)
    target = settings.compliance_target
    first = await asyncio.to_thread(compliance_by_department, departments, gettext, target)
    second = await asyncio.to_thread(ncs_by_status_over_time, labels, series, gettext, colors)
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
    await show(event, *views.overdue_screen(items, reports.today()))


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
    name = f"qms-export-{reports.today().isoformat()}.xlsx"
    # Written to a temporary file and uploaded from it a chunk at a time (FSInputFile): the
    # export is never whole in memory, however many answers there are (issue 17).
    with tempfile.TemporaryDirectory(prefix="qms-export-") as folder:
        path = Path(folder) / name
        with path.open("wb") as target:
            await reports.workbook(gettext, translate, target)
        await bot.send_document(user.tg_id, FSInputFile(path, name), caption=_("export.caption"))
    await waiting.delete()


async def audit_docx(
    callback: CallbackQuery,
    callback_data: ReportFileCB,
    user: User,
    audits: AuditService,
    reports: ReportService,
    bot: Bot,
) -> None:
    audit = await audits.get_to_read(user, callback_data.audit)
    await callback.answer(_("export.preparing"))
    data = await reports.audit_report(audit, gettext, translate)
    name = f"{audit.number}-report.docx"
    await bot.send_document(
        user.tg_id,
        BufferedInputFile(data, name),
        caption=docx_caption(audit),
    )


async def audit_results(
    callback: CallbackQuery,
    callback_data: ReportFileCB,
    user: User,
    audits: AuditService,
    ncs: NcService,
    bot: Bot,
    settings: Settings,
) -> None:
    from bot.reports.charts import compliance_by_clause

    audit = await audits.get_to_read(user, callback_data.audit)
    results = audit.results or {}
    text = results_text(audit, await ncs.of_audit(audit.id))
    await callback.answer()
    await bot.send_message(user.tg_id, text)
    clauses = {c: p for c, p in (results.get("by_clause") or {}).items()}
    picture = await asyncio.to_thread(
        compliance_by_clause, clauses, audit.number, gettext, settings.compliance_target
    )
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
