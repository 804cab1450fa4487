"""The month ends of the balance report's history (SPEC §12, §16): calendar arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from solde.domain.errors import InvalidInput
from solde.ledger.reports import MAX_MONTHS, month_ends


@pytest.mark.parametrize(
    ("on", "months", "expected"),
    [
        # the example of the interface
        (date(2026, 3, 10), 3, (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 10))),
        # one point: today alone
        (date(2026, 3, 10), 1, (date(2026, 3, 10),)),
        (date(2026, 12, 31), 1, (date(2026, 12, 31),)),
        # February of a leap year, and of a common year
        (date(2024, 3, 1), 2, (date(2024, 2, 29), date(2024, 3, 1))),
        (date(2025, 3, 1), 2, (date(2025, 2, 28), date(2025, 3, 1))),
        # 1900 and 2100 are not leap years, 2000 is
        (date(1900, 3, 15), 2, (date(1900, 2, 28), date(1900, 3, 15))),
        (date(2000, 3, 15), 2, (date(2000, 2, 29), date(2000, 3, 15))),
        (date(2100, 3, 15), 2, (date(2100, 2, 28), date(2100, 3, 15))),
        # across a year end
        (date(2026, 1, 15), 3, (date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 15))),
        # `on` itself a month end: not repeated
        (date(2026, 3, 31), 3, (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31))),
        (date(2024, 2, 29), 2, (date(2024, 1, 31), date(2024, 2, 29))),
        # 30-day months
        (
            date(2026, 7, 1),
            4,
            (date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 1)),
        ),
    ],
)
def test_month_ends(on: date, months: int, expected: tuple[date, ...]) -> None:
    assert month_ends(on, months) == expected


def test_twelve_month_ends_by_default_span_a_leap_february() -> None:
    assert month_ends(date(2024, 11, 30)) == (
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
        date(2024, 8, 31),
        date(2024, 9, 30),
        date(2024, 10, 31),
        date(2024, 11, 30),
    )


def test_thirty_six_months_go_back_three_years_to_the_day_before_the_month() -> None:
    ends = month_ends(date(2026, 3, 10), MAX_MONTHS)
    assert len(ends) == 36
    assert ends[0] == date(2023, 4, 30)
    assert ends[-2:] == (date(2026, 2, 28), date(2026, 3, 10))
    assert list(ends) == sorted(set(ends))


@pytest.mark.parametrize("months", [0, -1, 37, 1000, True])
def test_months_out_of_range_are_refused_by_name(months: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        month_ends(date(2026, 3, 10), months)
    assert [e.field for e in refused.value.errors] == ["months"]
    assert refused.value.errors[0].code == "out_of_range"
