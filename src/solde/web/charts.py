"""Server-rendered SVG charts: the geometry of a line of amounts over dates.

No chart library and no script: the template draws the points computed here, so the chart
works without JavaScript and prints as it looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from solde.domain.money import Money

WIDTH = 960
HEIGHT = 200
LEFT = 28
RIGHT = 28
TOP = 12
BOTTOM = 28


@dataclass(frozen=True, slots=True)
class Point:
    """One value of the line, where it is drawn."""

    day: date
    amount: Money
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class LineChart:
    """A line of amounts over dates, with the zero line and the extremes."""

    points: tuple[Point, ...]
    zero_y: float
    highest: Money
    lowest: Money
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def path(self) -> str:
        """The SVG path of the line."""
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )

    @property
    def area(self) -> str:
        """The SVG path of the area between the line and zero."""
        if not self.points:
            return ""
        first, last = self.points[0], self.points[-1]
        return f"{self.path} L{last.x:.1f},{self.zero_y:.1f} L{first.x:.1f},{self.zero_y:.1f} Z"

    @property
    def baseline(self) -> float:
        """Where the date labels go."""
        return float(self.height - BOTTOM + 18)


def line_chart(history: tuple[tuple[date, Money], ...]) -> LineChart | None:
    """The chart of `history` (oldest first), scaled so that zero is always visible."""
    if not history:
        return None
    currency = history[0][1].currency
    values = [m.amount for _, m in history]
    top = max([*values, Decimal(0)])
    bottom = min([*values, Decimal(0)])
    span = (top - bottom) or Decimal(1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(history) - 1)

    def y_of(value: Decimal) -> float:
        return TOP + float((top - value) / span) * plot_h

    points = tuple(
        Point(
            day,
            money,
            LEFT + i * step if len(history) > 1 else LEFT + plot_w / 2,
            y_of(money.amount),
        )
        for i, (day, money) in enumerate(history)
    )
    return LineChart(
        points=points,
        zero_y=y_of(Decimal(0)),
        highest=Money.round(top, currency),
        lowest=Money.round(bottom, currency),
    )


@dataclass(frozen=True, slots=True)
class Bar:
    """The balance card's bar: shares of open debit and open credit, in percent of the
    larger of the two."""

    debit: float
    credit: float


def balance_bar(debit: Money, credit: Money) -> Bar:
    """Inner bars for a card whose open debit is `debit` (≥ 0) and open credit `credit`
    (≤ 0): the larger fills the bar, the other in proportion."""
    d, c = abs(debit.amount), abs(credit.amount)
    largest = max(d, c)
    if largest == 0:
        return Bar(0.0, 0.0)
    return Bar(float(d / largest * 100), float(c / largest * 100))
