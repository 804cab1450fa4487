"""Use cases that post to a balance and settle open items (SPEC §4, §6).

Every function locks the customer first (balance-changing operations on one customer run one
after the other), posts, then settles automatically when the customer does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

from solde.domain.errors import InsufficientCredit, InvalidInput, InvalidState, NotFound
from solde.domain.money import Money
from solde.domain.values import InputReader, as_date, clean_text
from solde.ledger import balance as deltas
from solde.ledger.customers import Customer
from solde.ledger.entries import line_transaction, parse_entry
from solde.ledger.model import (
    Allocation,
    AllocationSource,
    Kind,
    NewTransaction,
    Origin,
    State,
    Transaction,
    TxType,
)
from solde.ledger.ports import UnitOfWork
from solde.ledger.posting import post
from solde.ledger.usecases import add_unbilled_line
from solde.settlement import actions
from solde.settlement.allocating import (
    allocate_pair,
    as_left_by,
    auto_settle,
    release,
    settle_customer,
)
from solde.settlement.payments import (
    fee_transaction,
    parse_fee,
    parse_payment,
    payment_transaction,
)

REASON_LENGTH = 500

# -- lines ----------------------------------------------------------------------------------


def add_entry(
    uow: UnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """Add a debit or credit line: unbilled (waits for the next invoice) or posted now."""
    customer = uow.customers.lock(customer_id)
    entry = parse_entry(values, on=on)
    if entry.bill_on_next_invoice:
        return add_unbilled_line(uow, customer, entry, on=on)
    new = line_transaction(customer.id, customer.currency, entry, on=on)
    tx = post(uow, new, on=on, action="entry.posted")
    return _after_settling(uow, customer, tx, on=on)


# -- payments and refunds -------------------------------------------------------------------


def record_payment(
    uow: UnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """Record a payment (amount > 0) or a refund (amount < 0), confirmed or pending.

    A refund larger than the customer's available credit is refused unless `force` is true.
    """
    customer = uow.customers.lock(customer_id)
    payment = parse_payment(
        values, currency=customer.currency, default_method=customer.details.payment_method, on=on
    )
    if payment.is_refund and not payment.force:
        available = available_credit(uow, customer)
        if abs(payment.amount) > available:
            raise InsufficientCredit(
                f"the refund of {abs(payment.amount)} {customer.currency} is larger than the "
                f"available credit of {available} {customer.currency}; "
                "force it to refund more than the credit"
            )
    if payment.invoice_id is not None:
        _check_invoice_open(uow, customer, payment.invoice_id)
    new = payment_transaction(customer.id, payment, on=on)
    if payment.pending:
        tx = uow.transactions.add(new, created_by=uow.actor)
        uow.balances.apply(customer.id, deltas.pending_added(tx, on))
        _audit(uow, "payment.pending", tx, {})
        return tx
    tx = post(
        uow, new, on=on, action="payment.received" if new.kind is Kind.CREDIT else "refund.sent"
    )
    return _after_settling(uow, customer, tx, on=on)


def _check_invoice_open(uow: UnitOfWork, customer: Customer, invoice_id: int) -> None:
    """A payment may name an invoice of the customer that is issued, not void, and open."""
    found = [
        tx
        for tx in uow.transactions.of_invoice(customer.id, invoice_id)
        if tx.type is TxType.INVOICE and tx.is_posted
    ]
    reversed_ids = uow.transactions.reversed_among([tx.id for tx in found])
    live = [tx for tx in found if tx.id not in reversed_ids]
    debit = live[-1] if live else None
    if debit is None:
        raise InvalidInput.single(
            "invoice_id",
            "not_payable",
            f"invoice {invoice_id} is not an issued invoice of this customer",
        )
    if debit.open_amount.is_zero():
        raise InvalidInput.single(
            "invoice_id", "already_paid", f"invoice {invoice_id} is already paid"
        )


def _after_settling(
    uow: UnitOfWork, customer: Customer, tx: Transaction, *, on: date
) -> Transaction:
    """Settle automatically after posting `tx`; `tx` as it is afterwards."""
    return as_left_by(tx, auto_settle(uow, customer, on=on))


def available_credit(uow: UnitOfWork, customer: Customer) -> Money:
    """Credit the customer may be paid back: the credit balance, less refunds already sent."""
    balance = uow.balances.get(customer.id).balance
    pending = uow.transactions.pending_total(customer.id, TxType.REFUND)
    net = -balance - (pending or Money.zero(customer.currency))
    return net if net.is_positive() else Money.zero(customer.currency)


def confirm_payment(
    uow: UnitOfWork, payment_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """The bank confirmed a pending payment or refund: it is posted (dated `date`, default
    today) and settles."""
    reader = InputReader(values, allowed={"date"}, what="a confirmation")
    payment, customer = _locked_payment(uow, payment_id)
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    reader.done()
    _check_answer_date(payment, day, on)
    posted = replace(payment, state=State.OPEN, date=day, resolved_on=day)
    uow.settings.get().check_open(day)
    uow.transactions.replace(payment, posted)
    uow.balances.apply(
        customer.id, deltas.pending_resolved(payment, on) + deltas.posted(posted, on)
    )
    _audit(uow, "payment.confirmed", posted, {"date": day.isoformat()})
    auto_settle(uow, customer, on=on)
    return uow.transactions.get(payment_id)


def fail_payment(
    uow: UnitOfWork, payment_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """The bank refused a pending payment or refund: it is void, with an optional fee posted
    as a collection cost."""
    reader = InputReader(values, allowed={"reason", "fee", "date"}, what="a failure")
    payment, customer = _locked_payment(uow, payment_id)
    reason = reader.read(
        "reason", lambda v, f: clean_text(v, field=f, max_length=REASON_LENGTH), None
    )
    fee = reader.read("fee", lambda v, f: parse_fee(v, currency=customer.currency, field=f), None)
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    reader.done()
    _check_answer_date(payment, day, on)
    uow.settings.get().check_open(day)
    failed = replace(
        payment,
        state=State.VOID,
        open_amount=Money.zero(payment.currency),
        resolved_on=day,
        note=reason,
    )
    uow.transactions.replace(payment, failed)
    uow.balances.apply(customer.id, deltas.pending_resolved(payment, on))
    _audit(
        uow, "payment.failed", failed, {"reason": reason, "fee": None if fee is None else str(fee)}
    )
    if fee is not None:
        label = f"Fee for failed {payment.type.value} #{payment.id}"
        post(
            uow,
            fee_transaction(customer.id, fee, label=label, day=day, related_id=payment.id, on=on),
            on=on,
            action="fee.posted",
        )
        auto_settle(uow, customer, on=on)
    return uow.transactions.get(payment_id)


def _locked_payment(uow: UnitOfWork, payment_id: int) -> tuple[Transaction, Customer]:
    payment = uow.transactions.get(payment_id)
    if payment.type not in (TxType.PAYMENT, TxType.REFUND):
        raise InvalidState(f"transaction {payment_id} is a {payment.type.value}, not a payment")
    customer = uow.customers.lock(payment.customer_id)
    payment = uow.transactions.get(payment_id)
    if payment.state is not State.PENDING:
        status = payment.payment_status
        raise InvalidState(
            f"payment {payment_id} is {status.value if status else payment.state.value}: "
            "only a pending payment can be confirmed or failed"
        )
    return payment, customer


def _check_answer_date(payment: Transaction, day: date, on: date) -> None:
    if day > on:
        raise InvalidInput.single("date", "in_future", f"cannot be after today ({on.isoformat()})")
    started = payment.initiated_on or payment.date
    if day < started:
        raise InvalidInput.single(
            "date", "too_early", f"cannot be before the payment's date ({started.isoformat()})"
        )


# -- chargebacks ----------------------------------------------------------------------------


def chargeback(
    uow: UnitOfWork, payment_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """The payer's bank took back a confirmed payment: post a chargeback debit (of the whole
    payment unless `amount` is given) and reopen what the payment had paid; an optional fee
    is posted as a collection cost. Returns the chargeback."""
    payment = uow.transactions.get(payment_id)
    customer = uow.customers.lock(payment.customer_id)
    payment = uow.transactions.get(payment_id)
    refusal = chargeback_refusal(uow, payment)
    if refusal is not None:
        raise InvalidState(refusal)
    left = chargeable(uow, payment)
    reader = InputReader(values, allowed={"amount", "fee", "reason", "date"}, what="a chargeback")
    amount = reader.read("amount", lambda v, f: Money.parse(v, customer.currency, field=f), left)
    fee = reader.read("fee", lambda v, f: parse_fee(v, currency=customer.currency, field=f), None)
    reason = reader.read(
        "reason", lambda v, f: clean_text(v, field=f, max_length=REASON_LENGTH), None
    )
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    if not amount.is_positive():
        reader.fail("amount", "not_positive", "must be above zero")
    reader.done()
    if amount > left:
        raise InvalidState(
            f"only {left} {customer.currency} of payment {payment_id} can still be charged back"
        )
    _check_not_before(day, payment.date, on)
    debit = post(
        uow,
        _chargeback_transaction(payment, amount, day, reason, on),
        on=on,
        action="payment.charged_back",
    )
    if amount > payment.open_amount:
        payment = release(
            uow, payment, amount - payment.open_amount, on=on, source=AllocationSource.CHARGEBACK
        )
    allocate_pair(uow, payment, debit, amount, on=on, source=AllocationSource.CHARGEBACK)
    if fee is not None:
        label = f"Chargeback fee for payment #{payment.id}"
        fee_tx = fee_transaction(
            customer.id, fee, label=label, day=day, related_id=payment.id, on=on
        )
        post(uow, fee_tx, on=on, action="fee.posted")
    auto_settle(uow, customer, on=on)
    return uow.transactions.get(debit.id)


def chargeable(uow: UnitOfWork, payment: Transaction) -> Money:
    """What of a confirmed payment can still be charged back (reversed chargebacks give
    their amount back)."""
    return actions.chargeable(payment, actions.facts_of(uow, [payment])[payment.id])


def chargeback_refusal(uow: UnitOfWork, payment: Transaction) -> str | None:
    """Why `payment` cannot be charged back, or None when it can."""
    return actions.chargeback_refusal(payment, actions.facts_of(uow, [payment])[payment.id])


def _chargeback_transaction(
    payment: Transaction, amount: Money, day: date, reason: str | None, on: date
) -> NewTransaction:
    return NewTransaction(
        customer_id=payment.customer_id,
        kind=Kind.DEBIT,
        type=TxType.CHARGEBACK,
        label=f"Chargeback of payment #{payment.id}",
        date=day,
        amount=amount,
        net=amount,
        tax=Money.zero(amount.currency),
        tax_rate=Decimal(0),
        quantity=Decimal(1),
        unit_price=amount.amount,
        state=State.OPEN,
        open_amount=amount,
        origin=Origin.POSTED,
        entered_on=on,
        reference=payment.reference,
        method=payment.method,
        related_id=payment.id,
        note=reason,
    )


def _check_not_before(day: date, earliest: date, on: date) -> None:
    if day > on:
        raise InvalidInput.single("date", "in_future", f"cannot be after today ({on.isoformat()})")
    if day < earliest:
        raise InvalidInput.single(
            "date",
            "too_early",
            f"cannot be before the original transaction ({earliest.isoformat()})",
        )


# -- reversals ------------------------------------------------------------------------------


def reverse(
    uow: UnitOfWork, transaction_id: int, values: Mapping[str, object], *, on: date
) -> Transaction:
    """Cancel the effect of a posted transaction with an opposite one of the same amount.

    What the original had settled is reopened, the two close each other, and the reopened
    items settle again. Returns the reversing transaction.
    """
    original = uow.transactions.get(transaction_id)
    customer = uow.customers.lock(original.customer_id)
    original = uow.transactions.get(transaction_id)
    reader = InputReader(values, allowed={"reason", "date"}, what="a reversal")
    reason = reader.read(
        "reason", lambda v, f: clean_text(v, field=f, max_length=REASON_LENGTH), None
    )
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    reader.done()
    _check_reversible(uow, original)
    _check_not_before(day, original.date, on)
    reversal = post(
        uow, reversal_transaction(original, day, reason, on), on=on, action="transaction.reversed"
    )
    original = release(
        uow, original, original.settled_amount, on=on, source=AllocationSource.REVERSAL
    )
    credit, debit = (reversal, original) if reversal.kind is Kind.CREDIT else (original, reversal)
    allocate_pair(uow, credit, debit, original.amount, on=on, source=AllocationSource.REVERSAL)
    auto_settle(uow, customer, on=on)
    return uow.transactions.get(reversal.id)


def reversal_refusal(uow: UnitOfWork, original: Transaction) -> str | None:
    """Why `original` cannot be reversed, or None when it can."""
    return actions.reversal_refusal(original, actions.facts_of(uow, [original])[original.id])


def _check_reversible(uow: UnitOfWork, original: Transaction) -> None:
    refusal = reversal_refusal(uow, original)
    if refusal is not None:
        raise InvalidState(refusal)


def reversal_transaction(
    original: Transaction, day: date, reason: str | None, on: date, *, label: str | None = None
) -> NewTransaction:
    """An adjustment opposite to `original`, of the same amount, naming it, dated `day`."""
    return NewTransaction(
        customer_id=original.customer_id,
        kind=original.kind.opposite,
        type=TxType.ADJUSTMENT,
        label=(label or f"Reversal of #{original.id}: {original.label}")[:200],
        date=day,
        amount=original.amount,
        net=original.net,
        tax=original.tax,
        tax_rate=original.tax_rate,
        quantity=original.quantity,
        unit_price=original.unit_price,
        state=State.OPEN,
        open_amount=original.amount,
        origin=Origin.POSTED,
        entered_on=on,
        reference=original.reference,
        reverses_id=original.id,
        note=reason,
    )


# -- allocation by hand and settlement on demand --------------------------------------------


def allocate(
    uow: UnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Allocation:
    """Match an open credit against an open debit of the customer, for `amount` (default: as
    much as both have open)."""
    customer = uow.customers.lock(customer_id)
    reader = InputReader(values, allowed={"credit_id", "debit_id", "amount"}, what="an allocation")
    credit_id = reader.required("credit_id", _transaction_id, 0)
    debit_id = reader.required("debit_id", _transaction_id, 0)
    amount = reader.read("amount", lambda v, f: Money.parse(v, customer.currency, field=f), None)
    reader.done()
    credit = _own(uow, customer, credit_id, "credit_id")
    debit = _own(uow, customer, debit_id, "debit_id")
    if amount is None:
        amount = credit.open_amount.min(debit.open_amount)
    return allocate_pair(uow, credit, debit, amount, on=on, source=AllocationSource.MANUAL)


def _transaction_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise InvalidInput.single(field, "not_an_id", "must be a transaction id")
    return value


def _own(uow: UnitOfWork, customer: Customer, tx_id: int, field: str) -> Transaction:
    try:
        tx = uow.transactions.get(tx_id)
    except NotFound:
        raise InvalidInput.single(
            field, "not_found", f"transaction {tx_id} does not exist"
        ) from None
    if tx.customer_id != customer.id:
        raise InvalidInput.single(
            field, "other_customer", f"transaction {tx_id} belongs to another customer"
        )
    return tx


def settle(uow: UnitOfWork, customer_id: int, *, on: date) -> list[Allocation]:
    """Run settlement for one customer now, whatever its automatic-settlement setting."""
    customer = uow.customers.lock(customer_id)
    made = settle_customer(uow, customer, on=on, source=AllocationSource.SETTLE)
    uow.audit.record(
        "customer.settled",
        customer_id=customer_id,
        object_type="customer",
        object_id=customer_id,
        details={"allocations": len(made), "on": on.isoformat()},
    )
    return made


def _audit(uow: UnitOfWork, action: str, tx: Transaction, details: Mapping[str, object]) -> None:
    uow.audit.record(
        action,
        customer_id=tx.customer_id,
        object_type="transaction",
        object_id=tx.id,
        details={"amount": str(tx.amount), "type": tx.type.value, **details},
    )
