"""`GET /v1/invoices?format=` and `GET /v1/customers?format=`: the whole filtered list as a file
(SPEC §12, §15), on SQLite and PostgreSQL.

The file must hold exactly the rows the JSON pages hold, walked to the end with the same
filters, and say the same things about them; the page answer without `format` is unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import exportfiles as files
from solde.storage.api_keys import Role
from solde.storage.tables import transactions

FORMATS = ("csv", "json", "xlsx")
DUE = "2999-12-30"
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _issue(books: Any, cid: int, price: str, day: str, rate: str = "0") -> dict[str, Any]:
    items = [{"description": "Service", "unit_price": price, "tax_rate": rate}]
    body = {"date": day, "due_date": DUE, "items": items}
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def ledger(books: Any) -> dict[str, int]:
    """Customers in EUR and JPY with invoices paid, part paid, unpaid and void."""
    ada = books.customer("Ada", external_ref="ADA", segment="pro", currency="EUR")["id"]
    bob = books.customer("+Bob", segment="home", currency="EUR")["id"]
    jin = books.customer("Jin", currency="JPY", payment_method="card")["id"]
    books.customer("Zoe", currency="EUR", segment="home")
    for n in range(5):
        _issue(books, ada, f"1{n}.10", f"2025-01-{10 + n}", rate="20")
    paid = _issue(books, bob, "50.00", "2025-01-10")
    books.pay(bob, "50.00", "2025-01-11", invoice_id=paid["id"])
    _issue(books, bob, "20.00", "2025-01-12")
    books.pay(bob, "5.00", "2025-01-13")
    void = _issue(books, jin, "700", "2025-01-10")
    assert books.api.post(f"/v1/invoices/{void['id']}/void", json={}).status_code == 200
    _issue(books, jin, "1200", "2025-01-11", rate="10")
    books.pay(jin, "3000", "2025-01-12")
    return {"ada": ada, "bob": bob, "jin": jin}


def pages(books: Any, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of the list, walking its JSON pages of two rows."""
    found: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": 2}
    while True:
        r = books.api.get(path, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        found.extend(page["data"])
        if not page["has_more"]:
            return found
        if page["next_cursor"] is not None:
            query["starting_after"] = page["next_cursor"]
        else:
            query["offset"] = query.get("offset", 0) + 2


def exported(books: Any, path: str, fmt: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    r = books.api.get(path, params={**params, "format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MEDIA[fmt]
    disposition = r.headers["content-disposition"]
    stem = path.rsplit("/", 1)[1]
    assert disposition.startswith(f'attachment; filename="{stem}-2'), disposition
    assert disposition.endswith(f'.{fmt}"')
    return files.read(r.content, fmt)


INVOICE_FILTERS = [
    {},
    {"currency": "EUR"},
    {"status": "paid,void"},
    {"invoice_balance[gt]": "0", "account_balance[gt]": "0"},
    {"date_from": "2025-01-11", "date_to": "2025-01-12", "type": "one_time"},
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_invoices_file_is_the_json_pages_put_together(
    books: Any, ledger: dict[str, int], fmt: str
) -> None:
    for params in INVOICE_FILTERS:
        expected = pages(books, "/v1/invoices", params)
        rows = exported(books, "/v1/invoices", fmt, params)
        assert [files.integer(r["id"]) for r in rows] == [e["id"] for e in expected], params
        for row, page in zip(rows, expected, strict=True):
            assert row["number"] == page["number"]
            assert (row["type"], row["status"], row["currency"]) == (
                page["type"],
                page["status"],
                page["currency"],
            )
            for key in ("net", "tax", "total", "open_amount"):
                assert files.amount(row[key]) == files.amount(page[key]), key
            assert files.amount(row["balance_after_issue"]) == files.amount(page["account_balance"])
            assert files.day(row["document_date"]) == files.day(page["document_date"])
            assert files.day(row["due_date"]) == files.day(page["due_date"])
            assert files.integer(row["customer_id"]) == page["customer_id"]
            balance = books.balance(page["customer_id"])["balance"]
            assert files.amount(row["account_balance"]) == files.amount(balance)


def test_the_invoice_filters_reach_the_file(books: Any, ledger: dict[str, int]) -> None:
    """Figures checked against the ledger's own rows: Bob's paid invoice, Jin's void one."""
    rows = exported(books, "/v1/invoices", "json", {"status": "paid"})
    assert [(r["customer_id"], r["total"], r["open_amount"]) for r in rows] == [
        (ledger["jin"], "1320", "0"),
        (ledger["bob"], "50.00", "0.00"),
    ]
    rows = exported(books, "/v1/invoices", "csv", {"customer_id": ledger["jin"]})
    assert [(r["status"], r["total"]) for r in rows] == [("paid", "1320"), ("void", "700")]
    # Jin paid 3000 JPY against an invoice of 1320: the open debit left is the invoice's own
    with books.api.container.engine.connect() as connection:
        left = connection.execute(
            select(transactions.c.open_amount).where(
                transactions.c.customer_id == ledger["jin"], transactions.c.type == "invoice"
            )
        ).scalars()
        assert sorted(left) == [0, 0]
    assert rows[0]["open_amount"] == "0"
    assert rows[0]["account_balance"] == "-1680"


CUSTOMER_FILTERS = [
    {},
    {"sort": "name"},
    {"sort": "balance_desc", "currency": "EUR"},
    {"sort": "balance_asc"},
    {"sort": "oldest", "segment": "home"},
    {"balance": "owes"},
    {"q": "ad", "payment_method": "bank_transfer"},
    {"status": "active", "currency": "JPY"},
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_customers_file_is_the_json_pages_put_together(
    books: Any, ledger: dict[str, int], fmt: str
) -> None:
    for params in CUSTOMER_FILTERS:
        expected = pages(books, "/v1/customers", params)
        rows = exported(books, "/v1/customers", fmt, params)
        assert [files.integer(r["id"]) for r in rows] == [e["id"] for e in expected], params
        for row, page in zip(rows, expected, strict=True):
            for key in ("external_ref", "email", "currency", "segment", "payment_method"):
                assert row[key] == page[key], key
            assert files.text(row["name"]) == page["name"]
            assert (row["status"], row["locale"]) == (page["status"], page["locale"])
            assert files.amount(row["balance"]) == files.amount(page["balance"])
            billing = page["billing"]
            assert files.integer(row["billing_day"]) == billing["billing_day"]
            assert files.integer(row["payment_due_days"]) == billing["payment_due_days"]
            assert files.amount(row["credit_limit"]) == files.amount(billing["credit_limit"])
            assert files.flag(row["auto_invoice"]) == billing["auto_invoice"]
            card = books.balance(page["id"])
            for key in ("debit", "credit", "awaiting_confirmation"):
                assert files.amount(row[key]) == files.amount(card[key]), key


def test_a_viewer_key_may_export(books: Any, ledger: dict[str, int]) -> None:
    key = books.api.key_for(Role.VIEWER)
    for path in ("/v1/invoices", "/v1/customers"):
        r = books.api.get(path, params={"format": "csv"}, key=key)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")


def test_an_export_needs_a_key(books: Any) -> None:
    for path in ("/v1/invoices", "/v1/customers"):
        assert books.api.client.get(path, params={"format": "csv"}).status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/invoices", {"format": "pdf"}, "format"),
        ("/v1/customers", {"format": "CSV "}, "format"),
        ("/v1/invoices", {"format": "csv", "status": "lost"}, "status"),
        ("/v1/invoices", {"format": "csv", "invoice_balance[gt]": "x"}, "invoice_balance[gt]"),
        ("/v1/invoices", {"format": "xlsx", "date_from": "2025-02-30"}, "date_from"),
        ("/v1/customers", {"format": "json", "sort": "richest"}, "sort"),
        ("/v1/customers", {"format": "csv", "currency": "EURO"}, "currency"),
        ("/v1/customers", {"format": "csv", "balance": "some"}, "balance"),
    ],
)
def test_bad_filters_are_refused_before_the_file_starts(
    books: Any, path: str, params: dict[str, str], field: str
) -> None:
    books.problem(books.api.get(path, params=params), 422, "invalid_input", field=field)


def test_an_unknown_customer_or_group_is_not_found(books: Any) -> None:
    for params in ({"customer_id": 999}, {"group_id": 999}):
        r = books.api.get("/v1/invoices", params={**params, "format": "csv"})
        books.problem(r, 404, "not_found")


def test_the_file_ignores_the_page_parameters(books: Any, ledger: dict[str, int]) -> None:
    """`limit`, `offset` and `starting_after` choose a page, and a file is not a page."""
    every = exported(books, "/v1/invoices", "json", {})
    assert len(every) == 9
    assert exported(books, "/v1/invoices", "json", {"limit": 1, "starting_after": "5"}) == every
    customers = exported(books, "/v1/customers", "json", {"sort": "name"})
    assert exported(books, "/v1/customers", "json", {"sort": "name", "offset": 2}) == customers


def test_without_format_the_page_answer_is_unchanged(books: Any, ledger: dict[str, int]) -> None:
    r = books.api.get("/v1/invoices", params={"limit": 3})
    assert r.headers["content-type"] == "application/json"
    assert set(r.json()) == {"data", "has_more", "next_cursor"}
    assert "content-disposition" not in r.headers


def test_the_openapi_document_declares_the_files(books: Any) -> None:
    spec = books.api.client.get("/openapi.json").json()
    for path in ("/v1/invoices", "/v1/customers"):
        operation = spec["paths"][path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        schema = params["format"]["schema"]
        options = schema.get("anyOf", [schema])
        refs = [o["$ref"].rsplit("/", 1)[1] for o in options if "$ref" in o]
        assert spec["components"]["schemas"][refs[0]]["enum"] == list(FORMATS)
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv", MEDIA["xlsx"]}
