"""The status of an invoice as of a date, and what an edit may still change (SPEC §5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from solde.billing.documents import (
    EDITABLE,
    DocState,
    DocType,
    Document,
    Item,
    Settled,
    Status,
    editable_fields,
    status,
)
from solde.domain.money import Money

DOC_DATE = date(2026, 3, 1)
DUE = date(2026, 3, 15)
BEFORE_DUE = date(2026, 3, 10)
ON_DUE = DUE
AFTER_DUE = date(2026, 3, 16)


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def _doc(
    total: str = "120.00",
    *,
    type: DocType = DocType.ONE_TIME,
    state: DocState = DocState.ISSUED,
    voided_on: date | None = None,
) -> Document:
    gross = _eur(total)
    net = Money.round(gross.amount / Decimal("1.2"), "EUR")
    item = Item("Service", Decimal(1), net.amount, Decimal(20), net, gross - net, gross)
    return Document(
        id=1,
        customer_id=1,
        type=type,
        state=state,
        number=None if state is DocState.DRAFT else "202601000001",
        document_date=DOC_DATE,
        due_date=DUE,
        currency="EUR",
        net=net,
        tax=gross - net,
        total=gross,
        items=(item,),
        transaction_id=None if type is DocType.PROFORMA else 10,
        voided_on=voided_on,
    )


def _open(amount: str, pending: bool = False) -> Settled:
    return Settled(open_amount=_eur(amount), pending_payment=pending)


# -- status -----------------------------------------------------------------------------------

INVOICE = _doc()

CASES = [
    # (what, document, settled, as of, status)
    ("nothing settled, before the due date", INVOICE, _open("120.00"), BEFORE_DUE, "unpaid"),
    ("nothing settled, on the due date", INVOICE, _open("120.00"), ON_DUE, "unpaid"),
    ("nothing settled, the day after", INVOICE, _open("120.00"), AFTER_DUE, "overdue"),
    ("part settled, not due", INVOICE, _open("20.00"), BEFORE_DUE, "partially_paid"),
    ("part settled, on the due date", INVOICE, _open("0.01"), ON_DUE, "partially_paid"),
    ("overdue wins over partially paid", INVOICE, _open("20.00"), AFTER_DUE, "overdue"),
    ("everything settled", INVOICE, _open("0.00"), BEFORE_DUE, "paid"),
    ("paid stays paid after the due date", INVOICE, _open("0.00"), AFTER_DUE, "paid"),
    ("a payment awaits the bank", INVOICE, _open("120.00", True), BEFORE_DUE, "pending"),
    ("pending rather than overdue", INVOICE, _open("120.00", True), AFTER_DUE, "pending"),
    ("pending rather than part paid", INVOICE, _open("20.00", True), BEFORE_DUE, "pending"),
    ("paid although a payment is pending", INVOICE, _open("0.00", True), AFTER_DUE, "paid"),
    ("a zero invoice has no transaction: paid", _doc("0.00"), None, AFTER_DUE, "paid"),
    ("recurring like one-time", _doc(type=DocType.RECURRING), _open("5.00"), AFTER_DUE, "overdue"),
    ("a draft", _doc(state=DocState.DRAFT), None, AFTER_DUE, "draft"),
    ("void", _doc(state=DocState.VOID), _open("0.00"), BEFORE_DUE, "void"),
    (
        "void on the day it was voided",
        _doc(state=DocState.VOID, voided_on=BEFORE_DUE),
        _open("120.00"),
        BEFORE_DUE,
        "void",
    ),
    (
        "not yet void the day before it was voided",
        _doc(state=DocState.VOID, voided_on=BEFORE_DUE),
        _open("120.00"),
        date(2026, 3, 9),
        "unpaid",
    ),
    (
        "void after the due date, overdue before it was voided",
        _doc(state=DocState.VOID, voided_on=date(2026, 3, 20)),
        _open("120.00"),
        AFTER_DUE,
        "overdue",
    ),
    ("proforma not due", _doc(type=DocType.PROFORMA), None, BEFORE_DUE, "unpaid"),
    ("proforma past due", _doc(type=DocType.PROFORMA), None, AFTER_DUE, "overdue"),
    (
        "proforma converted",
        _doc(type=DocType.PROFORMA, state=DocState.CONVERTED),
        None,
        AFTER_DUE,
        "converted",
    ),
    ("proforma void", _doc(type=DocType.PROFORMA, state=DocState.VOID), None, ON_DUE, "void"),
    ("credit note", _doc(type=DocType.CREDIT_NOTE), _open("0.00"), AFTER_DUE, "issued"),
    ("credit note left open", _doc(type=DocType.CREDIT_NOTE), _open("9.00"), AFTER_DUE, "issued"),
]


@pytest.mark.parametrize(
    ("doc", "settled", "as_of", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_status_as_of_a_date(
    doc: Document, settled: Settled | None, as_of: date, expected: str
) -> None:
    assert status(doc, settled, as_of=as_of) is Status(expected)


# -- editable fields -------------------------------------------------------------------------------

FULL = {
    "note", "memo", "custom_fields", "document_date", "due_date", "number", "items",
    "period_start", "period_end",
}  # fmt: skip
PARTLY = {"note", "memo", "custom_fields", "document_date", "due_date", "number"}
PAID = {"note", "memo", "custom_fields"}

EDITS = [
    ("unpaid: everything", INVOICE, _open("120.00"), FULL),
    ("overdue with nothing settled: everything", INVOICE, _open("120.00"), FULL),
    ("pending payment, nothing settled: everything", INVOICE, _open("120.00", True), FULL),
    ("zero invoice (no transaction): paid, note, memo, custom fields", _doc("0.00"), None, PAID),
    ("partially paid: dates, number, texts", INVOICE, _open("0.01"), PARTLY),
    ("paid: note, memo, custom fields", INVOICE, _open("0.00"), PAID),
    ("void: nothing", _doc(state=DocState.VOID), _open("0.00"), set()),
    ("void with nothing settled: nothing", _doc(state=DocState.VOID), _open("120.00"), set()),
    ("proforma: everything", _doc(type=DocType.PROFORMA), None, FULL),
    (
        "converted proforma: nothing",
        _doc(type=DocType.PROFORMA, state=DocState.CONVERTED),
        None,
        set(),
    ),
    ("credit note: texts only", _doc(type=DocType.CREDIT_NOTE), _open("5.00"), PAID),
    ("draft: everything", _doc(state=DocState.DRAFT), None, FULL),
]


@pytest.mark.parametrize(
    ("doc", "settled", "expected"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS]
)
def test_editable_fields_follow_the_status(
    doc: Document, settled: Settled | None, expected: set[str]
) -> None:
    assert editable_fields(doc, settled) == frozenset(expected)


def test_each_step_down_allows_fewer_fields() -> None:
    assert EDITABLE["void"] < EDITABLE["paid"] < EDITABLE["partially_paid"] < EDITABLE["full"]


def test_status_of_a_zero_invoice_with_lines_is_paid_whatever_the_date() -> None:
    """An invoice whose credit lines brought it to zero owes nothing: paid, never overdue."""
    zero = replace(_doc("0.00"), transaction_id=None)
    for day in (DOC_DATE, ON_DUE, date(2027, 1, 1)):
        assert status(zero, None, as_of=day) is Status.PAID
