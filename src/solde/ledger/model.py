"""The ledger's vocabulary: kinds, types, states, transactions and allocations (SPEC §1, §4).

Signs are fixed here and nowhere else: a debit increases what the customer owes (+), a credit
decreases it (−). Amounts are stored positive with a kind; `signed()` applies the sign.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from solde.domain.money import Money


class Kind(StrEnum):
    """Direction of a transaction."""

    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def sign(self) -> int:
        """+1 for a debit (the customer owes more), −1 for a credit."""
        return 1 if self is Kind.DEBIT else -1

    @property
    def opposite(self) -> Kind:
        """The other direction."""
        return Kind.CREDIT if self is Kind.DEBIT else Kind.DEBIT


class TxType(StrEnum):
    """What a transaction stands for."""

    INVOICE = "invoice"
    CHARGE = "charge"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    COLLECTION_COST = "collection_cost"
    ADJUSTMENT = "adjustment"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    GIFT = "gift"


DEBIT_TYPES = frozenset(
    {
        TxType.INVOICE,
        TxType.CHARGE,
        TxType.REFUND,
        TxType.CHARGEBACK,
        TxType.COLLECTION_COST,
        TxType.ADJUSTMENT,
    }
)
CREDIT_TYPES = frozenset({TxType.PAYMENT, TxType.CREDIT_NOTE, TxType.ADJUSTMENT, TxType.GIFT})

#: Types a user adds directly to a balance (SPEC §4). The others have their own endpoints:
#: payments and refunds, chargebacks, invoices, credit notes.
ENTRY_TYPES: dict[Kind, frozenset[TxType]] = {
    Kind.DEBIT: frozenset({TxType.CHARGE, TxType.COLLECTION_COST, TxType.ADJUSTMENT}),
    Kind.CREDIT: frozenset({TxType.ADJUSTMENT, TxType.GIFT}),
}


def bills_on_next_invoice_by_default(kind: Kind, tx_type: TxType) -> bool:
    """SPEC §4: charges and credit adjustments or gifts wait for the next invoice by default."""
    if tx_type is TxType.CHARGE:
        return True
    return kind is Kind.CREDIT and tx_type in (TxType.ADJUSTMENT, TxType.GIFT)


class State(StrEnum):
    """Life of a transaction (SPEC §4)."""

    UNBILLED = "unbilled"
    BILLED = "billed"
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    VOID = "void"


POSTED_STATES = frozenset({State.OPEN, State.CLOSED})


class Origin(StrEnum):
    """How a transaction entered the ledger; fixed for life, used by as-of questions."""

    POSTED = "posted"  # posted at once
    UNBILLED = "unbilled"  # a line waiting for an invoice
    PENDING = "pending"  # a payment or refund awaiting bank confirmation


class PaymentMethod(StrEnum):
    """How a customer pays."""

    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    BANK_TRANSFER = "bank_transfer"
    CHECK = "check"
    CASH = "cash"
    OTHER = "other"


class PaymentStatus(StrEnum):
    """Status of a payment or refund, derived from its transaction's state."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One financial event on a customer's account, or a line waiting for an invoice."""

    id: int
    customer_id: int
    kind: Kind
    type: TxType
    label: str
    date: dt.date
    amount: Money  # gross, > 0
    net: Money
    tax: Money
    tax_rate: Decimal
    quantity: Decimal
    unit_price: Decimal
    state: State
    open_amount: Money
    origin: Origin
    entered_on: dt.date
    resolved_on: dt.date | None = None  # billed, cancelled, confirmed or failed on
    #: date of the latest allocation on this transaction: later ones are never dated before it
    allocated_on: dt.date | None = None
    #: a pending payment's original date; an invoice posted again after an edit: its
    #: document date, which keeps its place in the settlement order
    initiated_on: dt.date | None = None
    reference: str | None = None
    method: PaymentMethod | None = None
    invoice_id: int | None = None
    reverses_id: int | None = None
    related_id: int | None = None  # the payment a chargeback or fee belongs to
    note: str | None = None  # reason of a void, a reversal, a failure
    created_by: str | None = None
    created_at: dt.datetime | None = None
    #: the key an import gave it, unique per customer (None when not imported)
    external_ref: str | None = None

    @property
    def currency(self) -> str:
        """The customer's currency."""
        return self.amount.currency

    @property
    def is_posted(self) -> bool:
        """True when the transaction counts in the balance."""
        return self.state in POSTED_STATES

    def signed(self, amount: Money | None = None) -> Money:
        """The amount (or another amount of this transaction) with the sign of its kind."""
        value = self.amount if amount is None else amount
        return value if self.kind is Kind.DEBIT else -value

    @property
    def settled_amount(self) -> Money:
        """What has been allocated against this posted transaction."""
        return self.amount - self.open_amount

    @property
    def payment_status(self) -> PaymentStatus | None:
        """For payments and refunds: pending, confirmed or failed."""
        if self.type not in (TxType.PAYMENT, TxType.REFUND):
            return None
        if self.state is State.PENDING:
            return PaymentStatus.PENDING
        if self.state is State.VOID:
            return PaymentStatus.FAILED
        return PaymentStatus.CONFIRMED


@dataclass(frozen=True, slots=True)
class NewTransaction:
    """A transaction before it has an id: what a use case asks storage to keep."""

    customer_id: int
    kind: Kind
    type: TxType
    label: str
    date: dt.date
    amount: Money
    net: Money
    tax: Money
    tax_rate: Decimal
    quantity: Decimal
    unit_price: Decimal
    state: State
    open_amount: Money
    origin: Origin
    entered_on: dt.date
    initiated_on: dt.date | None = None
    reference: str | None = None
    method: PaymentMethod | None = None
    invoice_id: int | None = None
    reverses_id: int | None = None
    related_id: int | None = None
    note: str | None = None
    external_ref: str | None = None  # the key an import gave it, unique per customer


class AllocationSource(StrEnum):
    """Why an allocation was made."""

    AUTO = "auto"  # automatic settlement after a posting
    MANUAL = "manual"  # an operator matched a credit to a debit
    SETTLE = "settle"  # settlement run on demand
    REVERSAL = "reversal"  # a reversal closing the transaction it reverses
    CHARGEBACK = "chargeback"  # a chargeback taking back a payment


@dataclass(frozen=True, slots=True)
class AllocationStep:
    """An allocation to keep: `amount` of credit `credit_id` settles debit `debit_id` on `day`
    (negative: undoes part of an earlier one)."""

    credit_id: int
    debit_id: int
    amount: Money
    day: dt.date


@dataclass(frozen=True, slots=True)
class Allocation:
    """A settlement of `amount` between an open credit and an open debit.

    A negative amount undoes part of an earlier allocation (a chargeback or a reversal reopening
    what a payment had paid); rows are never changed or deleted.
    """

    id: int
    customer_id: int
    credit_id: int
    debit_id: int
    amount: Money
    date: dt.date
    source: AllocationSource


@dataclass(frozen=True, slots=True)
class AllocationLink:
    """Seen from one transaction: the net amount settled with another transaction."""

    transaction_id: int
    amount: Money
