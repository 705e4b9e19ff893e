"""The screens of /report: where the NC came from (the quality manager's choice), its due
date, the department (his own first), the evidence, a suggested severity, and the number
it got."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ReportAction, ReportCB
from bot.domain.models import Department
from bot.domain.nonconformities import Nonconformity, Severity, Source
from bot.keyboards.calendar import calendar_from
from bot.keyboards.pages import button
from bot.views.nc import Screen, markup, open_button

EXTERNAL = (Source.SUPERVISORY_ORDER, Source.COMPLAINT, Source.OTHER)


def source_screen() -> Screen:
    """A report of his own, or one from outside (an order, a complaint) with its reference."""
    rows = [
        [button(_(f"nc.source.{s.value}"), ReportCB(action=ReportAction.SOURCE, value=s.value))]
        for s in (Source.REPORT, *EXTERNAL)
    ]
    return _("nc_report.ask_source"), markup(rows)


def due_screen(today: date) -> Screen:
    """The due date an outside source set: a calendar from today."""
    return _("nc_report.ask_due"), calendar_from(today)


def department_screen(departments: list[Department], own_id: int | None) -> Screen:
    """The departments, his own first, then the whole school."""
    items = sorted(departments, key=lambda d: (d.id != own_id, d.name))
    rows = [[button(d.name, ReportCB(action=ReportAction.DEPT, value=str(d.id)))] for d in items]
    rows.append(
        [button(_("nc_report.whole_school"), ReportCB(action=ReportAction.DEPT, value="0"))]
    )
    return _("nc_report.ask_department"), markup(rows)


def evidence_question() -> Screen:
    skip = button(_("nc_report.no_more_files"), ReportCB(action=ReportAction.SKIP))
    return _("nc_report.ask_evidence"), markup([[skip]])


def files_saved(count: int) -> Screen:
    """Said once an album has arrived, with all its files counted."""
    done = button(_("nc_report.files_done"), ReportCB(action=ReportAction.SKIP))
    return _("nc_report.file_saved").format(count=count), markup([[done]])


def severity_question() -> Screen:
    rows = [
        [button(_(f"nc.severity.{s.value}"), ReportCB(action=ReportAction.SEVERITY, value=s.value))]
        for s in Severity
    ]
    rows.append([button(_("nc_report.dont_know"), ReportCB(action=ReportAction.SEVERITY))])
    return _("nc_report.ask_severity"), markup(rows)


def reported_screen(nc: Nonconformity) -> Screen:
    """The number the NC got, the start of its text, and who is responsible (if anyone yet)."""
    text = _("nc_report.done").format(number=nc.number, text=html.quote(nc.description[:200]))
    if nc.responsible_name:
        text += "\n" + _("nc_report.responsible").format(name=html.quote(nc.responsible_name))
    return text, open_button(nc, _("nc.open"))
