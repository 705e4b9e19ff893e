"""Charts as PNG images for Telegram: 1200×800 px, large type, readable on a phone.

Built with matplotlib's object API (`Figure`, not pyplot): nothing is registered in a global
figure manager, so there is nothing to close or leak, and rendering is safe in a worker
thread. Text uses DejaVu Sans, shipped with matplotlib, which covers Cyrillic.
"""

from __future__ import annotations

import textwrap
from io import BytesIO
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no GUI backend on a server

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from bot.domain import numbers
from bot.domain.risks import level_of
from bot.reports.model import Gettext, format_percent

WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 100
BAR_COLOR = "#2F6DB5"
NO_SCORE_COLOR = "#8A8A8A"
PALETTE = [
    "#2F6DB5",
    "#E07B24",
    "#3A9D4B",
    "#C8382E",
    "#8C5BB8",
    "#8A5A44",
    "#D65DB1",
    "#7F7F7F",
    "#B5B02A",
    "#1FA5B8",
]
# Telegram shows a 1200 px picture about 350 px wide on a phone: type is drawn ~2.5 times
# the size a printed chart would use, so an axis label is still ~10 px there.
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 26,
    "axes.labelsize": 26,
    "xtick.labelsize": 26,
    "ytick.labelsize": 26,
    "legend.fontsize": 24,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
MAX_LABEL = 30
"""Longer department names are shortened with an ellipsis to keep the bars wide enough."""
MAX_SIZE = 26.0
TARGET_COLOR = "#333333"


def compliance_by_department(
    values: dict[str, float | None], gettext: Gettext, target: float | None = None
) -> bytes:
    """Horizontal bars, 0–100 %, one per department in the given order, each labelled;
    the target (COMPLIANCE_TARGET) as a dashed line."""
    with matplotlib.rc_context(STYLE):
        return _png(department_figure(values, gettext, target))


def department_figure(
    values: dict[str, float | None], gettext: Gettext, target: float | None = None
) -> Figure:
    title = gettext("report.chart.by_department")
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not values:
            return _no_data(figure, ax, title, gettext)
        names = [_shorten(name) for name in values]
        count = len(names)
        size = _fitting_size(count, 700)
        positions = range(count)
        bars = [0.0 if v is None else v for v in values.values()]
        ax.barh(positions, bars, color=BAR_COLOR, height=0.7)
        ax.set_yticks(positions, labels=names, fontsize=size)
        ax.invert_yaxis()
        _percent_axis(ax, "x")
        ax.set_xlabel(gettext("report.chart.compliance_axis"))
        _title(figure, title)
        for position, value in zip(positions, values.values(), strict=True):
            text = format_percent(value, gettext)
            if value is not None and value >= 80:  # inside the bar, near its end
                x, ha, color = value - 1, "right", "white"
            else:
                x, ha = (value or 0) + 1, "left"
                color = NO_SCORE_COLOR if value is None else "black"
            ax.text(x, position, text, va="center", ha=ha, color=color, fontsize=size)
        _target(ax, target, gettext, "x")
        return figure


def ncs_by_status_over_time(
    months: list[str],
    series: dict[str, list[int]],
    gettext: Gettext,
    colors: dict[str, str] | None = None,
) -> bytes:
    """Stacked bars per month, one colour per (already translated) status, totals on top;
    `colors`: a status's colour by its shown name (STATUS_COLORS), else the palette's."""
    with matplotlib.rc_context(STYLE):
        return _png(ncs_figure(months, series, gettext, colors))


def ncs_figure(
    months: list[str],
    series: dict[str, list[int]],
    gettext: Gettext,
    colors: dict[str, str] | None = None,
) -> Figure:
    for status, counts in series.items():
        if len(counts) != len(months):
            raise ValueError(f"{status!r}: {len(counts)} counts for {len(months)} months")
    title = gettext("report.chart.ncs_by_status")
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not months or not any(any(counts) for counts in series.values()):
            return _no_data(figure, ax, title, gettext)
        positions = range(len(months))
        bottoms = [0] * len(months)
        for index, (status, counts) in enumerate(series.items()):
            ax.bar(
                positions,
                counts,
                bottom=bottoms,
                label=status,
                color=(colors or {}).get(status, PALETTE[index % len(PALETTE)]),
                width=0.7,
            )
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        size = _fitting_size(len(months), 1000)
        # «нояб.» over «2026»: six months fit side by side at a large size
        labels = [month.replace(" ", "\n", 1) for month in months]
        ax.set_xticks(positions, labels=labels, fontsize=size)
        if len(months) > 8:
            for label in ax.get_xticklabels():
                label.set(rotation=45, ha="right", rotation_mode="anchor")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(bottoms) * 1.12)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_ylabel(gettext("report.chart.nc_count"))
        _title(figure, title)
        for position, total in zip(positions, bottoms, strict=True):
            if total:
                shown = numbers.number(total, gettext("number.locale"))
                ax.text(position, total, shown, ha="center", va="bottom", fontsize=size)
        figure.legend(loc="outside lower center", ncols=min(3, len(series)), frameon=False)
        return figure


def compliance_by_clause(
    values: dict[str, float | None], title: str, gettext: Gettext, target: float | None = None
) -> bytes:
    """Vertical bars, 0–100 %, one per ISO 9001 clause in the given order; the target
    (COMPLIANCE_TARGET) as a dashed line."""
    with matplotlib.rc_context(STYLE):
        return _png(clause_figure(values, title, gettext, target))


def clause_figure(
    values: dict[str, float | None], title: str, gettext: Gettext, target: float | None = None
) -> Figure:
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not values:
            return _no_data(figure, ax, title, gettext)
        count = len(values)
        size = _fitting_size(count, 1000)
        positions = range(count)
        bars = [0.0 if v is None else v for v in values.values()]
        ax.bar(positions, bars, color=BAR_COLOR, width=0.7)
        ax.set_xticks(positions, labels=list(values), fontsize=size)
        if count > 12:
            for label in ax.get_xticklabels():
                label.set(rotation=90)
        _percent_axis(ax, "y", top=122 if count > 12 else 112)
        ax.set_xlabel(gettext("report.chart.clause_axis"))
        ax.set_ylabel(gettext("report.chart.compliance_axis"))
        _title(figure, title)
        for position, value in zip(positions, values.values(), strict=True):
            ax.text(
                position,
                (value or 0) + 1,
                format_percent(value, gettext),
                ha="center",
                va="bottom",
                rotation=90 if count > 12 else 0,
                fontsize=size,
                color=NO_SCORE_COLOR if value is None else "black",
            )
        _target(ax, target, gettext, "y")
        return figure


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _target(ax: Axes, target: float | None, gettext: Gettext, axis: str) -> None:
    """The compliance target as a dashed line across the bars, named in the legend."""
    if target is None:
        return
    label = gettext("report.chart.target").format(percent=format_percent(target, gettext))
    draw = ax.axvline if axis == "x" else ax.axhline
    draw(target, color=TARGET_COLOR, linestyle="--", linewidth=3, label=label)
    figure = ax.get_figure()
    assert figure is not None
    figure.legend(loc="outside lower right", frameon=False)  # below the bars, never on them


def _no_data(figure: Figure, ax: Axes, title: str, gettext: Gettext) -> Figure:
    ax.set_axis_off()
    _title(figure, title)
    ax.text(
        0.5,
        0.5,
        gettext("report.chart.no_data"),
        ha="center",
        va="center",
        fontsize=30,
        color=NO_SCORE_COLOR,
        transform=ax.transAxes,
    )
    return figure


def _title(figure: Figure, title: str) -> None:
    # Over the whole figure, not the axes, which long tick labels push aside.
    figure.suptitle(textwrap.fill(title, 45), fontsize=32, fontweight="bold")


def _png(figure: Figure) -> bytes:
    output = BytesIO()
    # No bbox_inches="tight": it would change the pixel size.
    figure.savefig(output, format="png", dpi=DPI)
    figure.clear()
    return output.getvalue()


def _percent_axis(ax: Axes, axis: str, top: float = 112) -> None:
    """0–100 % ticks, with room above 100 for the value labels."""
    ticks = range(0, 101, 20)
    if axis == "x":
        ax.set_xlim(0, top)
        ax.set_xticks(ticks)
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.set_ylim(0, top)
        ax.set_yticks(ticks)
        ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _fitting_size(count: int, room_px: int) -> float:
    """The largest type (pt, up to MAX_SIZE) that lets `count` labels share `room_px`."""
    return max(10.0, min(MAX_SIZE, room_px / max(count, 1) / 1.7 * 72 / DPI))


def _shorten(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1].rstrip() + "…"


def kpi_over_time(
    title: str,
    points: list[tuple[str, float | None]],
    target: float,
    threshold: float,
    unit: str,
    gettext: Gettext,
) -> bytes:
    """A KPI's values by period (a line with its points, gaps where none was given), with
    the target and the threshold as dashed lines."""
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not any(value is not None for _, value in points):
            return _png(_no_data(figure, ax, title, gettext))
        labels = [_shorten(label) for label, _ in points]
        positions = list(range(len(points)))
        values = [float("nan") if v is None else v for _, v in points]
        ax.plot(positions, values, color=BAR_COLOR, marker="o", linewidth=3, markersize=10)
        ax.axhline(target, color=PALETTE[2], linestyle="--", linewidth=2,
                   label=gettext("objectives.chart.target"))  # fmt: skip
        ax.axhline(threshold, color=PALETTE[3], linestyle=":", linewidth=2,
                   label=gettext("objectives.chart.threshold"))  # fmt: skip
        ax.set_xticks(positions, labels=labels, fontsize=_fitting_size(len(points), 1000))
        # Room around the values and both lines, so none sits on the frame.
        shown = [v for _, v in points if v is not None] + [target, threshold]
        low, high = min(shown), max(shown)
        margin = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
        ax.set_ylim(low - margin, high + margin)
        ax.set_ylabel(unit)
        locale = gettext("number.locale")  # «4,5» on the axis, as the chat writes the value
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: numbers.number(y, locale)))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="best")
        # A KPI's name is long: wrapped narrower than the other charts' titles.
        figure.suptitle("\n".join(textwrap.wrap(title, 45)[:3]), fontsize=24, fontweight="bold")
        return _png(figure)


def survey_averages(values: dict[str, float | None], title: str, gettext: Gettext) -> bytes:
    """Horizontal bars, the average mark 1–5 of each scale question of a survey."""
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not values:
            return _png(_no_data(figure, ax, title, gettext))
        names = [_shorten(name) for name in values]
        size = _fitting_size(len(names), 700)
        positions = range(len(names))
        bars = [0.0 if v is None else v for v in values.values()]
        ax.barh(positions, bars, color=BAR_COLOR, height=0.7)
        ax.set_yticks(positions, labels=names, fontsize=size)
        ax.invert_yaxis()
        ax.set_xlim(0, 5.6)
        ax.set_xticks(range(0, 6))
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_xlabel(gettext("surveys.chart_axis"))
        _title(figure, title)
        locale = gettext("number.locale")
        for position, value in zip(positions, values.values(), strict=True):
            text = numbers.decimal(value, locale)
            ax.text((value or 0) + 0.05, position, text, va="center", fontsize=size)
        return _png(figure)


def risk_heat_map(counts: dict[tuple[int, int], int], title: str, gettext: Gettext) -> bytes:
    """The 5×5 grid of likelihood (x) by impact (y), each cell coloured by its level and
    labelled with how many risks sit in it."""
    colours = {"low": "#3A9D4B", "medium": "#E8C547", "high": "#E07B24", "critical": "#C8382E"}
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        for likelihood in range(1, 6):
            for impact in range(1, 6):
                level = level_of(likelihood * impact)
                ax.add_patch(
                    Rectangle(
                        (likelihood - 0.5, impact - 0.5), 1, 1, facecolor=colours[level.value],
                        alpha=0.85, linewidth=2, edgecolor="white",
                    )
                )  # fmt: skip
                count = counts.get((likelihood, impact), 0)
                if count:
                    ax.text(likelihood, impact, str(count), ha="center", va="center",
                            fontsize=30, fontweight="bold")  # fmt: skip
        ax.set_xlim(0.5, 5.5)
        ax.set_ylim(0.5, 5.5)
        ax.set_xticks(range(1, 6))
        ax.set_yticks(range(1, 6))
        ax.set_xlabel(gettext("risks.chart_likelihood"))
        ax.set_ylabel(gettext("risks.chart_impact"))
        ax.set_aspect("equal")
        _title(figure, title)
        return _png(figure)
