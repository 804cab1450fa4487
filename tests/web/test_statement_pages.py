"""A customer's statement in the back office: the link on the customer page, the period and
mode form, the statement's opening balance, lines with their running balance, totals and
closing balance in both modes, its downloads (PDF, CSV, XLSX, JSON), and wrong dates or modes
that are named in the form rather than failing.

The book: a charge of €100.00 posted in March (the opening balance of April), then in April
an invoice of €50.00, a payment of €30.00, a collection cost of €5.00 and a debit adjustment
of €2.50 on the same day; an unbilled line and a payment awaiting the bank in April (neither
is on a statement) and a charge in May (after the period). Every figure expected below is
worked out here from those amounts.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from webclient import Web
from webhtml import Node, parse, snapshot, us_date

from solde.billing import usecases as billing
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role

APRIL = {"from": "2026-04-01", "to": "2026-04-30"}


def post(web: Web, cid: int, kind: str, tx_type: str, price: str, day: date) -> None:
    body = {
        "kind": kind,
        "type": tx_type,
        "label": tx_type.replace("_", " ").capitalize(),
        "unit_price": price,
        "date": day.isoformat(),
        "bill_on_next_invoice": False,
    }
    web.book.run(settlement.add_entry, cid, body, on=day)


@pytest.fixture
def ada(web: Web) -> dict[str, Any]:
    cid = web.book.customer("Ada Lovelace", external_ref="ADA-1")
    post(web, cid, "debit", "charge", "100.00", date(2026, 3, 5))
    invoice = web.book.run(
        billing.create_invoice,
        cid,
        {
            "type": "one_time",
            "date": "2026-04-02",
            "include_unbilled": False,
            "items": [{"description": "Plan", "unit_price": "50.00"}],
        },
        on=date(2026, 4, 2),
    )
    web.book.run(
        settlement.record_payment,
        cid,
        {"amount": "30.00", "date": "2026-04-10", "reference": "BANK-77"},
        on=date(2026, 4, 10),
    )
    post(web, cid, "debit", "collection_cost", "5.00", date(2026, 4, 15))
    post(web, cid, "debit", "adjustment", "2.50", date(2026, 4, 15))
    web.book.run(
        settlement.add_entry,
        cid,
        {"kind": "debit", "label": "Waits", "unit_price": "9.00", "date": "2026-04-20",
         "bill_on_next_invoice": True},
        on=date(2026, 4, 20),
    )  # fmt: skip
    web.book.run(
        settlement.record_payment,
        cid,
        {"amount": "11.00", "date": "2026-04-21", "status": "pending", "method": "sepa_debit"},
        on=date(2026, 4, 21),
    )
    post(web, cid, "debit", "charge", "1.00", date(2026, 5, 3))
    return {"id": cid, "number": invoice.number}


def lines(doc: Node) -> list[list[str]]:
    table = doc.testid("statement")
    return [[td.text for td in tr.find_all("td")] for tr in table.find_all("tr", class_="line")]


def statement_url(cid: int, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/customers/{cid}/statement" + (f"?{query}" if query else "")


def test_the_customer_page_links_to_its_statement_for_every_role(
    web: Web, ada: dict[str, Any]
) -> None:
    viewer = web.as_role(Role.VIEWER)
    for client in (web, viewer):
        doc = parse(client.page(f"/customers/{ada['id']}"))
        assert doc.testid("statement-link").get("href") == f"/customers/{ada['id']}/statement"
    doc = parse(viewer.page(statement_url(ada["id"], **APRIL)))
    assert doc.testid("closing").text.endswith("€127.50")


def test_every_transaction_with_its_running_balance(web: Web, ada: dict[str, Any]) -> None:
    doc = parse(web.page(statement_url(ada["id"], mode="transactions", **APRIL)))
    assert doc.one("h1").text == "Statement Ada Lovelace, Apr 1, 2026 – Apr 30, 2026"
    assert (
        doc.testid("opening").text == "Apr 1, 2026 Opening balance (end of the day before) €100.00"
    )
    rows = lines(doc)
    # date, type, description, number or reference, debit, credit, balance
    assert [r[0:2] + r[3:] for r in rows] == [
        ["Apr 2, 2026", "Invoice", ada["number"], "€50.00", "", "€150.00"],
        ["Apr 10, 2026", "Payment", "BANK-77", "", "€30.00", "€120.00"],
        ["Apr 15, 2026", "Collection cost", "", "€5.00", "", "€125.00"],
        ["Apr 15, 2026", "Adjustment", "", "€2.50", "", "€127.50"],
    ]
    assert doc.testid("totals").text == "Totals €57.50 €30.00"
    assert doc.testid("closing").text == "Apr 30, 2026 Closing balance (end of the day) €127.50"
    # the balance after each line is coloured by its sign (it owes: red)
    last = doc.testid("statement").find_all("tr", class_="line")[-1]
    assert "debit" in last.find_all("span", class_="amount")[-1].classes
    # each line links to its transaction
    link = last.find("a")
    assert link is not None
    assert link.get("href").startswith("/transactions/")


def test_documents_mode_sums_the_other_postings_of_a_day(web: Web, ada: dict[str, Any]) -> None:
    doc = parse(web.page(statement_url(ada["id"], mode="documents", **APRIL)))
    rows = lines(doc)
    assert [r[0:2] + r[3:] for r in rows] == [
        ["Apr 2, 2026", "Invoice", ada["number"], "€50.00", "", "€150.00"],
        ["Apr 10, 2026", "Payment", "BANK-77", "", "€30.00", "€120.00"],
        ["Apr 15, 2026", "Other", "", "€7.50", "", "€127.50"],
    ]
    assert rows[2][2] == "Other debits (2 transactions)"
    assert doc.testid("closing").text.endswith("€127.50")
    checked = doc.one("input", type="radio", checked=True)
    assert checked.get("value") == "documents"


def test_the_default_period_is_the_three_months_before_this_one_up_to_today(
    web: Web, ada: dict[str, Any]
) -> None:
    today = web.book.today()
    index = today.year * 12 + today.month - 1 - 3
    start = date(index // 12, index % 12 + 1, 1)
    doc = parse(web.page(statement_url(ada["id"])))
    assert doc.by_id("f-from").get("value") == start.isoformat()
    assert doc.by_id("f-to").get("value") == today.isoformat()
    assert doc.one("input", type="radio", checked=True).get("value") == "documents"
    # every posting of the book is before that period here: all of it is the opening balance
    if start > date(2026, 5, 3):
        assert doc.testid("opening").text.endswith("€128.50")
        assert lines(doc) == []
        assert "No posted transaction in this period." in doc.testid("statement").text


def test_the_downloads_hold_the_same_statement(web: Web, ada: dict[str, Any]) -> None:
    doc = parse(web.page(statement_url(ada["id"], mode="transactions", **APRIL)))
    links = {a.text: a.get("href") for a in doc.testid("statement-downloads").find_all("a")}
    assert list(links) == ["PDF", "CSV", "XLSX", "JSON"]
    stem = "statement-ADA-1-2026-04-01-2026-04-30"

    response = web.get(links["JSON"])
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{stem}.json"'
    data = json.loads(response.text)
    assert data["opening_balance"] == "100.00"
    assert data["closing_balance"] == "127.50"
    assert len(data["lines"]) == 4

    response = web.get(links["CSV"])
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{stem}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["balance"] for r in rows] == [
        "100.00", "150.00", "120.00", "125.00", "127.50", "127.50",
    ]  # fmt: skip
    assert [r["debit"] for r in rows[1:]] == ["50.00", "", "5.00", "2.50", "57.50"]

    response = web.get(links["XLSX"])
    assert response.headers["content-disposition"] == f'attachment; filename="{stem}.xlsx"'
    assert response.content[:2] == b"PK"

    response = web.get(links["PDF"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    # documents mode downloads documents mode
    doc = parse(web.page(statement_url(ada["id"], mode="documents", **APRIL)))
    links = {a.text: a.get("href") for a in doc.testid("statement-downloads").find_all("a")}
    data = json.loads(web.get(links["JSON"]).text)
    assert len(data["lines"]) == 3
    assert Decimal(data["total_debit"]) == Decimal("57.50")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-02-30", "to": "2026-04-30"}, "from", "must be a date (YYYY-MM-DD)"),
        ({"from": "2026-04-01", "to": "30/04/2026"}, "to", "must be a date (YYYY-MM-DD)"),
        (
            {"from": "2026-05-01", "to": "2026-04-30"},
            "from",
            "must be on or before to (2026-04-30)",
        ),
        ({"from": "2000-01-01", "to": "2026-04-30"}, "to", "a statement covers at most 10 years"),
        ({"from": "1899-12-31", "to": "2026-04-30"}, "from", None),
        ({"mode": "everything"}, "mode", "must be documents or transactions"),
    ],
)
def test_a_wrong_period_or_mode_is_named_and_kept(
    web: Web, ada: dict[str, Any], params: dict[str, str], field: str, message: str | None
) -> None:
    before = snapshot(web.container)
    response = web.get(statement_url(ada["id"], **params))
    assert response.status_code == 422
    doc = parse(response.text)
    error = doc.find(id=f"e-{field}")
    assert error is not None
    if message:
        assert error.text == message
    if field in ("from", "to"):
        assert doc.by_id(f"f-{field}").get("value") == params[field]
    assert doc.find(**{"data-testid": "statement"}) is None
    assert doc.find(**{"data-testid": "statement-downloads"}) is None
    assert snapshot(web.container) == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/customers/999999/statement", 404),
        ("/customers/99999999999999999999999/statement", 404),
        ("/customers/abc/statement", 404),
        ("/customers/{id}/statement/download?format=doc", 422),
        ("/customers/{id}/statement/download", 422),
        ("/customers/{id}/statement/download?format=csv&from=2026-13-01", 422),
        ("/customers/{id}/statement?from=%ff%00", 422),
        ("/customers/999999/statement/download?format=json", 404),
    ],
)
def test_malformed_addresses_show_a_page_with_a_message(
    web: Web, ada: dict[str, Any], path: str, status: int
) -> None:
    response = web.get(path.replace("{id}", str(ada["id"])))
    assert response.status_code == status, response.text[:500]
    assert "text/html" in response.headers["content-type"]


def test_a_day_before_anything_opens_and_closes_at_zero(web: Web, ada: dict[str, Any]) -> None:
    doc = parse(web.page(statement_url(ada["id"], **{"from": "2026-01-01", "to": "2026-01-31"})))
    assert doc.testid("opening").text.endswith("€0.00")
    assert doc.testid("closing").text.endswith("€0.00")
    assert doc.testid("totals").text == "Totals €0.00 €0.00"
    assert "zero" in doc.testid("closing").one("span", class_="amount").classes
    assert us_date(date(2026, 1, 31)) in doc.testid("closing").text


def test_a_pdf_on_a_server_without_pango_says_so_with_a_503(
    web: Web, ada: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "solde.documents", None)  # WeasyPrint cannot load
    response = web.get(f"/customers/{ada['id']}/statement/download?format=pdf")
    assert response.status_code == 503, response.text[:500]
    assert "text/html" in response.headers["content-type"]
    assert "PDFs cannot be made on this server" in response.text
