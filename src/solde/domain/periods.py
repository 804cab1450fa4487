"""Billing periods, computed from an anchor (SPEC §8).

Period k of a customer billed every `months` months starts `months·k` months after the anchor,
on the anchor's day of month. Every period start is computed from the anchor, never from the
previous period, so a billing day near a month end cannot drift. A period ends the day before
the next one starts.

    >>> anchor = date(2026, 1, 10)
    >>> period_containing(date(2026, 3, 2), anchor, 1)
    Period(start=datetime.date(2026, 2, 10), end=datetime.date(2026, 3, 9))
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """`day` moved by a whole number of months, its day of month clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start`'s month to `end`'s month (days ignored)."""
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True, slots=True)
class Period:
    """One billing period: `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1


@lru_cache(maxsize=8192)  # pure; a billing run asks the same few periods for every customer
def period_at(anchor: date, index: int, months: int) -> Period:
    """Period `index` (negative before the anchor) of length `months` from `anchor`."""
    start = add_months(anchor, index * months)
    end = add_months(anchor, (index + 1) * months) - ONE_DAY
    return Period(start, end)


@lru_cache(maxsize=8192)
def period_index(day: date, anchor: date, months: int) -> int:
    """The index of the period that contains `day`."""
    index = months_between(anchor, day) // months
    # the month arithmetic is only a first guess: the period may start later in its month
    while add_months(anchor, index * months) > day:
        index -= 1
    while add_months(anchor, (index + 1) * months) <= day:
        index += 1
    return index


def period_containing(day: date, anchor: date, months: int) -> Period:
    """The period that contains `day`."""
    return period_at(anchor, period_index(day, anchor, months), months)


def is_period_start(day: date, anchor: date, months: int) -> bool:
    """Whether a period starts on `day` (it is a billing day)."""
    return period_containing(day, anchor, months).start == day


@dataclass(frozen=True, slots=True)
class Segment:
    """The part `first`..`last` of a range that falls in one period."""

    period: Period
    first: date
    last: date

    @property
    def days(self) -> int:
        """Days covered in the period."""
        return (self.last - self.first).days + 1

    @property
    def is_full(self) -> bool:
        """The segment covers its whole period."""
        return self.first == self.period.start and self.last == self.period.end


def segments(first: date, last: date, anchor: date, months: int) -> Iterator[Segment]:
    """The range `first`..`last` (both included) cut at period boundaries, in order."""
    if last < first:
        return
    index = period_index(first, anchor, months)
    while True:
        period = period_at(anchor, index, months)
        if period.start > last:
            return
        yield Segment(period, max(first, period.start), min(last, period.end))
        index += 1


def thirty_day_number(day: date) -> int:
    """A day count where every month has 30 days (30E/360): the 31st counts as the 30th."""
    return day.year * 360 + (day.month - 1) * 30 + min(day.day, 30)


def thirty_days(first: date, last: date) -> int:
    """Days from `first` to `last` (both included) counting every month as 30 days."""
    return thirty_day_number(last + ONE_DAY) - thirty_day_number(first)
