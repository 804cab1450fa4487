"""Lines and transactions (SPEC §4, §15): unbilled lines and posted debits and credits, their
amounts, the list by state, edit and cancel of unbilled lines, reversal, and the balance card
today and as of a past date."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

FUTURE = "2999-12-31"


def _check_card(card: dict[str, Any]) -> None:
    """SPEC §1 and §15: balance = debit + credit, debit >= 0, credit <= 0."""
    balance, debit, credit = (Decimal(card[k]) for k in ("balance", "debit", "credit"))
    assert debit >= 0
    assert credit <= 0
    assert balance == debit + credit


# -- adding lines --------------------------------------------------------------------------


def test_a_charge_waits_unbilled_by_default_and_leaves_the_balance(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid, kind="debit", type="charge", label="Setup fee", unit_price="49.90")
    assert line["state"] == "unbilled"
    assert line["kind"] == "debit"
    assert line["type"] == "charge"
    assert line["label"] == "Setup fee"
    assert line["quantity"] == "1"
    assert line["tax_rate"] == "0"
    assert line["net"] == "49.90"
    assert line["tax"] == "0.00"
    assert line["amount"] == "49.90"
    assert line["customer_id"] == cid
    assert line["invoice_id"] is None
    assert line["allocations"] == []
    card = books.balance(cid)
    assert line["date"] == card["as_of"]  # dated today by default
    assert (card["balance"], card["debit"], card["credit"]) == ("0.00", "0.00", "0.00")
    assert card["unbilled"] == {
        "count": 1,
        "net": "49.90",
        "gross": "49.90",
        "first_date": line["date"],
        "last_date": line["date"],
    }
    assert books.tx(line["id"]) == line
    future = books.line(cid, date=FUTURE)  # an unbilled line may wait for a later invoice
    assert (future["date"], future["state"]) == (FUTURE, "unbilled")
    assert books.balance(cid)["unbilled"]["last_date"] == FUTURE


def test_default_mode_per_type_follows_the_spec(books: Any) -> None:
    """SPEC §4: charges and credit adjustments or gifts wait for the next invoice; other lines
    (debit adjustment, collection cost) are posted at once."""
    cid = books.customer()["id"]
    cases = [
        ("debit", "charge", "unbilled"),
        ("debit", "adjustment", "open"),
        ("debit", "collection_cost", "open"),
        ("credit", "adjustment", "unbilled"),
        ("credit", "gift", "unbilled"),
    ]
    for kind, tx_type, state in cases:
        line = books.line(cid, kind=kind, type=tx_type, unit_price="10.00", date="2025-03-01")
        assert (line["kind"], line["type"], line["state"]) == (kind, tx_type, state)
    # posted: debit adjustment 10 + collection cost 10; unbilled: charge 10, two credits 10
    assert books.amounts(cid) == ("20.00", "20.00", "0.00", "0.00")
    assert books.balance(cid)["unbilled"]["count"] == 3
    assert books.balance(cid)["unbilled"]["gross"] == "-10.00"
    # without a type, a debit line is a charge and a credit line an adjustment
    line = books.line(cid, kind="credit", unit_price="5.00", date="2025-03-01")
    assert (line["kind"], line["type"], line["state"]) == ("credit", "adjustment", "unbilled")
    line = books.line(cid, kind="debit", unit_price="5.00", date="2025-03-01")
    assert (line["kind"], line["type"], line["state"]) == ("debit", "charge", "unbilled")


def test_posted_debits_and_credits_change_the_balance_at_once(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "100.00", "2025-03-01", reference="ORD-1")
    assert charge["state"] == "open"
    assert charge["open_amount"] == "100.00"
    assert charge["reference"] == "ORD-1"
    assert books.amounts(cid) == ("100.00", "100.00", "0.00", "0.00")
    gift = books.credit(cid, "30.00", "2025-03-02", type="gift", label="Outage goodwill")
    # the goodwill credit settles the charge at once (automatic settlement)
    assert gift["state"] == "closed"
    assert gift["open_amount"] == "0.00"
    assert gift["allocations"] == [{"transaction_id": charge["id"], "amount": "30.00"}]
    assert books.tx(charge["id"])["open_amount"] == "70.00"
    assert books.amounts(cid) == ("70.00", "70.00", "0.00", "0.00")
    cost = books.charge(cid, "15.00", "2025-03-03", type="collection_cost", label="Letter")
    assert cost["type"] == "collection_cost"
    adj = books.charge(cid, "5.00", "2025-03-04", type="adjustment", label="Correction")
    assert adj["type"] == "adjustment"
    card = books.balance(cid)
    assert card["balance"] == "90.00"
    _check_card(card)


#: (quantity, unit price, tax rate, currency) -> (net, tax, amount), each rounded half-up once.
AMOUNT_CASES = [
    ("3", "10.005", "20", "EUR", "30.02", "6.00", "36.02"),  # 30.015 half-up, 6.004
    ("1", "19.99", "5.5", "EUR", "19.99", "1.10", "21.09"),  # tax 1.09945
    ("2.5", "4.333333", "0", "EUR", "10.83", "0.00", "10.83"),  # 10.8333325
    ("1", "0.125", "0", "EUR", "0.13", "0.00", "0.13"),  # half-up, not half-even
    ("1", "10.00", "8.875", "EUR", "10.00", "0.89", "10.89"),  # tax 0.8875
    ("1", "100.5", "10", "JPY", "101", "10", "111"),  # yen have no decimals
    ("1", "1.2345", "0", "KWD", "1.235", "0.000", "1.235"),  # dinars have three
]


def test_net_tax_and_amount_are_computed_per_line_half_up(books: Any) -> None:
    for quantity, unit_price, tax_rate, currency, net, tax, amount in AMOUNT_CASES:
        cid = books.customer(currency=currency)["id"]
        price = {"quantity": quantity, "unit_price": unit_price, "tax_rate": tax_rate}
        posted = books.line(cid, **price, bill_on_next_invoice=False, date="2025-03-01")
        assert (posted["net"], posted["tax"], posted["amount"]) == (net, tax, amount), price
        assert posted["open_amount"] == amount
        assert posted["currency"] == currency
        assert books.balance(cid)["balance"] == amount
        unbilled = books.line(cid, **price, date="2025-03-01")
        assert (unbilled["net"], unbilled["tax"], unbilled["amount"]) == (net, tax, amount)
        assert books.balance(cid)["unbilled"]["net"] == net
        assert books.balance(cid)["unbilled"]["gross"] == amount


BAD_LINES: list[tuple[dict[str, Any], str]] = [
    ({"kind": None}, "kind"),
    ({"kind": "both"}, "kind"),
    ({"kind": "debit", "type": "payment"}, "type"),
    ({"kind": "debit", "type": "refund"}, "type"),
    ({"kind": "debit", "type": "invoice"}, "type"),
    ({"kind": "debit", "type": "chargeback"}, "type"),
    ({"kind": "debit", "type": "gift"}, "type"),
    ({"kind": "credit", "type": "charge"}, "type"),
    ({"kind": "credit", "type": "credit_note"}, "type"),
    ({"type": "fee"}, "type"),
    ({"label": ""}, "label"),
    ({"label": "   "}, "label"),
    ({"label": "x" * 201}, "label"),
    ({"label": "bad\x00label"}, "label"),
    ({"unit_price": "abc"}, "unit_price"),
    ({"unit_price": "0"}, "unit_price"),
    ({"unit_price": "-5.00"}, "unit_price"),
    ({"unit_price": "1.0000001"}, "unit_price"),
    ({"unit_price": "1000000000000"}, "unit_price"),
    ({"unit_price": True}, "unit_price"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "-1"}, "quantity"),
    ({"quantity": "1000000000"}, "quantity"),
    ({"quantity": "x"}, "quantity"),
    ({"tax_rate": "-1"}, "tax_rate"),
    ({"tax_rate": "100.01"}, "tax_rate"),
    ({"tax_rate": "5.12345"}, "tax_rate"),
    ({"date": "2025-02-30"}, "date"),
    ({"date": "1899-12-31"}, "date"),
    ({"date": "yesterday"}, "date"),
    ({"date": 20250101}, "date"),
    ({"bill_on_next_invoice": "yes"}, "bill_on_next_invoice"),
    ({"reference": "r" * 101}, "reference"),
    ({"reference": "a\x00b"}, "reference"),
    ({"amount": "10.00"}, "amount"),
    ({"bill_on_next_invoice": False, "date": FUTURE}, "date"),
]


def test_invalid_lines_are_refused_naming_the_field(books: Any) -> None:
    cid = books.customer()["id"]
    before = books.snapshot(cid)
    for fields, field in BAD_LINES:
        body = {"kind": "debit", "label": "Line", "unit_price": "10.00", **fields}
        body = {k: v for k, v in body.items() if v is not None}
        r = books.api.post(f"/v1/customers/{cid}/transactions", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


def test_required_line_fields(books: Any) -> None:
    cid = books.customer()["id"]
    for missing in ("kind", "label", "unit_price"):
        body = {"kind": "debit", "label": "Line", "unit_price": "10.00"}
        del body[missing]
        r = books.api.post(f"/v1/customers/{cid}/transactions", json=body)
        books.problem(r, 422, "invalid_input", field=missing)


def test_a_line_for_an_unknown_customer_is_404(books: Any) -> None:
    for ident in ("999", "0", "-1", str(10**30)):
        r = books.api.post(
            f"/v1/customers/{ident}/transactions",
            json={"kind": "debit", "label": "x", "unit_price": "1"},
        )
        books.problem(r, 404, "not_found")


# -- listing by state ----------------------------------------------------------------------


@pytest.fixture
def history(books: Any) -> dict[str, Any]:
    """One customer with a transaction in every state."""
    cid = books.customer()["id"]
    closed = books.charge(cid, "30.00", "2025-01-02", label="Closed charge")
    opened = books.charge(cid, "50.00", "2025-01-03", label="Open charge")
    paid = books.pay(cid, "30.00", "2025-01-04")  # settles the oldest charge exactly
    unbilled = books.line(cid, label="Waiting", unit_price="12.00", date="2025-01-05")
    cancelled = books.line(cid, label="Cancelled", unit_price="8.00", date="2025-01-06")
    r = books.api.delete(f"/v1/transactions/{cancelled['id']}")
    assert r.status_code == 200, r.text
    pending = books.pay(cid, "20.00", "2025-01-07", status="pending")
    ids = {
        "closed": closed["id"],
        "open": opened["id"],
        "payment": paid["id"],
        "unbilled": unbilled["id"],
        "void": cancelled["id"],
        "pending": pending["id"],
    }
    return {"customer_id": cid, **ids}


def _ids(books: Any, cid: int, **params: Any) -> list[int]:
    return [t["id"] for t in books.txs(cid, **params)]


def test_list_by_state(books: Any, history: dict[str, Any]) -> None:
    cid, h = history["customer_id"], history
    assert _ids(books, cid, state="open") == [h["open"]]
    assert _ids(books, cid, state="closed") == [h["payment"], h["closed"]]
    assert _ids(books, cid, state="unbilled") == [h["unbilled"]]
    assert _ids(books, cid, state="pending") == [h["pending"]]
    assert _ids(books, cid, state="void") == [h["void"]]
    assert _ids(books, cid, state="open,unbilled") == [h["unbilled"], h["open"]]
    assert _ids(books, cid, state=["open", "pending"]) == [h["pending"], h["open"]]
    everything = [
        h["pending"],
        h["void"],
        h["unbilled"],
        h["payment"],
        h["open"],
        h["closed"],
    ]
    assert _ids(books, cid) == everything
    listed = {t["id"]: t for t in books.txs(cid)}
    assert listed[h["open"]]["open_amount"] == "50.00"
    assert listed[h["closed"]]["open_amount"] == "0.00"
    assert listed[h["closed"]]["allocations"] == [
        {"transaction_id": h["payment"], "amount": "30.00"}
    ]
    assert listed[h["payment"]]["allocations"] == [
        {"transaction_id": h["closed"], "amount": "30.00"}
    ]
    for tx in listed.values():
        assert books.tx(tx["id"]) == tx


def test_list_by_kind_type_and_dates(books: Any, history: dict[str, Any]) -> None:
    cid, h = history["customer_id"], history
    assert _ids(books, cid, kind="credit") == [h["pending"], h["payment"]]
    assert _ids(books, cid, type="payment") == [h["pending"], h["payment"]]
    assert _ids(books, cid, type="charge", state="open") == [h["open"]]
    assert _ids(books, cid, date_from="2025-01-03", date_to="2025-01-05") == [
        h["unbilled"],
        h["payment"],
        h["open"],
    ]


def test_list_pages_walk_every_transaction_once(books: Any, history: dict[str, Any]) -> None:
    cid = history["customer_id"]
    everything = _ids(books, cid)
    walked = _ids(books, cid, limit=4)
    assert walked == everything
    first = books.api.get(f"/v1/customers/{cid}/transactions", params={"limit": 4}).json()
    assert first["has_more"] is True
    assert first["next_cursor"] == str(first["data"][-1]["id"])


def test_invalid_list_filters_are_refused(books: Any) -> None:
    cid = books.customer()["id"]
    for params, field in [
        ({"state": "bogus"}, "state"),
        ({"state": "open,nope"}, "state"),
        ({"type": "fee"}, "type"),
        ({"kind": "both"}, "kind"),
        ({"date_from": "2025-02-30"}, "date_from"),
        ({"date_to": "0001-01-01"}, "date_to"),
        ({"limit": 0}, "limit"),
        ({"limit": 100000}, "limit"),
        ({"starting_after": "x"}, "starting_after"),
    ]:
        r = books.api.get(f"/v1/customers/{cid}/transactions", params=params)
        books.problem(r, 422, "invalid_input", field=field)


def test_unknown_transaction_ids_answer_404(books: Any) -> None:
    cid = books.customer()["id"]
    books.line(cid)
    for ident in ["999", "0", "-1", str(10**30)]:
        for method, path, body in [
            ("GET", f"/v1/transactions/{ident}", None),
            ("PATCH", f"/v1/transactions/{ident}", {"label": "x"}),
            ("DELETE", f"/v1/transactions/{ident}", None),
            ("POST", f"/v1/transactions/{ident}/reverse", {}),
        ]:
            r = books.api.client.request(method, path, json=body, headers=books.api.headers())
            books.problem(r, 404, "not_found")


# -- editing and cancelling unbilled lines -------------------------------------------------


def test_patch_an_unbilled_line_recomputes_its_amounts(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid, label="Hours", unit_price="40.00", date="2025-03-01", reference="T-1")
    other = books.line(cid, label="Other", unit_price="5.00", date="2025-03-10")
    r = books.api.patch(
        f"/v1/transactions/{line['id']}",
        json={"quantity": "2.5", "tax_rate": "20", "date": "2025-03-15"},
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["quantity"], edited["unit_price"], edited["tax_rate"]) == ("2.5", "40.00", "20")
    assert (edited["net"], edited["tax"], edited["amount"]) == ("100.00", "20.00", "120.00")
    assert edited["label"] == "Hours"
    assert edited["reference"] == "T-1"
    assert edited["state"] == "unbilled"
    assert edited["date"] == "2025-03-15"
    assert books.tx(line["id"]) == edited
    card = books.balance(cid)
    assert card["unbilled"] == {
        "count": 2,
        "net": "105.00",
        "gross": "125.00",
        "first_date": "2025-03-10",
        "last_date": "2025-03-15",
    }
    assert card["balance"] == "0.00"
    assert books.tx(other["id"])["amount"] == "5.00"


def test_patch_label_type_and_reference(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid, kind="credit", type="adjustment", unit_price="5.00")
    r = books.api.patch(
        f"/v1/transactions/{line['id']}",
        json={"label": "Goodwill", "type": "gift", "reference": "TICKET-7"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["label"], r.json()["type"], r.json()["reference"]) == (
        "Goodwill",
        "gift",
        "TICKET-7",
    )
    assert r.json()["kind"] == "credit"


def test_invalid_patches_of_a_line_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid, unit_price="40.00", date="2025-03-01")
    before = books.snapshot(cid)
    for changes, field in [
        ({"kind": "credit"}, "kind"),
        ({"bill_on_next_invoice": False}, "bill_on_next_invoice"),
        ({"type": "gift"}, "type"),
        ({"unit_price": "0"}, "unit_price"),
        ({"quantity": "-2"}, "quantity"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"label": ""}, "label"),
        ({"date": "2025-02-29"}, "date"),
        ({"amount": "5"}, "amount"),
    ]:
        r = books.api.patch(f"/v1/transactions/{line['id']}", json={"label": "New", **changes})
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


def test_posted_and_cancelled_transactions_cannot_be_edited_or_cancelled(books: Any) -> None:
    cid = books.customer()["id"]
    posted = books.charge(cid, "10.00", "2025-03-01")
    payment = books.pay(cid, "4.00", "2025-03-02")
    cancelled = books.line(cid)
    assert books.api.delete(f"/v1/transactions/{cancelled['id']}").status_code == 200
    before = books.snapshot(cid)
    for tx in (posted, payment, cancelled):
        r = books.api.patch(f"/v1/transactions/{tx['id']}", json={"label": "Changed"})
        books.problem(r, 409, "invalid_state")
        r = books.api.delete(f"/v1/transactions/{tx['id']}")
        books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before


def test_delete_cancels_an_unbilled_line_and_keeps_it_void(books: Any) -> None:
    cid = books.customer()["id"]
    keep = books.line(cid, unit_price="10.00", date="2025-03-01")
    drop = books.line(cid, unit_price="7.00", tax_rate="20", date="2025-03-20")
    assert books.balance(cid)["unbilled"]["gross"] == "18.40"
    r = books.api.delete(f"/v1/transactions/{drop['id']}", params={"reason": "typed twice"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "void"
    assert r.json()["note"] == "typed twice"
    assert r.json()["amount"] == "8.40"  # the line keeps its amounts for the record
    assert books.tx(drop["id"])["state"] == "void"
    assert books.balance(cid)["unbilled"] == {
        "count": 1,
        "net": "10.00",
        "gross": "10.00",
        "first_date": "2025-03-01",
        "last_date": "2025-03-01",
    }
    assert [t["id"] for t in books.txs(cid, state="void")] == [drop["id"]]
    assert [t["id"] for t in books.txs(cid, state="unbilled")] == [keep["id"]]
    assert books.balance(cid)["balance"] == "0.00"


def test_delete_with_an_invalid_reason_changes_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid)
    before = books.snapshot(cid)
    for reason in ("a\x00b", "x" * 501):
        r = books.api.delete(f"/v1/transactions/{line['id']}", params={"reason": reason})
        books.problem(r, 422, "invalid_input", field="reason")
    assert books.snapshot(cid) == before


# -- reversal ------------------------------------------------------------------------------


def test_reverse_an_open_charge(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "100.00", "2025-03-01", tax_rate="20", label="Router")
    assert charge["amount"] == "120.00"
    r = books.api.post(
        f"/v1/transactions/{charge['id']}/reverse",
        json={"reason": "sold by mistake", "date": "2025-03-05"},
    )
    assert r.status_code == 201, r.text
    reversal = r.json()
    assert reversal["kind"] == "credit"
    assert reversal["type"] == "adjustment"
    assert reversal["reverses_id"] == charge["id"]
    assert (reversal["net"], reversal["tax"], reversal["amount"]) == ("100.00", "20.00", "120.00")
    assert reversal["date"] == "2025-03-05"
    assert reversal["note"] == "sold by mistake"
    assert reversal["state"] == "closed"
    assert reversal["allocations"] == [{"transaction_id": charge["id"], "amount": "120.00"}]
    original = books.tx(charge["id"])
    assert (original["state"], original["open_amount"]) == ("closed", "0.00")
    assert books.amounts(cid) == ("0.00", "0.00", "0.00", "0.00")
    assert books.tx(reversal["id"]) == reversal


def test_reversing_a_paid_charge_leaves_the_payment_as_credit(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "100.00", "2025-03-01")
    payment = books.pay(cid, "100.00", "2025-03-02")
    assert books.tx(charge["id"])["state"] == "closed"
    r = books.api.post(f"/v1/transactions/{charge['id']}/reverse", json={"date": "2025-03-03"})
    assert r.status_code == 201, r.text
    assert books.amounts(cid) == ("-100.00", "0.00", "-100.00", "0.00")
    assert books.tx(payment["id"])["open_amount"] == "100.00"
    assert books.tx(charge["id"])["state"] == "closed"


def test_reversing_a_payment_reopens_what_it_paid(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-03-01")
    payment = books.pay(cid, "50.00", "2025-03-02")
    assert books.tx(charge["id"])["open_amount"] == "30.00"
    r = books.api.post(f"/v1/transactions/{payment['id']}/reverse", json={})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "debit"
    assert r.json()["amount"] == "50.00"
    assert books.tx(charge["id"])["open_amount"] == "80.00"
    assert books.amounts(cid) == ("80.00", "80.00", "0.00", "0.00")


def test_reverse_is_refused_twice_and_on_a_reversal(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "10.00", "2025-03-01")
    first = books.api.post(f"/v1/transactions/{charge['id']}/reverse")
    assert first.status_code == 201, first.text
    before = books.snapshot(cid)
    again = books.api.post(f"/v1/transactions/{charge['id']}/reverse", json={})
    books.problem(again, 409, "invalid_state")
    of_reversal = books.api.post(f"/v1/transactions/{first.json()['id']}/reverse", json={})
    books.problem(of_reversal, 409, "invalid_state")
    assert books.snapshot(cid) == before
    assert books.balance(cid)["balance"] == "0.00"


def test_unposted_transactions_cannot_be_reversed(books: Any) -> None:
    cid = books.customer()["id"]
    line = books.line(cid)
    pending = books.pay(cid, "5.00", "2025-03-01", status="pending")
    before = books.snapshot(cid)
    for tx in (line, pending):
        r = books.api.post(f"/v1/transactions/{tx['id']}/reverse", json={})
        books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before


def test_invalid_reversals_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "10.00", "2025-03-10")
    before = books.snapshot(cid)
    for body, field in [
        ({"date": "2025-03-09"}, "date"),  # before the original
        ({"date": FUTURE}, "date"),
        ({"date": "2025-13-01"}, "date"),
        ({"reason": "x\x00"}, "reason"),
        ({"reason": "r" * 501}, "reason"),
        ({"amount": "5"}, "amount"),
    ]:
        r = books.api.post(f"/v1/transactions/{charge['id']}/reverse", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


# -- the balance card ----------------------------------------------------------------------


def test_balance_today(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "100.00", "2025-03-01")
    books.pay(cid, "30.00", "2025-03-02", status="pending")
    books.line(cid, unit_price="12.00", date="2025-03-05")
    books.line(cid, kind="credit", type="gift", unit_price="2.00", date="2025-03-04")
    card = books.balance(cid)
    assert card == {
        "customer_id": cid,
        "as_of": datetime.now(UTC).date().isoformat(),
        "currency": "EUR",
        "balance": "100.00",
        "debit": "100.00",
        "credit": "0.00",
        "awaiting_confirmation": "-30.00",
        "unbilled": {
            "count": 2,
            "net": "10.00",
            "gross": "10.00",
            "first_date": "2025-03-04",
            "last_date": "2025-03-05",
        },
    }
    assert books.get_customer(cid)["balance"] == "100.00"


def test_balance_as_of_a_past_date_never_changes_after_later_postings(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "100.00", "2025-01-10")
    books.pay(cid, "40.00", "2025-02-10")
    books.charge(cid, "25.00", "2025-03-10")
    # Entered today, the payment settled the charge today: on past days both stood open.
    expected = {
        "2025-01-09": ("0.00", "0.00", "0.00", "0.00"),
        "2025-01-10": ("100.00", "100.00", "0.00", "0.00"),
        "2025-01-31": ("100.00", "100.00", "0.00", "0.00"),
        "2025-02-28": ("60.00", "100.00", "-40.00", "0.00"),
        "2025-03-10": ("85.00", "125.00", "-40.00", "0.00"),
    }
    cards = {day: books.balance(cid, day) for day in expected}
    for day, amounts in expected.items():
        card = cards[day]
        assert (card["balance"], card["debit"], card["credit"], card["awaiting_confirmation"]) == (
            amounts
        ), day
        assert card["as_of"] == day
    # later events: a payment, a reversal today, a new line, a pending payment
    books.pay(cid, "200.00", "2025-04-01")
    books.api.post(f"/v1/transactions/{charge['id']}/reverse", json={})
    books.line(cid, unit_price="9.00", date="2025-04-02")
    books.pay(cid, "1.00", "2025-04-03", status="pending")
    for day, card in cards.items():
        assert books.balance(cid, day) == card, day
    _check_card(books.balance(cid))
    assert books.balance(cid)["balance"] == "-215.00"


def test_balance_as_of_invalid_dates_and_unknown_customers(books: Any) -> None:
    cid = books.customer()["id"]
    for as_of in ("2025-13-01", "1800-01-01", "3000-01-01", "soon"):
        r = books.api.get(f"/v1/customers/{cid}/balance", params={"as_of": as_of})
        books.problem(r, 422, "invalid_input", field="as_of")
    r = books.api.get("/v1/customers/999/balance", params={"as_of": "2025-01-01"})
    books.problem(r, 404, "not_found")


def test_unbilled_summary_counts_credit_lines_negative(books: Any) -> None:
    cid = books.customer()["id"]
    books.line(cid, unit_price="10.00", tax_rate="20", date="2025-03-05")
    books.line(cid, kind="credit", type="gift", unit_price="5.00", date="2025-03-01")
    last = books.line(cid, quantity="2", unit_price="7.50", date="2025-04-20")
    assert books.balance(cid)["unbilled"] == {
        "count": 3,
        "net": "20.00",
        "gross": "22.00",
        "first_date": "2025-03-01",
        "last_date": "2025-04-20",
    }
    assert books.api.delete(f"/v1/transactions/{last['id']}").status_code == 200
    assert books.balance(cid)["unbilled"] == {
        "count": 2,
        "net": "5.00",
        "gross": "7.00",
        "first_date": "2025-03-01",
        "last_date": "2025-03-05",
    }
    assert books.balance(cid)["balance"] == "0.00"
