"""Billing periods from an anchor (SPEC §8): month arithmetic with end-of-month clamping, the
period that holds a day, the cut of a range at period boundaries, the 30-day month count, and
that periods computed from the anchor never drift."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solde.domain.periods import (
    Period,
    add_months,
    is_period_start,
    period_at,
    period_containing,
    period_index,
    segments,
    thirty_days,
)

D = date


# -- add_months ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # February 2026 has 28 days: clamped
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # 2028 is a leap year
        (D(2026, 1, 31), 2, D(2026, 3, 31)),  # from the day itself, not from 28 February
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 5, 31), 1, D(2026, 6, 30)),
        (D(2026, 11, 15), 3, D(2027, 2, 15)),  # across the year end
        (D(2026, 1, 15), -13, D(2024, 12, 15)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),  # no 29 February in 2029
        (D(2028, 2, 29), 48, D(2032, 2, 29)),  # 2032 is a leap year again
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # half a year on
        (D(2026, 4, 10), 0, D(2026, 4, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# -- the period that holds a day -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "anchor", "months", "start", "end", "days"),
    [
        # billing day 10, monthly: 10 Feb–9 Mar holds 2 March (28 days in 2026)
        (D(2026, 3, 2), D(2026, 1, 10), 1, D(2026, 2, 10), D(2026, 3, 9), 28),
        # the billing day itself starts a period
        (D(2026, 2, 10), D(2026, 1, 10), 1, D(2026, 2, 10), D(2026, 3, 9), 28),
        # the day before the billing day ends the previous one
        (D(2026, 2, 9), D(2026, 1, 10), 1, D(2026, 1, 10), D(2026, 2, 9), 31),
        # billing day 1: calendar months; February 2026 has 28 days, 2028 has 29
        (D(2026, 2, 15), D(2026, 1, 1), 1, D(2026, 2, 1), D(2026, 2, 28), 28),
        (D(2028, 2, 29), D(2028, 1, 1), 1, D(2028, 2, 1), D(2028, 2, 29), 29),
        # before the anchor: negative periods follow the same rule
        (D(2025, 12, 25), D(2026, 1, 10), 1, D(2025, 12, 10), D(2026, 1, 9), 31),
        # billing day 28: 28 Feb–27 Mar holds 1 March (28 + 27 − 27 = 28 days)
        (D(2026, 3, 1), D(2026, 1, 28), 1, D(2026, 2, 28), D(2026, 3, 27), 28),
        # quarterly, billing day 15: 15 Apr–14 Jul = 16 + 31 + 30 + 14 = 91 days
        (D(2026, 5, 1), D(2026, 1, 15), 3, D(2026, 4, 15), D(2026, 7, 14), 91),
        # quarterly from 15 Jan: 17 + 28 + 31 + 14 = 90 days
        (D(2026, 4, 14), D(2026, 1, 15), 3, D(2026, 1, 15), D(2026, 4, 14), 90),
        # half-yearly, billing day 1: July to December = 184 days
        (D(2026, 9, 30), D(2026, 1, 1), 6, D(2026, 7, 1), D(2026, 12, 31), 184),
        # half-yearly over a leap February: Jan–Jun 2028 = 31+29+31+30+31+30 = 182 days
        (D(2028, 2, 29), D(2026, 1, 1), 6, D(2028, 1, 1), D(2028, 6, 30), 182),
        # yearly, billing day 28 from February: the year holding 29 February 2028 has 366 days
        (D(2028, 2, 29), D(2026, 2, 28), 12, D(2028, 2, 28), D(2029, 2, 27), 366),
        (D(2027, 2, 27), D(2026, 2, 28), 12, D(2026, 2, 28), D(2027, 2, 27), 365),
    ],
)
def test_the_period_containing_a_day(
    day: date, anchor: date, months: int, start: date, end: date, days: int
) -> None:
    period = period_containing(day, anchor, months)
    assert period == Period(start, end)
    assert period.days == days


@pytest.mark.parametrize(
    ("day", "anchor", "months", "index"),
    [
        (D(2026, 1, 10), D(2026, 1, 10), 1, 0),
        (D(2026, 1, 9), D(2026, 1, 10), 1, -1),
        (D(2026, 12, 31), D(2026, 1, 10), 1, 11),  # 10 Dec–9 Jan is the 12th period
        (D(2027, 1, 14), D(2026, 1, 15), 3, 3),  # 15 Oct–14 Jan
        (D(2027, 1, 15), D(2026, 1, 15), 3, 4),
        (D(2025, 1, 15), D(2026, 1, 15), 12, -1),
    ],
)
def test_period_index_counts_periods_from_the_anchor(
    day: date, anchor: date, months: int, index: int
) -> None:
    assert period_index(day, anchor, months) == index


@pytest.mark.parametrize(
    ("day", "anchor", "months", "starts"),
    [
        (D(2026, 4, 15), D(2026, 1, 15), 3, True),
        (D(2026, 7, 15), D(2026, 1, 15), 3, True),
        (D(2025, 10, 15), D(2026, 1, 15), 3, True),  # a period before the anchor
        (D(2026, 5, 15), D(2026, 1, 15), 3, False),  # a billing day of month, not of period
        (D(2026, 6, 15), D(2026, 1, 15), 3, False),
        (D(2026, 4, 14), D(2026, 1, 15), 3, False),
        (D(2026, 2, 1), D(2026, 1, 1), 1, True),
        (D(2026, 2, 2), D(2026, 1, 1), 1, False),
        (D(2027, 1, 1), D(2026, 1, 1), 12, True),
        (D(2026, 7, 1), D(2026, 1, 1), 12, False),
        (D(2026, 7, 1), D(2026, 1, 1), 6, True),
        (D(2028, 2, 28), D(2026, 1, 28), 1, True),
        (D(2028, 2, 29), D(2026, 1, 28), 1, False),
    ],
)
def test_a_billing_day_is_a_period_start(
    day: date, anchor: date, months: int, starts: bool
) -> None:
    assert is_period_start(day, anchor, months) is starts


# -- never drifting --------------------------------------------------------------------------


def test_billing_day_28_stays_on_the_28th_for_two_years() -> None:
    anchor = D(2026, 1, 28)
    starts = [period_at(anchor, k, 1).start for k in range(24)]
    assert all(s.day == 28 for s in starts)
    assert starts[1] == D(2026, 2, 28)
    assert starts[-1] == D(2027, 12, 28)
    # each period ends the day before the next one starts: no day lost, none counted twice
    for k in range(23):
        assert period_at(anchor, k, 1).end + timedelta(days=1) == starts[k + 1]


def test_periods_from_a_31st_clamp_in_february_and_come_back_to_the_31st() -> None:
    anchor = D(2026, 1, 31)
    # adding a month to the previous start would drift: 31 Jan → 28 Feb → 28 Mar
    assert add_months(add_months(anchor, 1), 1) == D(2026, 3, 28)
    # computed from the anchor: 28 Feb, then 31 Mar again, 30 Apr, 31 May
    assert [period_at(anchor, k, 1).start for k in range(5)] == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
    ]
    # in a leap year February gives 29 days, then March is back on the 31st
    leap = D(2028, 1, 31)
    assert period_at(leap, 1, 1) == Period(D(2028, 2, 29), D(2028, 3, 30))
    assert period_at(leap, 2, 1).start == D(2028, 3, 31)
    # 1 March falls in the period that started on 28 February (ends 30 March)
    assert period_containing(D(2026, 3, 1), anchor, 1) == Period(D(2026, 2, 28), D(2026, 3, 30))


def test_quarters_from_the_30th_of_november_keep_the_30th_after_february() -> None:
    anchor = D(2026, 11, 30)
    assert [period_at(anchor, k, 3).start for k in range(4)] == [
        D(2026, 11, 30),
        D(2027, 2, 28),
        D(2027, 5, 30),
        D(2027, 8, 30),
    ]


# -- segments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "anchor", "months", "expected"),
    [
        # SPEC §8: started 21 April, billed to the end of May: 10 days of April, all of May
        (
            D(2026, 4, 21),
            D(2026, 5, 31),
            D(2026, 4, 1),
            1,
            [
                (D(2026, 4, 21), D(2026, 4, 30), 10, False),
                (D(2026, 5, 1), D(2026, 5, 31), 31, True),
            ],
        ),
        # inside one period
        (
            D(2026, 5, 5),
            D(2026, 5, 20),
            D(2026, 4, 1),
            1,
            [(D(2026, 5, 5), D(2026, 5, 20), 16, False)],
        ),
        # a whole leap February
        (
            D(2028, 2, 1),
            D(2028, 2, 29),
            D(2028, 1, 1),
            1,
            [(D(2028, 2, 1), D(2028, 2, 29), 29, True)],
        ),
        # quarterly, billing day 15: 1 Feb–14 Apr (73 days of 90), then a full quarter
        (
            D(2026, 2, 1),
            D(2026, 7, 14),
            D(2026, 1, 15),
            3,
            [
                (D(2026, 2, 1), D(2026, 4, 14), 73, False),
                (D(2026, 4, 15), D(2026, 7, 14), 91, True),
            ],
        ),
        # yearly across a leap year: Jun–Dec 2027 (214 days), then all of 2028 (366)
        (
            D(2027, 6, 1),
            D(2028, 12, 31),
            D(2027, 1, 1),
            12,
            [
                (D(2027, 6, 1), D(2027, 12, 31), 214, False),
                (D(2028, 1, 1), D(2028, 12, 31), 366, True),
            ],
        ),
        # billing day 28 over February: 10–27 Feb (18 of 31), 28 Feb–3 Mar (4 of 28)
        (
            D(2026, 2, 10),
            D(2026, 3, 3),
            D(2026, 1, 28),
            1,
            [
                (D(2026, 2, 10), D(2026, 2, 27), 18, False),
                (D(2026, 2, 28), D(2026, 3, 3), 4, False),
            ],
        ),
        # the last day before the first: nothing
        (D(2026, 5, 2), D(2026, 5, 1), D(2026, 4, 1), 1, []),
    ],
)
def test_segments_cut_a_range_at_period_boundaries(
    first: date,
    last: date,
    anchor: date,
    months: int,
    expected: list[tuple[date, date, int, bool]],
) -> None:
    found = [(s.first, s.last, s.days, s.is_full) for s in segments(first, last, anchor, months)]
    assert found == expected


@given(
    first=st.dates(D(2024, 1, 1), D(2030, 12, 31)),
    length=st.integers(0, 800),
    billing_day=st.integers(1, 28),
    months=st.sampled_from([1, 3, 6, 12]),
    anchor_month=st.integers(1, 12),
)
def test_segments_cover_every_day_once(
    first: date, length: int, billing_day: int, months: int, anchor_month: int
) -> None:
    last = first + timedelta(days=length)
    anchor = D(2026, anchor_month, billing_day)
    parts = list(segments(first, last, anchor, months))
    assert parts[0].first == first
    assert parts[-1].last == last
    assert sum(p.days for p in parts) == length + 1
    for before, after in pairwise(parts):
        assert before.last + timedelta(days=1) == after.first
        assert before.period.end == before.last
        assert after.period.start == after.first
    for part in parts:
        assert part.period == period_containing(part.first, anchor, months)
        assert part.period.start.day == billing_day  # 1–28 exist in every month


# -- the 30-day month count ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [
        (D(2026, 1, 1), D(2026, 1, 31), 30),  # a 31-day month counts 30
        (D(2026, 4, 1), D(2026, 4, 30), 30),
        (D(2026, 2, 1), D(2026, 2, 28), 30),  # February counts 30 too
        (D(2028, 2, 1), D(2028, 2, 29), 30),
        (D(2026, 1, 21), D(2026, 1, 31), 10),  # 21st to the 30th: the 31st counts as the 30th
        (D(2026, 1, 21), D(2026, 1, 30), 9),  # 21–29, and the 30th/31st pair is not over
        (D(2026, 1, 31), D(2026, 1, 31), 1),  # the 30th/31st pair counts one day
        (D(2026, 1, 30), D(2026, 1, 31), 1),
        (D(2026, 2, 1), D(2026, 2, 14), 14),
        (D(2026, 2, 15), D(2026, 2, 28), 16),  # 15 Feb to "30 Feb": 16 days
        (D(2026, 2, 28), D(2026, 2, 28), 3),  # the last day of February carries 28–30
        (D(2028, 2, 15), D(2028, 2, 29), 16),
        (D(2028, 2, 29), D(2028, 2, 29), 2),  # 29–30
        (D(2026, 4, 21), D(2026, 4, 30), 10),
        (D(2026, 5, 16), D(2026, 6, 15), 30),  # 15 (16th–30th of May) + 15
        (D(2026, 12, 21), D(2027, 1, 10), 20),  # 10 + 10 across the year end
        (D(2026, 1, 1), D(2026, 12, 31), 360),
        (D(2026, 3, 1), D(2026, 4, 14), 44),  # 30 + 14
        (D(2026, 5, 2), D(2026, 5, 1), 0),  # nothing
    ],
)
def test_thirty_days_counts_every_month_as_30_days(first: date, last: date, days: int) -> None:
    assert thirty_days(first, last) == days


@given(
    first=st.dates(D(2024, 1, 1), D(2030, 12, 31)),
    split=st.integers(0, 400),
    rest=st.integers(0, 400),
)
def test_thirty_days_add_up_over_a_split_range(first: date, split: int, rest: int) -> None:
    middle = first + timedelta(days=split)
    last = middle + timedelta(days=rest)
    whole = thirty_days(first, last)
    assert thirty_days(first, middle) + thirty_days(middle + timedelta(days=1), last) == whole
