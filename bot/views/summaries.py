"""The screens of /summary (the QMS at a glance for a period, and its charts) and /overdue
(the actions past their due date)."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NcCB, NcView, SummaryCB
from bot.domain import numbers
from bot.domain.dates import format_date
from bot.domain.nonconformities import Nonconformity
from bot.domain.summaries import Period, Summary
from bot.keyboards.pages import button
from bot.reports.model import STATUS_COLORS, format_percent
from bot.services.now import Figure
from bot.views import common
from bot.views.audit import where_text
from bot.views.common import plural
from bot.views.nc import Screen, markup
from bot.views.now import now_buttons, now_lines
from bot.views.reports import translate

OVERDUE_SHOWN = 40


def delta_text(now: float | None, before: float | None) -> str:
    """ " (was 80.0%, ▲4.2)" after a figure, or nothing when either is unknown."""
    if now is None or before is None:
        return ""
    change = round(now - before, 1)
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    return _("summary.change").format(
        before=format_percent(before, _),
        arrow=arrow,
        change=numbers.decimal(abs(change), common.reader_locale()),
    )


def severity_text(value: str) -> str:
    """A severity as counted in a summary, where NCs not yet classified are "unset"."""
    return _("summary.unset") if value == "unset" else translate("severity", value)


def summary_text(summary: Summary, period: Period) -> str:
    end = summary.end - timedelta(days=1)  # the period's end is exclusive
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
            _("summary.compliance").format(percent=format_percent(summary.compliance, _))
            + delta_text(summary.compliance, summary.previous_compliance)
        )
        lines += [
            f"  • {where_text(name)} — {format_percent(percent, _)}"
            for name, percent in summary.by_department.items()
        ]
    if summary.weakest:
        lines.append(_("summary.weakest"))
        lines += [
            f"  • {clause} — {format_percent(percent, _)}" for clause, percent in summary.weakest
        ]
    lines += [
        "",
        _("summary.ncs").format(count=summary.ncs, before=summary.previous_ncs),
    ]
    if summary.ncs:
        lines.append(
            "  "
            + ", ".join(
                f"{translate('nc', status)}: {count}"
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


def summary_keyboard(period: Period, figures: list[Figure] | None = None) -> InlineKeyboardMarkup:
    """The "now" figures (each opens its list), the periods (the shown one marked), and
    the charts of the year."""
    periods = [
        button(
            ("• " if p is period else "") + _(f"summary.period.{p.value}"),
            SummaryCB(period=p.value),
        )
        for p in Period
    ]
    chart = button(_("summary.chart"), SummaryCB(period=period.value, chart=True))
    return markup([*now_buttons(figures or []), periods, [chart]])


def summary_screen(
    summary: Summary, period: Period, now: tuple[list[Figure], date] | None = None
) -> Screen:
    """The "now" block (when given: figures and today) before the period's figures."""
    text = summary_text(summary, period)
    if now is not None:
        text = "\n".join([*now_lines(*now), "", text])
    return text, summary_keyboard(period, now[0] if now else None)


def compliance_chart_data(summary: Summary) -> dict[str, float | None]:
    """Compliance by department, named as the reader reads them (charts are plain text)."""
    return {name or _("audit.whole_school"): value for name, value in summary.by_department.items()}


def ncs_chart_data(
    months: list[date], series: dict[str, list[int]]
) -> tuple[list[str], dict[str, list[int]]]:
    """Month labels as the reader's language abbreviates them («нояб. 2026») and the NC
    counts by status, named in the reader's language."""
    labels = [numbers.month_label(m, common.reader_locale()) for m in months]
    return labels, {translate("nc", status): values for status, values in series.items()}


def ncs_chart_colors(series: dict[str, list[int]]) -> dict[str, str]:
    """Each status's colour (done green, ...) by the name the chart shows it under."""
    return {translate("nc", status): STATUS_COLORS[status] for status in series}


def overdue_screen(items: list[Nonconformity], today: date) -> Screen:
    """The overdue actions (how late, who, where), each a button to its NC."""
    lines = [_("overdue.title").format(count=len(items)), ""]
    rows = []
    for nc in items[:OVERDUE_SHOWN]:
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
    return "\n".join(lines), markup(rows)
