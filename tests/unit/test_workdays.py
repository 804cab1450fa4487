"""Working days of SPEC §9: a block or deactivation date on a weekend or a holiday moves to
the next working day unless `block_on_weekends` / `block_on_holidays` allow it.

Every row's expected date is worked out by hand from the calendar in its comment.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from solde.dunning.workdays import WorkingDays
from solde.ledger.dunning_settings import DunningSettings

D = date

# Dec 2025: Mo 22 Tu 23 We 24 Th 25 Fr 26 Sa 27 Su 28 Mo 29 Tu 30 We 31 | Jan 2026: Th 1 Fr 2
# Jun 2026: Mo 1 … Fr 12 Sa 13 Su 14 Mo 15 Tu 16
# Dec 2026: Th 24 Fr 25 Sa 26 Su 27 Mo 28 Tu 29 We 30 Th 31 | Jan 2027: Fr 1 Sa 2 Su 3 Mo 4
CHRISTMAS_2025 = (D(2025, 12, 25), D(2025, 12, 26))
NEW_YEAR = (D(2026, 1, 1), D(2027, 1, 1))
CHRISTMAS_2026 = (D(2026, 12, 25), D(2026, 12, 26))


def days(*listed: date, weekends: bool = False, holidays: bool = False) -> WorkingDays:
    return WorkingDays(
        block_on_weekends=weekends, block_on_holidays=holidays, listed=frozenset(listed)
    )


@pytest.mark.parametrize(
    ("workdays", "day", "expected"),
    [
        # a plain Wednesday stays
        (days(), D(2026, 6, 10), D(2026, 6, 10)),
        # Friday stays
        (days(), D(2026, 6, 12), D(2026, 6, 12)),
        # Saturday 13 June -> Monday 15 June
        (days(), D(2026, 6, 13), D(2026, 6, 15)),
        # Sunday 14 June -> Monday 15 June
        (days(), D(2026, 6, 14), D(2026, 6, 15)),
        # blocking allowed on weekends: Saturday and Sunday stay
        (days(weekends=True), D(2026, 6, 13), D(2026, 6, 13)),
        (days(weekends=True), D(2026, 6, 14), D(2026, 6, 14)),
        # holiday on Friday 12 June, then the weekend -> Monday 15 June
        (days(D(2026, 6, 12)), D(2026, 6, 12), D(2026, 6, 15)),
        # holiday on Monday 15 June after the weekend: Saturday 13 -> Tuesday 16
        (days(D(2026, 6, 15)), D(2026, 6, 13), D(2026, 6, 16)),
        # ... and the Monday itself -> Tuesday 16
        (days(D(2026, 6, 15)), D(2026, 6, 15), D(2026, 6, 16)),
        # holidays on both Friday 12 and Monday 15 -> Tuesday 16
        (days(D(2026, 6, 12), D(2026, 6, 15)), D(2026, 6, 12), D(2026, 6, 16)),
        # weekends allowed, holiday Friday 12 -> Saturday 13
        (days(D(2026, 6, 12), weekends=True), D(2026, 6, 12), D(2026, 6, 13)),
        # holidays allowed, the Friday holiday stays, the weekend still moves
        (days(D(2026, 6, 12), holidays=True), D(2026, 6, 12), D(2026, 6, 12)),
        (days(D(2026, 6, 15), holidays=True), D(2026, 6, 13), D(2026, 6, 15)),
        # both allowed: every day stays
        (days(D(2026, 6, 15), weekends=True, holidays=True), D(2026, 6, 14), D(2026, 6, 14)),
        # Christmas 2025 Thu 25 + Fri 26, then the weekend -> Monday 29 December
        (days(*CHRISTMAS_2025), D(2025, 12, 25), D(2025, 12, 29)),
        (days(*CHRISTMAS_2025), D(2025, 12, 26), D(2025, 12, 29)),
        # Christmas Eve (Wed 24) is not listed: it stays
        (days(*CHRISTMAS_2025), D(2025, 12, 24), D(2025, 12, 24)),
        # Christmas 2026 Fri 25 + Sat 26, Sun 27 -> Monday 28 December
        (days(*CHRISTMAS_2026), D(2026, 12, 25), D(2026, 12, 28)),
        # year end: Wed 31 Dec 2025 stays; New Year Thu 1 Jan 2026 -> Friday 2 January
        (days(*NEW_YEAR), D(2025, 12, 31), D(2025, 12, 31)),
        (days(*NEW_YEAR), D(2026, 1, 1), D(2026, 1, 2)),
        # New Year Fri 1 Jan 2027, weekend 2-3 -> Monday 4 January 2027
        (days(*NEW_YEAR), D(2027, 1, 1), D(2027, 1, 4)),
        # Sat 2 Jan 2027 -> Monday 4 January 2027
        (days(*NEW_YEAR), D(2027, 1, 2), D(2027, 1, 4)),
        # a week of listed holidays 28 Dec 2026 - 1 Jan 2027 (Mon-Fri) -> Monday 4 January
        (
            days(*(D(2026, 12, d) for d in range(28, 32)), D(2027, 1, 1)),
            D(2026, 12, 26),
            D(2027, 1, 4),
        ),
    ],
)
def test_next_allowed_day(workdays: WorkingDays, day: date, expected: date) -> None:
    assert workdays.next_allowed(day) == expected
    assert workdays.allows(expected)


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (D(2026, 6, 12), True),  # Friday
        (D(2026, 6, 13), False),  # Saturday
        (D(2026, 6, 14), False),  # Sunday
        (D(2026, 6, 15), True),  # Monday
        (D(2025, 12, 25), False),  # listed holiday (Thursday)
    ],
)
def test_allows(day: date, allowed: bool) -> None:
    assert days(*CHRISTMAS_2025).allows(day) is allowed


def test_a_listed_holiday_is_a_holiday_whatever_the_blocking_settings() -> None:
    for workdays in (days(D(2026, 6, 12)), days(D(2026, 6, 12), holidays=True)):
        assert workdays.is_holiday(D(2026, 6, 12))
        assert not workdays.is_holiday(D(2026, 6, 11))


def test_a_calendar_with_no_working_day_keeps_the_date() -> None:
    every_day = [D(2026, 1, 1) + timedelta(days=n) for n in range(800)]
    workdays = days(*every_day)
    assert workdays.next_allowed(D(2026, 3, 3)) == D(2026, 3, 3)


def test_of_reads_the_dunning_settings() -> None:
    settings = DunningSettings(
        block_on_weekends=True,
        block_on_holidays=False,
        holidays=(D(2026, 6, 12),),
        holiday_country="FR",
        holiday_subdivision=None,
    )
    workdays = WorkingDays.of(settings)
    assert workdays.block_on_weekends
    assert not workdays.block_on_holidays
    assert workdays.listed == frozenset({D(2026, 6, 12)})
    assert workdays.country == "FR"


# -- country calendars -----------------------------------------------------------------------

FRANCE = WorkingDays(country="FR")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 14 July 2026 is a Tuesday (National Day) -> Wednesday 15 July
        (D(2026, 7, 14), D(2026, 7, 15)),
        # 13 July 2026 (Monday) is a working day in France
        (D(2026, 7, 13), D(2026, 7, 13)),
        # 15 August 2026 is a Saturday (Assumption) -> Monday 17 August
        (D(2026, 8, 15), D(2026, 8, 17)),
        # 15 August 2027 is a Sunday -> Monday 16 August 2027
        (D(2027, 8, 15), D(2027, 8, 16)),
        # 11 November 2026 is a Wednesday (Armistice) -> Thursday 12 November
        (D(2026, 11, 11), D(2026, 11, 12)),
        # 11 November 2027 is a Thursday -> Friday 12 November 2027
        (D(2027, 11, 11), D(2027, 11, 12)),
        # Christmas 2026 Friday 25 (26 Dec is not a French holiday, but a Saturday) -> Mon 28
        (D(2026, 12, 25), D(2026, 12, 28)),
        # 1 January 2027 Friday -> Monday 4 January
        (D(2027, 1, 1), D(2027, 1, 4)),
        # year end: Thursday 31 December 2026 stays
        (D(2026, 12, 31), D(2026, 12, 31)),
    ],
)
def test_french_public_holidays(day: date, expected: date) -> None:
    assert FRANCE.next_allowed(day) == expected


@pytest.mark.parametrize(
    ("subdivision", "expected"),
    [
        # Epiphany (Tuesday 6 January 2026) is a holiday in Bavaria -> Wednesday 7 January
        ("BY", D(2026, 1, 7)),
        # but not in Germany as a whole: it stays
        (None, D(2026, 1, 6)),
    ],
)
def test_a_subdivision_adds_its_own_holidays(subdivision: str | None, expected: date) -> None:
    workdays = WorkingDays(country="DE", subdivision=subdivision)
    assert workdays.next_allowed(D(2026, 1, 6)) == expected
    assert workdays.is_holiday(D(2026, 1, 6)) is (subdivision == "BY")


def test_germany_has_two_christmas_days() -> None:
    # Fri 25 and Sat 26 December 2026 are holidays, Sun 27 a weekend -> Monday 28
    workdays = WorkingDays(country="DE")
    assert workdays.is_holiday(D(2026, 12, 26))
    assert workdays.next_allowed(D(2026, 12, 25)) == D(2026, 12, 28)


def test_listed_holidays_add_to_the_country_calendar() -> None:
    # France, plus a company day off on Monday 13 July 2026 (the bridge before 14 July):
    # Sat 11 -> Mon 13 listed -> Tue 14 national -> Wednesday 15 July
    workdays = WorkingDays(country="FR", listed=frozenset({D(2026, 7, 13)}))
    assert workdays.next_allowed(D(2026, 7, 11)) == D(2026, 7, 15)


def test_holidays_allowed_ignores_the_country_calendar_for_blocking() -> None:
    workdays = WorkingDays(country="FR", block_on_holidays=True)
    assert workdays.is_holiday(D(2026, 7, 14))
    assert workdays.next_allowed(D(2026, 7, 14)) == D(2026, 7, 14)
