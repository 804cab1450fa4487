"""Dunning settings (SPEC §9): every field accepted and refused with its field path, the
checks across fields, the reminder fees of each currency, and the round trip through storage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from solde.bootstrap import is_timezone
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.dunning_settings import (
    MAX_HOLIDAYS,
    MAX_LEVELS,
    DunningSettings,
    change_dunning,
    countries,
    subdivisions,
)
from solde.ledger.settings import Settings, change_settings

D = date
DEFAULTS = DunningSettings()


def refused(changes: dict[str, Any], current: DunningSettings = DEFAULTS) -> list[tuple[str, str]]:
    """The (field, code) of every error `changes` gives."""
    with pytest.raises(InvalidInput) as caught:
        change_dunning(current, changes)
    return [(e.field, e.code) for e in caught.value.errors]


def test_defaults_are_the_spec_ones() -> None:
    assert DEFAULTS.block_on_weekends is False
    assert DEFAULTS.block_on_holidays is False
    assert DEFAULTS.holidays == ()
    assert DEFAULTS.holiday_country is None
    assert DEFAULTS.holiday_subdivision is None
    assert DEFAULTS.reminder_offsets == (3, 7, 14)
    assert DEFAULTS.reminder_fees == {}


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"block_on_weekends": True}, "block_on_weekends", True),
        ({"block_on_weekends": False}, "block_on_weekends", False),
        ({"block_on_holidays": True}, "block_on_holidays", True),
        # listed holidays: sorted, duplicates dropped
        (
            {"holidays": ["2026-12-25", "2026-01-01", "2026-12-25"]},
            "holidays",
            (D(2026, 1, 1), D(2026, 12, 25)),
        ),
        ({"holidays": []}, "holidays", ()),
        ({"holidays": ["2026-01-01"] * MAX_HOLIDAYS}, "holidays", (D(2026, 1, 1),)),
        # a country: its code in capitals; empty or null: none
        ({"holiday_country": "FR"}, "holiday_country", "FR"),
        ({"holiday_country": "fr"}, "holiday_country", "FR"),
        ({"holiday_country": " de "}, "holiday_country", "DE"),
        ({"holiday_country": ""}, "holiday_country", None),
        ({"holiday_country": None}, "holiday_country", None),
        # a subdivision with its country
        ({"holiday_country": "DE", "holiday_subdivision": "BY"}, "holiday_subdivision", "BY"),
        ({"holiday_country": "DE", "holiday_subdivision": "by"}, "holiday_subdivision", "BY"),
        ({"holiday_country": "DE", "holiday_subdivision": None}, "holiday_subdivision", None),
        # offsets: increasing whole days, none at all, or up to ten levels
        ({"reminder_offsets": [3, 7, 14]}, "reminder_offsets", (3, 7, 14)),
        ({"reminder_offsets": [0, 30]}, "reminder_offsets", (0, 30)),
        ({"reminder_offsets": []}, "reminder_offsets", ()),
        ({"reminder_offsets": [3650]}, "reminder_offsets", (3650,)),
        (
            {"reminder_offsets": list(range(MAX_LEVELS))},
            "reminder_offsets",
            tuple(range(MAX_LEVELS)),
        ),
        # fees: per currency, one per level at most, with the currency's decimals
        (
            {"reminder_fees": {"EUR": ["0", "5.00", "10"]}},
            "reminder_fees",
            {"EUR": (Decimal(0), Decimal("5.00"), Decimal(10))},
        ),
        ({"reminder_fees": {"eur": ["5"]}}, "reminder_fees", {"EUR": (Decimal(5),)}),
        ({"reminder_fees": {"EUR": [None, "5"]}}, "reminder_fees", {"EUR": (0, Decimal(5))}),
        ({"reminder_fees": {"JPY": ["500", "1000"]}}, "reminder_fees", {"JPY": (500, 1000)}),
        ({"reminder_fees": {"KWD": ["1.250"]}}, "reminder_fees", {"KWD": (Decimal("1.250"),)}),
        ({"reminder_fees": {"EUR": [1, 2]}}, "reminder_fees", {"EUR": (1, 2)}),
        ({"reminder_fees": {"EUR": ["1000000"]}}, "reminder_fees", {"EUR": (1000000,)}),
        ({"reminder_fees": {}}, "reminder_fees", {}),
    ],
)
def test_accepted(changes: dict[str, Any], field: str, expected: object) -> None:
    changed = change_dunning(DEFAULTS, changes)
    assert getattr(changed, field) == expected
    # the rest stays as it was
    untouched = {"reminder_offsets", "block_on_weekends"} - set(changes)
    for name in untouched:
        assert getattr(changed, name) == getattr(DEFAULTS, name)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"block_on_weekends": "yes"}, [("dunning.block_on_weekends", "not_a_boolean")]),
        ({"block_on_weekends": None}, [("dunning.block_on_weekends", "not_a_boolean")]),
        ({"block_on_holidays": 1}, [("dunning.block_on_holidays", "not_a_boolean")]),
        # holidays
        ({"holidays": "2026-12-25"}, [("dunning.holidays", "not_a_list")]),
        (
            {"holidays": ["2026-13-01", "2026-02-30", "x", "2026-01-01", 20260101]},
            [
                ("dunning.holidays.0", "not_a_date"),
                ("dunning.holidays.1", "not_a_date"),
                ("dunning.holidays.2", "not_a_date"),
                ("dunning.holidays.4", "not_a_date"),
            ],
        ),
        ({"holidays": ["2026-01-01"] * (MAX_HOLIDAYS + 1)}, [("dunning.holidays", "too_long")]),
        # countries: known calendars only
        ({"holiday_country": "XX"}, [("dunning.holiday_country", "unknown_country")]),
        ({"holiday_country": "France"}, [("dunning.holiday_country", "unknown_country")]),
        ({"holiday_country": 33}, [("dunning.holiday_country", "unknown_country")]),
        # subdivisions: of the country, and never without one
        ({"holiday_subdivision": "BY"}, [("dunning.holiday_subdivision", "needs_country")]),
        (
            {"holiday_country": "DE", "holiday_subdivision": "ZZ"},
            [("dunning.holiday_subdivision", "unknown_subdivision")],
        ),
        (
            {"holiday_country": "DE", "holiday_subdivision": "B-Y"},
            [("dunning.holiday_subdivision", "unknown_subdivision")],
        ),
        (
            {"holiday_country": "FR", "holiday_subdivision": "BY"},
            [("dunning.holiday_subdivision", "unknown_subdivision")],
        ),
        # offsets
        ({"reminder_offsets": 3}, [("dunning.reminder_offsets", "not_a_list")]),
        ({"reminder_offsets": [7, 3]}, [("dunning.reminder_offsets", "not_increasing")]),
        ({"reminder_offsets": [3, 3]}, [("dunning.reminder_offsets", "not_increasing")]),
        ({"reminder_offsets": [3, 14, 7]}, [("dunning.reminder_offsets", "not_increasing")]),
        (
            {"reminder_offsets": list(range(MAX_LEVELS + 1))},
            [("dunning.reminder_offsets", "too_long")],
        ),
        ({"reminder_offsets": [-1, 3]}, [("dunning.reminder_offsets.0", "out_of_range")]),
        ({"reminder_offsets": [3, 3651]}, [("dunning.reminder_offsets.1", "out_of_range")]),
        (
            {"reminder_offsets": ["3", True, 7.5]},
            [
                ("dunning.reminder_offsets.0", "not_an_integer"),
                ("dunning.reminder_offsets.1", "not_an_integer"),
                ("dunning.reminder_offsets.2", "not_an_integer"),
            ],
        ),
        # fees
        ({"reminder_fees": ["5"]}, [("dunning.reminder_fees", "not_an_object")]),
        ({"reminder_fees": {"EUR": "5"}}, [("dunning.reminder_fees.EUR", "not_a_list")]),
        (
            {"reminder_fees": {"EUR": ["1"] * (MAX_LEVELS + 1)}},
            [("dunning.reminder_fees.EUR", "not_a_list")],
        ),
        ({"reminder_fees": {"XXX": ["1"]}}, [("dunning.reminder_fees.XXX", "unknown_currency")]),
        ({"reminder_fees": {"EUR": ["-1"]}}, [("dunning.reminder_fees.EUR.0", "negative")]),
        (
            {"reminder_fees": {"EUR": ["5", "-0.01"]}},
            [("dunning.reminder_fees.EUR.1", "negative")],
        ),
        (
            {"reminder_fees": {"EUR": ["1.234"]}},
            [("dunning.reminder_fees.EUR.0", "too_many_decimals")],
        ),
        (
            {"reminder_fees": {"KWD": ["1.2345"]}},
            [("dunning.reminder_fees.KWD.0", "too_many_decimals")],
        ),
        ({"reminder_fees": {"EUR": [1.5]}}, [("dunning.reminder_fees.EUR.0", "not_a_decimal")]),
        ({"reminder_fees": {"EUR": ["abc"]}}, [("dunning.reminder_fees.EUR.0", "not_a_decimal")]),
        (
            {"reminder_fees": {"EUR": ["1000000.01"]}},
            [("dunning.reminder_fees.EUR.0", "out_of_range")],
        ),
        # more fees than levels
        (
            {"reminder_fees": {"EUR": ["0", "5", "10", "15"]}},
            [("dunning.reminder_fees.EUR", "too_many_levels")],
        ),
        (
            {"reminder_offsets": [3], "reminder_fees": {"EUR": ["1", "2"]}},
            [("dunning.reminder_fees.EUR", "too_many_levels")],
        ),
        # unknown settings
        ({"weekends": True}, [("dunning.weekends", "unknown_field")]),
    ],
)
def test_refused(changes: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    assert refused(changes) == errors


def test_a_yen_fee_has_no_decimals() -> None:
    assert refused({"reminder_fees": {"JPY": ["500.5"]}}) == [
        ("dunning.reminder_fees.JPY.0", "too_many_decimals")
    ]


def test_every_bad_field_is_reported_at_once() -> None:
    errors = refused(
        {
            "block_on_weekends": "x",
            "holidays": ["nope"],
            "holiday_country": "XX",
            "reminder_offsets": [7, 3],
            "reminder_fees": {"EUR": ["-1"]},
            "other": 1,
        }
    )
    assert sorted(errors) == [
        ("dunning.block_on_weekends", "not_a_boolean"),
        ("dunning.holiday_country", "unknown_country"),
        ("dunning.holidays.0", "not_a_date"),
        ("dunning.other", "unknown_field"),
        ("dunning.reminder_fees.EUR.0", "negative"),
        ("dunning.reminder_offsets", "not_increasing"),
    ]


def test_checks_across_fields_see_the_settings_already_kept() -> None:
    kept = change_dunning(
        DEFAULTS,
        {
            "holiday_country": "DE",
            "holiday_subdivision": "BY",
            "reminder_fees": {"EUR": ["0", "5", "10"]},
        },
    )
    # fewer levels than the fees kept
    assert refused({"reminder_offsets": [3, 7]}, kept) == [
        ("dunning.reminder_fees.EUR", "too_many_levels")
    ]
    # no country left for the subdivision kept
    assert refused({"holiday_country": None}, kept) == [
        ("dunning.holiday_subdivision", "needs_country")
    ]
    # a country the subdivision kept is not part of
    assert refused({"holiday_country": "FR"}, kept) == [
        ("dunning.holiday_subdivision", "unknown_subdivision")
    ]
    # both changed together is fine
    moved = change_dunning(kept, {"holiday_country": "FR", "holiday_subdivision": None})
    assert (moved.holiday_country, moved.holiday_subdivision) == ("FR", None)
    fewer = change_dunning(kept, {"reminder_offsets": [3, 7], "reminder_fees": {"EUR": ["1"]}})
    assert fewer.reminder_fees == {"EUR": (Decimal(1),)}


def test_the_error_names_the_known_subdivisions() -> None:
    with pytest.raises(InvalidInput) as caught:
        change_dunning(DEFAULTS, {"holiday_country": "DE", "holiday_subdivision": "ZZ"})
    assert "BY" in caught.value.errors[0].message


def test_countries_and_subdivisions_come_from_the_holidays_package() -> None:
    assert {"FR", "DE", "US"} <= set(countries())
    assert "BY" in subdivisions("DE")
    assert subdivisions("XX") == ()


@pytest.mark.parametrize(
    ("level", "currency", "fee"),
    [
        (1, "EUR", None),  # a fee of 0 is no fee
        (2, "EUR", Money(Decimal("5.00"), "EUR")),
        (3, "EUR", Money(Decimal("10.00"), "EUR")),
        (4, "EUR", None),  # beyond the listed levels
        (0, "EUR", None),
        (1, "USD", None),  # no fees for this currency
        (1, "JPY", Money(Decimal(500), "JPY")),
    ],
)
def test_fee_of_a_level(level: int, currency: str, fee: Money | None) -> None:
    settings = change_dunning(
        DEFAULTS, {"reminder_fees": {"EUR": ["0", "5", "10"], "JPY": ["500"]}}
    )
    assert settings.fee(level, currency) == fee


def test_round_trip_through_storage() -> None:
    settings = change_dunning(
        DEFAULTS,
        {
            "block_on_weekends": True,
            "block_on_holidays": True,
            "holidays": ["2026-12-25", "2026-12-26"],
            "holiday_country": "DE",
            "holiday_subdivision": "BY",
            "reminder_offsets": [5, 10],
            "reminder_fees": {"EUR": ["0", "7.50"], "KWD": ["1.250"], "JPY": ["300"]},
        },
    )
    written = settings.as_dict()
    assert written == {
        "block_on_weekends": True,
        "block_on_holidays": True,
        "holidays": ["2026-12-25", "2026-12-26"],
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "reminder_offsets": [5, 10],
        "reminder_fees": {"EUR": ["0.00", "7.50"], "JPY": ["300"], "KWD": ["1.250"]},
    }
    assert DunningSettings.from_dict(written) == settings
    assert DunningSettings.from_dict({}) == DEFAULTS


# -- through the global settings (PUT /v1/settings) --------------------------------------------


def change(changes: dict[str, Any]) -> Settings:
    return change_settings(Settings(), changes, is_timezone=is_timezone, on=D(2026, 3, 10))


def test_global_settings_carry_the_dunning_settings() -> None:
    updated = change({"dunning": {"block_on_weekends": True, "reminder_offsets": [2, 9]}})
    assert updated.dunning.block_on_weekends is True
    assert updated.dunning.reminder_offsets == (2, 9)
    assert updated.as_dict()["dunning"]["reminder_offsets"] == [2, 9]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"dunning": 5}, [("dunning", "not_an_object")]),
        (
            {"dunning": {"reminder_offsets": [3, 1]}},
            [("dunning.reminder_offsets", "not_increasing")],
        ),
        (
            {"dunning": {"holiday_subdivision": "BY"}, "lock_date": "x"},
            [("dunning.holiday_subdivision", "needs_country"), ("lock_date", "not_a_date")],
        ),
    ],
)
def test_global_settings_name_the_dunning_field(
    changes: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        change(changes)
    assert sorted((e.field, e.code) for e in caught.value.errors) == sorted(errors)


@pytest.mark.parametrize(
    ("country", "typed", "kept"),
    [
        ("DE", "by", "BY"),  # a state code, typed in lower case
        ("DE", "augsburg", "Augsburg"),  # a city calendar spelled with capitals and lower case
        ("FR", "zone a", "Zone A"),  # a school zone, with a space
    ],
)
def test_a_subdivision_is_kept_as_the_holiday_calendar_spells_it(
    country: str, typed: str, kept: str
) -> None:
    changed = change_dunning(
        DunningSettings(), {"holiday_country": country, "holiday_subdivision": typed}
    )
    assert changed.holiday_subdivision == kept
