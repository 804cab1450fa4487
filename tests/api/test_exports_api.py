"""GET /v1/exports/journal: the accounting journal as a download, for every role."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from solde.storage.api_keys import Role


def story(books: Any) -> tuple[int, int]:
    """Two customers: one invoiced with tax and partly paid by card, one with credit."""
    acme = books.customer('Acme "Quotes" [2025-01-01]', currency="EUR")["id"]
    beta = books.customer("Beta", currency="JPY")["id"]
    r = books.api.post(
        f"/v1/customers/{acme}/invoices",
        json={"type": "one_time", "date": "2025-03-01",
              "items": [{"description": "Plan", "unit_price": "100.00", "tax_rate": "20"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    books.pay(acme, "50.00", "2025-03-05", method="card")
    books.pay(beta, "1200", "2025-04-01", method="sepa_debit")
    return acme, beta


def journal(books: Any, **params: str) -> Any:
    return books.api.get("/v1/exports/journal", params=params)


def test_the_journal_downloads_as_beancount_with_every_balance(books: Any) -> None:
    acme, beta = story(books)
    r = journal(books, format="beancount", to="2025-12-31")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="journal-2025-12-31.beancount"'
    )
    entries, errors, _options = loader.load_string(r.text)
    assert errors == []
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units is not None
                number = posting.units.number
                assert isinstance(number, Decimal)
                totals[posting.account] = totals.get(posting.account, Decimal(0)) + number
    assert totals[f"Assets:Receivable:C{acme:06d}"] == Decimal("70.00")
    assert totals[f"Assets:Receivable:C{beta:06d}"] == Decimal("-1200")
    assert totals["Income:Sales"] == Decimal("-100.00")
    assert totals["Liabilities:Tax:Output"] == Decimal("-20.00")
    assert totals["Assets:Bank:Card"] == Decimal("50.00")
    assert totals["Assets:Bank:SepaDebit"] == Decimal("1200")
    assert books.balance(acme)["balance"] == "70.00"


def test_the_journal_stops_at_to_and_starts_from_the_balances_before_from(books: Any) -> None:
    acme, _beta = story(books)
    r = journal(books, to="2025-03-02")
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="journal-2025-03-02.ledger"'
    assert f"Assets:Receivable:C{acme:06d}  120.00 EUR" in r.text
    assert "Assets:Bank" not in r.text
    later = journal(books, **{"from": "2025-03-02", "to": "2025-12-31"})
    assert later.status_code == 200, later.text
    assert "2025-03-01 * (OPENING)" in later.text
    assert f"Assets:Receivable:C{acme:06d}  120.00 EUR" in later.text
    assert "Equity:OpeningBalances  -120.00 EUR" in later.text
    assert "Income:Sales" not in later.text


def test_the_default_is_a_ledger_journal_through_today(books: Any) -> None:
    story(books)
    r = journal(books)
    assert r.status_code == 200, r.text
    assert r.text.startswith("; solde journal of the transactions posted through ")
    assert "2025-04-01 * (T" in r.text
    assert "[" not in r.text  # ledger would read the name's brackets as a date
    assert '; customer: Acme "Quotes" (2025-01-01)' in r.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BILLING, Role.ADMIN])
def test_every_role_may_read_the_journal(books: Any, role: Role) -> None:
    story(books)
    r = books.api.get("/v1/exports/journal", key=books.api.key_for(role))
    assert r.status_code == 200, r.text


def test_without_a_key_the_journal_is_refused(books: Any) -> None:
    r = books.api.client.get("/v1/exports/journal")
    books.problem(r, 401, "unauthenticated")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "csv"}, "format"),
        ({"format": ""}, "format"),
        ({"to": "2025-02-30"}, "to"),
        ({"to": "yesterday"}, "to"),
        ({"to": "1899-12-31"}, "to"),
        ({"from": "2025-13-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "2025-06-02", "to": "2025-06-01"}, "from"),
    ],
)
def test_bad_parameters_are_named(books: Any, params: dict[str, str], field: str) -> None:
    r = journal(books, **params)
    books.problem(r, 422, "invalid_input", field=field)


def test_the_operation_is_documented(books: Any) -> None:
    spec = books.api.get("/openapi.json").json()
    operation = spec["paths"]["/v1/exports/journal"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"format", "to", "from"}
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "422" in operation["responses"]
