"""Working days: weekends, listed holidays and a country's public holidays (SPEC §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from solde.ledger.dunning_settings import DunningSettings

ONE_DAY = timedelta(days=1)
#: A date never moves further than this (a calendar of holidays every day is a mistake).
LONGEST_MOVE = 366


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays  # loaded only when a country calendar is set

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """Which days a block or deactivation may fall on."""

    block_on_weekends: bool = False
    block_on_holidays: bool = False
    listed: frozenset[date] = frozenset()
    country: str | None = None
    subdivision: str | None = None

    @classmethod
    def of(cls, settings: DunningSettings) -> WorkingDays:
        """The working days the dunning settings describe."""
        return cls(
            block_on_weekends=settings.block_on_weekends,
            block_on_holidays=settings.block_on_holidays,
            listed=frozenset(settings.holidays),
            country=settings.holiday_country,
            subdivision=settings.holiday_subdivision,
        )

    def is_holiday(self, day: date) -> bool:
        """A listed holiday or a public holiday of the country."""
        if day in self.listed:
            return True
        if self.country is None:
            return False
        return day in _public_holidays(self.country, self.subdivision, day.year)

    def allows(self, day: date) -> bool:
        """True when a block or deactivation may happen on `day`."""
        if day.weekday() >= 5 and not self.block_on_weekends:
            return False
        return self.block_on_holidays or not self.is_holiday(day)

    def next_allowed(self, day: date) -> date:
        """`day`, or the first later day a block or deactivation may happen on."""
        moved = day
        for _ in range(LONGEST_MOVE):
            if self.allows(moved):
                return moved
            moved += ONE_DAY
        return day  # every day of a year is a holiday: keep the date as computed
