"""GET /v1/reports/balances: the dashboard's balance report per currency — shape, signs,
who may read it, and the `months` it takes (SPEC §1, §2, §12, §15)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from solde.storage.api_keys import Role

PATH = "/v1/reports/balances"
PAST = "2025-01-15"  # before any point of a 36-month history, whatever today is


def utc_today() -> date:
    """The API's "today": the business time zone is UTC by default."""
    return datetime.now(UTC).date()


def _report(books: Any, **params: Any) -> dict[str, Any]:
    r = books.api.get(PATH, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return dict(r.json())


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


@pytest.fixture
def book(books: Any) -> Any:
    """EUR: one customer owing, one in credit, one without transactions, one with a payment
    awaiting the bank; JPY: one owing. One charge is dated today, the rest long ago."""
    ada = books.customer("Ada", currency="EUR")["id"]
    books.charge(ada, "100.00", PAST)
    books.charge(ada, "10.00", utc_today().isoformat())
    bob = books.customer("Bob", currency="EUR")["id"]
    books.pay(bob, "40.00", PAST)
    books.customer("Cal", currency="EUR")
    dan = books.customer("Dan", currency="EUR")["id"]
    books.pay(dan, "25.00", "2999-12-31", status="pending")
    eve = books.customer("Eve", currency="JPY")["id"]
    books.charge(eve, "500", PAST)
    return books


def test_the_report_per_currency(book: Any) -> None:
    today = utc_today()
    report = _report(book)

    assert report["as_of"] == today.isoformat()
    assert [c["currency"] for c in report["currencies"]] == ["EUR", "JPY"]
    eur, jpy = report["currencies"]
    history = eur.pop("history")
    assert eur == {
        "currency": "EUR",
        "customers": 4,
        "owing": 1,
        "in_credit": 1,
        "settled": 2,  # Cal has no transaction, Dan's payment is not confirmed
        "owed": "110.00",  # Σ positive balances
        "credit": "-40.00",  # Σ negative balances: never positive
        "balance": "70.00",  # owed + credit
        "awaiting_confirmation": "-25.00",  # a payment: negative, as on the balance card
    }
    assert len(history) == 12
    days = [date.fromisoformat(point["date"]) for point in history]
    assert days == sorted(days)
    assert days[-1] == today
    assert all(_is_month_end(d) for d in days[:-1])
    assert days[-2] < date(today.year, today.month, 1) <= days[-1]
    # today's charge counts from today only; everything else is older than the first point
    assert [p["balance"] for p in history] == ["60.00"] * 11 + ["70.00"]
    assert jpy.pop("history") == [{"date": d.isoformat(), "balance": "500"} for d in days]
    assert jpy == {
        "currency": "JPY",
        "customers": 1,
        "owing": 1,
        "in_credit": 0,
        "settled": 0,
        "owed": "500",
        "credit": "0",
        "balance": "500",
        "awaiting_confirmation": "0",
    }


@pytest.mark.parametrize("months", [1, 2, 36])
def test_months_sets_the_number_of_points(book: Any, months: int) -> None:
    (eur, _jpy) = _report(book, months=months)["currencies"]
    days = [date.fromisoformat(p["date"]) for p in eur["history"]]
    assert len(days) == months
    assert days[-1] == utc_today()
    assert len(set(days)) == months
    assert all(_is_month_end(d) for d in days[:-1])


def test_an_empty_book_has_no_currency(books: Any) -> None:
    assert _report(books) == {"as_of": utc_today().isoformat(), "currencies": []}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BILLING, Role.ADMIN])
def test_any_role_may_read_it(book: Any, role: Role) -> None:
    r = book.api.get(PATH, key=book.api.key_for(role))
    assert r.status_code == 200, r.text
    assert len(r.json()["currencies"]) == 2


def test_without_a_valid_key_it_answers_401(book: Any) -> None:
    r = book.api.client.get(PATH)
    book.problem(r, 401, "unauthenticated")
    r = book.api.get(PATH, key="sk_not_a_key")
    book.problem(r, 401, "unauthenticated")


@pytest.mark.parametrize("months", ["0", "37", "-1", "abc", "1.5", "", "99999999999999999999"])
def test_months_out_of_range_or_malformed_is_invalid_input_naming_it(
    book: Any, months: str
) -> None:
    r = book.api.get(PATH, params={"months": months})
    book.problem(r, 422, "invalid_input", field="months")


def test_it_is_documented(book: Any) -> None:
    r = book.api.client.get("/openapi.json")
    assert r.status_code == 200
    document = r.json()
    operation = document["paths"][PATH]["get"]
    assert operation["summary"]
    assert operation["description"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/BalanceReportOut"}
    (months,) = [p for p in operation["parameters"] if p["name"] == "months"]
    assert (months["in"], months["required"]) == ("query", False)
    assert (months["schema"]["minimum"], months["schema"]["maximum"]) == (1, 36)
    assert months["schema"]["default"] == 12
    assert {"401", "422"} <= set(operation["responses"])
    summary = document["components"]["schemas"]["CurrencySummaryOut"]
    assert set(summary["required"]) == {
        "currency", "customers", "owing", "in_credit", "settled", "owed", "credit", "balance",
        "awaiting_confirmation", "history",
    }  # fmt: skip
