"""`solde report balances`: the dashboard's balance report at the command line — the same JSON
as the API, a table per currency for people, and `--months` checked (SPEC §1, §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli

PAST = "2025-01-15"  # before any point of a 36-month history, whatever today is
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def utc_today() -> date:
    """The CLI's default date: today in the business time zone (UTC by default)."""
    return datetime.now(UTC).date()


@pytest.fixture
def book(cli: Cli) -> Cli:
    """USD: one customer owing (part of it today), one in credit with a refund awaiting the
    bank, one without transactions; KWD (three decimals): one in credit."""
    ada = cli.new_customer("--currency", "USD", name="Ada")
    cli.post_debit(ada, "80.00", PAST)
    cli.post_debit(ada, "1.50", utc_today().isoformat())
    bob = cli.new_customer("--currency", "USD", name="Bob")
    cli.pay(bob, "50.00", "--date", PAST)
    cli.pay(bob, "-20.00", "--pending")
    cli.new_customer("--currency", "USD", name="Cal")
    kwd = cli.new_customer("--currency", "KWD", name="Kuwait Co")
    cli.pay(kwd, "12.345", "--date", PAST)
    return cli


def test_json_is_the_report_of_the_api(book: Cli) -> None:
    today = utc_today()
    data = book.json("report", "balances")

    assert data["as_of"] == today.isoformat()
    assert [c["currency"] for c in data["currencies"]] == ["KWD", "USD"]
    kwd, usd = data["currencies"]
    history = usd.pop("history")
    assert usd == {
        "currency": "USD",
        "customers": 3,
        "owing": 1,
        "in_credit": 1,
        "settled": 1,
        "owed": "81.50",
        "credit": "-50.00",
        "balance": "31.50",
        "awaiting_confirmation": "20.00",  # a refund awaiting the bank: positive
    }
    days = [date.fromisoformat(p["date"]) for p in history]
    assert len(days) == 12
    assert days[-1] == today
    assert all((d + timedelta(days=1)).day == 1 for d in days[:-1])
    assert [p["balance"] for p in history] == ["30.00"] * 11 + ["31.50"]
    assert kwd["balance"] == kwd["credit"] == "-12.345"
    assert kwd["owed"] == "0.000"
    assert {p["balance"] for p in kwd["history"]} == {"-12.345"}


def test_the_json_is_the_one_the_api_answers(book: Cli, api: Any) -> None:
    r = api.get("/v1/reports/balances", params={"months": 5})
    assert r.status_code == 200, r.text
    assert book.json("report", "balances", "--months", "5") == r.json()


def test_a_table_per_currency_with_the_totals_and_the_history(book: Cli) -> None:
    out = book.ok("report", "balances", "--months", "3").stdout
    assert out.index("KWD") < out.index("USD")
    for text in ("81.50", "-50.00", "31.50", "20.00", "-12.345", utc_today().isoformat()):
        assert text in out
    assert "net balance at the end of each month" in out
    assert out.count("30.00") >= 2  # the two month ends before today


@pytest.mark.parametrize("months", ["1", "36"])
def test_months_sets_the_number_of_points(book: Cli, months: str) -> None:
    for currency in book.json("report", "balances", "--months", months)["currencies"]:
        assert len(currency["history"]) == int(months)


def test_an_empty_book(cli: Cli) -> None:
    assert cli.json("report", "balances") == {
        "as_of": utc_today().isoformat(),
        "currencies": [],
    }
    assert "No customers" in cli.ok("report", "balances").stdout


@SQLITE_ONLY
@pytest.mark.parametrize("months", ["0", "37", "-3"])
def test_months_out_of_range_is_refused_naming_it(cli: Cli, months: str) -> None:
    message = cli.fails("report", "balances", "--months", months)
    assert message.startswith("months: ")


@SQLITE_ONLY
def test_months_must_be_a_number(cli: Cli) -> None:
    assert "months" in cli.usage_error("report", "balances", "--months", "twelve")
