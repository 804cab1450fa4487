"""What documents do to the ledger: the invoice debit, billed lines, the credit-note credit,
and the reversal that cancels an invoice's posting (SPEC §4, §5, §7).

Posted transactions never change: a void or an edit of an invoice appends a reversal that
closes the original, so a balance asked about a past day keeps its answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from solde.billing.composing import Composition
from solde.billing.documents import Document, Item
from solde.billing.inputs import CreditNoteInput
from solde.billing.ports import BillingUnitOfWork
from solde.domain.money import Money
from solde.domain.tax import HUNDRED
from solde.ledger import balance as deltas
from solde.ledger.customers import Customer
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
from solde.ledger.posting import post
from solde.settlement.allocating import allocate_pair, as_left_by, auto_settle
from solde.settlement.usecases import reversal_transaction

LABEL_LENGTH = 200


def _rate(items: Iterable[Item]) -> Decimal:
    """The tax rate shared by every item, or 0 when they differ."""
    rates = {i.tax_rate for i in items}
    return rates.pop() if len(rates) == 1 else Decimal(0)


def document_transaction(
    customer: Customer,
    *,
    kind: Kind,
    tx_type: TxType,
    label: str,
    day: date,
    net: Money,
    tax: Money,
    items: Sequence[Item],
    invoice_id: int,
    on: date,
    reference: str | None = None,
    document_date: date | None = None,
) -> NewTransaction:
    """The ledger transaction a document posts: its total, open. `document_date` is kept when
    the transaction is dated another day (an invoice posted again after an edit)."""
    total = net + tax
    return NewTransaction(
        customer_id=customer.id,
        kind=kind,
        type=tx_type,
        label=label[:LABEL_LENGTH],
        date=day,
        amount=total,
        net=net,
        tax=tax,
        tax_rate=_rate(items),
        quantity=Decimal(1),
        unit_price=net.amount,
        state=State.OPEN,
        open_amount=total,
        origin=Origin.POSTED,
        entered_on=on,
        reference=reference,
        invoice_id=invoice_id,
        initiated_on=document_date if document_date != day else None,
    )


def post_invoice(
    uow: BillingUnitOfWork,
    customer: Customer,
    doc_id: int,
    number: str,
    composition: Composition,
    day: date,
    *,
    on: date,
    document_date: date | None = None,
) -> Transaction | None:
    """Post the invoice's debit of its total, dated `day`; an invoice of zero posts nothing.
    `document_date`: the invoice's date when it differs from `day` (a repost)."""
    if not composition.total.is_positive():
        return None
    new = invoice_transaction(
        customer, doc_id, number, composition, day, on=on, document_date=document_date
    )
    return post(uow, new, on=on, action="invoice.posted")


def invoice_transaction(
    customer: Customer,
    doc_id: int,
    number: str,
    composition: Composition,
    day: date,
    *,
    on: date,
    document_date: date | None = None,
) -> NewTransaction:
    """The `invoice` debit of an invoice's total, open, dated `day`."""
    return document_transaction(
        customer,
        kind=Kind.DEBIT,
        tx_type=TxType.INVOICE,
        label=f"Invoice {number}",
        day=day,
        net=composition.net,
        tax=composition.tax,
        items=composition.items,
        invoice_id=doc_id,
        on=on,
        reference=number,
        document_date=document_date,
    )


def left_open(tx: Transaction | None, made: Iterable[Allocation]) -> Money | None:
    """The open amount of the invoice's transaction after the settlement `made`."""
    return None if tx is None else as_left_by(tx, made).open_amount


def bill_lines(uow: BillingUnitOfWork, composition: Composition, doc_id: int, *, on: date) -> None:
    """Mark the lines the invoice took as billed; a split credit line keeps its remainder
    unbilled as a new line of the same date."""
    changes = [(line, _billed(line, doc_id, on)) for line in composition.billed]
    delta = None
    for line in composition.billed:
        d = deltas.unbilled_removed(line, on)
        delta = d if delta is None else delta + d
    split = composition.split
    if split is not None:
        line = split.line
        part = replace(
            _billed(line, doc_id, on),
            amount=split.gross,
            net=split.net,
            tax=split.tax,
            open_amount=split.gross,
            quantity=Decimal(1),
            unit_price=split.net.amount,
        )
        changes.append((line, part))
        rest = uow.transactions.add(
            _remainder(line, split.gross, split.net, split.tax), created_by=uow.actor
        )
        d = deltas.unbilled_removed(line, on) + deltas.unbilled_added(rest, on)
        delta = d if delta is None else delta + d
    uow.transactions.replace_many(changes)
    if delta is not None and changes:
        uow.balances.apply(changes[0][0].customer_id, delta)


def _billed(line: Transaction, doc_id: int, on: date) -> Transaction:
    return replace(line, state=State.BILLED, invoice_id=doc_id, resolved_on=on)


def _remainder(line: Transaction, gross: Money, net: Money, tax: Money) -> NewTransaction:
    amount, rest_net, rest_tax = line.amount - gross, line.net - net, line.tax - tax
    return NewTransaction(
        customer_id=line.customer_id,
        kind=line.kind,
        type=line.type,
        label=line.label,
        date=line.date,
        amount=amount,
        net=rest_net,
        tax=rest_tax,
        tax_rate=line.tax_rate,
        quantity=Decimal(1),
        unit_price=rest_net.amount,
        state=State.UNBILLED,
        open_amount=amount,
        origin=Origin.UNBILLED,
        entered_on=line.entered_on,
        reference=line.reference,
        related_id=line.id,
        note=f"remainder of line #{line.id}",
    )


def unbill_lines(uow: BillingUnitOfWork, doc: Document, *, on: date) -> None:
    """Give the lines a void invoice had billed back to the next invoice."""
    lines = [
        tx
        for tx in uow.transactions.of_invoice(doc.customer_id, doc.id)
        if tx.state is State.BILLED
    ]
    if not lines:
        return
    back = [
        (tx, replace(tx, state=State.UNBILLED, invoice_id=None, resolved_on=None)) for tx in lines
    ]
    uow.transactions.replace_many(back)
    delta = deltas.unbilled_added(back[0][1], on)
    for _, after in back[1:]:
        delta = delta + deltas.unbilled_added(after, on)
    uow.balances.apply(doc.customer_id, delta)


def cancel_posting(
    uow: BillingUnitOfWork,
    customer: Customer,
    doc: Document,
    day: date,
    reason: str | None,
    *,
    on: date,
) -> Transaction:
    """Cancel an unsettled document transaction with an opposite one dated `day`; the two
    close each other. Returns the reversal."""
    assert doc.transaction_id is not None
    original = uow.transactions.get(doc.transaction_id)
    label = f"Void of {original.label}"
    new = reversal_transaction(original, day, reason, on, label=label)
    reversal = post(uow, new, on=on, action="transaction.reversed")
    credit, debit = (reversal, original) if reversal.kind is Kind.CREDIT else (original, reversal)
    allocate_pair(uow, credit, debit, original.amount, on=on, source=AllocationSource.REVERSAL)
    return reversal


def credit_items(invoice: Document, amount: Money | None) -> tuple[Item, ...]:
    """A credit note given as an amount: one item per tax rate of the invoice, the amount
    shared in proportion to each rate's gross (largest remainder, so the parts add up to the
    amount exactly); each part's net is taken out at its rate, rounded half-up, and its tax is
    the rest."""
    assert amount is not None
    by_rate: dict[Decimal, Money] = {}
    for item in invoice.items:
        by_rate[item.tax_rate] = (
            by_rate.get(item.tax_rate, Money.zero(amount.currency)) + item.gross
        )
    weights = {rate: gross for rate, gross in by_rate.items() if gross.is_positive()}
    if not weights:
        weights = {Decimal(0): amount}
    shares = _shares(amount, weights)
    return tuple(
        _credit_part(invoice, rate, share) for rate, share in shares.items() if share.is_positive()
    )


def _shares(amount: Money, weights: dict[Decimal, Money]) -> dict[Decimal, Money]:
    total = sum((w.amount for w in weights.values()), Decimal(0))
    unit = Money.from_minor(1, amount.currency).amount
    exact = {rate: amount.amount * w.amount / total for rate, w in weights.items()}
    floors = {rate: (value // unit) * unit for rate, value in exact.items()}
    left = int((amount.amount - sum(floors.values(), Decimal(0))) / unit)
    order = sorted(exact, key=lambda r: (exact[r] - floors[r], r), reverse=True)
    for rate in order[:left]:
        floors[rate] += unit
    return {rate: Money(value, amount.currency) for rate, value in floors.items()}


def _credit_part(invoice: Document, rate: Decimal, share: Money) -> Item:
    net = Money.round(share.amount * HUNDRED / (HUNDRED + rate), share.currency)
    tax = share - net
    return Item(
        description=f"Credit on invoice {invoice.number}",
        quantity=Decimal(1),
        unit_price=net.amount,
        tax_rate=rate,
        net=net,
        tax=tax,
        gross=share,
    )


def post_credit_note(
    uow: BillingUnitOfWork,
    customer: Customer,
    invoice: Document,
    doc_id: int,
    number: str,
    items: Sequence[Item],
    wanted: CreditNoteInput,
    *,
    on: date,
) -> Transaction:
    """Post the credit note's credit naming its invoice, settle that invoice first (whatever
    the customer's automatic-settlement setting: it corrects that invoice), then the rest as
    automatic settlement does."""
    net = Money.zero(customer.currency)
    tax = Money.zero(customer.currency)
    for item in items:
        net, tax = net + item.net, tax + item.tax
    new = document_transaction(
        customer,
        kind=Kind.CREDIT,
        tx_type=TxType.CREDIT_NOTE,
        label=f"Credit note {number} on invoice {invoice.number}",
        day=wanted.date,
        net=net,
        tax=tax,
        items=items,
        invoice_id=invoice.id,
        on=on,
        reference=number,
    )
    credit = post(uow, new, on=on, action="credit_note.posted")
    if invoice.transaction_id is not None:
        debit = uow.transactions.get(invoice.transaction_id)
        amount = credit.open_amount.min(debit.open_amount)
        if debit.is_posted and amount.is_positive():
            allocate_pair(uow, credit, debit, amount, on=on, source=AllocationSource.AUTO)
    auto_settle(uow, customer, on=on)
    return uow.transactions.get(credit.id)
