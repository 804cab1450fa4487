"""Billing settings (SPEC §3), global settings (time zone, lock date) and the customer rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from solde.bootstrap import is_timezone
from solde.domain.errors import Conflict, InvalidInput, InvalidState, PeriodLocked
from solde.ledger.billing import (
    BILLING_FIELDS,
    BillingOverrides,
    BillingSettings,
    Proration,
    Timing,
    change_defaults,
    override,
)
from solde.ledger.customers import (
    Address,
    Customer,
    CustomerStatus,
    change_customer,
    new_customer,
    parse_address,
)
from solde.ledger.model import PaymentMethod
from solde.ledger.settings import Settings, change_settings

SPEC_DEFAULTS = {
    "billing_enabled": True,
    "period_months": 1,
    "billing_day": 1,
    "timing": "advance",
    "auto_invoice": True,
    "auto_settlement": True,
    "payment_due_days": 14,
    "credit_limit": Decimal(0),
    "blocking_period_days": 0,
    "deactivation_period_days": 30,
    "reminders": True,
    "bill_on_activation": False,
    "proration": "daily",
    "dunning_enabled": True,
}


ON = date(2026, 3, 10)  # the business day the tests change settings on


def faults(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def customer(**billing: object) -> Customer:
    details = new_customer({"name": "Acme", "currency": "EUR", "billing": billing}, Settings())
    return Customer(id=1, details=details)


# -- defaults and inheritance -----------------------------------------------------------------


def test_defaults_are_those_of_the_spec() -> None:
    assert BillingSettings().as_dict() == SPEC_DEFAULTS
    assert tuple(SPEC_DEFAULTS) == BILLING_FIELDS


def test_global_settings_default_to_utc_euro_and_no_lock_date() -> None:
    settings = Settings()
    assert settings.timezone == "UTC"
    assert settings.default_currency == "EUR"
    assert settings.lock_date is None
    assert settings.billing == BillingSettings()


def test_no_override_inherits_everything() -> None:
    overrides = BillingOverrides()
    assert overrides.resolve(BillingSettings()) == BillingSettings()
    assert overrides.inherited() == BILLING_FIELDS


def test_overrides_win_and_the_rest_follows_the_defaults() -> None:
    overrides = override(
        BillingOverrides(),
        {"billing_day": 10, "credit_limit": "50", "auto_settlement": False},
        currency="EUR",
        prefix="billing.",
    )
    defaults = replace(BillingSettings(), payment_due_days=30, period_months=3)
    effective = overrides.resolve(defaults)
    assert effective.billing_day == 10
    assert effective.credit_limit == Decimal(50)
    assert effective.auto_settlement is False
    assert effective.payment_due_days == 30  # follows the (changed) default
    assert effective.period_months == 3
    assert set(overrides.inherited()) == set(BILLING_FIELDS) - {
        "billing_day",
        "credit_limit",
        "auto_settlement",
    }


def test_false_and_zero_overrides_are_kept_not_inherited() -> None:
    overrides = override(
        BillingOverrides(),
        {"reminders": False, "payment_due_days": 0, "credit_limit": "0"},
        currency="EUR",
        prefix="",
    )
    defaults = replace(BillingSettings(), payment_due_days=30, credit_limit=Decimal(100))
    effective = overrides.resolve(defaults)
    assert effective.reminders is False
    assert effective.payment_due_days == 0
    assert effective.credit_limit == Decimal(0)


def test_null_returns_a_setting_to_the_default() -> None:
    overrides = override(BillingOverrides(), {"billing_day": 10}, currency="EUR", prefix="")
    overrides = override(overrides, {"billing_day": None}, currency="EUR", prefix="")
    assert overrides.billing_day is None
    assert "billing_day" in overrides.inherited()
    assert overrides.resolve(replace(BillingSettings(), billing_day=5)).billing_day == 5


def test_a_customer_resolves_its_settings_against_the_current_defaults() -> None:
    acme = customer(billing_day=15)
    settings = replace(Settings(), billing=replace(BillingSettings(), payment_due_days=7))
    effective = acme.billing_settings(settings)
    assert effective.billing_day == 15
    assert effective.payment_due_days == 7


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"timing": "arrears"}, ("timing", Timing.ARREARS)),
        ({"proration": "thirty_day"}, ("proration", Proration.THIRTY_DAY)),
        ({"proration": "none"}, ("proration", Proration.NONE)),
        ({"period_months": 12}, ("period_months", 12)),
        ({"billing_day": 28}, ("billing_day", 28)),
        ({"credit_limit": "-20"}, ("credit_limit", Decimal(-20))),
        ({"deactivation_period_days": 0}, ("deactivation_period_days", 0)),
    ],
)
def test_valid_overrides(changes: dict[str, object], expected: tuple[str, object]) -> None:
    overrides = override(BillingOverrides(), changes, currency="EUR", prefix="billing.")
    name, value = expected
    assert getattr(overrides, name) == value


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"billing_day": 0}, ("billing.billing_day", "out_of_range")),
        ({"billing_day": 29}, ("billing.billing_day", "out_of_range")),
        ({"billing_day": 31}, ("billing.billing_day", "out_of_range")),
        ({"billing_day": 32}, ("billing.billing_day", "out_of_range")),
        ({"billing_day": "10"}, ("billing.billing_day", "not_an_integer")),
        ({"billing_day": True}, ("billing.billing_day", "not_an_integer")),
        ({"period_months": 2}, ("billing.period_months", "invalid_choice")),
        ({"period_months": 24}, ("billing.period_months", "out_of_range")),
        ({"period_months": 0}, ("billing.period_months", "out_of_range")),
        ({"timing": "weekly"}, ("billing.timing", "invalid_choice")),
        ({"proration": "hourly"}, ("billing.proration", "invalid_choice")),
        ({"payment_due_days": -1}, ("billing.payment_due_days", "out_of_range")),
        ({"blocking_period_days": 1.5}, ("billing.blocking_period_days", "not_an_integer")),
        ({"reminders": "yes"}, ("billing.reminders", "not_a_boolean")),
        ({"auto_invoice": 1}, ("billing.auto_invoice", "not_a_boolean")),
        ({"credit_limit": 50.5}, ("billing.credit_limit", "not_a_decimal")),
        ({"credit_limit": "lots"}, ("billing.credit_limit", "not_a_decimal")),
        ({"credit_limit": "50.005"}, ("billing.credit_limit", "too_many_decimals")),
        ({"frequency": "monthly"}, ("billing.frequency", "unknown_field")),
    ],
)
def test_invalid_overrides_name_the_field(
    changes: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        override(BillingOverrides(), changes, currency="EUR", prefix="billing.")
    assert faults(exc) == [expected]


def test_credit_limit_decimals_follow_the_customer_currency() -> None:
    kwd = override(BillingOverrides(), {"credit_limit": "1.005"}, currency="KWD", prefix="")
    assert kwd.credit_limit == Decimal("1.005")
    with pytest.raises(InvalidInput) as exc:
        override(BillingOverrides(), {"credit_limit": "10.5"}, currency="JPY", prefix="billing.")
    assert faults(exc) == [("billing.credit_limit", "too_many_decimals")]


def test_every_bad_setting_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        override(
            BillingOverrides(),
            {"billing_day": 30, "period_months": 2, "timing": "later", "billing_day_x": 1},
            currency="EUR",
            prefix="billing.",
        )
    assert {field for field, _ in faults(exc)} == {
        "billing.billing_day",
        "billing.period_months",
        "billing.timing",
        "billing.billing_day_x",
    }


def test_refused_override_changes_nothing() -> None:
    before = override(BillingOverrides(), {"billing_day": 5}, currency="EUR", prefix="")
    with pytest.raises(InvalidInput):
        override(before, {"billing_day": 7, "period_months": 5}, currency="EUR", prefix="")
    assert before.billing_day == 5
    assert before.period_months is None


def test_global_defaults_may_not_be_null() -> None:
    with pytest.raises(InvalidInput) as exc:
        change_defaults(BillingSettings(), {"billing_day": None}, prefix="billing.")
    assert faults(exc) == [("billing.billing_day", "not_an_integer")]


def test_global_default_credit_limit_must_be_whole() -> None:
    changed = change_defaults(BillingSettings(), {"credit_limit": "25"}, prefix="billing.")
    assert changed.credit_limit == Decimal(25)
    with pytest.raises(InvalidInput) as exc:
        change_defaults(BillingSettings(), {"credit_limit": "25.5"}, prefix="billing.")
    assert faults(exc) == [("billing.credit_limit", "too_many_decimals")]


# -- global settings --------------------------------------------------------------------------


def test_lock_date_closes_the_period_up_to_and_including_it() -> None:
    settings = replace(Settings(), lock_date=date(2026, 1, 31))
    for day in (date(2026, 1, 31), date(2025, 12, 1)):
        with pytest.raises(PeriodLocked) as exc:
            settings.check_open(day)
        assert isinstance(exc.value, Conflict)
        assert "2026-01-31" in exc.value.message
    settings.check_open(date(2026, 2, 1))


def test_without_lock_date_every_date_is_open() -> None:
    Settings().check_open(date(1900, 1, 1))


def test_open_day_moves_a_closed_date_to_the_day_after_the_lock_date() -> None:
    settings = replace(Settings(), lock_date=date(2026, 1, 31))
    assert settings.open_day(date(2025, 6, 1)) == date(2026, 2, 1)
    assert settings.open_day(date(2026, 1, 31)) == date(2026, 2, 1)
    assert settings.open_day(date(2026, 2, 1)) == date(2026, 2, 1)
    assert Settings().open_day(date(2000, 1, 1)) == date(2000, 1, 1)


def test_change_settings_applies_valid_changes() -> None:
    changed = change_settings(
        Settings(),
        {
            "timezone": "Europe/Paris",
            "default_currency": "chf",
            "default_locale": "fr_FR",
            "lock_date": "2026-01-31",
            "billing": {"payment_due_days": 30},
        },
        is_timezone=is_timezone,
        on=ON,
    )
    assert changed.timezone == "Europe/Paris"
    assert changed.default_currency == "CHF"
    assert changed.default_locale == "fr_FR"
    assert changed.lock_date == date(2026, 1, 31)
    assert changed.billing.payment_due_days == 30
    assert changed.billing.billing_day == 1


@pytest.mark.parametrize("day", ["2026-03-10", "2026-03-11", "2999-01-01"])
def test_a_lock_date_closes_past_days_only(day: str) -> None:
    """Today and later cannot be closed: today's postings and settlement must stay possible."""
    with pytest.raises(InvalidInput) as exc:
        change_settings(Settings(), {"lock_date": day}, is_timezone=is_timezone, on=ON)
    assert faults(exc) == [("lock_date", "not_past")]
    changed = change_settings(
        Settings(), {"lock_date": "2026-03-09"}, is_timezone=is_timezone, on=ON
    )
    assert changed.lock_date == date(2026, 3, 9)


def test_lock_date_can_be_removed() -> None:
    settings = replace(Settings(), lock_date=date(2026, 1, 31))
    assert (
        change_settings(settings, {"lock_date": None}, is_timezone=is_timezone, on=ON).lock_date
        is None
    )


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "../../etc/passwd", "europe/paris", "/etc/localtime"]
)
def test_unknown_time_zones_are_refused(zone: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        change_settings(Settings(), {"timezone": zone}, is_timezone=is_timezone, on=ON)
    assert faults(exc) == [("timezone", "invalid_timezone")]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_iana_time_zones_are_accepted(zone: str) -> None:
    assert (
        change_settings(Settings(), {"timezone": zone}, is_timezone=is_timezone, on=ON).timezone
        == zone
    )


def test_time_zone_check_is_given_the_trimmed_name() -> None:
    asked: list[str] = []

    def known(name: str) -> bool:
        asked.append(name)
        return name == "Europe/Paris"

    changed = change_settings(Settings(), {"timezone": " Europe/Paris "}, is_timezone=known, on=ON)
    assert changed.timezone == "Europe/Paris"
    assert asked == ["Europe/Paris"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"timezone": ""}, ("timezone", "required")),
        ({"timezone": 3}, ("timezone", "not_text")),
        ({"default_currency": "EURO"}, ("default_currency", "unknown_currency")),
        ({"default_currency": 978}, ("default_currency", "unknown_currency")),
        ({"default_locale": "french"}, ("default_locale", "invalid_locale")),
        ({"lock_date": "31/01/2026"}, ("lock_date", "not_a_date")),
        ({"billing": {"billing_day": 29}}, ("billing.billing_day", "out_of_range")),
        ({"billing": 5}, ("billing", "not_an_object")),
        ({"colour": "blue"}, ("colour", "unknown_field")),
    ],
)
def test_bad_settings_are_refused_by_field(
    changes: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        change_settings(Settings(), changes, is_timezone=is_timezone, on=ON)
    assert faults(exc) == [expected]


def test_every_bad_setting_is_reported_together() -> None:
    with pytest.raises(InvalidInput) as exc:
        change_settings(
            Settings(),
            {"timezone": "Nowhere/Town", "default_currency": "XYZ", "lock_date": "soon"},
            is_timezone=is_timezone,
            on=ON,
        )
    assert {field for field, _ in faults(exc)} == {"timezone", "default_currency", "lock_date"}


# -- customers --------------------------------------------------------------------------------


def test_new_customer_takes_the_defaults() -> None:
    settings = replace(Settings(), default_currency="CHF", default_locale="de_CH")
    details = new_customer({"name": "  Acme  "}, settings)
    assert details.name == "Acme"
    assert details.currency == "CHF"
    assert details.partner_id == 1
    assert details.status is CustomerStatus.ACTIVE
    assert details.billing == BillingOverrides()
    assert Customer(1, details).locale(settings) == "de_CH"
    assert Customer(1, details).billing_settings(settings) == settings.billing


def test_new_customer_with_every_field() -> None:
    details = new_customer(
        {
            "name": "Acme",
            "currency": "usd",
            "external_ref": "CRM-1",
            "email": "billing@acme.example",
            "segment": "isp",
            "payment_method": "sepa_debit",
            "partner_id": 3,
            "locale": "fr_FR",
            "billing_address": {"line1": "1 rue de la Paix", "city": "Paris", "country": "fr"},
            "status": "blocked",
            "billing": {"billing_day": 10, "period_months": 3},
        },
        Settings(),
    )
    assert details.currency == "USD"
    assert details.payment_method is PaymentMethod.SEPA_DEBIT
    assert details.partner_id == 3
    assert details.billing_address == Address(line1="1 rue de la Paix", city="Paris", country="FR")
    assert details.status is CustomerStatus.BLOCKED
    assert details.billing.billing_day == 10
    assert details.billing.period_months == 3


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, ("name", "required")),
        ({"name": "   "}, ("name", "required")),
        ({"name": "A", "currency": "ABC"}, ("currency", "unknown_currency")),
        ({"name": "A", "currency": None}, ("currency", "required")),
        ({"name": "A", "email": "not-an-address"}, ("email", "invalid_email")),
        ({"name": "A", "payment_method": "bitcoin"}, ("payment_method", "invalid_choice")),
        ({"name": "A", "partner_id": 0}, ("partner_id", "out_of_range")),
        ({"name": "A", "status": "deleted"}, ("status", "invalid_choice")),
        ({"name": "A", "locale": "fr-FR"}, ("locale", "invalid_locale")),
        ({"name": "A", "billing": []}, ("billing", "not_an_object")),
        ({"name": "A", "billing": {"billing_day": 30}}, ("billing.billing_day", "out_of_range")),
        ({"name": "A", "balance": "10"}, ("balance", "unknown_field")),
        ({"name": "A", "billing_address": {"country": "FRA"}},
         ("billing_address.country", "invalid_country")),
        ({"name": "A", "billing_address": {"street": "x"}},
         ("billing_address.street", "unknown_field")),
    ],
)  # fmt: skip
def test_new_customer_refuses_bad_fields(
    values: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        new_customer(values, Settings())
    assert faults(exc) == [expected]


def test_new_customer_credit_limit_follows_its_own_currency() -> None:
    with pytest.raises(InvalidInput) as exc:
        new_customer(
            {"name": "A", "currency": "JPY", "billing": {"credit_limit": "10.50"}}, Settings()
        )
    assert faults(exc) == [("billing.credit_limit", "too_many_decimals")]


def test_new_customer_reports_bad_fields_and_bad_billing_settings_together() -> None:
    with pytest.raises(InvalidInput) as exc:
        new_customer({"email": "nope", "billing": {"billing_day": 31}}, Settings())
    assert {field for field, _ in faults(exc)} == {"name", "email", "billing.billing_day"}


def test_parse_address_null_is_empty() -> None:
    assert parse_address(None) == Address()


def test_change_customer_updates_only_what_is_given() -> None:
    acme = customer(billing_day=10)
    details = change_customer(acme, {"segment": "b2b"}, has_transactions=True)
    assert details.segment == "b2b"
    assert details.name == "Acme"
    assert details.billing.billing_day == 10


def test_currency_may_change_while_the_account_is_empty() -> None:
    details = change_customer(customer(), {"currency": "gbp"}, has_transactions=False)
    assert details.currency == "GBP"


def test_currency_change_is_refused_once_the_customer_has_entries() -> None:
    with pytest.raises(InvalidState):
        change_customer(customer(), {"currency": "USD"}, has_transactions=True)


def test_same_currency_in_other_case_is_not_a_change() -> None:
    details = change_customer(customer(), {"currency": "eur"}, has_transactions=True)
    assert details.currency == "EUR"


def test_currency_change_must_fit_the_credit_limit_decimals() -> None:
    acme = customer(credit_limit="10.50")
    with pytest.raises(InvalidInput) as exc:
        change_customer(acme, {"currency": "JPY"}, has_transactions=False)
    assert faults(exc) == [("billing.credit_limit", "too_many_decimals")]


def test_change_customer_null_billing_setting_inherits_again() -> None:
    acme = customer(billing_day=10, credit_limit="50")
    details = change_customer(acme, {"billing": {"billing_day": None}}, has_transactions=True)
    assert details.billing.billing_day is None
    assert details.billing.credit_limit == Decimal(50)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": None}, ("name", "required")),
        ({"name": ""}, ("name", "required")),
        ({"status": None}, ("status", "required")),
        ({"billing": {"period_months": 4}}, ("billing.period_months", "invalid_choice")),
        ({"id": 5}, ("id", "unknown_field")),
    ],
)
def test_change_customer_refuses_bad_fields(
    changes: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        change_customer(customer(), changes, has_transactions=False)
    assert faults(exc) == [expected]


def test_change_customer_clears_optional_fields_with_null() -> None:
    acme = Customer(
        1, new_customer({"name": "A", "email": "a@b.io", "locale": "fr_FR"}, Settings())
    )
    details = change_customer(acme, {"email": None, "locale": None}, has_transactions=False)
    assert details.email is None
    assert details.locale is None
    assert Customer(1, details).locale(Settings()) == "en_US"
