"""Payments and refunds as a user records them (SPEC §6): validation and the transaction.

A positive amount is a payment (a credit); a negative amount is a refund (a debit that pays
credit back). A payment `pending` awaits bank confirmation and stays out of the balance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.domain.values import InputReader, as_bool, as_choice, as_date, clean_text
from solde.ledger.entries import LABEL_LENGTH, REFERENCE_LENGTH
from solde.ledger.model import (
    Kind,
    NewTransaction,
    Origin,
    PaymentMethod,
    PaymentStatus,
    State,
    TxType,
)

PAYMENT_FIELDS = frozenset(
    {"amount", "method", "date", "reference", "status", "force", "label", "invoice_id"}
)


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A validated payment (amount > 0) or refund (amount < 0)."""

    amount: Money
    method: PaymentMethod
    date: date
    reference: str | None
    pending: bool
    force: bool
    label: str
    invoice_id: int | None = None  # the invoice it pays first

    @property
    def is_refund(self) -> bool:
        """A negative payment pays credit back."""
        return self.amount.is_negative()


def parse_payment(
    values: Mapping[str, object], *, currency: str, default_method: PaymentMethod, on: date
) -> PaymentInput:
    """Validate a payment or refund; `date` defaults to `on` and may not be after it unless
    the payment awaits confirmation (a direct debit collected on a later day)."""
    reader = InputReader(values, allowed=PAYMENT_FIELDS, what="a payment")
    amount = reader.required("amount", lambda v, f: Money.parse(v, currency, field=f), None)
    method = reader.read(
        "method", lambda v, f: as_choice(v, field=f, choices=PaymentMethod), default_method
    )
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    status = reader.read("status", _payment_status, PaymentStatus.CONFIRMED)
    force = reader.read("force", lambda v, f: as_bool(v, field=f), False)
    reference = reader.read("reference", _text(REFERENCE_LENGTH), None)
    label = reader.read("label", _text(LABEL_LENGTH), None)
    invoice_id = reader.read("invoice_id", _invoice_id, None)
    if amount is not None and amount.is_zero():
        reader.fail("amount", "zero", "must not be zero (negative for a refund)")
    pending = status is PaymentStatus.PENDING
    if day > on and not pending:
        reader.fail(
            "date",
            "in_future",
            f"a confirmed payment cannot be dated after today ({on.isoformat()}); "
            "record it as pending",
        )
    if invoice_id is not None and amount is not None and amount.is_negative():
        reader.fail("invoice_id", "not_for_refund", "a refund does not pay an invoice")
    reader.done()
    assert amount is not None  # done() raised when it was missing or wrong
    default_label = "Refund" if amount.is_negative() else "Payment"
    return PaymentInput(
        amount, method, day, reference, pending, force, label or default_label, invoice_id
    )


def _invoice_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise InvalidInput.single(field, "not_an_id", "must be an invoice id")
    return value


def _payment_status(value: object, field: str) -> PaymentStatus:
    status = as_choice(value, field=field, choices=PaymentStatus)
    if status is PaymentStatus.FAILED:
        raise InvalidInput.single(field, "invalid_choice", "must be confirmed or pending")
    return status


def _text(max_length: int) -> Callable[[object, str], str | None]:
    return lambda v, f: clean_text(v, field=f, max_length=max_length)


def payment_transaction(customer_id: int, payment: PaymentInput, *, on: date) -> NewTransaction:
    """The transaction of a payment (credit) or refund (debit), pending or posted."""
    size = abs(payment.amount)
    kind, tx_type = (
        (Kind.DEBIT, TxType.REFUND) if payment.is_refund else (Kind.CREDIT, TxType.PAYMENT)
    )
    return NewTransaction(
        customer_id=customer_id,
        kind=kind,
        type=tx_type,
        label=payment.label,
        date=payment.date,
        amount=size,
        net=size,
        tax=Money.zero(size.currency),
        tax_rate=Decimal(0),
        quantity=Decimal(1),
        unit_price=size.amount,
        state=State.PENDING if payment.pending else State.OPEN,
        open_amount=size,
        origin=Origin.PENDING if payment.pending else Origin.POSTED,
        entered_on=on,
        initiated_on=payment.date if payment.pending else None,
        reference=payment.reference,
        method=payment.method,
        invoice_id=payment.invoice_id,
    )


def parse_fee(value: object, *, currency: str, field: str = "fee") -> Money | None:
    """An optional fee (a collection cost): absent, or an amount above zero."""
    if value is None:
        return None
    fee = Money.parse(value, currency, field=field)
    if not fee.is_positive():
        raise InvalidInput.single(field, "not_positive", "must be above zero")
    return fee


def fee_transaction(
    customer_id: int, fee: Money, *, label: str, day: date, related_id: int | None, on: date
) -> NewTransaction:
    """A collection cost posted now (a failed payment's bank fee, a chargeback fee, a
    reminder fee)."""
    return NewTransaction(
        customer_id=customer_id,
        kind=Kind.DEBIT,
        type=TxType.COLLECTION_COST,
        label=label,
        date=day,
        amount=fee,
        net=fee,
        tax=Money.zero(fee.currency),
        tax_rate=Decimal(0),
        quantity=Decimal(1),
        unit_price=fee.amount,
        state=State.OPEN,
        open_amount=fee,
        origin=Origin.POSTED,
        entered_on=on,
        related_id=related_id,
    )
