"""Payments, refunds, pending payments and chargebacks (SPEC §6, §15)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

FUTURE = "2999-12-31"


def _links(tx: dict[str, Any]) -> dict[int, str]:
    """A transaction's allocations by counterpart (the API does not promise their order)."""
    links = {a["transaction_id"]: a["amount"] for a in tx["allocations"]}
    assert len(links) == len(tx["allocations"])
    return links


def _open(books: Any, *transactions: dict[str, Any]) -> list[str]:
    return [books.tx(t["id"])["open_amount"] for t in transactions]


def _invariants(books: Any, cid: int) -> None:
    """SPEC §1: balance = Σ signed amounts = Σ signed open amounts; 0 <= open <= amount;
    Σ allocations = amount − open amount."""
    posted = [t for t in books.txs(cid) if t["state"] in ("open", "closed")]
    sign = {"debit": 1, "credit": -1}
    by_amount = sum((sign[t["kind"]] * Decimal(t["amount"]) for t in posted), Decimal(0))
    by_open = sum((sign[t["kind"]] * Decimal(t["open_amount"]) for t in posted), Decimal(0))
    card = books.balance(cid)
    assert Decimal(card["balance"]) == by_amount == by_open
    for t in posted:
        assert Decimal(0) <= Decimal(t["open_amount"]) <= Decimal(t["amount"]), t
        settled = sum((Decimal(a["amount"]) for a in t["allocations"]), Decimal(0))
        assert settled == Decimal(t["amount"]) - Decimal(t["open_amount"]), t


# -- payments and automatic settlement ------------------------------------------------------


def test_a_payment_settles_the_oldest_debits_first(books: Any) -> None:
    cid = books.customer()["id"]
    newest = books.charge(cid, "30.00", "2025-01-20", label="newest")
    oldest = books.charge(cid, "20.00", "2025-01-10", label="oldest")
    middle = books.charge(cid, "10.00", "2025-01-15", type="collection_cost", label="middle")
    payment = books.pay(cid, "35.00", "2025-02-01", reference="VIR-123")
    assert payment["kind"] == "credit"
    assert payment["type"] == "payment"
    assert payment["status"] == "confirmed"
    assert payment["state"] == "closed"
    assert payment["open_amount"] == "0.00"
    assert payment["reference"] == "VIR-123"
    assert _links(payment) == {oldest["id"]: "20.00", middle["id"]: "10.00", newest["id"]: "5.00"}
    assert _open(books, oldest, middle, newest) == ["0.00", "0.00", "25.00"]
    assert books.amounts(cid) == ("25.00", "25.00", "0.00", "0.00")
    _invariants(books, cid)


def test_an_overpayment_stays_as_credit_and_settles_later_debits(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "30.00", "2025-01-10")
    payment = books.pay(cid, "100.00", "2025-01-11")
    assert payment["state"] == "open"
    assert payment["open_amount"] == "70.00"
    assert _open(books, charge) == ["0.00"]
    assert books.amounts(cid) == ("-70.00", "0.00", "-70.00", "0.00")
    later = books.charge(cid, "20.00", "2025-01-20")
    assert later["state"] == "closed"
    assert later["allocations"] == [{"transaction_id": payment["id"], "amount": "20.00"}]
    assert books.amounts(cid) == ("-50.00", "0.00", "-50.00", "0.00")
    _invariants(books, cid)


def test_the_oldest_credit_is_used_first(books: Any) -> None:
    cid = books.customer()["id"]
    younger = books.pay(cid, "10.00", "2025-01-05")
    older = books.pay(cid, "20.00", "2025-01-03")
    charge = books.charge(cid, "25.00", "2025-01-10")
    assert _links(charge) == {older["id"]: "20.00", younger["id"]: "5.00"}
    assert _open(books, older, younger) == ["0.00", "5.00"]
    assert books.amounts(cid) == ("-5.00", "0.00", "-5.00", "0.00")


def test_payment_defaults(books: Any) -> None:
    cid = books.customer(payment_method="card")["id"]
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "12.34"})
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["method"] == "card"  # the customer's payment method
    assert payment["label"] == "Payment"
    assert payment["status"] == "confirmed"
    assert payment["date"] == books.balance(cid)["as_of"]  # today
    assert payment["amount"] == "12.34"
    assert payment["currency"] == "EUR"
    explicit = books.pay(cid, "1.00", "2025-01-01", method="check", label="Cheque 0042")
    assert (explicit["method"], explicit["label"]) == ("check", "Cheque 0042")


def test_amounts_follow_the_currency(books: Any) -> None:
    jpy = books.customer(currency="JPY")["id"]
    assert books.pay(jpy, "1500", "2025-01-01")["amount"] == "1500"
    r = books.api.post(f"/v1/customers/{jpy}/payments", json={"amount": "15.5"})
    books.problem(r, 422, "invalid_input", field="amount")
    kwd = books.customer(currency="KWD")["id"]
    assert books.pay(kwd, "1.005", "2025-01-01")["amount"] == "1.005"
    assert books.balance(kwd)["balance"] == "-1.005"


def test_invalid_payments_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "50.00", "2025-01-01")
    before = books.snapshot(cid)
    for fields, field in [
        ({"amount": None}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "1000000000000"}, "amount"),
        ({"amount": True}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"status": "failed"}, "status"),
        ({"status": "maybe"}, "status"),
        ({"date": FUTURE}, "date"),  # a confirmed payment is never dated after today
        ({"date": "2025-02-29"}, "date"),
        ({"force": "yes"}, "force"),
        ({"reference": "r" * 101}, "reference"),
        ({"label": "\x00"}, "label"),
        ({"invoice_id": 1}, "invoice_id"),  # invoices do not exist yet: refused, not ignored
        ({"kind": "credit"}, "kind"),
    ]:
        body = {"amount": "10.00", **fields}
        body = {k: v for k, v in body.items() if v is not None}
        r = books.api.post(f"/v1/customers/{cid}/payments", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


def test_a_payment_for_an_unknown_customer_is_404(books: Any) -> None:
    for ident in ("999", "0", "-1", str(10**30)):
        r = books.api.post(f"/v1/customers/{ident}/payments", json={"amount": "1"})
        books.problem(r, 404, "not_found")


# -- refunds -------------------------------------------------------------------------------


def test_a_refund_pays_credit_back(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "100.00", "2025-01-10")
    refund = books.pay(cid, "-40.00", "2025-01-12", method="bank_transfer")
    assert refund["kind"] == "debit"
    assert refund["type"] == "refund"
    assert refund["amount"] == "40.00"
    assert refund["label"] == "Refund"
    assert refund["status"] == "confirmed"
    assert refund["state"] == "closed"
    assert refund["allocations"] == [{"transaction_id": payment["id"], "amount": "40.00"}]
    assert books.amounts(cid) == ("-60.00", "0.00", "-60.00", "0.00")
    assert books.tx(refund["id"]) == refund
    _invariants(books, cid)


def test_a_refund_larger_than_the_credit_is_refused(books: Any) -> None:
    cid = books.customer()["id"]
    books.pay(cid, "60.00", "2025-01-10")
    before = books.snapshot(cid)
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "-60.01"})
    books.problem(r, 409, "insufficient_credit")
    assert books.snapshot(cid) == before
    exact = books.pay(cid, "-60.00", "2025-01-11")
    assert exact["state"] == "closed"
    assert books.amounts(cid) == ("0.00", "0.00", "0.00", "0.00")
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "-0.01"})
    books.problem(r, 409, "insufficient_credit")


def test_a_refund_without_credit_is_refused_unless_forced(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "20.00", "2025-01-01")
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "-5.00"})
    books.problem(r, 409, "insufficient_credit")
    forced = books.pay(cid, "-5.00", "2025-01-02", force=True)
    assert forced["type"] == "refund"
    assert forced["state"] == "open"
    assert books.amounts(cid) == ("25.00", "25.00", "0.00", "0.00")


def test_pending_refunds_reduce_the_credit_available_for_refunds(books: Any) -> None:
    cid = books.customer()["id"]
    books.pay(cid, "100.00", "2025-01-10")
    pending = books.pay(cid, "-70.00", "2025-01-11", status="pending")
    assert pending["status"] == "pending"
    assert pending["type"] == "refund"
    assert books.amounts(cid) == ("-100.00", "0.00", "-100.00", "70.00")
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "-40.00"})
    books.problem(r, 409, "insufficient_credit")
    books.pay(cid, "-30.00", "2025-01-12")
    confirmed = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={})
    assert confirmed.status_code == 200, confirmed.text
    assert books.amounts(cid) == ("0.00", "0.00", "0.00", "0.00")
    _invariants(books, cid)


# -- pending payments ----------------------------------------------------------------------


def test_a_pending_payment_awaits_confirmation_outside_the_balance(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-01-05")
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending", method="sepa_debit")
    assert pending["status"] == "pending"
    assert pending["state"] == "pending"
    assert pending["allocations"] == []
    assert books.amounts(cid) == ("80.00", "80.00", "0.00", "-50.00")
    assert _open(books, charge) == ["80.00"]
    assert [t["id"] for t in books.txs(cid, state="pending")] == [pending["id"]]
    r = books.api.get(f"/v1/payments/{pending['id']}")
    assert r.status_code == 200, r.text
    assert r.json() == {**pending, "invoices": []}
    later = books.pay(cid, "10.00", FUTURE, status="pending")  # a direct debit due later
    assert later["date"] == FUTURE
    assert books.amounts(cid) == ("80.00", "80.00", "0.00", "-60.00")


def test_confirm_posts_and_settles(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-01-05")
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    r = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={"date": "2025-01-09"})
    assert r.status_code == 200, r.text
    confirmed = r.json()
    assert confirmed["id"] == pending["id"]
    assert confirmed["status"] == "confirmed"
    assert confirmed["state"] == "closed"
    assert confirmed["date"] == "2025-01-09"
    assert confirmed["allocations"] == [{"transaction_id": charge["id"], "amount": "50.00"}]
    assert books.amounts(cid) == ("30.00", "30.00", "0.00", "0.00")
    again = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={})
    books.problem(again, 409, "invalid_state")
    failed = books.api.post(f"/v1/payments/{pending['id']}/fail", json={})
    books.problem(failed, 409, "invalid_state")
    _invariants(books, cid)


def test_confirm_without_a_body_is_dated_today(books: Any) -> None:
    cid = books.customer()["id"]
    pending = books.pay(cid, "5.00", "2025-01-06", status="pending")
    r = books.api.post(f"/v1/payments/{pending['id']}/confirm")
    assert r.status_code == 200, r.text
    assert r.json()["date"] == books.balance(cid)["as_of"]
    assert books.amounts(cid) == ("-5.00", "0.00", "-5.00", "0.00")


def test_invalid_confirmations_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    before = books.snapshot(cid)
    for body, field in [
        ({"date": "2025-01-05"}, "date"),  # before the payment
        ({"date": FUTURE}, "date"),
        ({"date": "06/01/2025"}, "date"),
        ({"amount": "50.00"}, "amount"),
    ]:
        r = books.api.post(f"/v1/payments/{pending['id']}/confirm", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


def test_fail_without_fee(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "80.00", "2025-01-05")
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    r = books.api.post(f"/v1/payments/{pending['id']}/fail", json={"reason": "insufficient funds"})
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["status"] == "failed"
    assert failed["state"] == "void"
    assert failed["note"] == "insufficient funds"
    assert books.amounts(cid) == ("80.00", "80.00", "0.00", "0.00")
    assert books.txs(cid, type="collection_cost") == []
    assert [t["id"] for t in books.txs(cid, state="void")] == [pending["id"]]
    confirm = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={})
    books.problem(confirm, 409, "invalid_state")


def test_fail_with_a_fee_posts_a_collection_cost(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "80.00", "2025-01-05")
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    r = books.api.post(
        f"/v1/payments/{pending['id']}/fail", json={"fee": "7.50", "date": "2025-01-08"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "failed"
    (fee,) = books.txs(cid, type="collection_cost")
    assert fee["kind"] == "debit"
    assert fee["amount"] == "7.50"
    assert fee["state"] == "open"
    assert fee["related_id"] == pending["id"]
    assert fee["date"] == "2025-01-08"
    assert books.amounts(cid) == ("87.50", "87.50", "0.00", "0.00")
    _invariants(books, cid)


def test_invalid_failures_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    before = books.snapshot(cid)
    for body, field in [
        ({"fee": "0"}, "fee"),
        ({"fee": "-2.00"}, "fee"),
        ({"fee": "1.001"}, "fee"),
        ({"fee": "lots"}, "fee"),
        ({"date": "2025-01-05"}, "date"),
        ({"date": FUTURE}, "date"),
        ({"reason": "no\x00"}, "reason"),
        ({"amount": "1"}, "amount"),
    ]:
        r = books.api.post(f"/v1/payments/{pending['id']}/fail", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.snapshot(cid) == before


def test_only_pending_payments_can_be_confirmed_or_failed(books: Any) -> None:
    cid = books.customer()["id"]
    confirmed = books.pay(cid, "10.00", "2025-01-06")
    charge = books.charge(cid, "5.00", "2025-01-07")
    before = books.snapshot(cid)
    for tx in (confirmed, charge):
        for action in ("confirm", "fail"):
            r = books.api.post(f"/v1/payments/{tx['id']}/{action}", json={})
            books.problem(r, 409, "invalid_state")
    for ident in ("999", "0", "-1", str(10**30)):
        for action in ("confirm", "fail", "chargeback"):
            r = books.api.post(f"/v1/payments/{ident}/{action}", json={})
            books.problem(r, 404, "not_found")
    assert books.snapshot(cid) == before


# -- chargebacks ---------------------------------------------------------------------------


def test_a_full_chargeback_reopens_what_the_payment_paid(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "50.00", "2025-01-05")
    payment = books.pay(cid, "50.00", "2025-01-06", method="card")
    assert _open(books, charge) == ["0.00"]
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"date": "2025-01-20"})
    assert r.status_code == 201, r.text
    chargeback = r.json()
    assert chargeback["kind"] == "debit"
    assert chargeback["type"] == "chargeback"
    assert chargeback["amount"] == "50.00"
    assert chargeback["related_id"] == payment["id"]
    assert chargeback["date"] == "2025-01-20"
    assert _open(books, charge) == ["50.00"]
    assert books.amounts(cid) == ("50.00", "50.00", "0.00", "0.00")
    assert books.tx(chargeback["id"]) == chargeback
    _invariants(books, cid)


def test_a_fully_charged_back_payment_cannot_be_charged_back_again(books: Any) -> None:
    """Nothing is left to take back: a state conflict (409), whatever the body."""
    cid = books.customer()["id"]
    payment = books.pay(cid, "50.00", "2025-01-06")
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={})
    assert r.status_code == 201, r.text
    before = books.snapshot(cid)
    for body in ({}, {"amount": "1.00"}):
        again = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json=body)
        books.problem(again, 409, "invalid_state")
    assert books.snapshot(cid) == before


def test_a_partial_chargeback_with_a_fee(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-01-05")
    payment = books.pay(cid, "50.00", "2025-01-06")
    r = books.api.post(
        f"/v1/payments/{payment['id']}/chargeback",
        json={"amount": "20.00", "fee": "2.50", "reason": "disputed", "date": "2025-01-10"},
    )
    assert r.status_code == 201, r.text
    chargeback = r.json()
    assert chargeback["amount"] == "20.00"
    assert chargeback["note"] == "disputed"
    (fee,) = books.txs(cid, type="collection_cost")
    assert fee["amount"] == "2.50"
    assert fee["related_id"] == payment["id"]
    assert _open(books, charge) == ["50.00"]
    assert books.amounts(cid) == ("52.50", "52.50", "0.00", "0.00")
    _invariants(books, cid)
    too_much = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"amount": "31"})
    books.problem(too_much, 409, "invalid_state")


def test_a_second_chargeback_reopens_the_rest_of_what_the_payment_paid(books: Any) -> None:
    """Charging back a payment in two parts ends where one full chargeback ends: everything
    the payment had paid is open again and the payment pays nothing any more."""
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-01-05")
    payment = books.pay(cid, "50.00", "2025-01-06")
    first = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"amount": "20"})
    assert first.status_code == 201, first.text
    rest = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={})
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount"] == "30.00"
    assert books.amounts(cid) == ("80.00", "80.00", "0.00", "0.00")
    assert _open(books, charge) == ["80.00"]
    assert _links(books.tx(payment["id"])).get(charge["id"], "0.00") == "0.00"
    _invariants(books, cid)


def test_a_chargeback_takes_unused_credit_first(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "30.00", "2025-01-05")
    payment = books.pay(cid, "100.00", "2025-01-06")
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"amount": "50.00"})
    assert r.status_code == 201, r.text
    assert _open(books, charge) == ["0.00"]
    assert books.amounts(cid) == ("-20.00", "0.00", "-20.00", "0.00")
    _invariants(books, cid)


def test_invalid_chargebacks_change_nothing(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "50.00", "2025-01-06")
    before = books.snapshot(cid)
    for body, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"fee": "0"}, "fee"),
        ({"date": "2025-01-05"}, "date"),
        ({"date": FUTURE}, "date"),
        ({"reason": "\x00"}, "reason"),
        ({"method": "card"}, "method"),
    ]:
        r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"amount": "50.01"})
    books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before


def test_only_confirmed_payments_can_be_charged_back(books: Any) -> None:
    cid = books.customer()["id"]
    pending = books.pay(cid, "10.00", "2025-01-06", status="pending")
    payment = books.pay(cid, "100.00", "2025-01-06")
    refund = books.pay(cid, "-10.00", "2025-01-07")
    charge = books.charge(cid, "5.00", "2025-01-07")
    reversed_payment = books.pay(cid, "7.00", "2025-01-08")
    r = books.api.post(f"/v1/transactions/{reversed_payment['id']}/reverse", json={})
    assert r.status_code == 201, r.text
    before = books.snapshot(cid)
    for tx in (pending, refund, charge, reversed_payment):
        r = books.api.post(f"/v1/payments/{tx['id']}/chargeback", json={})
        books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before
    assert payment["status"] == "confirmed"


def test_a_payment_with_a_chargeback_cannot_be_reversed(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "50.00", "2025-01-06")
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"amount": "10"})
    assert r.status_code == 201, r.text
    before = books.snapshot(cid)
    r = books.api.post(f"/v1/transactions/{payment['id']}/reverse", json={})
    books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before


# -- reading payments ----------------------------------------------------------------------


def test_get_payment_reads_payments_and_refunds_only(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "50.00", "2025-01-06")
    refund = books.pay(cid, "-20.00", "2025-01-07")
    charge = books.charge(cid, "5.00", "2025-01-07")
    line = books.line(cid)
    for tx in (payment, refund):
        r = books.api.get(f"/v1/payments/{tx['id']}")
        assert r.status_code == 200, r.text
        assert r.json() == {**books.tx(tx["id"]), "invoices": []}
        assert r.json()["status"] == "confirmed"
    for ident in (charge["id"], line["id"], 999, 0, -1, 10**30):
        r = books.api.get(f"/v1/payments/{ident}")
        books.problem(r, 404, "not_found")
