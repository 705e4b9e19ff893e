"""Numbers and charts as a Russian reader expects: one formatter for chat, files and charts,
month names from the locale, colours that mean what they show, a target line."""

from __future__ import annotations

from datetime import date

from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from bot.domain import numbers
from bot.reports import charts
from bot.reports.model import STATUS_COLORS, format_percent
from tests.test_reports_render import texts


def test_one_formatter_for_every_place() -> None:
    assert numbers.percent(86.8, "ru") == "86,8\xa0%"  # non-breaking: never wraps apart
    assert numbers.percent(86.8, "en") == "86.8%"
    assert numbers.percent(100, "ru") == "100,0\xa0%" and numbers.percent(None, "ru") == "—"
    assert numbers.number(1234, "ru") == "1\xa0234" and numbers.number(1234, "en") == "1,234"
    assert format_percent(86.8, texts("ru")) == "86,8\xa0%"  # files and charts: the same
    assert format_percent(86.8, texts("en")) == "86.8%"
    assert format_percent(None, texts("ru")) == "н/д"  # chat and files say "not scored" alike
    assert numbers.decimal(4.0, "ru") == "4,0" and numbers.decimal(3.44, "en") == "3.4"  # a mean
    assert numbers.amount(4.1, "балл", "ru") == "4,1\xa0балл"  # a KPI's figure, as typed
    assert numbers.amount(1200, "₽", "ru") == "1\xa0200\xa0₽"
    assert numbers.amount(90, "%", "ru") == "90\xa0%" and numbers.amount(86.8, "%", "en") == "86.8%"
    assert numbers.amount(None, "%", "ru") == "—" and numbers.amount(12.5, "", "en") == "12.5"
    assert numbers.typed("1200.125", "ru") == "1\xa0200,125"  # a number answer, every digit
    assert numbers.typed("86.5", "en") == "86.5" and numbers.typed("n/a", "ru") == "n/a"
    assert numbers.month_label(date(2026, 7, 1), "ru") == "июль 2026"  # not «Июл 26»
    assert numbers.month_label(date(2026, 11, 1), "ru") == "нояб. 2026"
    assert numbers.month_label(date(2026, 11, 1), "en") == "Nov 2026"


def test_done_is_green_and_nothing_but_overdue_is_red() -> None:
    done, closed = STATUS_COLORS["done"], STATUS_COLORS["closed"]
    assert all(int(c[1:3], 16) < int(c[3:5], 16) for c in (done, closed))  # green > red
    red = STATUS_COLORS["overdue"]
    assert [s for s, c in STATUS_COLORS.items() if c == red] == ["overdue"]
    t = texts("ru")
    shown = {"Выполнено": done, "Новое": STATUS_COLORS["new"]}
    figure = charts.ncs_figure(["нояб. 2026"], {"Новое": [1], "Выполнено": [2]}, t, shown)
    bars = {
        str(container.get_label()): to_hex(container.patches[0].get_facecolor())
        for container in figure.axes[0].containers
        if isinstance(container, BarContainer)
    }
    assert bars == {
        "Новое": STATUS_COLORS["new"].lower(),
        "Выполнено": done.lower(),
    }
    ticks = [tick.get_text() for tick in figure.axes[0].get_xticklabels()]
    assert ticks == ["нояб.\n2026"]
    figure = charts.ncs_figure(["нояб. 2026"], {"Новое": [1234]}, t)
    assert "1\xa0234" in [text.get_text() for text in figure.axes[0].texts]  # the total on top


def test_compliance_charts_draw_the_target_and_large_type() -> None:
    t = texts("ru")
    figure = charts.clause_figure({"7.1.3": 50.0, "8.5.1": 90.0}, "A-2026-001", t, 85)
    ax = figure.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [85, 85]
    legend = figure.legends[0]
    assert [text.get_text() for text in legend.get_texts()] == ["Цель 85,0\xa0%"]
    assert min(label.get_fontsize() for label in ax.get_xticklabels()) >= 20
    figure = charts.department_figure({"МО": 70.0}, t, 85)
    assert [list(line.get_xdata()) for line in figure.axes[0].get_lines()] == [[85, 85]]
    assert charts.department_figure({"МО": 70.0}, t).legends == []  # no target: no line
