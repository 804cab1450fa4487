"""Recurring invoices: what a customer's services cost up to a date, and billing one customer
in a run (SPEC §8).

On a billing day D, timing `advance` bills each service from its first unbilled day to the end
of the period that starts on D; `arrears` bills up to D − 1; both are capped at the service's
end date. The days are priced by `services.share_of` and rounded once per line. The invoice
also takes the customer's unbilled lines dated ≤ D. Each service line records a charge, and
the database refuses a second charge starting on the same day, so a period is never billed
twice (SPEC §1, invariant 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from solde.billing.composing import Composition, compose
from solde.billing.documents import DocState, DocType, Document, Item
from solde.billing.drafting import new_document
from solde.billing.inputs import InvoiceInput
from solde.billing.ports import BillingUnitOfWork, CustomerOutcome, Outcome, RunOptions
from solde.billing.services import Charge, Service, anchor_of, priced_item, share_of
from solde.domain.money import Money
from solde.domain.periods import ONE_DAY, is_period_start, period_containing
from solde.ledger.billing import BillingSettings, Timing
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.model import Transaction


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """A service billed for the days `item.period_start`..`item.period_end`."""

    service: Service
    item: Item

    @property
    def first(self) -> date:
        """The first day billed."""
        assert self.item.period_start is not None
        return self.item.period_start

    @property
    def last(self) -> date:
        """The last day billed."""
        assert self.item.period_end is not None
        return self.item.period_end


def anchor(billing: BillingSettings, services: Sequence[Service]) -> date:
    """The customer's period anchor (see `services.anchor_of`)."""
    return anchor_of(billing.billing_day, (s.start_date for s in services))


def is_billing_day(day: date, billing: BillingSettings, services: Sequence[Service]) -> bool:
    """Whether a period of the customer starts on `day`."""
    if day.day != billing.billing_day:
        return False
    return is_period_start(day, anchor(billing, services), billing.period_months)


def billed_up_to(day: date, billing: BillingSettings, services: Sequence[Service]) -> date:
    """The last day a recurring invoice dated `day` bills: the end of the period containing
    `day` in advance, the day before in arrears."""
    if billing.timing is Timing.ARREARS:
        return day - ONE_DAY
    return period_containing(day, anchor(billing, services), billing.period_months).end


def service_lines(
    services: Sequence[Service],
    billing: BillingSettings,
    day: date,
    currency: str,
    *,
    activation_only: bool = False,
) -> list[ServiceLine]:
    """A line per service with days to bill up to `billed_up_to(day)`; with `activation_only`,
    only services never billed that have started."""
    through = billed_up_to(day, billing, services)
    start = anchor(billing, services)
    lines = []
    for service in sorted(services, key=lambda s: s.id):
        if activation_only and (service.billed_through is not None or service.start_date > day):
            continue
        first = service.next_unbilled_day()
        last = through if service.end_date is None else min(through, service.end_date)
        if first > last:
            continue
        share = share_of(
            first, last, anchor=start, months=billing.period_months, proration=billing.proration
        )
        item = priced_item(
            service.description,
            service.price,
            share,
            first=first,
            last=last,
            currency=currency,
            service_id=service.id,
        )
        lines.append(ServiceLine(service, item))
    return lines


def has_active_service(services: Sequence[Service], day: date, through: date) -> bool:
    """Whether a service runs on some day of `day`..`through` (or on `day` in arrears)."""
    last = max(day, through)
    return any(
        s.start_date <= last and (s.end_date is None or s.end_date >= min(day, through))
        for s in services
    )


def record_charges(
    uow: BillingUnitOfWork, lines: Sequence[ServiceLine], doc_id: int | None
) -> None:
    """Advance each billed service to the end of its line, keeping the charge."""
    for line in lines:
        item = line.item
        assert item.period_start is not None
        assert item.period_end is not None
        uow.services.bill(
            line.service,
            Charge(
                service_id=line.service.id,
                customer_id=line.service.customer_id,
                document_id=doc_id,
                first=item.period_start,
                last=item.period_end,
                price=line.service.price,
            ),
        )


def invoice_input(
    day: date, lines: Sequence[ServiceLine], *, include_unbilled: bool
) -> InvoiceInput:
    """The recurring invoice of a run: its period spans its service lines."""
    starts = [line.item.period_start for line in lines if line.item.period_start]
    ends = [line.item.period_end for line in lines if line.item.period_end]
    return InvoiceInput(
        type=DocType.RECURRING,
        date=day,
        due_date=None,
        items=tuple(line.item for line in lines),
        include_unbilled=include_unbilled,
        note=None,
        memo=None,
        period_start=min(starts, default=None),
        period_end=max(ends, default=None),
    )


@dataclass(frozen=True, slots=True)
class Bill:
    """What a run would invoice for one customer on its date."""

    customer: Customer
    lines: tuple[ServiceLine, ...]
    unbilled: tuple[Transaction, ...]
    composition: Composition
    wanted: InvoiceInput


#: Why a customer a run looked at is not billed on a day that is not one of its billing days.
NOT_BILLING_DAY = "not the customer's billing day"


@dataclass(frozen=True, slots=True)
class Skip:
    """Why a run makes no invoice for a customer; an invoice of zero that is skipped still
    covers its service days (`lines`), so they are not billed again later at another price."""

    reason: str
    lines: tuple[ServiceLine, ...] = ()


def plan_customer(
    uow: BillingUnitOfWork,
    customer: Customer,
    day: date,
    options: RunOptions,
    *,
    services: Sequence[Service] | None = None,
    unbilled: Sequence[Transaction] | None = None,
    balance: Money | None = None,
) -> Bill | Skip:
    """The invoice a run of `day` makes for a customer, or why it makes none. A caller that
    read the customer's services, unbilled lines up to `day` and balance for many customers at
    once passes them; otherwise they are read here."""
    billing = customer.billing_settings(uow.settings.get())
    if not billing.billing_enabled:
        return Skip("billing is off for the customer")
    if not billing.auto_invoice:
        return Skip("billing runs do not invoice the customer (auto_invoice off)")
    if customer.details.status is CustomerStatus.INACTIVE:
        return Skip("the customer is inactive")
    if services is None:
        services = uow.services.of_customer(customer.id)
    if is_billing_day(day, billing, services):
        facts = _Facts(uow, customer.id, day, unbilled, balance)
        return _regular(facts, customer, billing, services, day, options)
    if billing.bill_on_activation and billing.timing is Timing.ADVANCE:
        lines = service_lines(services, billing, day, customer.currency, activation_only=True)
        if lines:
            return _bill(customer, lines, [], day, options, active=True)
    return Skip(NOT_BILLING_DAY)


@dataclass(slots=True)
class _Facts:
    """The customer's unbilled lines and balance, read when first needed."""

    uow: BillingUnitOfWork
    customer_id: int
    day: date
    unbilled: Sequence[Transaction] | None
    balance: Money | None

    def lines(self) -> Sequence[Transaction]:
        if self.unbilled is None:
            self.unbilled = self.uow.transactions.unbilled_up_to(self.customer_id, self.day)
        return self.unbilled

    def owed(self) -> Money:
        if self.balance is None:
            self.balance = self.uow.balances.get(self.customer_id).balance
        return self.balance


def _regular(
    facts: _Facts,
    customer: Customer,
    billing: BillingSettings,
    services: Sequence[Service],
    day: date,
    options: RunOptions,
) -> Bill | Skip:
    lines = service_lines(services, billing, day, customer.currency)
    through = billed_up_to(day, billing, services)
    active = bool(lines) or has_active_service(services, day, through)
    if not active and not options.balance_only_accounts:
        return Skip("no active service")
    unbilled = facts.lines()
    if not active:
        if not unbilled and facts.owed().is_zero():
            return Skip("no active service, nothing unbilled and nothing owed")
    elif not lines and not unbilled:
        return Skip("nothing to bill")
    return _bill(customer, lines, unbilled, day, options, active=active)


def _bill(
    customer: Customer,
    lines: Sequence[ServiceLine],
    unbilled: Sequence[Transaction],
    day: date,
    options: RunOptions,
    *,
    active: bool,
) -> Bill | Skip:
    composition = compose([x.item for x in lines], unbilled, currency=customer.currency)
    # A balance-only account gets its document even at zero: it shows what is owed. An invoice
    # that lines brought to zero is issued too: skipping it would leave the credit unbilled
    # while the service days it paid for were counted as billed.
    if (
        composition.total.is_zero()
        and options.skip_zero_invoices
        and active
        and not composition.billed
        and composition.split is None
    ):
        return Skip("the invoice total is zero (skip_zero_invoices)", tuple(lines))
    wanted = invoice_input(day, lines, include_unbilled=bool(unbilled))
    return Bill(customer, tuple(lines), tuple(unbilled), composition, wanted)


def draft_document(uow: BillingUnitOfWork, bill: Bill) -> Document:
    """A preview's draft: no number, nothing posted, nothing billed."""
    customer = bill.customer
    terms = customer.billing_settings(uow.settings.get()).payment_due_days
    draft = new_document(
        customer,
        bill.wanted,
        bill.composition,
        doc_id=uow.documents.new_id(),
        number=None,
        payment_due_days=terms,
        actor=uow.actor,
        on=None,
        state=DocState.DRAFT,
    )
    return uow.documents.add(draft)


def outcome_of(run_id: int, customer_id: int, doc: Document, outcome: Outcome) -> CustomerOutcome:
    """The outcome row of a customer that got a document."""
    return CustomerOutcome(run_id, customer_id, outcome, doc.id, None, doc.total)
