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
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

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
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 18,
    "axes.labelsize": 20,
    "xtick.labelsize": 18,
    "ytick.labelsize": 18,
    "legend.fontsize": 17,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
MAX_LABEL = 38
"""Longer department names are shortened with an ellipsis to keep the bars wide enough."""


def compliance_by_department(values: dict[str, float | None], gettext: Gettext) -> bytes:
    """Horizontal bars, 0–100 %, one per department in the given order, each labelled."""
    title = gettext("report.chart.by_department")
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not values:
            return _no_data(figure, ax, title, gettext)
        names = [_shorten(name) for name in values]
        count = len(names)
        size = _fitting_size(count, 700)
        positions = range(count)
        numbers = [0.0 if v is None else v for v in values.values()]
        ax.barh(positions, numbers, color=BAR_COLOR, height=0.7)
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
        return _png(figure)


def ncs_by_status_over_time(
    months: list[str], series: dict[str, list[int]], gettext: Gettext
) -> bytes:
    """Stacked bars per month, one colour per (already translated) status, totals on top."""
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
                color=PALETTE[index % len(PALETTE)],
                width=0.7,
            )
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        size = _fitting_size(len(months), 1000)
        ax.set_xticks(positions, labels=months, fontsize=size)
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
                ax.text(position, total, str(total), ha="center", va="bottom", fontsize=size)
        figure.legend(loc="outside lower center", ncols=min(4, len(series)), frameon=False)
        return _png(figure)


def compliance_by_clause(values: dict[str, float | None], title: str, gettext: Gettext) -> bytes:
    """Vertical bars, 0–100 %, one per ISO 9001 clause in the given order."""
    with matplotlib.rc_context(STYLE):
        figure, ax = _figure()
        if not values:
            return _no_data(figure, ax, title, gettext)
        count = len(values)
        size = _fitting_size(count, 1000)
        positions = range(count)
        numbers = [0.0 if v is None else v for v in values.values()]
        ax.bar(positions, numbers, color=BAR_COLOR, width=0.7)
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
        return _png(figure)


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _no_data(figure: Figure, ax: Axes, title: str, gettext: Gettext) -> bytes:
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
    return _png(figure)


def _title(figure: Figure, title: str) -> None:
    # Over the whole figure, not the axes, which long tick labels push aside.
    figure.suptitle(textwrap.fill(title, 60), fontsize=26, fontweight="bold")


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
    """The largest type (pt, up to 18) that lets `count` labels share `room_px` pixels."""
    return max(7.0, min(18.0, room_px / max(count, 1) / 1.7 * 72 / DPI))


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
            return _no_data(figure, ax, title, gettext)
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
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="best")
        # A KPI's name is long: wrapped narrower than the other charts' titles.
        figure.suptitle("\n".join(textwrap.wrap(title, 45)[:3]), fontsize=24, fontweight="bold")
        return _png(figure)
