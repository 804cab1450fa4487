"""`GET /v1/customers/{id}/statement` (SPEC §11, §15): the JSON statement, its CSV, XLSX and
PDF files, the defaults of the period, and the answers to bad input."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from solde.storage.api_keys import Role

FUTURE = "2999-12-31"
JANUARY = {"from": "2025-01-01", "to": "2025-01-31"}


def _history(books: Any) -> int:
    """December: a charge of 10.00. January: an invoice of 120.00, a charge and a collection
    cost the same day, a payment of 50.00, a pending payment; February: a payment."""
    cid = books.customer(external_ref="ACME/7")["id"]
    books.charge(cid, "10.00", "2024-12-20", label="Setup")
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={"date": "2025-01-05", "due_date": FUTURE,
              "items": [{"description": "Plan", "unit_price": "100.00", "tax_rate": "20"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    books.charge(cid, "20.00", "2025-01-10", label="=SUM(A1)")
    books.charge(cid, "5.25", "2025-01-10", type="collection_cost", label="Fee")
    books.pay(cid, "50.00", "2025-01-15", reference="BANK-1")
    books.pay(cid, "30.00", "2025-01-20", status="pending")
    books.pay(cid, "15.00", "2025-02-02")
    return int(cid)


def _get(books: Any, cid: int, **params: Any) -> Any:
    return books.api.get(f"/v1/customers/{cid}/statement", params=params)


def test_the_json_statement_of_a_month(books: Any) -> None:
    cid = _history(books)
    r = _get(books, cid, **JANUARY, mode="transactions")
    assert r.status_code == 200, r.text
    st = r.json()
    keys = ("customer_id", "external_ref", "currency", "from", "to", "mode")
    assert {k: st[k] for k in keys} == {
        "customer_id": cid, "external_ref": "ACME/7", "currency": "EUR",
        "from": "2025-01-01", "to": "2025-01-31", "mode": "transactions",
    }  # fmt: skip
    assert st["opening_balance"] == "10.00"
    assert [(x["date"], x["type"], x["debit"], x["credit"], x["amount"], x["balance"])
            for x in st["lines"]] == [
        ("2025-01-05", "invoice", "120.00", None, "120.00", "130.00"),
        ("2025-01-10", "charge", "20.00", None, "20.00", "150.00"),
        ("2025-01-10", "collection_cost", "5.25", None, "5.25", "155.25"),
        ("2025-01-15", "payment", None, "50.00", "-50.00", "105.25"),
    ]  # fmt: skip
    assert (st["total_debit"], st["total_credit"], st["closing_balance"]) == (
        "145.25", "50.00", "105.25"
    )  # fmt: skip
    assert st["closing_balance"] == books.balance(cid, "2025-01-31")["balance"]
    assert st["lines"][0]["document_number"] is not None
    assert st["lines"][3]["reference"] == "BANK-1"


def test_documents_mode_is_the_default_and_sums_other_postings(books: Any) -> None:
    cid = _history(books)
    st = _get(books, cid, **JANUARY).json()
    assert st["mode"] == "documents"
    assert [(x["type"], x["label"], x["amount"], x["balance"]) for x in st["lines"]] == [
        ("invoice", st["lines"][0]["label"], "120.00", "130.00"),
        ("other", "Other debits", "25.25", "155.25"),
        ("payment", st["lines"][2]["label"], "-50.00", "105.25"),
    ]
    assert len(st["lines"][1]["transaction_ids"]) == 2


def test_the_period_defaults_to_three_months_back_to_today(books: Any) -> None:
    cid = _history(books)
    st = _get(books, cid).json()
    today = date.fromisoformat(st["as_of"])
    assert st["to"] == today.isoformat()
    month = today.year * 12 + today.month - 1 - 3
    assert st["from"] == date(month // 12, month % 12 + 1, 1).isoformat()
    only_to = _get(books, cid, to="2025-02-15").json()
    assert (only_to["from"], only_to["to"]) == ("2024-11-01", "2025-02-15")
    assert only_to["opening_balance"] == "0.00"
    assert only_to["closing_balance"] == "90.25"


def test_the_csv_file_has_opening_and_closing_rows(books: Any) -> None:
    cid = _history(books)
    r = _get(books, cid, **JANUARY, mode="transactions", format="csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == (
        'attachment; filename="statement-ACME-7-2025-01-01-2025-01-31.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["type"] for row in rows] == [
        "opening", "invoice", "charge", "collection_cost", "payment", "closing"
    ]  # fmt: skip
    assert (rows[0]["date"], rows[0]["balance"]) == ("2025-01-01", "10.00")
    assert (rows[-1]["date"], rows[-1]["debit"], rows[-1]["credit"], rows[-1]["balance"]) == (
        "2025-01-31", "145.25", "50.00", "105.25"
    )  # fmt: skip
    assert rows[2]["label"] == "'=SUM(A1)"  # a spreadsheet shows it, never runs it
    running = Decimal(rows[0]["balance"])
    for row in rows[1:-1]:
        running += Decimal(row["amount"])
        assert Decimal(row["balance"]) == running
        assert row["currency"] == "EUR"


def test_the_xlsx_file_keeps_exact_amounts(books: Any) -> None:
    cid = _history(books)
    r = _get(books, cid, **JANUARY, mode="transactions", format="xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    balance = header.index("balance")
    assert [row[header.index("type")] for row in rows[1:]][-1] == "closing"
    assert [Decimal(str(row[balance])) for row in rows[1:]] == [
        Decimal(v) for v in ("10", "130", "150", "155.25", "105.25", "105.25")
    ]


def test_the_pdf_file(books: Any) -> None:
    cid = _history(books)
    r = _get(books, cid, **JANUARY, format="pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"].endswith('-2025-01-01-2025-01-31.pdf"')


def test_a_pdf_without_pango_is_a_503(books: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = _history(books)
    monkeypatch.setitem(sys.modules, "solde.documents", None)
    r = _get(books, cid, **JANUARY, format="pdf")
    books.problem(r, 503, "unavailable")
    assert _get(books, cid, **JANUARY, format="csv").status_code == 200


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "2025-02-01", "to": "2025-01-31"}, "from", "invalid_input"),
        ({"from": "2025-13-01"}, "from", "invalid_input"),
        ({"to": "31/01/2025"}, "to", "invalid_input"),
        ({"to": "1738281600"}, "to", "invalid_input"),
        ({"from": "2000-01-01", "to": "2010-01-01"}, "to", "invalid_input"),
        ({"from": "1800-01-01", "to": "1801-01-01"}, "from", "invalid_input"),
        ({"mode": "lines"}, "mode", "invalid_input"),
        ({"format": "docx"}, "format", "invalid_input"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    books: Any, params: dict[str, str], field: str, code: str
) -> None:
    cid = books.customer()["id"]
    r = _get(books, cid, **params)
    books.problem(r, 422, code, field=field)


def test_ten_years_is_the_longest_period(books: Any) -> None:
    cid = books.customer()["id"]
    r = _get(books, cid, **{"from": "2000-01-01", "to": "2009-12-31"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("customer_id", ["999999", "0", "99999999999999999999"])
def test_an_unknown_customer_is_a_404(books: Any, customer_id: str) -> None:
    r = books.api.get(f"/v1/customers/{customer_id}/statement", params=JANUARY)
    books.problem(r, 404, "not_found")


def test_a_viewer_reads_statements_and_no_key_does_not(books: Any) -> None:
    cid = _history(books)
    viewer = books.api.key_for(Role.VIEWER)
    r = books.api.get(f"/v1/customers/{cid}/statement", params=JANUARY, key=viewer)
    assert r.status_code == 200, r.text
    anonymous = books.api.client.get(f"/v1/customers/{cid}/statement", params=JANUARY)
    assert anonymous.status_code == 401


def test_the_statement_is_in_the_openapi_document(books: Any) -> None:
    spec = books.api.get("/openapi.json").json()
    operation = spec["paths"]["/v1/customers/{customer_id}/statement"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "mode", "format"} <= names
    content = operation["responses"]["200"]["content"]
    assert {"application/json", "application/pdf", "text/csv; charset=utf-8"} <= set(content)
