"""Credit notes through the API: issue on an invoice, the cap, what they settle, what stays as
credit, reading and PDF (SPEC §7, §15)."""

from __future__ import annotations

from typing import Any

import pytest

from solde.storage.api_keys import Role

FUTURE = "2999-12-31"


def _item(price: str, tax: str = "0") -> dict[str, str]:
    return {"description": "Service", "unit_price": price, "tax_rate": tax}


def _invoice(books: Any, cid: int, *items: dict[str, str], day: str = "2025-01-10") -> Any:
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={"date": day, "due_date": FUTURE, "items": list(items)},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _credit(books: Any, invoice_id: int, **body: Any) -> Any:
    """Issue a credit note (201)."""
    body.setdefault("reason", "goodwill")
    r = books.api.post(f"/v1/invoices/{invoice_id}/credit-notes", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _get(books: Any, path: str) -> Any:
    r = books.api.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_credit_note_settles_its_own_open_invoice(books: Any) -> None:
    cid = books.customer()["id"]
    older = books.charge(cid, "500.00", "2025-01-01")  # an older debit does not take the credit
    inv = _invoice(books, cid, _item("100.00", tax="20"))
    note = _credit(
        books,
        inv["id"],
        amount="60.00",
        reason="late installation",
        note="Sorry",
        date="2025-01-12",
    )
    assert (note["number"], note["date"]) == ("CN2025-00001", "2025-01-12")
    assert (note["invoice_id"], note["invoice_number"], note["customer_id"]) == (
        inv["id"],
        inv["number"],
        cid,
    )
    # the amount is spread like the invoice's tax: 50.00 net + 10.00 tax
    assert (note["net"], note["tax"], note["total"]) == ("50.00", "10.00", "60.00")
    assert (note["reason"], note["note"], note["currency"]) == ("late installation", "Sorry", "EUR")
    assert note["open_amount"] == "0.00"  # all of it went to the invoice
    tx = books.tx(note["transaction_id"])
    assert (tx["type"], tx["kind"], tx["amount"]) == ("credit_note", "credit", "60.00")
    seen = _get(books, f"/v1/invoices/{inv['id']}")
    assert (seen["status"], seen["open_amount"], seen["creditable"]) == (
        "partially_paid",
        "60.00",
        "60.00",
    )
    assert seen["credit_notes"] == [
        {"id": note["id"], "number": note["number"], "total": "60.00", "date": note["date"]}
    ]
    assert [(p["transaction_id"], p["type"], p["amount"]) for p in seen["payments"]] == [
        (note["transaction_id"], "credit_note", "60.00")
    ]
    assert books.tx(older["id"])["open_amount"] == "500.00"
    assert books.amounts(cid)[0] == "560.00"
    assert _get(books, f"/v1/credit-notes/{note['id']}") == note


def test_a_credit_note_is_capped_at_what_is_left_to_credit(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("100.00"))
    _credit(books, inv["id"], amount="30.00")
    before = books.snapshot(cid)
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "70.01", "reason": "too much"}
    )
    body = books.problem(r, 409, "invalid_state")
    assert "70.00" in body["detail"]
    assert books.snapshot(cid) == before
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes",
        json={"items": [_item("50.00"), _item("25.00")], "reason": "items"},
    )
    books.problem(r, 409, "invalid_state")
    last = _credit(books, inv["id"], items=[_item("70.00")])
    assert [i["gross"] for i in last["items"]] == ["70.00"]
    seen = _get(books, f"/v1/invoices/{inv['id']}")
    assert (seen["status"], seen["open_amount"], seen["creditable"]) == ("paid", "0.00", "0.00")
    assert len(seen["credit_notes"]) == 2
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "0.01", "reason": "more"}
    )
    books.problem(r, 409, "invalid_state")


def test_what_the_invoice_does_not_need_stays_as_credit(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("100.00"))
    books.pay(cid, "80.00", "2025-01-11")
    note = _credit(books, inv["id"], amount="50.00")
    assert note["open_amount"] == "30.00"  # 20.00 settled the invoice, 30.00 is credit
    assert _get(books, f"/v1/invoices/{inv['id']}")["status"] == "paid"
    assert books.amounts(cid) == ("-30.00", "0.00", "-30.00", "0.00")
    # the credit can be refunded
    refund = books.pay(cid, "-30.00", "2025-01-12")
    assert refund["type"] == "refund"
    assert _get(books, f"/v1/credit-notes/{note['id']}")["open_amount"] == "0.00"
    assert books.amounts(cid)[0] == "0.00"


def test_a_credit_note_on_a_paid_invoice_is_customer_credit(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("40.00"))
    books.pay(cid, "40.00", "2025-01-11")
    note = _credit(books, inv["id"], amount="40.00")
    assert note["open_amount"] == "40.00"
    assert books.amounts(cid)[0] == "-40.00"
    later = _invoice(books, cid, _item("25.00"), day="2025-02-01")
    assert (later["status"], later["paid_from_balance"]) == ("paid", True)
    assert _get(books, f"/v1/credit-notes/{note['id']}")["open_amount"] == "15.00"


def test_an_invoice_with_a_credit_note_can_no_longer_be_voided(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("40.00"))
    _credit(books, inv["id"], amount="1.00")
    r = books.api.post(f"/v1/invoices/{inv['id']}/void", json={})
    assert "credit notes" in books.problem(r, 409, "invalid_state")["detail"]


def test_only_issued_invoices_can_be_credited(books: Any) -> None:
    cid = books.customer()["id"]
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={"type": "proforma", "date": "2025-01-10", "items": [_item("10.00")]},
    )
    proforma = r.json()
    r = books.api.post(
        f"/v1/invoices/{proforma['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    assert "cannot be credited" in books.problem(r, 409, "invalid_state")["detail"]
    inv = _invoice(books, cid, _item("10.00"))
    books.api.post(f"/v1/invoices/{inv['id']}/void", json={})
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    books.problem(r, 409, "invalid_state")


def test_credit_notes_refuse_bad_input_naming_the_field(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("100.00"))
    path = f"/v1/invoices/{inv['id']}/credit-notes"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount": "10.00"}, "reason"),
        ({"amount": "10.00", "reason": " "}, "reason"),
        ({"reason": "r"}, "amount"),
        ({"reason": "r", "amount": "1.00", "items": [_item("1.00")]}, "amount"),
        ({"reason": "r", "amount": "-1.00"}, "amount"),
        ({"reason": "r", "amount": "1.001"}, "amount"),
        ({"reason": "r", "amount": "1.00", "date": FUTURE}, "date"),
        ({"reason": "r", "items": [{"description": "x"}]}, "items.0.unit_price"),
        ({"reason": "r", "amount": "1.00", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        books.problem(books.api.post(path, json=body), 422, "invalid_input", field=field)
    assert _get(books, f"/v1/invoices/{inv['id']}")["credit_notes"] == []


def test_invoice_and_credit_note_ids_keep_to_their_routes(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("10.00"))
    note = _credit(books, inv["id"], amount="1.00")
    books.problem(books.api.get(f"/v1/credit-notes/{inv['id']}"), 404, "not_found")
    books.problem(books.api.get(f"/v1/credit-notes/{inv['id']}/pdf"), 404, "not_found")
    books.problem(books.api.get("/v1/credit-notes/987654"), 404, "not_found")
    r = books.api.post(
        f"/v1/invoices/{note['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    books.problem(r, 404, "not_found")
    r = books.api.post("/v1/invoices/987654/credit-notes", json={"amount": "1.00", "reason": "r"})
    books.problem(r, 404, "not_found")
    books.problem(books.api.post(f"/v1/credit-notes/{inv['id']}/send"), 404, "not_found")


def test_a_viewer_reads_credit_notes_but_cannot_issue_them(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("10.00"))
    note = _credit(books, inv["id"], amount="1.00")
    viewer = books.api.key_for(Role.VIEWER)
    assert books.api.get(f"/v1/credit-notes/{note['id']}", key=viewer).status_code == 200
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes",
        json={"amount": "1.00", "reason": "r"},
        key=viewer,
    )
    books.problem(r, 403, "forbidden")


def test_a_credit_note_is_sent_and_downloads_as_pdf(books: Any) -> None:
    pytest.importorskip("solde.documents")
    cid = books.customer()["id"]
    inv = _invoice(books, cid, _item("10.00"))
    note = _credit(books, inv["id"], amount="2.00")
    r = books.api.post(f"/v1/credit-notes/{note['id']}/send")
    assert r.status_code == 200, r.text
    assert r.json()["sent_at"] is not None
    r = books.api.get(f"/v1/credit-notes/{note['id']}/pdf")
    assert r.status_code == 200, r.text[:200]
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == (
        f'attachment; filename="credit-note-{note["number"]}.pdf"'
    )
