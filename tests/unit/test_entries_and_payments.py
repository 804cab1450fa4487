"""Lines added to a balance (SPEC §4), payments and refunds as typed (SPEC §6), and the exact
changes each event makes to a customer's balance card (SPEC §1, §15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from solde.domain.errors import CurrencyMismatch, InvalidInput
from solde.domain.money import Money
from solde.ledger import balance as deltas
from solde.ledger.balance import BalanceDelta
from solde.ledger.entries import edited_line, line_transaction, parse_entry
from solde.ledger.model import (
    Kind,
    NewTransaction,
    Origin,
    PaymentMethod,
    State,
    Transaction,
    TxType,
)
from solde.settlement.payments import (
    PaymentInput,
    fee_transaction,
    parse_fee,
    parse_payment,
    payment_transaction,
)

ON = date(2026, 3, 10)
TOMORROW = ON + timedelta(days=1)


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def faults(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def line(**values: object) -> dict[str, object]:
    """A valid debit charge line, with some fields changed."""
    return {"kind": "debit", "label": "Setup fee", "unit_price": "10", **values}


def posted(new: NewTransaction, ident: int = 1) -> Transaction:
    """The transaction storage would keep for `new`."""
    return Transaction(
        id=ident,
        customer_id=new.customer_id,
        kind=new.kind,
        type=new.type,
        label=new.label,
        date=new.date,
        amount=new.amount,
        net=new.net,
        tax=new.tax,
        tax_rate=new.tax_rate,
        quantity=new.quantity,
        unit_price=new.unit_price,
        state=new.state,
        open_amount=new.open_amount,
        origin=new.origin,
        entered_on=new.entered_on,
        reference=new.reference,
        method=new.method,
    )


def entry_tx(values: dict[str, object], currency: str = "EUR") -> NewTransaction:
    return line_transaction(5, currency, parse_entry(values, on=ON), on=ON)


# -- parsing a line ---------------------------------------------------------------------------


def test_minimal_debit_line_takes_the_defaults() -> None:
    entry = parse_entry(line(), on=ON)
    assert entry.kind is Kind.DEBIT
    assert entry.type is TxType.CHARGE
    assert entry.label == "Setup fee"
    assert entry.date == ON
    assert entry.price.quantity == Decimal(1)
    assert entry.price.unit_price == Decimal(10)
    assert entry.price.tax_rate == Decimal(0)
    assert entry.bill_on_next_invoice is True
    assert entry.reference is None


def test_credit_line_defaults_to_an_adjustment() -> None:
    entry = parse_entry(line(kind="credit"), on=ON)
    assert entry.type is TxType.ADJUSTMENT
    assert entry.bill_on_next_invoice is True


@pytest.mark.parametrize(
    ("kind", "tx_type", "bill_next"),
    [
        ("debit", "charge", True),
        ("debit", "collection_cost", False),
        ("debit", "adjustment", False),
        ("credit", "adjustment", True),
        ("credit", "gift", True),
    ],
)
def test_allowed_kind_and_type_with_their_default_mode(
    kind: str, tx_type: str, bill_next: bool
) -> None:
    entry = parse_entry(line(kind=kind, type=tx_type), on=ON)
    assert entry.kind == kind
    assert entry.type == tx_type
    assert entry.bill_on_next_invoice is bill_next


@pytest.mark.parametrize(
    ("kind", "tx_type"),
    [
        ("debit", "gift"),
        ("debit", "payment"),
        ("debit", "credit_note"),
        ("debit", "invoice"),
        ("debit", "refund"),
        ("credit", "charge"),
        ("credit", "collection_cost"),
        ("credit", "payment"),
        ("credit", "invoice"),
    ],
)
def test_types_that_do_not_belong_to_the_kind_or_have_their_own_endpoint(
    kind: str, tx_type: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_entry(line(kind=kind, type=tx_type), on=ON)
    assert faults(exc) == [("type", "invalid_choice")]


def test_payment_as_a_line_points_to_the_payments_endpoint() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_entry(line(kind="credit", type="payment"), on=ON)
    assert "payments endpoint" in exc.value.errors[0].message


def test_bill_on_next_invoice_overrides_the_default() -> None:
    assert parse_entry(line(bill_on_next_invoice=False), on=ON).bill_on_next_invoice is False
    adjustment = parse_entry(line(type="adjustment", bill_on_next_invoice=True), on=ON)
    assert adjustment.bill_on_next_invoice is True


def test_null_quantity_and_tax_rate_take_the_defaults() -> None:
    entry = parse_entry(line(quantity=None, tax_rate=None, date=None), on=ON)
    assert entry.price.quantity == Decimal(1)
    assert entry.price.tax_rate == Decimal(0)
    assert entry.date == ON


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"kind": None}, ("kind", "required")),
        ({"kind": "both"}, ("kind", "invalid_choice")),
        ({"type": "fee"}, ("type", "invalid_choice")),
        ({"label": None}, ("label", "required")),
        ({"label": "  "}, ("label", "required")),
        ({"label": "x" * 201}, ("label", "too_long")),
        ({"label": "Setup\x00fee"}, ("label", "bad_character")),
        ({"reference": "r" * 101}, ("reference", "too_long")),
        ({"unit_price": None}, ("unit_price", "required")),
        ({"unit_price": 10.5}, ("unit_price", "not_a_decimal")),
        ({"quantity": "0"}, ("quantity", "out_of_range")),
        ({"tax_rate": "120"}, ("tax_rate", "out_of_range")),
        ({"date": "2026-02-30"}, ("date", "not_a_date")),
        ({"date": "1899-12-31"}, ("date", "out_of_range")),
        ({"bill_on_next_invoice": "false"}, ("bill_on_next_invoice", "not_a_boolean")),
        ({"amount": "10"}, ("amount", "unknown_field")),
    ],
)
def test_bad_line_fields_are_named(changes: dict[str, object], expected: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_entry(line(**changes), on=ON)
    assert faults(exc) == [expected]


def test_every_fault_of_a_line_is_reported_at_once() -> None:
    values = {
        "kind": "debit",
        "type": "gift",
        "date": "tomorrow",
        "unit_price": "1.0000001",
        "tax_rate": "150",
        "colour": "red",
    }
    with pytest.raises(InvalidInput) as exc:
        parse_entry(values, on=ON)
    assert {field for field, _ in faults(exc)} == {
        "colour",
        "type",
        "label",
        "date",
        "unit_price",
        "tax_rate",
    }


# -- the transaction of a line ----------------------------------------------------------------


def test_posted_line_changes_the_balance_with_its_gross_amount() -> None:
    new = entry_tx(
        line(
            type="collection_cost",
            quantity="3",
            unit_price="19.99",
            tax_rate="20",
            reference="R-1",
        )
    )
    assert new.customer_id == 5
    assert new.kind is Kind.DEBIT
    assert new.type is TxType.COLLECTION_COST
    assert (new.net, new.tax, new.amount) == (eur("59.97"), eur("11.99"), eur("71.96"))
    assert new.open_amount == eur("71.96")
    assert new.state is State.OPEN
    assert new.origin is Origin.POSTED
    assert new.date == ON
    assert new.entered_on == ON
    assert new.reference == "R-1"
    assert new.quantity == Decimal(3)
    assert new.unit_price == Decimal("19.99")
    assert new.tax_rate == Decimal(20)


def test_credit_line_amount_is_positive_with_kind_credit() -> None:
    new = entry_tx(line(kind="credit", type="gift", unit_price="15"))
    assert new.kind is Kind.CREDIT
    assert new.amount == eur("15")
    assert new.state is State.UNBILLED
    assert new.origin is Origin.UNBILLED


def test_unbilled_line_may_be_dated_in_the_future() -> None:
    later = ON + timedelta(days=30)
    new = entry_tx(line(date=later.isoformat()))
    assert new.state is State.UNBILLED
    assert new.date == later
    assert new.entered_on == ON


def test_posted_line_may_not_be_dated_after_today() -> None:
    with pytest.raises(InvalidInput) as exc:
        entry_tx(line(bill_on_next_invoice=False, date=TOMORROW.isoformat()))
    assert faults(exc) == [("date", "in_future")]


@pytest.mark.parametrize("day", [ON, ON - timedelta(days=400)])
def test_posted_line_may_be_dated_today_or_in_the_past(day: date) -> None:
    new = entry_tx(line(bill_on_next_invoice=False, date=day.isoformat()))
    assert new.state is State.OPEN
    assert new.date == day


@pytest.mark.parametrize("unit_price", ["-10", "0", "0.004"])
def test_line_amount_must_be_above_zero(unit_price: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        entry_tx(line(unit_price=unit_price))
    assert faults(exc) == [("unit_price", "not_positive")]


def test_line_amounts_in_the_customer_currency() -> None:
    new = entry_tx(line(quantity="3", unit_price="33.5", tax_rate="10"), currency="JPY")
    assert (str(new.net), str(new.tax), str(new.amount)) == ("101", "10", "111")


def test_editing_an_unbilled_line_keeps_what_is_not_changed() -> None:
    original = posted(entry_tx(line(quantity="2", tax_rate="20", reference="R-9")))
    entry = edited_line(original, {"label": "Setup (revised)", "unit_price": "12"}, on=ON)
    assert entry.label == "Setup (revised)"
    assert entry.price.unit_price == Decimal(12)
    assert entry.price.quantity == Decimal(2)
    assert entry.price.tax_rate == Decimal(20)
    assert entry.reference == "R-9"
    assert entry.kind is Kind.DEBIT
    assert entry.bill_on_next_invoice is True


@pytest.mark.parametrize("name", ["kind", "bill_on_next_invoice", "amount", "state"])
def test_editing_a_line_refuses_fields_that_cannot_change(name: str) -> None:
    original = posted(entry_tx(line()))
    with pytest.raises(InvalidInput) as exc:
        edited_line(original, {name: "credit"}, on=ON)
    assert faults(exc) == [(name, "not_editable")]


def test_editing_a_line_validates_the_new_values() -> None:
    original = posted(entry_tx(line()))
    with pytest.raises(InvalidInput) as exc:
        edited_line(original, {"type": "gift", "quantity": "-1"}, on=ON)
    assert {field for field, _ in faults(exc)} == {"type", "quantity"}


# -- payments and refunds ---------------------------------------------------------------------


def pay(currency: str = "EUR", **values: object) -> PaymentInput:
    return parse_payment(values, currency=currency, default_method=PaymentMethod.CARD, on=ON)


def test_positive_amount_is_a_payment_with_defaults() -> None:
    payment = pay(amount="50")
    assert payment.amount == eur("50")
    assert not payment.is_refund
    assert payment.method is PaymentMethod.CARD
    assert payment.date == ON
    assert payment.pending is False
    assert payment.force is False
    assert payment.reference is None
    assert payment.label == "Payment"


def test_negative_amount_is_a_refund() -> None:
    refund = pay(amount="-20.00", method="bank_transfer", reference="RF-1", force=True)
    assert refund.is_refund
    assert refund.amount == eur("-20")
    assert refund.method is PaymentMethod.BANK_TRANSFER
    assert refund.force is True
    assert refund.label == "Refund"


def test_own_label_is_kept() -> None:
    assert pay(amount="5", label="  Cash at desk ").label == "Cash at desk"


@pytest.mark.parametrize("amount", ["0", "0.00", "-0", 0])
def test_zero_payment_is_refused(amount: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        pay(amount=amount)
    assert faults(exc) == [("amount", "zero")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, ("amount", "required")),
        ({"amount": None}, ("amount", "required")),
        ({"amount": 50.0}, ("amount", "not_a_decimal")),
        ({"amount": "50.001"}, ("amount", "too_many_decimals")),
        ({"amount": "fifty"}, ("amount", "not_a_decimal")),
        ({"amount": "1000000000000"}, ("amount", "out_of_range")),
        ({"amount": "5", "method": "bitcoin"}, ("method", "invalid_choice")),
        ({"amount": "5", "status": "failed"}, ("status", "invalid_choice")),
        ({"amount": "5", "status": "PENDING"}, ("status", "invalid_choice")),
        ({"amount": "5", "force": "yes"}, ("force", "not_a_boolean")),
        ({"amount": "5", "date": "10/03/2026"}, ("date", "not_a_date")),
        ({"amount": "5", "reference": "r" * 101}, ("reference", "too_long")),
        ({"amount": "5", "label": "a\x1bb"}, ("label", "bad_character")),
        ({"amount": "5", "invoice": 3}, ("invoice", "unknown_field")),
    ],
)
def test_bad_payment_fields_are_named(values: dict[str, object], expected: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput) as exc:
        pay(**values)
    assert expected in faults(exc)
    assert {field for field, _ in faults(exc)} == {expected[0]}


def test_invalid_amount_is_not_also_reported_as_zero() -> None:
    # "50.001" is not zero: the only fault is its decimals (the placeholder used while reading
    # must not produce a second, wrong "must not be zero" error).
    with pytest.raises(InvalidInput) as exc:
        pay(amount="50.001")
    assert faults(exc) == [("amount", "too_many_decimals")]


def test_payment_decimals_follow_the_customer_currency() -> None:
    assert pay("JPY", amount="500").amount == Money.parse("500", "JPY")
    with pytest.raises(InvalidInput) as exc:
        pay("JPY", amount="500.5")
    assert ("amount", "too_many_decimals") in faults(exc)
    assert pay("KWD", amount="1.005").amount == Money.parse("1.005", "KWD")


def test_confirmed_payment_may_not_be_dated_after_today() -> None:
    with pytest.raises(InvalidInput) as exc:
        pay(amount="5", date=TOMORROW.isoformat())
    assert faults(exc) == [("date", "in_future")]
    with pytest.raises(InvalidInput) as exc:
        pay(amount="5", date=TOMORROW.isoformat(), status="confirmed")
    assert faults(exc) == [("date", "in_future")]


def test_pending_payment_may_be_dated_after_today() -> None:
    payment = pay(amount="5", date=TOMORROW.isoformat(), status="pending")
    assert payment.pending is True
    assert payment.date == TOMORROW


def test_confirmed_payment_may_be_dated_today_or_earlier() -> None:
    assert pay(amount="5", date=ON.isoformat()).date == ON
    assert pay(amount="5", date="2025-12-31").date == date(2025, 12, 31)


def test_every_fault_of_a_payment_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        pay(amount="0", method="gold", date=TOMORROW.isoformat(), force=1, colour="red")
    assert {field for field, _ in faults(exc)} == {"colour", "amount", "method", "date", "force"}


def test_payment_transaction_is_a_posted_open_credit() -> None:
    payment = pay(amount="50", reference="TRX-1")
    new = payment_transaction(9, payment, on=ON)
    assert (new.customer_id, new.kind, new.type) == (9, Kind.CREDIT, TxType.PAYMENT)
    assert new.amount == eur("50")
    assert new.net == eur("50")
    assert new.tax == eur("0")
    assert new.open_amount == eur("50")
    assert new.state is State.OPEN
    assert new.origin is Origin.POSTED
    assert new.method is PaymentMethod.CARD
    assert new.reference == "TRX-1"
    assert new.initiated_on is None


def test_refund_transaction_is_a_debit_of_the_positive_amount() -> None:
    new = payment_transaction(9, pay(amount="-20.50"), on=ON)
    assert (new.kind, new.type) == (Kind.DEBIT, TxType.REFUND)
    assert new.amount == eur("20.50")
    assert new.open_amount == eur("20.50")
    assert new.label == "Refund"


def test_pending_payment_transaction_awaits_confirmation() -> None:
    new = payment_transaction(9, pay(amount="30", status="pending", date="2026-03-12"), on=ON)
    assert new.state is State.PENDING
    assert new.origin is Origin.PENDING
    assert new.initiated_on == date(2026, 3, 12)
    assert new.date == date(2026, 3, 12)
    assert new.entered_on == ON


def test_fee_is_optional_and_above_zero() -> None:
    assert parse_fee(None, currency="EUR") is None
    assert parse_fee("2.50", currency="EUR") == eur("2.50")
    for bad in ("0", "-1"):
        with pytest.raises(InvalidInput) as exc:
            parse_fee(bad, currency="EUR")
        assert faults(exc) == [("fee", "not_positive")]
    with pytest.raises(InvalidInput) as exc:
        parse_fee("2.505", currency="EUR")
    assert faults(exc) == [("fee", "too_many_decimals")]


def test_fee_transaction_is_a_posted_collection_cost() -> None:
    new = fee_transaction(9, eur("7.50"), label="Bank fee", day=ON, related_id=3, on=ON)
    assert (new.kind, new.type, new.state) == (Kind.DEBIT, TxType.COLLECTION_COST, State.OPEN)
    assert new.amount == new.open_amount == eur("7.50")
    assert new.related_id == 3


# -- balance deltas ---------------------------------------------------------------------------


def _debit(amount: str, **changes: object) -> Transaction:
    return replace(posted(entry_tx(line(unit_price=amount, bill_on_next_invoice=False))), **changes)


def _credit(amount: str, **changes: object) -> Transaction:
    new = payment_transaction(5, pay(amount=amount), on=ON)
    return replace(posted(new, ident=2), **changes)


def card(delta: BalanceDelta) -> tuple[str, str, str, str]:
    return str(delta.balance), str(delta.debit), str(delta.credit), str(delta.awaiting)


def test_nothing_changes_nothing() -> None:
    assert card(BalanceDelta.nothing("JPY")) == ("0", "0", "0", "0")


def test_posted_debit_raises_balance_and_open_debit() -> None:
    assert card(deltas.posted(_debit("30"), ON)) == ("30.00", "30.00", "0.00", "0.00")


def test_posted_credit_lowers_balance_and_open_credit() -> None:
    assert card(deltas.posted(_credit("45"), ON)) == ("-45.00", "0.00", "-45.00", "0.00")


def test_allocation_moves_debit_and_credit_but_not_the_balance() -> None:
    assert card(deltas.allocated(eur("10"), ON)) == ("0.00", "-10.00", "10.00", "0.00")
    assert card(deltas.allocated(eur("-10"), ON)) == ("0.00", "10.00", "-10.00", "0.00")


def test_pending_payment_and_refund_await_with_their_sign() -> None:
    payment = _credit("40", state=State.PENDING)
    refund = replace(_debit("15"), type=TxType.REFUND, state=State.PENDING)
    assert card(deltas.pending_added(payment, ON)) == ("0.00", "0.00", "0.00", "-40.00")
    assert card(deltas.pending_added(refund, ON)) == ("0.00", "0.00", "0.00", "15.00")
    total = deltas.pending_added(payment, ON) + deltas.pending_resolved(payment, ON)
    assert card(total) == ("0.00", "0.00", "0.00", "0.00")


def test_confirming_a_pending_payment_moves_it_into_the_balance() -> None:
    payment = _credit("40", state=State.PENDING)
    delta = deltas.pending_resolved(payment, ON) + deltas.posted(
        replace(payment, state=State.OPEN), ON
    )
    assert card(delta) == ("-40.00", "0.00", "-40.00", "40.00")


def test_unbilled_lines_count_apart_from_the_balance() -> None:
    debit_line = posted(entry_tx(line(unit_price="10", tax_rate="20", date="2026-03-20")))
    credit_line = posted(entry_tx(line(kind="credit", unit_price="4")), ident=2)
    added = deltas.unbilled_added(debit_line, ON) + deltas.unbilled_added(credit_line, ON)
    assert card(added) == ("0.00", "0.00", "0.00", "0.00")
    assert added.unbilled_count == 2
    assert added.unbilled_net == eur("6")  # 10.00 − 4.00
    assert added.unbilled_gross == eur("8")  # 12.00 − 4.00
    assert sorted(added.unbilled_dates) == [ON, date(2026, 3, 20)]
    removed = added + deltas.unbilled_removed(debit_line, ON)
    assert removed.unbilled_count == 1
    assert removed.unbilled_net == eur("-4")
    assert removed.unbilled_gross == eur("-4")
    assert removed.unbilled_dates_stale is True


def test_sum_of_deltas_adds_every_part_and_keeps_the_latest_activity() -> None:
    first = deltas.posted(_debit("30", date=date(2026, 3, 1)), date(2026, 3, 1))
    second = deltas.allocated(eur("12"), date(2026, 3, 5))
    third = BalanceDelta.nothing("EUR")
    total = first + second + third
    assert card(total) == ("30.00", "18.00", "12.00", "0.00")
    assert total.activity == date(2026, 3, 5)
    assert total.unbilled_net is None
    assert total.unbilled_dates_stale is False


def test_balance_equals_debit_plus_credit_after_postings_and_settlement() -> None:
    delta = (
        deltas.posted(_debit("80"), ON)
        + deltas.posted(_debit("30"), ON)
        + deltas.posted(_credit("100"), ON)
        + deltas.allocated(eur("80"), ON)
        + deltas.allocated(eur("20"), ON)
    )
    assert card(delta) == ("10.00", "10.00", "0.00", "0.00")
    assert delta.balance == delta.debit + delta.credit


def test_deltas_of_two_currencies_never_add() -> None:
    with pytest.raises(CurrencyMismatch):
        BalanceDelta.nothing("EUR") + BalanceDelta.nothing("USD")
