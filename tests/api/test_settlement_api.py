"""Settlement by hand and on demand (SPEC §6): a customer with automatic settlement off keeps
its payments unallocated until someone allocates or settles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest


@pytest.fixture
def manual(books: Any) -> dict[str, Any]:
    """A customer that settles by hand, with an open charge and an unallocated payment."""
    cid = books.customer("Key Account", billing={"auto_settlement": False})["id"]
    charge = books.charge(cid, "100.00", "2025-01-10")
    payment = books.pay(cid, "60.00", "2025-01-15")
    return {"customer_id": cid, "charge": charge, "payment": payment}


def _allocate(books: Any, cid: int, **body: Any) -> Any:
    return books.api.post(f"/v1/customers/{cid}/allocations", json=body)


def test_payments_stay_unallocated_without_automatic_settlement(
    books: Any, manual: dict[str, Any]
) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    assert payment["state"] == "open"
    assert payment["open_amount"] == "60.00"
    assert payment["allocations"] == []
    assert books.tx(charge["id"])["open_amount"] == "100.00"
    # the balance is the same either way; debit and credit stay side by side
    assert books.amounts(cid) == ("40.00", "100.00", "-60.00", "0.00")
    later = books.credit(cid, "5.00", "2025-01-20", type="gift")
    assert later["state"] == "open"
    assert books.amounts(cid) == ("35.00", "100.00", "-65.00", "0.00")


def test_allocate_by_hand(books: Any, manual: dict[str, Any]) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"], amount="25.00")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["customer_id"] == cid
    assert made["credit_id"] == payment["id"]
    assert made["debit_id"] == charge["id"]
    assert made["amount"] == "25.00"
    assert made["date"] == datetime.now(UTC).date().isoformat()  # the day it is made
    assert made["source"] == "manual"
    assert isinstance(made["id"], int)
    assert books.tx(charge["id"])["open_amount"] == "75.00"
    assert books.tx(payment["id"])["open_amount"] == "35.00"
    assert books.tx(charge["id"])["allocations"] == [
        {"transaction_id": payment["id"], "amount": "25.00"}
    ]
    assert books.amounts(cid) == ("40.00", "75.00", "-35.00", "0.00")


def test_allocation_amount_defaults_to_what_both_have_open(
    books: Any, manual: dict[str, Any]
) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"])
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "60.00"
    assert books.tx(payment["id"])["state"] == "closed"
    assert books.tx(charge["id"])["open_amount"] == "40.00"
    assert books.amounts(cid) == ("40.00", "40.00", "0.00", "0.00")
    # nothing is left on the payment: a second allocation has nothing to settle
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"], amount="1.00")
    books.problem(r, 409, "invalid_state")


def test_allocating_more_than_is_open_is_refused(books: Any, manual: dict[str, Any]) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    before = books.snapshot(cid)
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"], amount="60.01")
    books.problem(r, 409, "invalid_state")
    big = books.pay(cid, "500.00", "2025-01-16")
    before = books.snapshot(cid)
    r = _allocate(books, cid, credit_id=big["id"], debit_id=charge["id"], amount="100.01")
    books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before


def test_invalid_allocations_change_nothing(books: Any, manual: dict[str, Any]) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    other = books.customer("Someone else", billing={"auto_settlement": False})["id"]
    foreign_charge = books.charge(other, "10.00", "2025-01-10")
    foreign_payment = books.pay(other, "10.00", "2025-01-10")
    line = books.line(cid, unit_price="10.00")
    pending = books.pay(cid, "10.00", "2025-01-20", status="pending")
    c, d = payment["id"], charge["id"]
    before = books.snapshot(cid)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"credit_id": d, "debit_id": c}, "credit_id"),  # swapped
        ({"credit_id": c, "debit_id": c}, "debit_id"),  # a credit is no debit
        ({"credit_id": d, "debit_id": d}, "credit_id"),
        ({"credit_id": c, "debit_id": foreign_charge["id"]}, "debit_id"),
        ({"credit_id": foreign_payment["id"], "debit_id": d}, "credit_id"),
        ({"credit_id": c, "debit_id": line["id"]}, "debit_id"),  # unbilled: not posted
        ({"credit_id": pending["id"], "debit_id": d}, "credit_id"),  # pending: not posted
        ({"credit_id": 999999, "debit_id": d}, "credit_id"),
        ({"credit_id": c, "debit_id": 10**30}, "debit_id"),
        ({"credit_id": c, "debit_id": 0}, "debit_id"),
        ({"credit_id": str(c), "debit_id": d}, "credit_id"),
        ({"debit_id": d}, "credit_id"),
        ({"credit_id": c}, "debit_id"),
        ({"credit_id": c, "debit_id": d, "amount": "0"}, "amount"),
        ({"credit_id": c, "debit_id": d, "amount": "-5.00"}, "amount"),
        ({"credit_id": c, "debit_id": d, "amount": "1.001"}, "amount"),
        ({"credit_id": c, "debit_id": d, "amount": "ten"}, "amount"),
        ({"credit_id": c, "debit_id": d, "date": "2025-01-01"}, "date"),
    ]
    for body, field in cases:
        r = _allocate(books, cid, **body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before
    assert books.tx(foreign_charge["id"])["open_amount"] == "10.00"
    assert books.tx(foreign_payment["id"])["open_amount"] == "10.00"


def test_allocation_for_an_unknown_customer_is_404(books: Any, manual: dict[str, Any]) -> None:
    body = {"credit_id": manual["payment"]["id"], "debit_id": manual["charge"]["id"]}
    for ident in ("999", "0", "-1", str(10**30)):
        books.problem(_allocate(books, ident, **body), 404, "not_found")
        r = books.api.post(f"/v1/customers/{ident}/settle")
        books.problem(r, 404, "not_found")


def test_settle_on_demand_follows_the_spec_order(books: Any) -> None:
    cid = books.customer(billing={"auto_settlement": False})["id"]
    empty = books.api.post(f"/v1/customers/{cid}/settle")
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"allocations": []}
    newest = books.charge(cid, "30.00", "2025-01-20")
    oldest = books.charge(cid, "20.00", "2025-01-10")
    middle = books.charge(cid, "10.00", "2025-01-15", type="collection_cost")
    late_payment = books.pay(cid, "15.00", "2025-01-25")
    early_payment = books.pay(cid, "40.00", "2025-01-05")
    assert books.amounts(cid) == ("5.00", "60.00", "-55.00", "0.00")
    r = books.api.post(f"/v1/customers/{cid}/settle")
    assert r.status_code == 200, r.text
    made = [
        (a["credit_id"], a["debit_id"], a["amount"], a["source"]) for a in r.json()["allocations"]
    ]
    # the oldest credit first, against the oldest debits first
    assert made == [
        (early_payment["id"], oldest["id"], "20.00", "settle"),
        (early_payment["id"], middle["id"], "10.00", "settle"),
        (early_payment["id"], newest["id"], "10.00", "settle"),
        (late_payment["id"], newest["id"], "15.00", "settle"),
    ]
    assert books.tx(newest["id"])["open_amount"] == "5.00"
    assert books.amounts(cid) == ("5.00", "5.00", "0.00", "0.00")
    again = books.api.post(f"/v1/customers/{cid}/settle", json={})
    assert again.status_code == 200, again.text
    assert again.json() == {"allocations": []}


def test_settle_after_manual_allocation_settles_only_the_rest(
    books: Any, manual: dict[str, Any]
) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"], amount="10")
    assert r.status_code == 201, r.text
    r = books.api.post(f"/v1/customers/{cid}/settle")
    assert r.status_code == 200, r.text
    (made,) = r.json()["allocations"]
    assert (made["credit_id"], made["debit_id"], made["amount"]) == (
        payment["id"],
        charge["id"],
        "50.00",
    )
    assert books.tx(charge["id"])["open_amount"] == "40.00"
    assert books.amounts(cid) == ("40.00", "40.00", "0.00", "0.00")


def test_turning_automatic_settlement_on_settles_at_the_next_posting(
    books: Any, manual: dict[str, Any]
) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    r = books.api.patch(f"/v1/customers/{cid}", json={"billing": {"auto_settlement": True}})
    assert r.status_code == 200, r.text
    assert r.json()["billing"]["auto_settlement"] is True
    books.pay(cid, "10.00", "2025-01-20")
    assert books.tx(payment["id"])["open_amount"] == "0.00"
    assert books.tx(charge["id"])["open_amount"] == "30.00"
    assert books.amounts(cid) == ("30.00", "30.00", "0.00", "0.00")


def test_reversing_a_manually_allocated_payment_reopens_the_charge(
    books: Any, manual: dict[str, Any]
) -> None:
    cid, charge, payment = manual["customer_id"], manual["charge"], manual["payment"]
    r = _allocate(books, cid, credit_id=payment["id"], debit_id=charge["id"])
    assert r.status_code == 201, r.text
    r = books.api.post(f"/v1/transactions/{payment['id']}/reverse", json={})
    assert r.status_code == 201, r.text
    assert books.tx(charge["id"])["open_amount"] == "100.00"
    assert books.amounts(cid) == ("100.00", "100.00", "0.00", "0.00")
