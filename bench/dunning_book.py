"""A seeded book for dunning: customers billed monthly on every day of the month, four months
of invoices, and on the measured day (`DAY`, a Monday) about 10 % of them with an overdue
invoice, 2 % already blocked by dunning and 5 % due a reminder.

Each customer falls in one class, which says which of its invoices are still open, what
dunning did before `DAY` and what it does on `DAY`:

- ordinary (the rest): nothing open, or November's invoice while it is neither due nor
  reminded on `DAY` (half of them); its earlier reminders were sent; nothing on `DAY`.
- remind (40 % of those billed on the 2nd, 9th or 13th): November's invoice open, its earlier
  levels reminded; reminder 3, 2 or 1 on `DAY`.
- block_today (30 % of those billed on the 1st): November's invoice open, due on the 15th;
  blocked on `DAY`.
- blocked (1.9 %): October's and November's open, blocked on October's block date;
  deactivated on `DAY` when that was the 16th of October (billed on the 1st).
- unblock (0.1 %): the same, but within a credit limit of 1,000 raised after the block;
  unblocked on `DAY`.
- grace (2.5 %), exempt (1.5 %), credit (1.5 %), override (0.5 %), pending (1 %): October's
  and November's open, and no change of status on `DAY`, because of 45 days of grace before
  blocking, `dunning_enabled` off, a credit limit of 300, a next block date after `DAY` set
  before October's block date, or a payment of the whole balance awaiting the bank's
  confirmation (which lifted at once the block October's invoice had brought, and leaves
  nothing owed to remind of). Those billed on a reminded day are reminded of November's
  invoice, but the exempt and the pending.

Every class but `ordinary`, `remind` and `block_today` is overdue; the first twelve customers
are one of each class (so that a small book has them all), the rest are drawn. Reminder fees
are set for levels 2 and 3, so that the reminders of `DAY` post collection costs.

What goes through solde's own service layer: the customers (`create_customer`), the settings,
the payments (the bulk import, whose automatic settlement pays the oldest invoices first), the
blocks and unblocks (`apply_action`, as the daily cycle does, and `record_payment` of a pending
payment, whose before-commit step lifts the block), the next block dates and the reminders
sent before `DAY` (the dunning repository). The invoices are built with solde's own builders
(`compose`, `invoice_transaction`) and written with its repositories many at a time, as a
billing run's batch writes them, without numbering sequences or services: four months of
billing runs would take most of an hour for 100,000 customers.

What the cycle of `DAY` must do is kept in the table `bench_dunning_expect` (customer, action:
`block`, `unblock`, `deactivate`, `remind`), which the benchmark compares with what it did: a
change of the dunning rules that changes what a class does on `DAY` fails the benchmark until
this book follows it (and `VERSION` is bumped, so that cached books are made again).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bench.generator import ACTOR, PLANS, TAX, customer_values
from solde.billing import ledgering
from solde.billing.composing import compose
from solde.billing.documents import DocState, DocType, Document, Item
from solde.bootstrap import Container, is_timezone
from solde.domain.money import Money
from solde.dunning.rules import (
    Action,
    DunningState,
    Reminder,
    ReminderMessage,
    Rules,
    computed_block_date,
    reminders,
)
from solde.dunning.usecases import apply_action, rules_of, standings
from solde.ledger import balance as deltas
from solde.ledger import usecases as ledger
from solde.ledger.customers import Customer, new_customer
from solde.ledger.dunning_settings import DunningSettings
from solde.ledger.model import NewTransaction, Transaction
from solde.ledger.ports import AuditEntry
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.repositories.customers import details_row
from solde.storage.tables import customer_balances, customers
from solde.storage.unit_of_work import SqlUnitOfWork

#: Bump when the book changes, so that cached ones are built again.
VERSION = 2
#: The day whose cycle is measured: a Monday, so that blocks and deactivations that fell on
#: the weekend happen on it too.
DAY = date(2026, 11, 16)
#: The months invoiced, on each customer's billing day (November only up to `DAY`).
MONTHS = (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
DUE_DAYS = 14  # the default payment terms
OFFSETS = DunningSettings().reminder_offsets  # the default reminder offsets: 3, 7, 14 days
#: Billing days whose November invoice is reminded on `DAY` (3, 7 and 14 days before).
REMINDED_DAYS = {(DAY - timedelta(days=n)).day: level for level, n in enumerate(OFFSETS, 1)}
#: Billing days whose open November invoice is neither due nor reminded on `DAY`.
QUIET_DAYS = tuple(
    b for b in range(2, DAY.day + 1) if b not in REMINDED_DAYS and b + DUE_DAYS >= DAY.day
)
FEES = {"EUR": ["0", "5.00", "10.00"], "USD": ["0", "5.00", "10.00"], "GBP": ["0", "4.00", "8.00"]}
CUSTOMERS_PER_UNIT = 2_000
ROWS_PER_UNIT = 20_000
OPEN_QUIET = 0.5  # share of ordinary customers whose quiet November invoice is still open
BLOCK_TODAY = 0.3  # of those billed on the 1st
REMIND = 0.4  # of those billed on a reminded day


class Kind(StrEnum):
    """Where a customer stands on `DAY` (see the module's table)."""

    ORDINARY = "ordinary"
    REMIND = "remind"
    BLOCK_TODAY = "block_today"
    BLOCKED = "blocked"
    UNBLOCK = "unblock"
    GRACE = "grace"
    EXEMPT = "exempt"
    CREDIT = "credit"
    OVERRIDE = "override"
    PENDING = "pending"


#: The overdue classes drawn first, with their share of all customers.
DRAWN = (
    (Kind.BLOCKED, 0.019),
    (Kind.UNBLOCK, 0.001),
    (Kind.GRACE, 0.025),
    (Kind.EXEMPT, 0.015),
    (Kind.CREDIT, 0.015),
    (Kind.OVERRIDE, 0.005),
    (Kind.PENDING, 0.010),
)
#: The first customers: one of each class, with a billing day that shows it.
FIRST = (
    (Kind.BLOCKED, 1),  # deactivated on DAY
    (Kind.BLOCKED, 9),  # reminded on DAY
    (Kind.UNBLOCK, 5),
    (Kind.BLOCK_TODAY, 1),
    (Kind.REMIND, 2),
    (Kind.REMIND, 9),
    (Kind.REMIND, 13),
    (Kind.GRACE, 20),
    (Kind.EXEMPT, 9),
    (Kind.CREDIT, 2),
    (Kind.OVERRIDE, 25),
    (Kind.PENDING, 13),
)
#: Customer billing settings of each class (the rest follow the defaults).
SETTINGS: dict[Kind, dict[str, object]] = {
    Kind.UNBLOCK: {"credit_limit": "1000"},
    Kind.GRACE: {"blocking_period_days": 45},
    Kind.EXEMPT: {"dunning_enabled": False},
    Kind.CREDIT: {"credit_limit": "300"},
}
EXPECT = Table(
    "bench_dunning_expect",
    MetaData(),
    Column("customer_id", Integer, nullable=False),
    Column("action", String(12), nullable=False),
)
_NEW_FIELDS = tuple(f.name for f in fields(NewTransaction))


@dataclass(frozen=True, slots=True)
class DunningBook:
    """How many customers the book has."""

    customers: int
    seed: int = 42


@dataclass(slots=True)
class Planned:
    """One customer of the book: its class, billing day and plan, and its invoices."""

    index: int
    kind: Kind
    billing_day: int
    plan: Decimal
    customer: Customer | None = None
    invoices: list[Document] = field(default_factory=list)
    open_count: int = 0  # how many of its newest invoices are still open on DAY

    @property
    def overdue(self) -> bool:
        """Its October invoice is still open (and November's, when it has one)."""
        return self.kind not in (Kind.ORDINARY, Kind.REMIND, Kind.BLOCK_TODAY)


def _kind(rng: random.Random, billing_day: int) -> Kind:
    draw = rng.random()
    for kind, share in DRAWN:
        if draw < share:
            return kind
        draw -= share
    follow = rng.random()
    if billing_day == 1 and follow < BLOCK_TODAY:
        return Kind.BLOCK_TODAY
    if billing_day in REMINDED_DAYS and follow < REMIND:
        return Kind.REMIND
    return Kind.ORDINARY


def plan_book(size: DunningBook) -> list[Planned]:
    """Every customer's class, billing day and plan, drawn from the seed."""
    rng = random.Random(size.seed + 3)
    planned = []
    for index in range(size.customers):
        if index < len(FIRST):
            kind, billing_day = FIRST[index]
        else:
            billing_day = rng.randrange(1, 29)
            kind = _kind(rng, billing_day)
        plan = PLANS[rng.randrange(len(PLANS))]
        planned.append(Planned(index, kind, billing_day, plan))
    return planned


def _create_customers(books: Container, planned: Sequence[Planned], seed: int) -> None:
    """Open the customers as `create_customer` does (its validation, its row, an empty
    aggregate row and an audit entry each), many in one statement: one at a time, opening
    100,000 customers takes longer than the rest of the book."""
    rng = random.Random(seed)
    for start in range(0, len(planned), CUSTOMERS_PER_UNIT):
        chunk = planned[start : start + CUSTOMERS_PER_UNIT]
        with books.uow(actor=ACTOR) as uow:
            settings = uow.settings.get()
            details = []
            for p in chunk:
                values = customer_values(p.index, rng, p.billing_day)
                billing = dict(values["billing"])  # type: ignore[call-overload]
                billing["auto_settlement"] = True  # payments pay the oldest invoices
                billing.update(SETTINGS.get(p.kind, {}))
                details.append(new_customer({**values, "billing": billing}, settings))
            now = datetime.now(UTC)
            rows = [{**details_row(d), "created_at": now, "updated_at": now} for d in details]
            statement = insert(customers).returning(customers.c.id, sort_by_parameter_order=True)
            ids = list(uow.connection.execute(statement, rows).scalars())
            uow.connection.execute(
                insert(customer_balances),
                [
                    {"customer_id": i, "currency": d.currency, "balance": 0, "debit": 0,
                     "credit": 0, "awaiting": 0, "unbilled_count": 0, "unbilled_net": 0,
                     "unbilled_gross": 0}
                    for i, d in zip(ids, details, strict=True)
                ],
            )  # fmt: skip
            for p, customer_id, d in zip(chunk, ids, details, strict=True):
                p.customer = Customer(customer_id, d)
            uow.audit.record_many(
                [
                    AuditEntry("customer.created", i, "customer", i, {"bench": "dunning book"})
                    for i in ids
                ]
            )
            uow.commit()


def _months(billing_day: int) -> Iterator[date]:
    for month in MONTHS:
        day = month.replace(day=billing_day)
        if day <= DAY:
            yield day


def _next_month(day: date) -> date:
    year, month = divmod(day.month, 12)
    return day.replace(year=day.year + year, month=month + 1)


def _invoice(
    customer: Customer, plan: Decimal, day: date, doc_id: int, tx_id: int
) -> tuple[Document, Transaction]:
    """A monthly invoice of `day` as a billing run issues it, and its debit."""
    currency = customer.currency
    rate = Decimal(TAX[currency])
    net = Money(plan, currency)
    tax = Money((plan * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), currency)
    last = _next_month(day) - timedelta(days=1)
    item = Item("Fibre subscription", Decimal(1), plan, rate, net, tax, net + tax, day, last)
    composition = compose([item], [], currency=currency)
    number = f"DUN-{customer.id:07d}-{day:%Y%m}"
    new = ledgering.invoice_transaction(customer, doc_id, number, composition, day, on=day)
    tx = Transaction(id=tx_id, created_by=ACTOR, **{n: getattr(new, n) for n in _NEW_FIELDS})
    doc = Document(
        id=doc_id,
        customer_id=customer.id,
        type=DocType.RECURRING,
        state=DocState.ISSUED,
        number=number,
        document_date=day,
        due_date=day + timedelta(days=DUE_DAYS),
        currency=currency,
        net=composition.net,
        tax=composition.tax,
        total=composition.total,
        items=composition.items,
        period_start=day,
        period_end=last,
        transaction_id=tx_id,
        issued_on=day,
        partner_id=customer.details.partner_id,
        created_by=ACTOR,
    )
    return doc, tx


def _write_invoices(books: Container, planned: Sequence[Planned]) -> int:
    written = 0
    for start in range(0, len(planned), CUSTOMERS_PER_UNIT):
        chunk = planned[start : start + CUSTOMERS_PER_UNIT]
        with books.uow(actor=ACTOR) as uow:
            days = [(p, day) for p in chunk for day in _months(p.billing_day)]
            doc_ids = uow.documents.new_ids(len(days))
            tx_ids = uow.transactions.new_ids(len(days))
            docs, txs = [], []
            for (p, day), doc_id, tx_id in zip(days, doc_ids, tx_ids, strict=True):
                assert p.customer is not None
                doc, tx = _invoice(p.customer, p.plan, day, doc_id, tx_id)
                p.invoices.append(doc)
                docs.append(doc)
                txs.append(tx)
            uow.transactions.add_many(txs)
            uow.documents.add_many(docs)
            uow.balances.apply_many([(tx.customer_id, deltas.posted(tx, tx.date)) for tx in txs])
            uow.commit()
        written += len(docs)
    return written


def _open_count(p: Planned, rng: random.Random) -> int:
    """How many of the customer's newest invoices its class leaves open on DAY."""
    newest = p.invoices[-1].document_date
    if p.overdue:
        return sum(1 for doc in p.invoices if doc.document_date >= MONTHS[2])
    if p.kind is not Kind.ORDINARY:
        return 1  # November's: reminded or blocked on DAY
    quiet = newest.month == DAY.month and p.billing_day in QUIET_DAYS
    return 1 if quiet and rng.random() < OPEN_QUIET else 0


def _pay(books: Container, planned: Sequence[Planned], seed: int) -> int:
    """Pay the invoices each class has paid, through the bulk import: one payment of each
    invoice's total, made within its payment terms (by `DAY`), which automatic settlement
    allocates to the oldest open invoice."""
    rng = random.Random(seed + 4)
    rows = []
    for p in planned:
        assert p.customer is not None
        p.open_count = _open_count(p, rng)
        for doc in p.invoices[: len(p.invoices) - p.open_count]:
            latest = min(DUE_DAYS, (DAY - doc.document_date).days)
            day = doc.document_date + timedelta(days=rng.randrange(latest + 1))
            values: dict[str, object] = {"amount": str(doc.total.amount), "date": day.isoformat()}
            rows.append(ImportRow(p.customer.id, RowKind.PAYMENT, values))
    rows.sort(key=lambda row: str(row.values["date"]))
    for start in range(0, len(rows), ROWS_PER_UNIT):
        with books.uow(actor=ACTOR) as uow:
            import_transactions(uow, rows[start : start + ROWS_PER_UNIT], on=DAY)
            uow.commit()
    return len(rows)


def _october(p: Planned) -> Document:
    (doc,) = [d for d in p.invoices if d.document_date.month == 10]
    return doc


def _block_day(uow: SqlUnitOfWork, rules: Rules, customer: Customer) -> date:
    """The day dunning blocked the customer: its October invoice's block date."""
    found = computed_block_date(standings(uow, [customer])[customer.id], rules)
    assert found is not None, f"customer {customer.id} has no open invoice"
    return found


def _dunning_history(books: Container, planned: Sequence[Planned], seed: int) -> None:
    """Blocks, unblocks and next block dates made before `DAY`, as dunning and operators
    made them."""
    rng = random.Random(seed + 5)
    for p in planned:
        customer = p.customer
        assert customer is not None
        if p.kind in (Kind.BLOCKED, Kind.UNBLOCK, Kind.PENDING):
            with books.uow(actor=ACTOR) as uow:
                rules = rules_of(uow)
                day = _block_day(uow, rules, customer)
                standing = standings(uow, [customer])[customer.id]
                apply_action(uow, customer, standing, Action.BLOCK, day)
                uow.commit()
            if p.kind is Kind.PENDING:  # the whole balance, awaiting the bank's answer
                paid_on = min(day + timedelta(days=rng.randrange(1, 8)), DAY - timedelta(days=1))
                with books.uow(actor=ACTOR) as uow:
                    owed = uow.balances.get(customer.id).balance
                    values = {
                        "amount": str(owed.amount),
                        "date": paid_on.isoformat(),
                        "status": "pending",
                        "invoice_id": _october(p).id,
                    }
                    settlement.record_payment(uow, customer.id, values, on=paid_on)
                    uow.commit()
        elif p.kind is Kind.OVERRIDE:
            october = _october(p)
            with books.uow(actor=ACTOR) as uow:
                set_on = october.document_date + timedelta(days=10)
                chosen = DAY + timedelta(days=rng.randrange(1, 22))
                uow.dunning.save_state(
                    customer.id, DunningState(next_block_date=chosen, next_block_date_set_on=set_on)
                )
                uow.commit()


def _reminders_sent(books: Container, planned: Sequence[Planned]) -> int:
    """Record the reminders of the open invoices that fell before `DAY`, each customer's of a
    day in one message, without fees (the fees were set later)."""
    written = 0
    customers = [p.customer for p in planned if p.customer is not None and p.open_count]
    for start in range(0, len(customers), 500):
        with books.uow(actor=ACTOR) as uow:
            rules = rules_of(uow)
            for customer_id, standing in standings(uow, customers[start : start + 500]).items():
                by_day: dict[date, list[Reminder]] = {}
                for line in reminders(standing, rules, DAY):
                    if line.date < DAY:
                        by_day.setdefault(line.date, []).append(line)
                for day, lines in sorted(by_day.items()):
                    message = ReminderMessage(customer_id, day, tuple(lines))
                    uow.dunning.add_reminder(message, None)
                    written += 1
            uow.commit()
    return written


def expected(planned: Sequence[Planned], rules: Rules) -> list[tuple[int, str]]:
    """What the cycle of `DAY` must do, customer by customer."""
    found = []
    for p in planned:
        assert p.customer is not None
        cid = p.customer.id
        if p.kind is Kind.BLOCK_TODAY:
            found.append((cid, Action.BLOCK.value))
        elif p.kind is Kind.UNBLOCK:
            found.append((cid, Action.UNBLOCK.value))
        elif p.kind is Kind.BLOCKED:
            blocked_on = rules.days.next_allowed(_october(p).due_date + timedelta(days=1))
            # every customer of the class was blocked in October: at the earliest on the 16th
            # (billed on the 1st), which makes its deactivation date DAY (the 15th, a Sunday)
            deactivation = rules.days.next_allowed(blocked_on + timedelta(days=30))
            assert deactivation >= DAY, (p, blocked_on)
            if deactivation == DAY:
                found.append((cid, Action.DEACTIVATE.value))
        # November's invoice open on a reminded billing day (ordinary customers pay those);
        # not when dunning is off, nor when a pending payment covers what the customer owes
        quiet = (Kind.EXEMPT, Kind.ORDINARY, Kind.PENDING)
        reminded = p.kind not in quiet and p.open_count > 0
        if reminded and p.billing_day in REMINDED_DAYS:
            found.append((cid, "remind"))
    return found


def load_dunning(books: Container, size: DunningBook) -> dict[str, int]:
    """Generate the book into an empty database; returns what was written."""
    with books.uow(actor=ACTOR) as uow:
        ledger.update_settings(
            uow, {"dunning": {"reminder_fees": FEES}}, is_timezone=is_timezone, on=MONTHS[0]
        )
        uow.commit()
    planned = plan_book(size)
    _create_customers(books, planned, size.seed)
    invoices = _write_invoices(books, planned)
    payments = _pay(books, planned, size.seed)
    _dunning_history(books, planned, size.seed)
    sent = _reminders_sent(books, planned)
    with books.uow(actor=ACTOR) as uow:
        rules = rules_of(uow)
        rows = expected(planned, rules)
        EXPECT.create(uow.connection)
        if rows:
            uow.connection.execute(
                insert(EXPECT), [{"customer_id": c, "action": a} for c, a in rows]
            )
        uow.commit()
    counts = {k.value: 0 for k in Kind}
    for p in planned:
        counts[p.kind.value] += 1
    return {
        "customers": len(planned),
        "invoices": invoices,
        "payments": payments,
        "reminders_sent": sent,
        **counts,
    }
