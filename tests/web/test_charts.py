"""The geometry of the dashboard's chart and of the balance card's bar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from solde.domain.money import Money
from solde.web.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Bar,
    balance_bar,
    line_chart,
)

PLOT_BOTTOM = HEIGHT - BOTTOM  # where the lowest value is drawn
PLOT_WIDTH = WIDTH - LEFT - RIGHT


def history(*amounts: str) -> tuple[tuple[date, Money], ...]:
    return tuple(
        (date(2026, month, 1), Money(Decimal(a), "EUR")) for month, a in enumerate(amounts, 1)
    )


def test_no_history_no_chart() -> None:
    assert line_chart(()) is None


def test_all_positive_values_stand_on_the_zero_line() -> None:
    chart = line_chart(history("100", "50", "0", "25"))
    assert chart is not None
    assert chart.zero_y == pytest.approx(PLOT_BOTTOM)
    ys = [p.y for p in chart.points]
    assert ys == pytest.approx(
        [TOP, TOP + (PLOT_BOTTOM - TOP) / 2, PLOT_BOTTOM, PLOT_BOTTOM - (PLOT_BOTTOM - TOP) / 4]
    )
    assert chart.highest == Money(Decimal("100"), "EUR")
    assert chart.lowest == Money(Decimal("0"), "EUR")


def test_all_negative_values_hang_from_the_zero_line() -> None:
    chart = line_chart(history("-10", "-40"))
    assert chart is not None
    assert chart.zero_y == pytest.approx(TOP)
    assert [p.y for p in chart.points] == pytest.approx(
        [TOP + (PLOT_BOTTOM - TOP) / 4, PLOT_BOTTOM]
    )
    assert chart.highest == Money(Decimal("0"), "EUR")  # zero is always in view
    assert chart.lowest == Money(Decimal("-40"), "EUR")


def test_mixed_values_put_zero_in_proportion() -> None:
    chart = line_chart(history("300", "-100"))
    assert chart is not None
    span = PLOT_BOTTOM - TOP
    assert chart.zero_y == pytest.approx(TOP + span * 3 / 4)
    assert [p.y for p in chart.points] == pytest.approx([TOP, PLOT_BOTTOM])
    assert chart.points[0].y < chart.zero_y < chart.points[1].y


def test_points_are_spread_evenly_from_left_to_right() -> None:
    chart = line_chart(history("1", "2", "3", "4", "5"))
    assert chart is not None
    xs = [p.x for p in chart.points]
    assert xs == pytest.approx([LEFT + i * PLOT_WIDTH / 4 for i in range(5)])
    assert chart.path.startswith(f"M{LEFT:.1f},")
    assert chart.path.count("L") == 4
    assert [p.day for p in chart.points] == [date(2026, m, 1) for m in range(1, 6)]


def test_a_single_point_is_centred() -> None:
    chart = line_chart(history("42.50"))
    assert chart is not None
    [point] = chart.points
    assert point.x == pytest.approx(LEFT + PLOT_WIDTH / 2)
    assert point.y == pytest.approx(TOP)
    assert chart.zero_y == pytest.approx(PLOT_BOTTOM)
    assert chart.path == f"M{point.x:.1f},{point.y:.1f}"
    assert chart.area == (
        f"M{point.x:.1f},{point.y:.1f} L{point.x:.1f},{chart.zero_y:.1f} "
        f"L{point.x:.1f},{chart.zero_y:.1f} Z"
    )


def test_a_flat_zero_history_does_not_divide_by_zero() -> None:
    chart = line_chart(history("0", "0", "0"))
    assert chart is not None
    assert [p.y for p in chart.points] == pytest.approx([TOP, TOP, TOP])
    assert chart.zero_y == pytest.approx(TOP)


def test_the_area_closes_on_the_zero_line() -> None:
    chart = line_chart(history("10", "-10"))
    assert chart is not None
    first, last = chart.points
    assert chart.area == (
        f"{chart.path} L{last.x:.1f},{chart.zero_y:.1f} L{first.x:.1f},{chart.zero_y:.1f} Z"
    )
    assert chart.baseline == HEIGHT - BOTTOM + 18


def test_every_point_stays_inside_the_plot() -> None:
    chart = line_chart(history("0.01", "-99999999.99", "12345678.90", "-0.01", "0"))
    assert chart is not None
    for p in chart.points:
        assert TOP - 1e-9 <= p.y <= PLOT_BOTTOM + 1e-9
        assert LEFT <= p.x <= WIDTH - RIGHT


@pytest.mark.parametrize(
    ("debit", "credit", "bar"),
    [
        ("100", "-50", Bar(100.0, 50.0)),
        ("25", "-100", Bar(25.0, 100.0)),
        ("0", "0", Bar(0.0, 0.0)),
        ("0", "-30", Bar(0.0, 100.0)),
        ("30", "0", Bar(100.0, 0.0)),
        ("1", "-3", Bar(pytest.approx(100 / 3), 100.0)),
    ],
)
def test_the_balance_bar_shares(debit: str, credit: str, bar: Bar) -> None:
    assert balance_bar(Money(Decimal(debit), "EUR"), Money(Decimal(credit), "EUR")) == bar
