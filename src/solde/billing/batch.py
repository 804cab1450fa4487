"""Billing many customers of a run together (SPEC §8): the plain cases in a few statements.

Most customers of a run are plain: a positive total, no open credit to settle, no credit line
to split. Their invoices are planned with the same functions as one customer's and written
together — numbers taken as one block per sequence, transactions, items, charges and outcomes
inserted with one statement each — which makes a run many times faster than a unit of work per
customer. Every other customer (credit to settle, a split credit line, a zero invoice, a
preview) is handed back to be billed alone by `runs.bill_customer`, so there is one set of
rules and two ways of writing them down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

from solde.billing import ledgering, recurring
from solde.billing.documents import Document, as_summary
from solde.billing.drafting import new_document
from solde.billing.ports import BillingUnitOfWork, CustomerOutcome, Outcome, Run
from solde.billing.services import Charge
from solde.domain.errors import Conflict
from solde.domain.money import Money
from solde.ledger import balance as deltas
from solde.ledger.balance import BalanceDelta
from solde.ledger.customers import Customer
from solde.ledger.model import NewTransaction, State, Transaction
from solde.ledger.ports import AuditEntry

_NEW_FIELDS = tuple(f.name for f in fields(NewTransaction))


@dataclass(frozen=True, slots=True)
class _Planned:
    bill: recurring.Bill
    due_days: int
    balance: Money  # the customer's balance before the invoice


@dataclass(slots=True)
class Planned:
    """A chunk of a run planned together: the plain invoices, the customers skipped, and the
    customers to bill alone."""

    plain: list[_Planned]
    skipped: list[CustomerOutcome]
    alone: list[int]


def bill_together(
    uow: BillingUnitOfWork, run: Run, customer_ids: Sequence[int], *, on: date
) -> tuple[list[CustomerOutcome], list[int]]:
    """Bill the plain customers among `customer_ids` at once and record their outcomes;
    return those outcomes and the customers to bill one at a time."""
    return apply_together(uow, run, plan_together(uow, run, customer_ids), on=on)


def plan_together(uow: BillingUnitOfWork, run: Run, customer_ids: Sequence[int]) -> Planned:
    """Plan a chunk of a run from what the database holds now; nothing is written, so another
    process may plan while one writes (`apply_together` checks the plan still holds)."""
    if run.options.preview:
        return Planned([], [], list(customer_ids))
    day = run.date
    settings = uow.settings.get()
    settings.check_open(day)
    customers = uow.customers.lock_many(customer_ids)
    recorded = uow.runs.outcomes_of(run.id, customer_ids)
    services = uow.services.of_customers(list(customers))
    unbilled = uow.transactions.unbilled_of(list(customers), day)
    balances = uow.balances.get_many(list(customers))
    found = Planned([], [], [])
    for customer_id in customer_ids:
        customer = customers.get(customer_id)
        balance = balances.get(customer_id)
        if customer_id in recorded or customer is None or balance is None:
            found.alone.append(customer_id)  # billed meanwhile, parked before, or unknown
            continue
        plan = recurring.plan_customer(
            uow,
            customer,
            day,
            run.options,
            services=services.get(customer_id, []),
            unbilled=unbilled.get(customer_id, []),
            balance=balance.balance,
        )
        if isinstance(plan, recurring.Skip):
            if plan.lines:
                found.alone.append(customer_id)  # a zero invoice still records its charges
            else:
                found.skipped.append(
                    CustomerOutcome(run.id, customer_id, Outcome.SKIPPED, reason=plan.reason)
                )
            continue
        billing = customer.billing_settings(settings)
        if (
            _settles(billing.auto_settlement, balance.credit)
            or plan.composition.split is not None
            or not plan.composition.total.is_positive()
        ):
            found.alone.append(customer_id)
            continue
        found.plain.append(_Planned(plan, billing.payment_due_days, balance.balance))
    return found


def _settles(auto_settlement: bool, credit: Money) -> bool:
    """An invoice of a customer holding open credit is settled at once: billed alone."""
    return auto_settlement and not credit.is_zero()


def apply_together(
    uow: BillingUnitOfWork, run: Run, planned: Planned, *, on: date
) -> tuple[list[CustomerOutcome], list[int]]:
    """Write a planned chunk: lock its customers, leave alone those billed, paid or credited
    meanwhile, issue the rest together and record every outcome. A service or line changed
    since the plan refuses the whole chunk (`Conflict`); the caller bills it alone."""
    alone = list(planned.alone)
    ids = [p.bill.customer.id for p in planned.plain] + [s.customer_id for s in planned.skipped]
    if not ids:
        return [], alone
    uow.customers.lock_many(ids)
    recorded = uow.runs.outcomes_of(run.id, ids)
    balances = uow.balances.get_many(ids)
    outcomes = [s for s in planned.skipped if s.customer_id not in recorded]
    alone.extend(s.customer_id for s in planned.skipped if s.customer_id in recorded)
    plain = []
    for p in planned.plain:
        customer = p.bill.customer
        now = balances.get(customer.id)
        auto = customer.billing_settings(uow.settings.get()).auto_settlement
        if customer.id in recorded or now is None or _settles(auto, now.credit):
            alone.append(customer.id)
            continue
        plain.append(replace(p, balance=now.balance))
    for doc in _issue_all(uow, plain, run.date, on=on):
        outcomes.append(recurring.outcome_of(run.id, doc.customer_id, doc, Outcome.INVOICED))
    uow.runs.record_many(outcomes, run.date)
    return outcomes, sorted(alone)


def _issue_all(
    uow: BillingUnitOfWork, planned: Sequence[_Planned], day: date, *, on: date
) -> list[Document]:
    if not planned:
        return []
    doc_ids = uow.documents.new_ids(len(planned))
    numbers = _numbers(uow, [p.bill.customer for p in planned], day)
    tx_ids = uow.transactions.new_ids(len(planned))
    actor = uow.actor
    posted: list[Transaction] = []
    changes: list[tuple[Transaction, Transaction]] = []
    moves: list[tuple[int, BalanceDelta]] = []
    docs: list[Document] = []
    charges: list[tuple[recurring.ServiceLine, Charge]] = []
    audit: list[AuditEntry] = []
    for p, doc_id, number, tx_id in zip(planned, doc_ids, numbers, tx_ids, strict=True):
        bill = p.bill
        customer = bill.customer
        composition = bill.composition
        new = ledgering.invoice_transaction(customer, doc_id, number, composition, day, on=on)
        tx = Transaction(id=tx_id, created_by=actor, **{n: getattr(new, n) for n in _NEW_FIELDS})
        posted.append(tx)
        move = deltas.posted(tx, on)
        for line in composition.billed:
            changes.append(
                (line, replace(line, state=State.BILLED, invoice_id=doc_id, resolved_on=on))
            )
            move = move + deltas.unbilled_removed(line, on)
        moves.append((customer.id, move))
        docs.append(_document(p, doc_id, number, tx, on=on, actor=actor))
        for service_line in bill.lines:
            charges.append((service_line, _charge(service_line, doc_id)))
        audit.append(_audit_posted(tx))
    uow.transactions.add_many(posted)
    uow.transactions.replace_many(changes)
    uow.balances.apply_many(moves)
    uow.documents.add_many(docs)
    uow.services.bill_many([(line.service, charge) for line, charge in charges])
    audit.extend(_audit_issued(doc, p) for doc, p in zip(docs, planned, strict=True))
    uow.audit.record_many(audit)
    return docs


def _charge(line: recurring.ServiceLine, doc_id: int) -> Charge:
    return Charge(
        service_id=line.service.id,
        customer_id=line.service.customer_id,
        document_id=doc_id,
        first=line.first,
        last=line.last,
        price=line.service.price,
    )


def _numbers(uow: BillingUnitOfWork, customers: Sequence[Customer], day: date) -> list[str]:
    """One number per customer, each sequence advanced once for its whole block; a number
    already given by hand refuses the block (the caller bills those customers alone)."""
    fmt = uow.settings.get().number_format("invoice")
    keyed: dict[str, list[int]] = defaultdict(list)
    for index, customer in enumerate(customers):
        key = fmt.key(day=day, partner_id=customer.details.partner_id, customer_id=customer.id)
        keyed[key].append(index)
    numbers = [""] * len(customers)
    for key, indexes in keyed.items():
        values = uow.numbering.next_values(key, len(indexes))
        for index, value in zip(indexes, values, strict=True):
            customer = customers[index]
            numbers[index] = fmt.render(
                day=day,
                partner_id=customer.details.partner_id,
                customer_id=customer.id,
                next_value=value,
            )
    if uow.documents.numbers_used(numbers):
        raise Conflict("a number of the block was given by hand")
    return numbers


def _document(
    planned: _Planned, doc_id: int, number: str, tx: Transaction, *, on: date, actor: str
) -> Document:
    composition = planned.bill.composition
    doc = new_document(
        planned.bill.customer,
        planned.bill.wanted,
        composition,
        doc_id=doc_id,
        number=number,
        payment_due_days=planned.due_days,
        actor=actor,
        on=on,
    )
    return replace(doc, transaction_id=tx.id, account_balance=planned.balance + composition.total)


def _audit_posted(tx: Transaction) -> AuditEntry:
    return AuditEntry(
        "invoice.posted",
        tx.customer_id,
        "transaction",
        tx.id,
        {"kind": tx.kind.value, "type": tx.type.value, "amount": str(tx.amount)},
    )


def _audit_issued(doc: Document, planned: _Planned) -> AuditEntry:
    details = {**as_summary(doc), "lines": len(planned.bill.composition.billed)}
    return AuditEntry("invoice.issued", doc.customer_id, "invoice", doc.id, details)
