"""`solde customer create|list|show|update`: every billing setting of SPEC §3, filters, JSON
output, and one-line errors that change nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from solde.ledger.billing import Proration, Timing
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod

if TYPE_CHECKING:
    from conftest import Cli

EVERY_SETTING = [
    "billing_enabled=false",
    "period_months=3",
    "billing_day=28",
    "timing=arrears",
    "auto_invoice=no",
    "auto_settlement=off",
    "payment_due_days=0",
    "credit_limit=50.5",
    "blocking_period_days=3",
    "deactivation_period_days=10",
    "reminders=0",
    "bill_on_activation=yes",
    "proration=thirty_day",
    "dunning_enabled=false",
]


#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def _billing_options(pairs: list[str]) -> list[str]:
    return [arg for pair in pairs for arg in ("-b", pair)]


# -- create ----------------------------------------------------------------------------------


def test_create_with_every_field_and_every_billing_setting(cli: Cli) -> None:
    data = cli.json(
        "customer", "create",
        "--name", "Atelier Dubois",
        "--currency", "eur",
        "--email", "billing@dubois.example",
        "--external-ref", "CUST-1",
        "--segment", "business",
        "--payment-method", "sepa_debit",
        "--partner-id", "3",
        "--locale", "fr_FR",
        "--address", "line1=3 rue Neuve", "--address", "city=Lyon", "--address", "country=fr",
        *_billing_options(EVERY_SETTING),
    )  # fmt: skip

    assert {k: data[k] for k in ("name", "currency", "email", "external_ref", "segment")} == {
        "name": "Atelier Dubois",
        "currency": "EUR",
        "email": "billing@dubois.example",
        "external_ref": "CUST-1",
        "segment": "business",
    }
    assert (data["payment_method"], data["partner_id"], data["locale"]) == (
        "sepa_debit",
        3,
        "fr_FR",
    )
    assert data["status"] == "active"
    assert data["balance"] == "0.00"
    assert data["billing_address"]["city"] == "Lyon"
    assert data["billing_address"]["country"] == "FR"
    assert data["billing"] == {
        "billing_enabled": False,
        "period_months": 3,
        "billing_day": 28,
        "timing": "arrears",
        "auto_invoice": False,
        "auto_settlement": False,
        "payment_due_days": 0,
        "credit_limit": "50.50",
        "blocking_period_days": 3,
        "deactivation_period_days": 10,
        "reminders": False,
        "bill_on_activation": True,
        "proration": "thirty_day",
        "dunning_enabled": False,
    }
    assert data["billing_inherited"] == []
    stored = cli.customer(data["id"]).details
    assert stored.payment_method is PaymentMethod.SEPA_DEBIT
    assert stored.billing.timing is Timing.ARREARS
    assert stored.billing.proration is Proration.THIRTY_DAY
    assert stored.billing.credit_limit == Decimal("50.5")


def test_create_takes_the_defaults_and_prints_the_new_id(cli: Cli) -> None:
    outcome = cli.ok("customer", "create", "--name", "Plain")

    customer = cli.json("customer", "list")["data"][0]
    assert outcome.stdout == f"created customer {customer['id']} (Plain, EUR)\n"
    assert customer["billing"]["payment_due_days"] == 14
    assert customer["billing"]["billing_day"] == 1
    assert customer["partner_id"] == 1
    assert customer["locale"] == "en_US"
    assert set(customer["billing_inherited"]) == set(customer["billing"])


def test_a_negative_credit_limit_means_the_customer_must_stay_in_credit(cli: Cli) -> None:
    data = cli.json("customer", "create", "--name", "Prepay", "-b", "credit_limit=-20")
    assert data["billing"]["credit_limit"] == "-20.00"


def test_the_currency_default_comes_from_settings(cli: Cli) -> None:
    cli.ok("settings", "set", "default_currency", "GBP")
    data = cli.json("customer", "create", "--name", "Harbour Ltd")
    assert data["currency"] == "GBP"
    assert data["billing"]["credit_limit"] == "0.00"


@SQLITE_ONLY
def test_a_jpy_customer_may_not_have_a_credit_limit_with_decimals(cli: Cli) -> None:
    message = cli.fails(
        "customer", "create", "--name", "Tokyo KK", "--currency", "JPY", "-b", "credit_limit=1.5"
    )
    assert message.startswith("billing.credit_limit: ")
    assert "JPY" in message


BAD_CREATE = [
    (["--name", ""], "name"),
    (["--name", " "], "name"),
    (["--name", "X", "--email", "not-an-address"], "email"),
    (["--name", "X", "--currency", "XXX"], "currency"),
    (["--name", "X", "--currency", "euro"], "currency"),
    (["--name", "X", "--partner-id", "0"], "partner_id"),
    (["--name", "X", "--locale", "french"], "locale"),
    (["--name", "X", "-b", "billing_day=31"], "billing.billing_day"),
    (["--name", "X", "-b", "billing_day=0"], "billing.billing_day"),
    (["--name", "X", "-b", "billing_day=abc"], "billing.billing_day"),
    (["--name", "X", "-b", "period_months=2"], "billing.period_months"),
    (["--name", "X", "-b", "timing=sometimes"], "billing.timing"),
    (["--name", "X", "-b", "proration=weekly"], "billing.proration"),
    (["--name", "X", "-b", "auto_settlement=maybe"], "billing.auto_settlement"),
    (["--name", "X", "-b", "payment_due_days=-1"], "billing.payment_due_days"),
    (["--name", "X", "-b", "credit_limit=1.234"], "billing.credit_limit"),
    (["--name", "X", "-b", "credit_limit=lots"], "billing.credit_limit"),
    (["--name", "X", "-b", "colour=blue"], "billing.colour"),
    (["--name", "X", "-b", "billing_day"], "billing"),
    (["--name", "X", "--address", "country=FRA"], "billing_address.country"),
    (["--name", "X", "--address", "planet=Mars"], "billing_address.planet"),
]


@SQLITE_ONLY
def test_create_refuses_bad_input_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    for options, field in BAD_CREATE:
        with subtests.test(" ".join(options)):
            message = cli.fails("customer", "create", *options)
            assert message.startswith(f"{field}: ")


@SQLITE_ONLY
def test_every_bad_billing_setting_is_named_on_the_one_line(cli: Cli) -> None:
    message = cli.fails(
        "customer", "create", "--name", "X", "-b", "billing_day=29", "-b", "period_months=5"
    )
    assert "billing.billing_day: " in message
    assert "billing.period_months: " in message


def test_an_external_ref_is_unique(cli: Cli) -> None:
    cli.new_customer("--external-ref", "CUST-1", name="First")
    message = cli.fails("customer", "create", "--name", "Second", "--external-ref", "CUST-1")
    assert "external_ref" in message
    assert "CUST-1" in message


@SQLITE_ONLY
def test_create_usage_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    for options, option in [
        (["--currency", "EUR"], "--name"),
        (["--name", "X", "--payment-method", "paypal"], "--payment-method"),
        (["--name", "X", "--partner-id", "one"], "--partner-id"),
    ]:
        with subtests.test(" ".join(options)):
            assert option in cli.usage_error("customer", "create", *options)


# -- show ------------------------------------------------------------------------------------


def test_show_by_id_or_external_ref(cli: Cli) -> None:
    customer = cli.new_customer("--external-ref", "ACME-7", "--segment", "wholesale")
    cli.post_debit(customer, "12.30", "2025-01-10")

    by_id = cli.json("customer", "show", str(customer))
    by_ref = cli.json("customer", "show", "ACME-7")
    human = cli.ok("customer", "show", "ACME-7").stdout

    assert by_id == by_ref
    assert by_id["balance"] == "12.30"
    assert f"Customer {customer}" in human
    assert "external_ref: ACME-7" in human
    assert "balance: 12.30" in human


def test_an_external_ref_made_of_digits_beyond_an_id_is_looked_up_as_a_ref(cli: Cli) -> None:
    ref = "1" * 20
    customer = cli.new_customer("--external-ref", ref)
    assert cli.json("customer", "show", ref)["id"] == customer


def test_show_an_unknown_customer(cli: Cli) -> None:
    cli.new_customer()
    assert cli.fails("customer", "show", "42") == "customer 42 does not exist"
    assert cli.fails("customer", "show", "NOPE-1") == (
        "customer: no customer with id or external_ref 'NOPE-1'"
    )


# -- update ----------------------------------------------------------------------------------


def test_update_changes_only_what_is_given(cli: Cli) -> None:
    customer = cli.new_customer(
        "--email", "a@acme.example", "--segment", "business", "-b", "billing_day=10"
    )

    outcome = cli.ok(
        "customer", "update", str(customer), "--name", "Acme SA", "-b", "payment_due_days=30"
    )

    assert outcome.stdout == f"updated customer {customer}\n"
    data = cli.json("customer", "show", str(customer))
    assert data["name"] == "Acme SA"
    assert data["email"] == "a@acme.example"
    assert data["segment"] == "business"
    assert data["billing"]["billing_day"] == 10
    assert data["billing"]["payment_due_days"] == 30


def test_update_by_external_ref_with_json_output(cli: Cli) -> None:
    customer = cli.new_customer("--external-ref", "K-1")
    data = cli.json("customer", "update", "K-1", "--status", "blocked", "--payment-method", "card")
    assert (data["id"], data["status"], data["payment_method"]) == (customer, "blocked", "card")
    assert cli.customer(customer).details.status is CustomerStatus.BLOCKED


def test_a_billing_setting_set_to_default_follows_the_global_default_again(cli: Cli) -> None:
    customer = cli.new_customer("-b", "payment_due_days=7", "-b", "auto_settlement=false")
    assert (
        "payment_due_days" not in cli.json("customer", "show", str(customer))["billing_inherited"]
    )

    data = cli.json("customer", "update", str(customer), "-b", "payment_due_days=default")

    assert data["billing"]["payment_due_days"] == 14
    assert "payment_due_days" in data["billing_inherited"]
    assert data["billing"]["auto_settlement"] is False
    cli.ok("settings", "set", "billing.payment_due_days", "21")
    assert cli.json("customer", "show", str(customer))["billing"]["payment_due_days"] == 21


def test_the_currency_may_change_while_the_account_is_empty(cli: Cli) -> None:
    customer = cli.new_customer("--currency", "EUR")
    assert cli.json("customer", "update", str(customer), "--currency", "usd")["currency"] == "USD"


def test_the_currency_may_not_change_once_there_are_lines(cli: Cli) -> None:
    customer = cli.new_customer("--currency", "EUR")
    cli.add_line(customer, "--kind", "debit", "--label", "Setup", "--unit-price", "10")

    message = cli.fails("customer", "update", str(customer), "--currency", "USD")

    assert "currency" in message
    assert cli.customer(customer).currency == "EUR"


def test_an_external_ref_taken_by_another_customer_is_refused(cli: Cli) -> None:
    cli.new_customer("--external-ref", "TAKEN", name="Owner")
    other = cli.new_customer(name="Other")
    message = cli.fails("customer", "update", str(other), "--external-ref", "TAKEN")
    assert "external_ref" in message
    assert "TAKEN" in message


@SQLITE_ONLY
def test_update_refuses_bad_input_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    for options, field in [
        (["--name", ""], "name"),
        (["--email", "nope"], "email"),
        (["--currency", "ZZZ"], "currency"),
        (["-b", "billing_day=30"], "billing.billing_day"),
        (["-b", "period_months=24"], "billing.period_months"),
        (["-b", "credit_limit=0.001"], "billing.credit_limit"),
        (["--address", "country=France"], "billing_address.country"),
    ]:
        with subtests.test(" ".join(options)):
            message = cli.fails("customer", "update", str(customer), *options)
            assert message.startswith(f"{field}: ")
    assert "--status" in cli.usage_error("customer", "update", str(customer), "--status", "gone")


def test_update_an_unknown_customer(cli: Cli) -> None:
    assert cli.fails("customer", "update", "77", "--name", "Ghost") == "customer 77 does not exist"


# -- list ------------------------------------------------------------------------------------


@pytest.fixture
def crowd(cli: Cli) -> dict[str, int]:
    """Five customers that differ in every filterable way."""
    return {
        "martin": cli.new_customer(
            "--currency", "EUR", "--segment", "residential", "--payment-method", "sepa_debit",
            "--email", "anne@martin.example", "--external-ref", "R-100", name="Anne Martin",
        ),
        "harbour": cli.new_customer(
            "--currency", "GBP", "--segment", "business", "--payment-method", "card",
            "--email", "accounts@harbour.example", "--external-ref", "B-200", name="Harbour Ltd",
        ),
        "nordwind": cli.new_customer(
            "--currency", "EUR", "--segment", "business", "--payment-method", "bank_transfer",
            "--external-ref", "B-300", name="Nordwind GmbH",
        ),
        "maple": cli.new_customer(
            "--currency", "USD", "--segment", "wholesale", "--payment-method", "card",
            "--email", "ap@maple.example", name="Maple Supply",
        ),
        "blocked": cli.new_customer(
            "--currency", "EUR", "--segment", "residential", name="Late Payer",
        ),
    }  # fmt: skip


def _ids(cli: Cli, *options: str) -> list[int]:
    page = cli.json("customer", "list", *options)
    return [c["id"] for c in page["data"]]


def test_list_is_newest_first(cli: Cli, crowd: dict[str, int]) -> None:
    assert _ids(cli) == sorted(crowd.values(), reverse=True)


def test_list_filters(cli: Cli, crowd: dict[str, int], subtests: pytest.Subtests) -> None:
    cli.ok("customer", "update", str(crowd["blocked"]), "--status", "blocked")
    for options, expected in [
        (["--segment", "business"], ["harbour", "nordwind"]),
        (["--currency", "eur"], ["martin", "nordwind", "blocked"]),
        (["--currency", "USD"], ["maple"]),
        (["--payment-method", "card"], ["harbour", "maple"]),
        (["--status", "blocked"], ["blocked"]),
        (["--search", "harbour"], ["harbour"]),
        (["-q", "ap@maple"], ["maple"]),
        (["-q", "B-3"], ["nordwind"]),
        (["--segment", "business", "--currency", "EUR"], ["nordwind"]),
        (["--segment", "retail"], []),
    ]:
        with subtests.test(" ".join(options)):
            assert sorted(_ids(cli, *options)) == sorted(crowd[name] for name in expected)


def test_list_pages_with_a_cursor(cli: Cli, crowd: dict[str, int]) -> None:
    newest_first = sorted(crowd.values(), reverse=True)

    first = cli.json("customer", "list", "--limit", "2")
    human = cli.ok("customer", "list", "--limit", "2").stdout
    second = cli.json("customer", "list", "--limit", "2", "--starting-after", str(newest_first[1]))
    last = cli.json("customer", "list", "--limit", "2", "--starting-after", str(newest_first[3]))

    assert [c["id"] for c in first["data"]] == newest_first[:2]
    assert first["has_more"] is True
    assert human.rstrip("\n").splitlines()[-1] == f"more: --starting-after {newest_first[1]}"
    assert [c["id"] for c in second["data"]] == newest_first[2:4]
    assert [c["id"] for c in last["data"]] == newest_first[4:]
    assert last["has_more"] is False


def test_list_shows_the_balance_with_its_sign(cli: Cli) -> None:
    owes = cli.new_customer(name="Owes")
    in_credit = cli.new_customer(name="Credit")
    cli.post_debit(owes, "40.00", "2025-01-10")
    cli.pay(in_credit, "15.50", "--date", "2025-01-10")

    balances = {c["id"]: c["balance"] for c in cli.json("customer", "list")["data"]}
    human = cli.ok("customer", "list").stdout

    assert balances == {owes: "40.00", in_credit: "-15.50"}
    assert "40.00" in human
    assert "-15.50" in human


def test_a_cursor_beyond_any_possible_id_is_refused(cli: Cli) -> None:
    """As in the API (`starting_after: is not a cursor...`): one line, not a database error."""
    cli.new_customer()
    message = cli.fails("customer", "list", "--starting-after", "99999999999999999999")
    assert message.startswith("starting_after: ")


@SQLITE_ONLY
def test_list_usage_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    for options, option in [
        (["--limit", "0"], "--limit"),
        (["--limit", "501"], "--limit"),
        (["--status", "sleeping"], "--status"),
        (["--payment-method", "bitcoin"], "--payment-method"),
        (["--starting-after", "x"], "--starting-after"),
    ]:
        with subtests.test(" ".join(options)):
            assert option in cli.usage_error("customer", "list", *options)


def test_list_refuses_a_currency_that_does_not_exist(cli: Cli) -> None:
    """As the API does: an unknown code is a mistake to report, not an empty list."""
    cli.new_customer()
    assert cli.fails("customer", "list", "--currency", "XYZ").startswith("currency: ")
    assert cli.json("customer", "list", "--currency", "eur")["data"]
