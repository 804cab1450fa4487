"""Random sequences of ledger and billing operations never break the invariants of SPEC §1.

A hypothesis state machine drives the service layer (the code under the API and the CLI) with
lines, unbilled lines, payments (confirmed, pending, confirmed later, failed with or without a
fee), refunds, chargebacks, reversals, manual allocations, settlement and bulk imports of lines
and payments, for customers in EUR and JPY with automatic settlement on or off; and with
invoices (typed items, discounts, unbilled lines with credit lines that get split), proformas
and their conversion, payments naming an invoice, credit notes (by items or amount, sometimes
more than is left), edits of the note or the items, voids and "cancel last recurring"; and
with services (SPEC §8: any price, quantity and tax rate, starting near the simulated day,
some with an end, some ended later inside days already billed), billing runs on the day
(two customers billed on the 1st, one on the 15th), recurring invoices made by hand that bill
the services as a run would, and days passing (1 to 20 at a time, up to a billing day, or up
to an invoice's block date), each with its daily cycle (SPEC §10: the billing run, reminders
with their fees, blocking); and with dunning (SPEC §9): each customer's payment terms, grace
and deactivation periods and credit limit drawn at random (some with dunning or reminders
off), weekends and listed holidays allowed for blocks or not, reminder fees, payments down to
the limit give or take a minor unit, direct debits the bank refuses, and next block dates
moved or withdrawn by an operator. A small model kept by the test predicts every balance,
every invoice total, which lines and service days an invoice bills, what each run does per
customer, which reminders each day sends, each customer's status, and which operations must
be refused. After each step the stored rows are read back with plain SQL and checked:

1. balance = Σ signed amounts of posted transactions = Σ signed open amounts (and = the model);
2. 0 ≤ open amount ≤ amount, and `closed` exactly when nothing is open;
3. Σ allocations on a transaction = amount − open amount, allocations pair a credit with a
   debit of the same customer;
plus: the per-customer aggregate agrees with the rows (debit, credit, awaiting confirmation,
unbilled summary); with automatic settlement on, open debits and open credits never stand side
by side; a balance asked as of a past day agrees with the rows dated up to that day and never
changes once later days have begun; a refused operation changes nothing at all;
4. every invoice total ≥ 0 and = Σ of its items' gross = net + tax; its transaction carries the
   total and has at most that open; its credit notes add up to at most its total;
5. document numbers are unique and each sequence holds exactly 1..n (the numbering rows agree);
plus: a billed line names an issued invoice that holds it (a void invoice bills nothing);
6. a service's charges never overlap; `billed_through` is the end of its last charge, or its end
   date once days were given back; a charge names an issued invoice holding a line for its
   days, or none for days worth nothing (a zero invoice that was skipped); and what the
   service's issued lines bill less the days given back is what its charges are worth (to a
   rounding per line): no day is billed twice, none is given away;
7. right after each simulated day's cycle, a customer is blocked exactly when SPEC §9 says so
   by a model written here (not `solde.dunning.rules`) from the rows: dunning on, balance −
   payments awaiting confirmation > credit limit, and the day on or after the block date (the
   oldest open invoice's due date + grace period + 1, moved off days blocks may not fall on,
   or the operator's date until it passes); inactive once still blocked on its deactivation
   date; after any other step, a block that no longer holds was lifted at once, and one that
   holds was not; each change is an event of its day, and the dunning calendar a user reads
   shows the model's dates.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select, text

from solde.billing import subscriptions
from solde.billing import usecases as billing
from solde.billing.editing import update_invoice
from solde.bootstrap import Config, Container, is_timezone
from solde.daily import run_day
from solde.domain.errors import InvalidInput, InvalidState, NotEditable, SoldeError
from solde.dunning import usecases as dunning
from solde.ledger import usecases as ledger
from solde.runs import run_billing
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage import tables
from solde.storage.engine import make_engine
from solde.storage.tables import (
    allocations,
    customer_balances,
    document_items,
    documents,
    metadata,
    numbering_sequences,
    reminder_lines,
    service_charges,
    services,
    transactions,
)

pytestmark = pytest.mark.slow

START = date(2026, 3, 10)
EXPONENT = {"EUR": 2, "JPY": 0}
POSTED = ("open", "closed")
DEBIT_LINE_TYPES = ("charge", "collection_cost", "adjustment")
CREDIT_LINE_TYPES = ("adjustment", "gift")
TAX_RATES = (Decimal(0), Decimal("5.5"), Decimal(20))
QUANTITIES = (Decimal(1), Decimal(2), Decimal("0.5"), Decimal(3))
IMPORT_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "pick": st.integers(0, 2),
            "what": st.sampled_from(("line", "unbilled line", "payment", "pending payment")),
            "debit": st.booleans(),
            "type_pick": st.integers(0, 2),
            "minor": st.integers(2, 40_000),
            "quantity": st.sampled_from(QUANTITIES),
            "tax_rate": st.sampled_from(TAX_RATES),
            "back": st.integers(0, 5),
            "ahead": st.integers(-5, 20),
        }
    ),
    min_size=1,
    max_size=6,
)


#: Typed items: one to three, plus sometimes a discount of a share (in %) of their total, which
#: beyond 100 % takes the invoice below zero and must be refused.
TYPED = st.fixed_dictionaries(
    {
        "items": st.lists(
            st.fixed_dictionaries(
                {
                    "minor": st.integers(1, 40_000),
                    "quantity": st.sampled_from(QUANTITIES),
                    "tax_rate": st.sampled_from(TAX_RATES),
                }
            ),
            min_size=1,
            max_size=3,
        ),
        "discount": st.one_of(st.none(), st.none(), st.integers(1, 110)),
    }
)
#: What an invoice is typed with: one time in four nothing (it bills the unbilled lines).
ITEMS = st.one_of(TYPED, TYPED, TYPED, st.just({"items": [], "discount": None}))
#: Default numbering formats: invoices `{year}{partner_id|2}{next|6}`, credit notes
#: `CN{year}-{next|5}`, proformas `PF{year}-{next|5}`; group 1 is the sequence, 2 the number.
NUMBERS = {
    "invoice": re.compile(r"(\d{4}\d{2})(\d{6})"),
    "credit_note": re.compile(r"(CN\d{4}-)(\d{5})"),
    "proforma": re.compile(r"(PF\d{4}-)(\d{5})"),
}
ONE_DAY = timedelta(days=1)
#: A customer's dunning terms (SPEC §9), some with dunning off.
TERMS = st.fixed_dictionaries(
    {
        "payment_due_days": st.integers(0, 15),
        "blocking_period_days": st.integers(0, 5),
        "deactivation_period_days": st.integers(0, 10),
        "credit_limit": st.sampled_from((Decimal(-20), Decimal(0), Decimal(50))),
        "dunning_enabled": st.sampled_from((True, True, True, False)),
        "reminders": st.sampled_from((True, True, False)),
    }
)
#: The company's dunning calendar: weekends and listed holidays (days after START) on which
#: blocks may fall or not, and reminder fees.
CALENDAR = st.fixed_dictionaries(
    {
        "block_on_weekends": st.booleans(),
        "block_on_holidays": st.booleans(),
        "holidays": st.lists(st.integers(0, 75), max_size=12, unique=True),
        "fees": st.sampled_from(("none", "every level", "second level")),
    }
)
REMINDER_FEES: dict[str, dict[str, list[str]]] = {
    "none": {},
    "every level": {"EUR": ["1.50", "3.00", "6.00"], "JPY": ["200", "400", "800"]},
    "second level": {"EUR": ["0", "2.50"]},
}
REMINDER_OFFSETS = (3, 7, 14)  # the default
STATUS_EVENTS = {
    "blocked": "customer.blocked",
    "active": "customer.unblocked",
    "inactive": "customer.deactivated",
}


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-EXPONENT[currency]), rounding=ROUND_HALF_UP)


def _minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(EXPONENT[currency]))


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-EXPONENT[currency])


# -- billing periods, by hand (SPEC §8) ---------------------------------------------------------
#
# Every customer here is billed monthly, in advance, prorated by days, on a billing day ≤ 28:
# a period runs from the billing day to the day before the next month's.


def _month_later(day: date, months: int = 1) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def _period(day: date, billing_day: int) -> tuple[date, date]:
    """The billing period holding `day`: (first day, last day)."""
    start = day.replace(day=billing_day)
    if start > day:
        start = _month_later(start, -1)
    return start, _month_later(start) - timedelta(days=1)


def _share(first: date, last: date, billing_day: int) -> Fraction:
    """How many periods `first`..`last` are worth: a whole period 1, a part its days over the
    period's days."""
    share = Fraction(0)
    while first <= last:
        start, end = _period(first, billing_day)
        upto = min(last, end)
        share += Fraction((upto - first).days + 1, (end - start).days + 1)
        first = upto + timedelta(days=1)
    return share


def _worth(
    price: Decimal, quantity: Decimal, first: date, last: date, billing_day: int, currency: str
) -> int:
    """The net of quantity × price for those days, rounded once half-up (minor units)."""
    exact = Fraction(quantity) * Fraction(price) * _share(first, last, billing_day)
    return math.floor(exact * 10 ** EXPONENT[currency] + Fraction(1, 2))


def _with_tax(net: int, rate: Decimal, currency: str) -> int:
    """Gross of a net (minor units): tax = net × rate / 100, rounded half-up."""
    return net + _minor(_round(_major(net, currency) * rate / 100, currency), currency)


@dataclass
class Tx:
    """What the test expects of one transaction it made."""

    id: int
    customer_id: int
    kind: str  # debit or credit
    type: str
    amount: int  # minor units, > 0
    status: str  # posted, pending, void, unbilled, billed, cancelled
    is_reversal: bool = False
    reversed: bool = False
    charged_back: int = 0  # minor units of unreversed chargebacks (payments)
    chargeback_of: int | None = None
    day: date | None = None  # the date of an unbilled line
    rate: Decimal = Decimal(0)  # the tax rate of an unbilled line (one unit)
    invoice_id: int | None = None  # a line: the invoice billing it; a payment: the one it names
    service_id: int | None = None  # a credit line of days a service gave back
    gave_back_of: int | None = None  # ... that this invoice had billed

    @property
    def signed(self) -> int:
        return self.amount if self.kind == "debit" else -self.amount


@dataclass
class Doc:
    """What the test expects of one invoice or proforma it issued."""

    id: int
    customer_id: int
    type: str  # one_time, recurring, proforma
    total: int  # minor units
    day: date
    tx_id: int | None  # its live ledger transaction
    typed_total: int = 0  # the typed items' part of the total (the rest: unbilled lines)
    state: str = "issued"  # issued, void, converted
    credited: int = 0  # Σ of its credit notes


@dataclass
class Billed:
    """One charge of a service: the days `first`..`last`, the invoice (None: a zero invoice
    that was skipped) and the price they were billed at."""

    first: date
    last: date
    doc_id: int | None
    price: Decimal
    quantity: Decimal
    rate: Decimal


@dataclass
class Svc:
    """What the test expects of one service."""

    id: int
    customer_id: int
    price: Decimal  # per billing period, excluding tax
    quantity: Decimal
    rate: Decimal
    start: date
    end: date | None
    billed_through: date | None = None
    charges: list[Billed] = field(default_factory=list)

    def next_day(self) -> date:
        """The first day not billed yet."""
        if self.billed_through is None:
            return self.start
        return max(self.start, self.billed_through + timedelta(days=1))


@dataclass
class Terms:
    """A customer's dunning terms (SPEC §9); the limit in minor units."""

    due_days: int = 14
    blocking: int = 0
    deactivation: int = 30
    limit: int = 0
    dunning: bool = True
    reminders: bool = True


@dataclass(frozen=True)
class Due:
    """An issued invoice with something open, as the rows show it."""

    id: int
    day: date  # document date
    due: date
    named: bool  # a payment awaiting confirmation names it


@dataclass
class Owed:
    """What dunning looks at for one customer, read from the rows: the balance, payments
    awaiting bank confirmation, and the open invoices."""

    balance: int = 0
    pending: int = 0
    invoices: list[Due] = field(default_factory=list)  # oldest first

    def due_invoice(self) -> Due | None:
        """The oldest open invoice (document date, then issue order)."""
        return self.invoices[0] if self.invoices else None

    def due_date(self) -> date | None:
        """The billing due date: the due date of the oldest open invoice."""
        invoice = self.due_invoice()
        return None if invoice is None else invoice.due


@dataclass
class CustomerModel:
    id: int
    currency: str
    auto: bool
    billing_day: int = 1
    balance: int = 0
    awaiting: int = 0
    txs: dict[int, Tx] = field(default_factory=dict)
    services: dict[int, Svc] = field(default_factory=dict)
    terms: Terms = field(default_factory=Terms)
    status: str = "active"  # as dunning leaves it: active, blocked or inactive
    blocked_on: date | None = None  # the first day of the latest block (kept once lifted)
    blocked_for: int | None = None  # the invoice that was due when it was blocked
    next_block_date: date | None = None  # the operator's, while it has not been used
    next_block_date_set_on: date | None = None
    changes: list[tuple[str, date]] = field(default_factory=list)  # status events

    def pending_refunds(self) -> int:
        return sum(
            t.amount for t in self.txs.values() if t.type == "refund" and t.status == "pending"
        )


class LedgerMachine(RuleBasedStateMachine):
    """Drives the service layer; `fresh_container` is set by the test for its database."""

    fresh_container: ClassVar[Callable[[], Container]]

    def __init__(self) -> None:
        super().__init__()
        self.container = type(self).fresh_container()
        self.on = START
        self.customers: list[CustomerModel] = []
        self.history: dict[tuple[int, date], tuple[Any, ...]] = {}
        self.docs: dict[int, Doc] = {}
        self.run_days: set[date] = set()  # the dates a billing run was made for
        for name, currency, auto, partner, billing_day in (
            ("Auto EUR", "EUR", True, 1, 1),
            ("Auto JPY", "JPY", True, 1, 1),  # billed in one run with Auto EUR
            ("Manual EUR", "EUR", False, 2, 15),  # another partner: its own invoice sequence
        ):
            values = {
                "name": name,
                "currency": currency,
                "partner_id": partner,
                "billing": {"auto_settlement": auto, "billing_day": billing_day},
            }
            customer = self._call(lambda uow, v=values: ledger.create_customer(uow, v))
            self.customers.append(CustomerModel(customer.id, currency, auto, billing_day))
        self.block_on_weekends = False
        self.block_on_holidays = False
        self.holidays: frozenset[date] = frozenset()
        self.fees: dict[str, list[str]] = {}

    @initialize(terms=st.lists(TERMS, min_size=3, max_size=3), calendar=CALENDAR)
    def dunning_terms(self, terms: list[dict[str, Any]], calendar: dict[str, Any]) -> None:
        """Each customer's dunning terms and the company's calendar, then the first daily
        cycle (START)."""
        for customer, drawn in zip(self.customers, terms, strict=True):
            billing = {**drawn, "credit_limit": str(drawn["credit_limit"])}
            self._call(
                lambda uow, c=customer, b=billing: ledger.update_customer(uow, c.id, {"billing": b})
            )
            customer.terms = Terms(
                due_days=drawn["payment_due_days"],
                blocking=drawn["blocking_period_days"],
                deactivation=drawn["deactivation_period_days"],
                limit=_minor(drawn["credit_limit"], customer.currency),
                dunning=drawn["dunning_enabled"],
                reminders=drawn["reminders"],
            )
        self.block_on_weekends = calendar["block_on_weekends"]
        self.block_on_holidays = calendar["block_on_holidays"]
        self.holidays = frozenset(START + timedelta(days=n) for n in calendar["holidays"])
        self.fees = REMINDER_FEES[calendar["fees"]]
        changes = {
            "dunning": {
                "block_on_weekends": self.block_on_weekends,
                "block_on_holidays": self.block_on_holidays,
                "holidays": sorted(d.isoformat() for d in self.holidays),
                "reminder_fees": self.fees,
            }
        }
        self._call(
            lambda uow: ledger.update_settings(uow, changes, is_timezone=is_timezone, on=self.on)
        )
        self._cycle(self.on)

    def teardown(self) -> None:
        self.container.dispose()

    # -- calling the service layer ----------------------------------------------------------

    def _call(self, action: Callable[[Any], Any]) -> Any:
        with self.container.uow(actor="property test") as uow:
            result = action(uow)
            uow.commit()
        return result

    def _refused(self, action: Callable[[Any], Any], error: type[SoldeError] = SoldeError) -> None:
        """`action` must fail with a business error (`error`) and leave every table as it
        was."""
        before = self._fingerprint()
        with pytest.raises(error):
            self._call(action)
        assert self._fingerprint() == before

    def _fingerprint(self) -> tuple[Any, ...]:
        with self.container.engine.connect() as connection:
            return tuple(
                tuple(connection.execute(select(table).order_by(*table.primary_key)).all())
                for table in metadata.sorted_tables
                if table.name not in ("api_keys", "idempotency_keys")
            )

    def _customer(self, pick: int) -> CustomerModel:
        return self.customers[pick % len(self.customers)]

    def _txs(self, predicate: Callable[[Tx], bool]) -> list[Tx]:
        return [t for c in self.customers for t in c.txs.values() if predicate(t)]

    def _amount(self, customer: CustomerModel, minor: int) -> Decimal:
        return _major(minor, customer.currency)

    def _gross(
        self, customer: CustomerModel, minor: int, quantity: Decimal, tax_rate: Decimal
    ) -> int:
        """SPEC §2: net = quantity × unit price, tax = net × rate / 100, each rounded half-up;
        in minor units, signed like the price."""
        net = _round(quantity * self._amount(customer, minor), customer.currency)
        tax = _round(net * tax_rate / 100, customer.currency)
        return _minor(net + tax, customer.currency)

    # -- lines ------------------------------------------------------------------------------

    @rule(
        pick=st.integers(0, 2),
        debit=st.booleans(),
        type_pick=st.integers(0, 2),
        minor=st.integers(2, 40_000),
        quantity=st.sampled_from(QUANTITIES),
        tax_rate=st.sampled_from(TAX_RATES),
        back=st.integers(0, 5),
    )
    def post_line(
        self,
        pick: int,
        debit: bool,
        type_pick: int,
        minor: int,
        quantity: Decimal,
        tax_rate: Decimal,
        back: int,
    ) -> None:
        customer = self._customer(pick)
        types = DEBIT_LINE_TYPES if debit else CREDIT_LINE_TYPES
        tx_type = types[type_pick % len(types)]
        price = self._amount(customer, minor)
        net = _round(quantity * price, customer.currency)
        gross = net + _round(net * tax_rate / 100, customer.currency)
        values = {
            "kind": "debit" if debit else "credit",
            "type": tx_type,
            "label": f"{tx_type} line",
            "date": (self.on - timedelta(days=back)).isoformat(),
            "unit_price": str(price),
            "quantity": str(quantity),
            "tax_rate": str(tax_rate),
            "bill_on_next_invoice": False,
        }
        tx = self._call(lambda uow: settlement.add_entry(uow, customer.id, values, on=self.on))
        assert tx.amount.amount == gross
        assert tx.net.amount == net
        model = Tx(
            tx.id, customer.id, values["kind"], tx_type, _minor(gross, customer.currency), "posted"
        )
        customer.txs[tx.id] = model
        customer.balance += model.signed

    @rule(
        pick=st.integers(0, 2),
        debit=st.booleans(),
        minor=st.integers(1, 40_000),
        ahead=st.integers(-5, 20),
        tax_rate=st.sampled_from(TAX_RATES),
    )
    def add_unbilled_line(
        self, pick: int, debit: bool, minor: int, ahead: int, tax_rate: Decimal
    ) -> None:
        customer = self._customer(pick)
        day = self.on + timedelta(days=ahead)
        values = {
            "kind": "debit" if debit else "credit",
            "type": "charge" if debit else "gift",
            "label": "unbilled",
            "date": day.isoformat(),
            "unit_price": str(self._amount(customer, minor)),
            "tax_rate": str(tax_rate),
            "bill_on_next_invoice": True,
        }
        tx = self._call(lambda uow: settlement.add_entry(uow, customer.id, values, on=self.on))
        assert tx.state.value == "unbilled"
        gross = self._gross(customer, minor, Decimal(1), tax_rate)
        assert _minor(tx.amount.amount, customer.currency) == gross
        customer.txs[tx.id] = Tx(
            tx.id,
            customer.id,
            values["kind"],
            values["type"],
            gross,
            "unbilled",
            day=day,
            rate=tax_rate,
        )

    def _typed_lines(self) -> list[Tx]:
        """Unbilled and billed lines a user added (a service's given-back days are left to
        the service: crediting them is the service's rule, checked by invariant 6)."""
        return self._txs(lambda t: t.status in ("unbilled", "billed") and t.service_id is None)

    @precondition(lambda self: self._typed_lines())
    @rule(pick=st.integers(0, 10**6), minor=st.integers(1, 40_000))
    def edit_unbilled_line(self, pick: int, minor: int) -> None:
        """Change a line's price; a line already billed must be refused."""
        lines = self._typed_lines()
        line = lines[pick % len(lines)]
        customer = next(c for c in self.customers if c.id == line.customer_id)
        changes = {"unit_price": str(self._amount(customer, minor))}

        def action(uow: Any) -> Any:
            return ledger.update_unbilled_line(uow, line.id, changes, on=self.on)

        if line.status == "billed":
            self._refused(action, InvalidState)
            return
        tx = self._call(action)
        gross = self._gross(customer, minor, Decimal(1), line.rate)
        assert _minor(tx.amount.amount, customer.currency) == gross
        line.amount = gross

    @precondition(lambda self: self._typed_lines())
    @rule(pick=st.integers(0, 10**6))
    def cancel_unbilled_line(self, pick: int) -> None:
        lines = self._typed_lines()
        line = lines[pick % len(lines)]

        def action(uow: Any) -> Any:
            return ledger.cancel_unbilled_line(uow, line.id, reason="test", on=self.on)

        if line.status == "billed":
            self._refused(action, InvalidState)
            return
        self._call(action)
        line.status = "cancelled"

    # -- payments and refunds ---------------------------------------------------------------

    @rule(
        pick=st.integers(0, 2),
        minor=st.integers(1, 60_000),
        pending=st.booleans(),
        back=st.integers(0, 5),
    )
    def pay(self, pick: int, minor: int, pending: bool, back: int) -> None:
        customer = self._customer(pick)
        values = {
            "amount": str(self._amount(customer, minor)),
            "method": "sepa_debit" if pending else "bank_transfer",
            "date": (self.on - timedelta(days=back)).isoformat(),
            "status": "pending" if pending else "confirmed",
        }
        tx = self._call(lambda uow: settlement.record_payment(uow, customer.id, values, on=self.on))
        model = Tx(
            tx.id, customer.id, "credit", "payment", minor, "pending" if pending else "posted"
        )
        customer.txs[tx.id] = model
        if pending:
            customer.awaiting += model.signed
        else:
            customer.balance += model.signed

    @rule(pick=st.integers(0, 2), share=st.integers(1, 120), pending=st.booleans())
    def refund(self, pick: int, share: int, pending: bool) -> None:
        """Refund a share (in %) of the credit available; above 100 % must be refused."""
        customer = self._customer(pick)
        available = max(0, -customer.balance - customer.pending_refunds())
        minor = max(1, available * share // 100)
        values = {
            "amount": str(-self._amount(customer, minor)),
            "method": "bank_transfer",
            "status": "pending" if pending else "confirmed",
        }

        def action(uow: Any) -> Any:
            return settlement.record_payment(uow, customer.id, values, on=self.on)

        if minor > available:
            self._refused(action)
            return
        tx = self._call(action)
        assert tx.type.value == "refund"
        model = Tx(tx.id, customer.id, "debit", "refund", minor, "pending" if pending else "posted")
        customer.txs[tx.id] = model
        if pending:
            customer.awaiting += model.signed
        else:
            customer.balance += model.signed

    @precondition(lambda self: self._txs(lambda t: t.status == "pending"))
    @rule(pick=st.integers(0, 10**6))
    def confirm(self, pick: int) -> None:
        pending = self._txs(lambda t: t.status == "pending")
        payment = pending[pick % len(pending)]
        customer = next(c for c in self.customers if c.id == payment.customer_id)
        self._call(lambda uow: settlement.confirm_payment(uow, payment.id, {}, on=self.on))
        payment.status = "posted"
        customer.awaiting -= payment.signed
        customer.balance += payment.signed

    @precondition(lambda self: self._txs(lambda t: t.status == "pending"))
    @rule(pick=st.integers(0, 10**6), fee=st.one_of(st.none(), st.integers(1, 2_000)))
    def fail(self, pick: int, fee: int | None) -> None:
        pending = self._txs(lambda t: t.status == "pending")
        payment = pending[pick % len(pending)]
        customer = next(c for c in self.customers if c.id == payment.customer_id)
        values = {"reason": "refused by the bank"}
        if fee is not None:
            values["fee"] = str(self._amount(customer, fee))
        self._call(lambda uow: settlement.fail_payment(uow, payment.id, values, on=self.on))
        payment.status = "void"
        customer.awaiting -= payment.signed
        if fee is not None:
            customer.balance += fee
            fee_tx = self._newest_of(customer, "collection_cost")
            customer.txs[fee_tx] = Tx(
                fee_tx, customer.id, "debit", "collection_cost", fee, "posted"
            )

    def _newest_of(self, customer: CustomerModel, tx_type: str) -> int:
        with self.container.engine.connect() as connection:
            return int(
                connection.execute(
                    select(transactions.c.id)
                    .where(
                        transactions.c.customer_id == customer.id,
                        transactions.c.type == tx_type,
                    )
                    .order_by(transactions.c.id.desc())
                    .limit(1)
                ).scalar_one()
            )

    @precondition(lambda self: self._txs(lambda t: t.type == "payment" and t.status != "unbilled"))
    @rule(
        pick=st.integers(0, 10**6),
        share=st.integers(1, 130),
        fee=st.one_of(st.none(), st.integers(1, 3_000)),
    )
    def charge_back(self, pick: int, share: int, fee: int | None) -> None:
        """Charge back a share (in %) of what is left of a payment; some must be refused."""
        payments = self._txs(lambda t: t.type == "payment")
        payment = payments[pick % len(payments)]
        customer = next(c for c in self.customers if c.id == payment.customer_id)
        left = payment.amount - payment.charged_back
        minor = max(1, left * share // 100)
        values: dict[str, Any] = {"amount": str(self._amount(customer, minor))}
        if fee is not None:
            values["fee"] = str(self._amount(customer, fee))

        def action(uow: Any) -> Any:
            return settlement.chargeback(uow, payment.id, values, on=self.on)

        if payment.status != "posted" or payment.reversed or minor > left:
            self._refused(action)
            return
        debit = self._call(action)
        assert debit.type.value == "chargeback"
        assert debit.amount.amount == self._amount(customer, minor)
        payment.charged_back += minor
        customer.txs[debit.id] = Tx(
            debit.id, customer.id, "debit", "chargeback", minor, "posted", chargeback_of=payment.id
        )
        customer.balance += minor
        if fee is not None:
            fee_tx = self._newest_of(customer, "collection_cost")
            customer.txs[fee_tx] = Tx(
                fee_tx, customer.id, "debit", "collection_cost", fee, "posted"
            )
            customer.balance += fee

    # -- corrections ------------------------------------------------------------------------

    @precondition(lambda self: self._txs(lambda t: True))
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick: int) -> None:
        everything = self._txs(lambda t: True)
        original = everything[pick % len(everything)]
        customer = next(c for c in self.customers if c.id == original.customer_id)

        def action(uow: Any) -> Any:
            return settlement.reverse(uow, original.id, {"reason": "mistake"}, on=self.on)

        if (
            original.status != "posted"
            or original.type in ("invoice", "credit_note")
            or original.is_reversal
            or original.reversed
            or original.charged_back
        ):
            self._refused(action)
            return
        reversal = self._call(action)
        assert reversal.amount.amount == self._amount(customer, original.amount)
        original.reversed = True
        kind = "credit" if original.kind == "debit" else "debit"
        model = Tx(
            reversal.id,
            customer.id,
            kind,
            "adjustment",
            original.amount,
            "posted",
            is_reversal=True,
        )
        customer.txs[reversal.id] = model
        customer.balance += model.signed
        if original.chargeback_of is not None:
            customer.txs[original.chargeback_of].charged_back -= original.amount

    # -- settlement -------------------------------------------------------------------------

    @rule(pick=st.integers(0, 10**6), share=st.integers(1, 130))
    def allocate_by_hand(self, pick: int, share: int) -> None:
        """Allocate on the manual customer a share (in %) of what a pair has open."""
        customer = self.customers[2]
        rows = self._open_rows(customer.id)
        credits = [r for r in rows if r.kind == "credit"]
        debits = [r for r in rows if r.kind == "debit"]
        if not credits or not debits:
            return
        credit = credits[pick % len(credits)]
        debit = debits[(pick // 7) % len(debits)]
        most = min(credit.open_amount, debit.open_amount)
        minor = max(1, most * share // 100)
        values = {
            "credit_id": credit.id,
            "debit_id": debit.id,
            "amount": str(self._amount(customer, minor)),
        }

        def action(uow: Any) -> Any:
            return settlement.allocate(uow, customer.id, values, on=self.on)

        if minor > most:
            self._refused(action)
            return
        made = self._call(action)
        assert made.amount.amount == self._amount(customer, minor)

    @rule(pick=st.integers(0, 2))
    def settle(self, pick: int) -> None:
        customer = self._customer(pick)
        self._call(lambda uow: settlement.settle(uow, customer.id, on=self.on))
        debits, credits = self._open_sides(customer.id)
        assert not (debits and credits)

    @rule(days=st.integers(1, 20))
    def next_days(self, days: int) -> None:
        """Days pass, each with its daily cycle."""
        self._advance_to(self.on + timedelta(days=days))

    # -- bulk imports -----------------------------------------------------------------------

    @rule(rows=IMPORT_ROWS, spoil=st.integers(0, 3), where=st.integers(0, 6))
    def import_rows(self, rows: list[dict[str, Any]], spoil: int, where: int) -> None:
        """Import a batch of lines and payments; one time in four a wrong row spoils it all."""
        batch = [self._import_row(**row) for row in rows]
        if spoil == 0:
            customer = self._customer(where)
            tomorrow = (self.on + timedelta(days=1)).isoformat()
            confirmed_tomorrow: dict[str, object] = {
                "amount": "1",
                "method": "bank_transfer",
                "date": tomorrow,
            }
            wrong = ImportRow(customer.id, RowKind.PAYMENT, confirmed_tomorrow)
            batch.insert(where % (len(batch) + 1), (wrong, None))
        imported = [row for row, _ in batch]

        def action(uow: Any) -> Any:
            return import_transactions(uow, imported, on=self.on)

        if spoil == 0:
            self._refused(action)
            return
        allocated = self._count(allocations)
        result = self._call(action)
        assert len(result.transaction_ids) == len(batch)
        assert result.customers == len({row.customer_id for row in imported})
        assert result.allocations == self._count(allocations) - allocated
        with self.container.engine.connect() as connection:
            stored = {
                r.id: r
                for r in connection.execute(
                    select(transactions).where(transactions.c.id.in_(result.transaction_ids))
                )
            }
        for tx_id, (_, expected) in zip(result.transaction_ids, batch, strict=True):
            assert expected is not None
            model = replace(expected, id=tx_id)
            row = stored[tx_id]
            assert (row.customer_id, row.kind, row.type, row.amount) == (
                model.customer_id,
                model.kind,
                model.type,
                model.amount,
            )
            assert row.state in (POSTED if model.status == "posted" else (model.status,)), row
            customer = next(c for c in self.customers if c.id == model.customer_id)
            customer.txs[tx_id] = model
            if model.status == "posted":
                customer.balance += model.signed
            elif model.status == "pending":
                customer.awaiting += model.signed

    def _import_row(
        self,
        pick: int,
        what: str,
        debit: bool,
        type_pick: int,
        minor: int,
        quantity: Decimal,
        tax_rate: Decimal,
        back: int,
        ahead: int,
    ) -> tuple[ImportRow, Tx | None]:
        """A row as the API's line or payment body takes it, and the transaction expected."""
        customer = self._customer(pick)
        day = self.on - timedelta(days=back)
        if what in ("payment", "pending payment"):
            pending = what == "pending payment"
            values: dict[str, object] = {
                "amount": str(self._amount(customer, minor)),
                "method": "sepa_debit" if pending else "bank_transfer",
                "date": day.isoformat(),
                "status": "pending" if pending else "confirmed",
            }
            status = "pending" if pending else "posted"
            expected = Tx(0, customer.id, "credit", "payment", minor, status)
            return ImportRow(customer.id, RowKind.PAYMENT, values), expected
        unbilled = what == "unbilled line"
        types = DEBIT_LINE_TYPES if debit else CREDIT_LINE_TYPES
        tx_type = types[type_pick % len(types)]
        if unbilled:  # as `add_unbilled_line`: one unit, so an edit of the price sets it
            quantity = Decimal(1)
            day = self.on + timedelta(days=ahead)
        price = self._amount(customer, minor)
        net = _round(quantity * price, customer.currency)
        gross = net + _round(net * tax_rate / 100, customer.currency)
        values = {
            "kind": "debit" if debit else "credit",
            "type": tx_type,
            "label": f"imported {tx_type}",
            "date": day.isoformat(),
            "unit_price": str(price),
            "quantity": str(quantity),
            "tax_rate": str(tax_rate),
            "bill_on_next_invoice": unbilled,
        }
        status = "unbilled" if unbilled else "posted"
        kind = "debit" if debit else "credit"
        gross_minor = _minor(gross, customer.currency)
        expected = Tx(0, customer.id, kind, tx_type, gross_minor, status)
        if unbilled:
            expected.day, expected.rate = day, tax_rate
        return ImportRow(customer.id, RowKind.LINE, values), expected

    def _count(self, table: Any) -> int:
        with self.container.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    # -- invoices, proformas and credit notes -----------------------------------------------

    def _doc(self, pick: int, live: bool = False) -> Doc:
        """A document the test issued; `live`: an issued invoice with something left to
        credit, when there is one."""
        docs = list(self.docs.values())
        if live:
            docs = [
                d
                for d in docs
                if d.type != "proforma" and d.state == "issued" and d.total > d.credited
            ] or docs
        return docs[pick % len(docs)]

    def _row(self, tx_id: int) -> Any:
        with self.container.engine.connect() as connection:
            return connection.execute(select(transactions).where(transactions.c.id == tx_id)).one()

    def _reversal_of(self, tx_id: int) -> int:
        with self.container.engine.connect() as connection:
            return int(
                connection.execute(
                    select(transactions.c.id).where(transactions.c.reverses_id == tx_id)
                ).scalar_one()
            )

    def _items(self, customer: CustomerModel, drawn: dict[str, Any]) -> list[Any]:
        """Typed items as a user sends them, each with its gross in minor units; a discount
        is one more item of a negative price."""
        typed = []
        for item in drawn["items"]:
            price = self._amount(customer, item["minor"])
            body = {
                "description": "typed item",
                "quantity": str(item["quantity"]),
                "unit_price": str(price),
                "tax_rate": str(item["tax_rate"]),
            }
            typed.append(
                (body, self._gross(customer, item["minor"], item["quantity"], item["tax_rate"]))
            )
        discount = sum(g for _, g in typed) * (drawn["discount"] or 0) // 100
        if discount:
            price = str(-self._amount(customer, discount))
            typed.append(({"description": "discount", "unit_price": price}, -discount))
        return typed

    def _compose(
        self, customer: CustomerModel, typed_total: int, day: date
    ) -> tuple[int, list[Tx], tuple[Tx, int] | None] | None:
        """SPEC §5 by hand: typed items and debit lines dated up to `day`, then credit lines
        oldest first while the total stays ≥ 0, the one that would go below split. None when
        the typed items and debit lines are below zero."""
        lines = sorted(
            (t for t in customer.txs.values() if t.status == "unbilled" and t.day <= day),
            key=lambda t: (t.day, t.id),
        )
        debits = [t for t in lines if t.kind == "debit"]
        total = typed_total + sum(t.amount for t in debits)
        if total < 0:
            return None
        billed = list(debits)
        split = None
        for line in (t for t in lines if t.kind == "credit"):
            if line.amount <= total:
                billed.append(line)
                total -= line.amount
                continue
            if total > 0:
                split = (line, total)
                total = 0
            break
        return total, billed, split

    def _posted_invoice(self, customer: CustomerModel, doc: Any) -> None:
        """Book the invoice's transaction in the model (none for a zero invoice)."""
        total = _minor(doc.total.amount, customer.currency)
        if total == 0:
            assert doc.transaction_id is None
            return
        row = self._row(doc.transaction_id)
        assert (row.kind, row.type, row.amount, row.invoice_id) == (
            "debit",
            "invoice",
            total,
            doc.id,
        )
        customer.txs[row.id] = Tx(row.id, customer.id, "debit", "invoice", total, "posted")
        customer.balance += total

    def _cancelled_invoice(self, customer: CustomerModel, tx_id: int) -> None:
        """Book the reversal that cancels an invoice's transaction (a void or an edit)."""
        original = customer.txs[tx_id]
        reversal = self._reversal_of(tx_id)
        original.reversed = True
        customer.txs[reversal] = Tx(
            reversal, customer.id, "credit", "adjustment", original.amount, "posted", True
        )
        customer.balance -= original.amount

    @rule(
        pick=st.integers(0, 2),
        items=ITEMS,
        include=st.sampled_from((True, True, False)),
        back=st.integers(0, 5),
        recurring=st.booleans(),
        with_services=st.sampled_from((True, True, False)),
    )
    def issue_invoice(
        self,
        pick: int,
        items: dict[str, Any],
        include: bool,
        back: int,
        recurring: bool,
        with_services: bool = True,
    ) -> None:
        """Issue an invoice of typed items and/or the unbilled lines up to its date; a
        recurring one also bills the services as a run would on its date (unless told not
        to). Refused when there is nothing to bill or the typed items, services and debit
        lines are below zero."""
        customer = self._customer(pick)
        day = self.on - timedelta(days=back)
        typed = self._items(customer, items)
        values: dict[str, Any] = {
            "type": "recurring" if recurring else "one_time",
            "date": day.isoformat(),
            "items": [body for body, _ in typed],
            "include_unbilled": include,
        }
        due = []
        if recurring and not with_services:
            values["include_services"] = False
        elif recurring:  # the default of a recurring invoice
            due = self._service_lines(customer, day)
        typed_total = sum(g for _, g in typed) + sum(g for *_, g in due)
        if include:
            planned = self._compose(customer, typed_total, day)
        else:
            planned = (typed_total, [], None) if typed_total >= 0 else None

        def action(uow: Any) -> Any:
            return billing.create_invoice(uow, customer.id, values, on=self.on)

        count = 0 if planned is None else len(planned[1]) + (planned[2] is not None)
        if planned is None or count + len(typed) + len(due) == 0:
            self._refused(action, InvalidInput)
            return
        total, billed, split = planned
        doc = self._call(action)
        assert _minor(doc.total.amount, customer.currency) == total
        expected_lines = [t.id for t in billed] + ([split[0].id] if split else [])
        kept = [None] * (len(due) + len(typed))
        assert [i.transaction_id for i in doc.items] == kept + expected_lines
        assert [i.service_id for i in doc.items[: len(due)]] == [s.id for s, *_ in due]
        self._invoiced(customer, doc, due, billed, split)
        self.docs[doc.id] = Doc(
            doc.id,
            customer.id,
            doc.type.value,
            total,
            day,
            doc.transaction_id,
            typed_total=sum(g for _, g in typed),
        )

    def _invoiced(
        self,
        customer: CustomerModel,
        doc: Any,
        due: list[tuple[Svc, date, date, int]],
        billed: list[Tx],
        split: tuple[Tx, int] | None,
    ) -> None:
        """The model after an invoice is issued: its transaction, the lines it billed (a
        split credit line leaves its remainder unbilled) and its services' days."""
        self._posted_invoice(customer, doc)
        for line in billed:
            line.status, line.invoice_id = "billed", doc.id
        if split is not None:
            line, part = split
            rest = self._remainder_of(line.id)
            assert rest.amount == line.amount - part, rest
            customer.txs[rest.id] = Tx(
                rest.id,
                customer.id,
                "credit",
                line.type,
                rest.amount,
                "unbilled",
                day=line.day,
                rate=line.rate,
                service_id=line.service_id,
                gave_back_of=line.gave_back_of,
            )
            line.amount, line.status, line.invoice_id = part, "billed", doc.id
        self._charged(due, doc.id)

    @rule(
        pick=st.integers(0, 2),
        debit=st.integers(1, 20_000),
        credits=st.lists(st.integers(1, 30_000), min_size=1, max_size=3),
        tax_rate=st.sampled_from(TAX_RATES),
    )
    def bill_credit_lines(
        self, pick: int, debit: int, credits: list[int], tax_rate: Decimal
    ) -> None:
        """A debit line and credit lines dated today, then an invoice of the unbilled lines:
        the credit line that would take it below zero is split."""
        self.add_unbilled_line(pick, True, debit, 0, tax_rate)
        for minor in credits:
            self.add_unbilled_line(pick, False, minor, 0, tax_rate)
        self.issue_invoice(pick, {"items": [], "discount": None}, True, 0, False)

    def _remainder_of(self, line_id: int) -> Any:
        with self.container.engine.connect() as connection:
            return connection.execute(
                select(transactions)
                .where(transactions.c.related_id == line_id, transactions.c.state == "unbilled")
                .order_by(transactions.c.id.desc())
                .limit(1)
            ).one()

    @rule(pick=st.integers(0, 2), items=TYPED, back=st.integers(0, 5))
    def issue_proforma(self, pick: int, items: dict[str, Any], back: int) -> None:
        """A proforma: its own numbers, nothing posted."""
        customer = self._customer(pick)
        day = self.on - timedelta(days=back)
        typed = self._items(customer, items)
        total = sum(g for _, g in typed)
        values = {"type": "proforma", "date": day.isoformat(), "items": [b for b, _ in typed]}

        def action(uow: Any) -> Any:
            return billing.create_invoice(uow, customer.id, values, on=self.on)

        if not typed or total < 0:
            self._refused(action, InvalidInput)
            return
        doc = self._call(action)
        assert doc.transaction_id is None
        assert _minor(doc.total.amount, customer.currency) == total
        self.docs[doc.id] = Doc(
            doc.id, customer.id, "proforma", total, day, None, typed_total=total
        )

    @precondition(lambda self: self.docs)
    @rule(pick=st.integers(0, 10**6), proforma=st.booleans())
    def convert_proforma(self, pick: int, proforma: bool) -> None:
        """Convert a proforma into an invoice; anything else, or twice, is refused."""
        issued = [d for d in self.docs.values() if d.type == "proforma" and d.state == "issued"]
        doc = issued[pick % len(issued)] if proforma and issued else self._doc(pick)
        customer = self._customer_of(doc.customer_id)

        def action(uow: Any) -> Any:
            return billing.convert_proforma(uow, doc.id, {}, on=self.on)

        if doc.type != "proforma" or doc.state != "issued":
            self._refused(action, InvalidState)
            return
        invoice = self._call(action)
        assert invoice.converted_from == doc.id
        assert _minor(invoice.total.amount, customer.currency) == doc.total
        doc.state = "converted"
        self._posted_invoice(customer, invoice)
        self.docs[invoice.id] = Doc(
            invoice.id,
            customer.id,
            "one_time",
            doc.total,
            self.on,
            invoice.transaction_id,
            typed_total=doc.total,
        )

    def _doc_of_type(self, doc_type: str, pick: int) -> Doc:
        docs = [d for d in self.docs.values() if d.type == doc_type]
        return docs[pick % len(docs)]

    def _customer_of(self, customer_id: int) -> CustomerModel:
        return next(c for c in self.customers if c.id == customer_id)

    def _pending_for(self, doc: Doc) -> bool:
        customer = self._customer_of(doc.customer_id)
        return any(
            t.type == "payment" and t.status == "pending" and t.invoice_id == doc.id
            for t in customer.txs.values()
        )

    def _open_of(self, doc: Doc) -> int | None:
        """What is open on the invoice's transaction (None without one)."""
        return None if doc.tx_id is None else int(self._row(doc.tx_id).open_amount)

    @precondition(lambda self: self.docs)
    @rule(
        pick=st.integers(0, 10**6),
        share=st.integers(1, 150),
        pending=st.booleans(),
        back=st.integers(0, 5),
        live=st.booleans(),
    )
    def pay_invoice(self, pick: int, share: int, pending: bool, back: int, live: bool) -> None:
        """A payment naming an invoice: refused unless it is an issued, open invoice; with
        automatic settlement it pays that invoice first."""
        doc = self._doc(pick, live)
        customer = self._customer_of(doc.customer_id)
        open_before = self._open_of(doc)
        payable = doc.type != "proforma" and doc.state == "issued" and bool(open_before)
        minor = max(1, (open_before or doc.total) * share // 100)
        values = {
            "amount": str(self._amount(customer, minor)),
            "method": "sepa_debit" if pending else "bank_transfer",
            "date": (self.on - timedelta(days=back)).isoformat(),
            "status": "pending" if pending else "confirmed",
            "invoice_id": doc.id,
        }

        def action(uow: Any) -> Any:
            return settlement.record_payment(uow, customer.id, values, on=self.on)

        if not payable:
            self._refused(action, InvalidInput)
            return
        assert open_before is not None
        tx = self._call(action)
        model = Tx(
            tx.id,
            customer.id,
            "credit",
            "payment",
            minor,
            "pending" if pending else "posted",
            invoice_id=doc.id,
        )
        customer.txs[tx.id] = model
        if pending:
            customer.awaiting += model.signed
            return
        customer.balance += model.signed
        if customer.auto:
            assert self._open_of(doc) == max(0, open_before - minor)

    @precondition(lambda self: self.docs)
    @rule(
        pick=st.integers(0, 10**6),
        share=st.integers(1, 130),
        by_items=st.booleans(),
        tax_rate=st.sampled_from(TAX_RATES),
        live=st.booleans(),
    )
    def issue_credit_note(
        self, pick: int, share: int, by_items: bool, tax_rate: Decimal, live: bool
    ) -> None:
        """Credit a share (in %) of what is left to credit; above 100 % must be refused."""
        doc = self._doc(pick, live)
        customer = self._customer_of(doc.customer_id)
        left = doc.total - doc.credited
        minor = max(1, left * share // 100)
        values: dict[str, Any] = {"reason": "goodwill"}
        if by_items:
            price = self._amount(customer, minor)
            gross = self._gross(customer, minor, Decimal(1), tax_rate)
            values["items"] = [
                {"description": "credit", "unit_price": str(price), "tax_rate": str(tax_rate)}
            ]
        else:
            gross = minor
            values["amount"] = str(self._amount(customer, minor))

        def action(uow: Any) -> Any:
            return billing.issue_credit_note(uow, doc.id, values, on=self.on)

        if doc.type == "proforma" or doc.state != "issued" or gross > left:
            self._refused(action, InvalidState)
            return
        open_before = self._open_of(doc)
        note = self._call(action)
        assert note.credit_of == doc.id
        assert _minor(note.total.amount, customer.currency) == gross
        row = self._row(note.transaction_id)
        assert (row.kind, row.type, row.amount) == ("credit", "credit_note", gross)
        customer.txs[row.id] = Tx(row.id, customer.id, "credit", "credit_note", gross, "posted")
        customer.balance -= gross
        doc.credited += gross
        if open_before is not None:  # it settles its own invoice first
            assert self._open_of(doc) == max(0, open_before - gross)

    @precondition(lambda self: self.docs)
    @rule(
        pick=st.integers(0, 10**6),
        items=TYPED,
        what=st.sampled_from(("note", "items", "both")),
        live=st.booleans(),
    )
    def edit_invoice(self, pick: int, items: dict[str, Any], what: str, live: bool) -> None:
        """Change the note and/or the typed items; items may change only while nothing is
        settled (an invoice of zero is paid from the start), nothing may change on a void or
        converted document. A refused edit changes nothing."""
        doc = self._doc(pick, live)
        customer = self._customer_of(doc.customer_id)
        typed = self._items(customer, items)
        changes: dict[str, Any] = {}
        if what in ("note", "both"):
            changes["note"] = f"edited on {self.on.isoformat()}"
        if what in ("items", "both"):
            changes["items"] = [body for body, _ in typed]
        new_total = doc.total - doc.typed_total + sum(g for _, g in typed)
        open_amount = self._open_of(doc)
        settled = open_amount is not None and open_amount < doc.total
        zero = doc.type != "proforma" and doc.tx_id is None  # an invoice of zero is paid

        def action(uow: Any) -> Any:
            return update_invoice(uow, doc.id, changes, on=self.on)

        if doc.state != "issued" or ("items" in changes and (settled or zero)):
            self._refused(action, NotEditable)
            return
        if "items" in changes and new_total < 0:
            self._refused(action, InvalidInput)
            return
        edited = self._call(action)
        if "note" in changes:
            assert edited.note == changes["note"]
        if "items" not in changes:
            assert edited.transaction_id == doc.tx_id
            return
        assert _minor(edited.total.amount, customer.currency) == new_total
        self._reposted(doc, edited, sum(g for _, g in typed))

    def _reposted(self, doc: Doc, edited: Any, typed_total: int) -> None:
        """The model after an edit of the items: an invoice's transaction, if it changed, is
        cancelled by a reversal and the new total posted."""
        customer = self._customer_of(doc.customer_id)
        if edited.transaction_id != doc.tx_id or (
            doc.tx_id is not None and self._has_reversal(doc.tx_id)
        ):
            if doc.tx_id is not None:
                self._cancelled_invoice(customer, doc.tx_id)
            if doc.type != "proforma":
                self._posted_invoice(customer, edited)
        doc.typed_total, doc.tx_id = typed_total, edited.transaction_id
        doc.total = _minor(edited.total.amount, customer.currency)

    def _has_reversal(self, tx_id: int) -> bool:
        with self.container.engine.connect() as connection:
            found = connection.execute(
                select(func.count()).where(transactions.c.reverses_id == tx_id)
            ).scalar_one()
        return bool(found)

    def _void_refused(self, doc: Doc) -> bool:
        """Refused once anything is settled or credited, with a pending payment naming it,
        or when a later invoice bills days of one of its services (only a service's latest
        days can go back to be billed again)."""
        if doc.state != "issued" or doc.credited or self._pending_for(doc):
            return True
        for svc in self._customer_of(doc.customer_id).services.values():
            if any(c.last != svc.billed_through for c in svc.charges if c.doc_id == doc.id):
                return True
        open_amount = self._open_of(doc)
        return open_amount is not None and open_amount < doc.total

    def _voided(self, doc: Doc) -> None:
        """The model after a void: the transaction reversed, the lines back to unbilled, the
        services' days released (a service whose last billing it was is billed up to the
        day before again)."""
        customer = self._customer_of(doc.customer_id)
        if doc.tx_id is not None:
            self._cancelled_invoice(customer, doc.tx_id)
        for line in customer.txs.values():
            if line.status == "billed" and line.invoice_id == doc.id:
                line.status, line.invoice_id = "unbilled", None
        for svc in customer.services.values():
            for charge in [c for c in svc.charges if c.doc_id == doc.id]:
                svc.charges.remove(charge)
                if svc.billed_through == charge.last:
                    back = charge.first - timedelta(days=1)
                    svc.billed_through = None if back < svc.start else back
        doc.state = "void"
        # A released charge's days are billed again later: the void may cancel the credit
        # lines that gave some of them back (invariant 6 checks that no day is credited
        # without being billed).
        for line in customer.txs.values():
            given_back = line.service_id is not None and line.status == "unbilled"
            if given_back and self._row(line.id).state == "void":
                line.status = "cancelled"

    @precondition(lambda self: self.docs)
    @rule(pick=st.integers(0, 10**6))
    def void_invoice(self, pick: int) -> None:
        """Void while nothing is settled and no credit note or pending payment names it."""
        doc = self._doc(pick)

        def action(uow: Any) -> Any:
            return billing.void_invoice(uow, doc.id, {"reason": "mistake"}, on=self.on)

        if self._void_refused(doc):
            self._refused(action, InvalidState)
            return
        voided = self._void(doc, action)
        if voided is not None:
            assert voided.state.value == "void"

    @precondition(lambda self: any(d.type == "recurring" for d in self.docs.values()))
    @rule(pick=st.integers(0, 10**6))
    def cancel_last_recurring(self, pick: int) -> None:
        """Void the customer's latest recurring invoice, refused as a void would be."""
        customer = self._customer_of(self._doc_of_type("recurring", pick).customer_id)
        recurring = [
            d
            for d in self.docs.values()
            if d.customer_id == customer.id and d.type == "recurring" and d.state == "issued"
        ]
        last = max(recurring, key=lambda d: (d.day, d.id), default=None)

        def action(uow: Any) -> Any:
            return billing.cancel_last_recurring(uow, customer.id, {}, on=self.on)

        if last is None or self._void_refused(last):
            self._refused(action, InvalidState)
            return
        voided = self._void(last, action)
        if voided is not None:
            assert voided.id == last.id

    def _void(self, doc: Doc, action: Callable[[Any], Any]) -> Any:
        """Void a document the model lets go, and move the model on. Some of its service
        days may have been given back by a credit line that another invoice has billed
        since: the void may then be refused (that credit can no longer be withdrawn)."""
        customer = self._customer_of(doc.customer_id)
        credited = any(
            t.gave_back_of == doc.id and t.status == "billed" for t in customer.txs.values()
        )
        before = self._fingerprint() if credited else None
        try:
            voided = self._call(action)
        except InvalidState:
            if not credited:
                raise
            assert self._fingerprint() == before
            return None
        self._voided(doc)
        return voided

    # -- services and billing runs (SPEC §8) ------------------------------------------------

    def _services(self) -> list[Svc]:
        return [s for c in self.customers for s in c.services.values()]

    def _service_lines(
        self, customer: CustomerModel, day: date
    ) -> list[tuple[Svc, date, date, int]]:
        """What a recurring invoice dated `day` bills of each service, by service id: its
        first unbilled day to the end of the period holding `day` (in advance), capped at its
        end; with the gross of those days."""
        _, through = _period(day, customer.billing_day)
        due = []
        for svc in sorted(customer.services.values(), key=lambda s: s.id):
            first = svc.next_day()
            last = through if svc.end is None else min(through, svc.end)
            if first > last:
                continue
            net = _worth(
                svc.price, svc.quantity, first, last, customer.billing_day, customer.currency
            )
            due.append((svc, first, last, _with_tax(net, svc.rate, customer.currency)))
        return due

    @staticmethod
    def _charged(due: list[tuple[Svc, date, date, int]], doc_id: int | None) -> None:
        """Each service billed through the end of its line, with the charge kept."""
        for svc, first, last, _ in due:
            svc.charges.append(Billed(first, last, doc_id, svc.price, svc.quantity, svc.rate))
            svc.billed_through = last

    @rule(
        pick=st.integers(0, 2),
        minor=st.integers(0, 40_000),
        fine=st.booleans(),
        quantity=st.sampled_from(QUANTITIES),
        tax_rate=st.sampled_from(TAX_RATES),
        start=st.integers(-20, 20),
        length=st.one_of(st.none(), st.none(), st.integers(0, 60)),
    )
    def add_service(
        self,
        pick: int,
        minor: int,
        fine: bool,
        quantity: Decimal,
        tax_rate: Decimal,
        start: int,
        length: int | None,
    ) -> None:
        """A service from near today, sometimes with an end; `fine`: a price with 4
        decimals (a fraction of a yen for JPY)."""
        customer = self._customer(pick)
        price = Decimal(minor).scaleb(-4) if fine else self._amount(customer, minor)
        first = self.on + timedelta(days=start)
        end = None if length is None else first + timedelta(days=length)
        values: dict[str, Any] = {
            "description": "Fibre",
            "unit_price": str(price),
            "quantity": str(quantity),
            "tax_rate": str(tax_rate),
            "start_date": first.isoformat(),
        }
        if end is not None:
            values["end_date"] = end.isoformat()
        made = self._call(
            lambda uow: subscriptions.add_service(uow, customer.id, values, on=self.on)
        )
        assert (made.unit_price, made.quantity, made.tax_rate) == (price, quantity, tax_rate)
        assert (made.start_date, made.end_date, made.billed_through) == (first, end, None)
        customer.services[made.id] = Svc(
            made.id, customer.id, price, quantity, tax_rate, first, end
        )

    @precondition(lambda self: self._services())
    @rule(pick=st.integers(0, 10**6), offset=st.one_of(st.none(), st.integers(-30, 30)))
    def end_service(self, pick: int, offset: int | None) -> None:
        """Set a service's end near today (before its start: refused), or clear it. An end
        inside days already billed gives them back: one unbilled credit line per charge, at
        the price billed, dated the day after the end."""
        found = self._services()
        svc = found[pick % len(found)]
        customer = self._customer_of(svc.customer_id)
        end = None if offset is None else self.on + timedelta(days=offset)
        changes = {"end_date": None if end is None else end.isoformat()}

        def action(uow: Any) -> Any:
            return subscriptions.update_service(uow, svc.id, changes, on=self.on)

        if end is not None and end < svc.start:
            self._refused(action, InvalidInput)
            return
        saved = self._call(action)
        if end is not None and svc.billed_through is not None and end < svc.billed_through:
            self._give_back(customer, svc, end)
        svc.end = end
        assert (saved.end_date, saved.billed_through) == (end, svc.billed_through)

    @precondition(lambda self: self._billed_ahead())
    @rule(pick=st.integers(0, 10**6), share=st.integers(0, 99))
    def end_inside_billed_days(self, pick: int, share: int) -> None:
        """End a service on a day it is already billed for (in advance): a share (in %) of
        the way from today, or its start if later, to the last day billed."""
        found = self._billed_ahead()
        svc = found[pick % len(found)]
        assert svc.billed_through is not None
        first = max(svc.start, self.on)
        end = first + timedelta(days=(svc.billed_through - first).days * share // 100)
        self.end_service(pick=self._services().index(svc), offset=(end - self.on).days)

    def _billed_ahead(self) -> list[Svc]:
        """Services billed beyond today (and beyond their start)."""
        return [
            s
            for s in self._services()
            if s.billed_through is not None and s.billed_through > max(s.start, self.on)
        ]

    def _give_back(self, customer: CustomerModel, svc: Svc, end: date) -> None:
        """The credit lines for the billed days after `end`, and the charges cut at `end`."""
        assert svc.billed_through is not None
        expected = []
        for charge in sorted(svc.charges, key=lambda c: c.first):
            first = max(end + timedelta(days=1), charge.first)
            last = min(svc.billed_through, charge.last)
            if first > last:
                continue
            net = _worth(
                charge.price, charge.quantity, first, last, customer.billing_day, customer.currency
            )
            if net:
                gross = _with_tax(net, charge.rate, customer.currency)
                expected.append((gross, charge.rate, charge.doc_id))
        with self.container.engine.connect() as connection:
            made = connection.execute(
                select(transactions)
                .where(
                    transactions.c.customer_id == customer.id,
                    transactions.c.reference == f"service {svc.id}",
                    transactions.c.id.not_in(list(customer.txs) or [0]),
                )
                .order_by(transactions.c.id)
            ).all()
        day = end + timedelta(days=1)
        assert [(r.kind, r.type, r.state, r.date, r.amount) for r in made] == [
            ("credit", "adjustment", "unbilled", day, gross) for gross, *_ in expected
        ]
        for row, (gross, rate, doc_id) in zip(made, expected, strict=True):
            customer.txs[row.id] = Tx(
                row.id,
                customer.id,
                "credit",
                "adjustment",
                gross,
                "unbilled",
                day=day,
                rate=rate,
                service_id=svc.id,
                gave_back_of=doc_id,
            )
        svc.charges = [c for c in svc.charges if c.first <= end]
        for charge in svc.charges:
            charge.last = min(charge.last, end)
        svc.billed_through = end

    @rule(
        pick=st.integers(0, 2),
        minor=st.integers(1, 40_000),
        quantity=st.sampled_from(QUANTITIES),
        tax_rate=st.sampled_from(TAX_RATES),
        start=st.integers(-20, 20),
    )
    def subscribe_and_bill(
        self, pick: int, minor: int, quantity: Decimal, tax_rate: Decimal, start: int
    ) -> None:
        """A new service, then the run of the customer's next billing day."""
        self.add_service(pick, minor, False, quantity, tax_rate, start, None)
        self.run_billing_day(pick, True)

    @rule(pick=st.integers(0, 2), jump=st.booleans())
    def run_billing_day(self, pick: int, jump: bool) -> None:
        """The billing run of today (`jump`: first let the days pass, each with its daily
        cycle, up to the next billing day of a customer with services: that day's cycle
        makes its run). On a customer's billing day it bills every service through the end
        of the period in advance, with the unbilled lines up to today, or skips the customer
        (an inactive customer is not billed at all); a second run of a date bills nothing
        more."""
        if jump:
            subscribed = [c for c in self.customers if c.services] or self.customers
            target = subscribed[pick % len(subscribed)].billing_day
            day = self.on + ONE_DAY
            while day.day != target:
                day += ONE_DAY
            self._advance_to(day)
        day = self.on
        plans, before = self._plans(day)
        run = run_billing(self.container, {"date": day.isoformat()}, actor="property test", on=day)
        assert (run.date, run.status.value) == (day, "completed")
        self._check_run(run.id, day, plans, before)

    def _plans(self, day: date) -> tuple[dict[int, tuple[Any, ...]], tuple[Any, ...] | None]:
        """What the run of `day` will do per customer, or (a second run) the rows it must
        leave alone."""
        if day in self.run_days:
            return {}, self._fingerprint_of((documents, service_charges, services))
        plans = {
            c.id: self._plan_run(c, day)
            for c in self.customers
            if c.billing_day == day.day and c.status != "inactive"
        }
        return plans, None

    def _check_run(
        self,
        run_id: int,
        day: date,
        plans: dict[int, tuple[Any, ...]],
        before: tuple[Any, ...] | None,
    ) -> None:
        """Check a run's outcomes against the plans and move the model on."""
        self.run_days.add(day)
        with self.container.uow(actor="property test", write=False) as uow:
            outcomes = {o.customer_id: o for o in uow.runs.outcomes(run_id)}
            progress = uow.runs.progress(run_id)
            issued = {
                o.customer_id: billing.get_document(uow, o.document_id)
                for o in outcomes.values()
                if o.document_id is not None
            }
        assert progress.total == progress.done == len(outcomes)
        assert progress.counts == dict(Counter(o.outcome.value for o in outcomes.values()))
        if before is not None:
            assert self._fingerprint_of((documents, service_charges, services)) == before
            return
        assert set(outcomes) == set(plans)
        for customer_id, plan in plans.items():
            self._ran(self._customer_of(customer_id), plan, outcomes[customer_id], issued)

    def _plan_run(self, customer: CustomerModel, day: date) -> tuple[Any, ...]:
        """What the run of `day` does for a customer whose billing day it is: ("skipped",
        service lines covered without an invoice) or ("invoiced", service lines, total,
        billed lines, split line). An invoice of zero is skipped (skip_zero_invoices) unless
        it uses unbilled lines: skipping it would keep the credit while the days it paid for
        count as billed."""
        due = self._service_lines(customer, day)
        _, through = _period(day, customer.billing_day)
        active = bool(due) or any(
            s.start <= through and (s.end is None or s.end >= day)
            for s in customer.services.values()
        )
        waiting = [t for t in customer.txs.values() if t.status == "unbilled" and t.day <= day]
        if not active or (not due and not waiting):
            return ("skipped", [])
        planned = self._compose(customer, sum(g for *_, g in due), day)
        assert planned is not None  # services and debit lines are never below zero
        total, billed, split = planned
        if total == 0 and not billed and split is None:  # the days are covered all the same
            return ("skipped", due)
        return ("invoiced", due, total, billed, split)

    def _ran(
        self, customer: CustomerModel, plan: tuple[Any, ...], outcome: Any, issued: dict[int, Any]
    ) -> None:
        """Check one customer's outcome against the plan and move the model on."""
        kind, due = plan[0], plan[1]
        if kind == "skipped":
            assert (outcome.outcome.value, outcome.document_id) == ("skipped", None), outcome
            self._charged(due, None)
            return
        _, _, total, billed, split = plan
        assert outcome.outcome.value == "invoiced", outcome
        doc = issued[customer.id]
        assert (doc.type.value, doc.document_date) == ("recurring", self.on)
        assert _minor(doc.total.amount, customer.currency) == total
        assert [i.service_id for i in doc.items[: len(due)]] == [s.id for s, *_ in due]
        lines = [t.id for t in billed] + ([split[0].id] if split else [])
        assert [i.transaction_id for i in doc.items[len(due) :]] == lines
        self._invoiced(customer, doc, due, billed, split)
        self.docs[doc.id] = Doc(
            doc.id, customer.id, "recurring", total, self.on, doc.transaction_id
        )

    def _fingerprint_of(self, tables: tuple[Any, ...]) -> tuple[Any, ...]:
        with self.container.engine.connect() as connection:
            return tuple(
                tuple(connection.execute(select(table).order_by(*table.primary_key)).all())
                for table in tables
            )

    # -- the daily cycle and dunning (SPEC §9, §10) ------------------------------------------
    #
    # An independent model of SPEC §9 (with docs/DECISIONS.md, "Dunning"), from the rows: the
    # billing due date is the due date (document date + payment_due_days) of the oldest
    # invoice with something open; the block date is that + blocking_period_days + 1, moved
    # to the next day a block may fall on (or the operator's next block date, moved likewise,
    # until it passes); a customer with dunning on whose balance less the payments awaiting
    # confirmation is above its credit limit is blocked on or after the block date, and
    # active again as soon as that no longer holds; still blocked on the day it was first
    # blocked (for the invoice now due: a lifted block that comes back keeps its dates) +
    # deactivation_period_days, moved likewise, it becomes inactive for good.

    def _allowed(self, day: date) -> bool:
        """Whether a block or deactivation may fall on `day`."""
        if day.weekday() >= 5 and not self.block_on_weekends:
            return False
        return self.block_on_holidays or day not in self.holidays

    def _next_allowed(self, day: date) -> date:
        while not self._allowed(day):
            day += ONE_DAY
        return day

    def _owed(self) -> dict[int, Owed]:
        """Each customer's balance, payments awaiting confirmation and open invoices, from
        the rows; every invoice is due payment_due_days after its document date."""
        t, d = transactions.c, documents.c
        with self.container.engine.connect() as connection:
            rows = list(
                connection.execute(
                    select(
                        t.id, t.customer_id, t.kind, t.type, t.state, t.amount, t.open_amount
                    ).add_columns(t.invoice_id)
                )
            )
            docs = list(
                connection.execute(
                    select(d.id, d.customer_id, d.document_date, d.due_date, d.transaction_id)
                    .where(d.type.in_(("one_time", "recurring")), d.state == "issued")
                    .order_by(d.document_date, d.id)
                )
            )
        found = {c.id: Owed() for c in self.customers}
        named = set()
        for row in rows:
            owed = found[row.customer_id]
            if row.state in POSTED:
                owed.balance += row.amount if row.kind == "debit" else -row.amount
            elif row.state == "pending" and row.type == "payment":
                owed.pending += row.amount
                named.add(row.invoice_id)
        open_amounts = {r.id: r.open_amount for r in rows if r.state in POSTED}
        for doc in docs:
            customer = self._customer_of(doc.customer_id)
            assert doc.due_date == doc.document_date + timedelta(days=customer.terms.due_days)
            if open_amounts.get(doc.transaction_id, 0) > 0:
                due = Due(doc.id, doc.document_date, doc.due_date, doc.id in named)
                found[doc.customer_id].invoices.append(due)
        return found

    def _block_date(self, customer: CustomerModel, owed: Owed, day: date) -> date | None:
        """The block date in force on `day`."""
        if customer.next_block_date is not None:
            chosen = self._next_allowed(customer.next_block_date)
            if day <= chosen:
                return chosen
        due = owed.due_date()
        if due is None:
            return None
        return self._next_allowed(due + timedelta(days=customer.terms.blocking + 1))

    def _must_block(self, customer: CustomerModel, owed: Owed, day: date) -> bool:
        """SPEC §9: on or after the block date, a customer above its credit limit (payments
        awaiting confirmation counted as paid) is blocked, unless dunning is off for it."""
        if not customer.terms.dunning or owed.balance - owed.pending <= customer.terms.limit:
            return False
        when = self._block_date(customer, owed, day)
        return when is not None and day >= when

    def _deactivation_date(self, blocked_on: date, customer: CustomerModel) -> date:
        return self._next_allowed(blocked_on + timedelta(days=customer.terms.deactivation))

    @staticmethod
    def _first_blocked_on(customer: CustomerModel, owed: Owed) -> date | None:
        """The first day of the latest block, when it was for the invoice due now."""
        invoice = owed.due_invoice()
        if invoice is None or customer.blocked_for != invoice.id:
            return None
        return customer.blocked_on

    def _moved(self, customer: CustomerModel, status: str, day: date, owed: Owed) -> None:
        """The model after dunning changed a status on `day`. A block keeps the first day of
        the block before it for the same invoice, and uses up the operator's next block
        date."""
        if status == "blocked":
            invoice = owed.due_invoice()
            customer.blocked_on = self._first_blocked_on(customer, owed) or day
            customer.blocked_for = None if invoice is None else invoice.id
            customer.next_block_date = None
        customer.status = status
        customer.changes.append((STATUS_EVENTS[status], day))

    def _advance_to(self, target: date) -> None:
        """Let the days up to `target` pass, each with its daily cycle."""
        day = self.on
        while day < target:
            day += ONE_DAY
            self._cycle(day)
        self._check_calendars()

    def _cycle(self, day: date) -> None:
        """The daily cycle of `day` (SPEC §10): the billing run as the model plans it, the
        reminders due that day with their fees, then blocking, unblocking and deactivation,
        each checked right after the cycle."""
        self.on = day
        plans, before = self._plans(day)
        owed = self._owed()
        report = run_day(self.container, day, actor="property test")
        assert not report.already_done, report
        assert report.failed == {}, report
        assert report.run_id is not None
        self._check_run(report.run_id, day, plans, before)
        # The run's invoices are dated today: the ones due reminders are those open before.
        messages = self._messages_due(owed, day)
        self._reminded(day, messages, report.reminders, report.reminder_fees)
        owed = self._owed()
        done: dict[str, list[int]] = {status: [] for status in STATUS_EVENTS}
        for customer in self.customers:
            moves = self._review(customer, owed[customer.id], day)
            for status in moves:
                self._moved(customer, status, day, owed[customer.id])
            if moves:  # blocked and deactivated the same day: reported deactivated
                done[moves[-1]].append(customer.id)
        assert (report.blocked, report.unblocked, report.deactivated) == (
            done["blocked"],
            done["active"],
            done["inactive"],
        ), (day, report)
        self._check_statuses()

    def _review(self, customer: CustomerModel, owed: Owed, day: date) -> list[str]:
        """The statuses a customer goes through in the cycle of `day`: blocked when the rule
        holds, active again when it no longer does, inactive once still blocked on the
        deactivation date. Dunning never brings back an inactive customer."""
        if customer.status == "inactive":
            return []
        if not self._must_block(customer, owed, day):
            return ["active"] if customer.status == "blocked" else []
        if customer.status == "blocked":
            moves, blocked_on = [], customer.blocked_on
        else:
            moves, blocked_on = ["blocked"], self._first_blocked_on(customer, owed) or day
        assert blocked_on is not None
        if day >= self._deactivation_date(blocked_on, customer):
            moves.append("inactive")
        return moves

    def _messages_due(self, owed: dict[int, Owed], day: date) -> dict[int, list[tuple[int, int]]]:
        """SPEC §9: reminder k of an open invoice is due on its document date + offset k,
        unless a payment awaiting confirmation names it; one message per customer lists them
        all (none with dunning or reminders off, nor when the customer owes nothing once its
        credit and pending payments count: the model's balance includes today's run).
        Customer -> [(invoice, level)]."""
        found = {}
        for customer in self.customers:
            if not (customer.terms.dunning and customer.terms.reminders):
                continue
            if customer.balance - owed[customer.id].pending <= 0:
                continue
            lines = sorted(
                (invoice.id, level)
                for invoice in owed[customer.id].invoices
                if not invoice.named
                for level, offset in enumerate(REMINDER_OFFSETS, start=1)
                if invoice.day + timedelta(days=offset) == day
            )
            if lines:
                found[customer.id] = lines
        return found

    def _reminded(
        self, day: date, expected: dict[int, list[tuple[int, int]]], count: int, fees: int
    ) -> None:
        """The messages recorded on `day` are the ones due; each posts one fee, the highest of
        its levels' fees, as a collection cost (booked in the model)."""
        with self.container.engine.connect() as connection:
            sent = list(
                connection.execute(select(tables.reminders).where(tables.reminders.c.date == day))
            )
            lines = list(
                connection.execute(select(reminder_lines).where(reminder_lines.c.date == day))
            )
        listed: dict[int, list[tuple[int, int]]] = {}
        for line in lines:
            listed.setdefault(line.customer_id, []).append((line.invoice_id, line.level))
        assert {k: sorted(v) for k, v in listed.items()} == expected, day
        assert count == len(sent) == len(expected)
        posted = 0
        for message in sent:
            customer = self._customer_of(message.customer_id)
            levels = {level for _, level in expected[customer.id]}
            assert message.level == max(levels), message
            fees_of = [
                _minor(Decimal(f), customer.currency) for f in self.fees.get(customer.currency, [])
            ]
            fee = max((fees_of[k - 1] for k in levels if k <= len(fees_of)), default=0)
            if not fee:
                assert message.fee_transaction_id is None, message
                continue
            row = self._row(message.fee_transaction_id)
            assert (row.customer_id, row.kind, row.type, row.amount, row.date) == (
                customer.id,
                "debit",
                "collection_cost",
                fee,
                day,
            ), row
            customer.txs[row.id] = Tx(
                row.id, customer.id, "debit", "collection_cost", fee, "posted"
            )
            customer.balance += fee
            posted += 1
        assert fees == posted

    def _check_statuses(self) -> None:
        """Each customer's status is the model's, set by dunning once it changed it, and each
        change was told (event) on its day."""
        c, e = tables.customers.c, tables.events.c
        with self.container.engine.connect() as connection:
            rows = {r.id: r for r in connection.execute(select(c.id, c.status, c.status_by))}
            told = list(
                connection.execute(
                    select(e.customer_id, e.type, e.occurred_on)
                    .where(e.type.in_(list(STATUS_EVENTS.values())))
                    .order_by(e.id)
                )
            )
        for customer in self.customers:
            row = rows[customer.id]
            by = "dunning" if customer.changes else None
            assert (row.status, row.status_by) == (customer.status, by), (self.on, customer)
            mine = [(t.type, t.occurred_on) for t in told if t.customer_id == customer.id]
            assert mine == customer.changes, (self.on, customer)

    def _check_calendars(self) -> None:
        """The dunning calendar a user reads shows the model's dates: billing due date, next
        block date (an active customer with dunning on) and next deactivation date."""
        owed = self._owed()
        with self.container.uow(actor="property test", write=False) as uow:
            found = {c.id: dunning.get_calendar(uow, c.id, as_of=self.on) for c in self.customers}
        for customer in self.customers:
            calendar, mine = found[customer.id], owed[customer.id]
            block = deactivation = None
            if customer.terms.dunning and customer.status == "active":
                block = self._block_date(customer, mine, self.on)
                if block is not None:
                    start = self._first_blocked_on(customer, mine) or max(block, self.on)
                    deactivation = self._deactivation_date(start, customer)
            elif customer.terms.dunning and customer.status == "blocked":
                assert customer.blocked_on is not None
                deactivation = self._deactivation_date(customer.blocked_on, customer)
            assert (
                calendar.billing_due_date,
                calendar.next_block_date,
                calendar.next_deactivation_date,
            ) == (mine.due_date(), block, deactivation), (self.on, customer, mine)

    @rule(
        pick=st.integers(0, 2),
        items=TYPED,
        wait=st.integers(-1, 12),
        then=st.sampled_from(("nothing", "pays", "pays by direct debit", "direct debit fails")),
        beyond=st.integers(-2, 2),
    )
    def invoice_left_unpaid(
        self, pick: int, items: dict[str, Any], wait: int, then: str, beyond: int
    ) -> None:
        """A dunning story: an invoice of today, then the days up to its block date (as the
        model computes it once issued) + `wait`, each with its daily cycle (blocked on the
        block date when above the limit, deactivated some days later); then perhaps a payment
        down to the limit (`beyond`, see `pay_down_to_the_limit`), confirmed or awaiting
        confirmation, and perhaps the bank refusing it: the dates are in force again and the
        next day's cycle blocks again. The rules are checked after each part."""
        customer = self._customer(pick)
        self.issue_invoice(pick, items, False, 0, False)
        when = self._block_date(customer, self._owed()[customer.id], self.on)
        if when is None:
            return
        self._advance_to(when + timedelta(days=wait))
        if then == "nothing":
            return
        self.dunning_follows_the_rules()
        paid = self._pay_down(customer, beyond, then != "pays")
        if then != "direct debit fails" or paid is None:
            return
        self.dunning_follows_the_rules()
        self.fail(list(self._txs(lambda t: t.status == "pending")).index(paid), None)
        self.dunning_follows_the_rules()
        self._advance_to(self.on + ONE_DAY)

    @rule(pick=st.integers(0, 2), beyond=st.integers(-2, 2), pending=st.booleans())
    def pay_down_to_the_limit(self, pick: int, beyond: int, pending: bool) -> None:
        """A payment (confirmed, or awaiting confirmation) that brings what the customer owes
        to its credit limit give or take a minor unit or two (`beyond` > 0: still above it):
        a block dunning made is lifted at once exactly when the rule stops holding (checked
        after the step). A blocked customer pays first, when there is one."""
        blocked = [c for c in self.customers if c.status == "blocked"] or self.customers
        self._pay_down(blocked[pick % len(blocked)], beyond, pending)

    def _pay_down(self, customer: CustomerModel, beyond: int, pending: bool) -> Tx | None:
        """Pay what brings the customer `beyond` minor units above its limit (if it owes
        more than that)."""
        owed = self._owed()[customer.id]
        minor = owed.balance - owed.pending - customer.terms.limit - beyond
        if minor <= 0:
            return None
        self.pay(self.customers.index(customer), minor, pending, 0)
        return max(customer.txs.values(), key=lambda t: t.id)

    @rule(pick=st.integers(0, 2), ahead=st.one_of(st.none(), st.integers(-2, 40)))
    def move_block_date(self, pick: int, ahead: int | None) -> None:
        """An operator moves a customer's next block date (SPEC §9): from today on (a date
        before is refused first), never while it is blocked, once per billing period; null
        withdraws one that still applies."""
        customer = self._customer(pick)
        chosen = None if ahead is None else self.on + timedelta(days=ahead)
        values = {
            "date": None if chosen is None else chosen.isoformat(),
            "reason": "promised to pay",
        }

        def action(uow: Any) -> Any:
            return dunning.set_next_block_date(uow, customer.id, values, on=self.on)

        first, last = _period(self.on, customer.billing_day)
        set_on = customer.next_block_date_set_on
        if chosen is not None and chosen < self.on:
            self._refused(action, InvalidInput)
        elif customer.status == "blocked":
            self._refused(action, InvalidState)
        elif chosen is None:
            chosen_before = customer.next_block_date
            if chosen_before is None or self._next_allowed(chosen_before) < self.on:
                self._refused(action, InvalidState)
                return
            self._call(action)
            customer.next_block_date = None
        elif set_on is not None and first <= set_on <= last:
            self._refused(action, InvalidState)
        else:
            self._call(action)
            customer.next_block_date, customer.next_block_date_set_on = chosen, self.on
        self._check_calendars()

    # -- invariants -------------------------------------------------------------------------

    def _open_rows(self, customer_id: int) -> list[Any]:
        with self.container.engine.connect() as connection:
            return list(
                connection.execute(
                    select(transactions).where(
                        transactions.c.customer_id == customer_id,
                        transactions.c.state == "open",
                    )
                )
            )

    def _open_sides(self, customer_id: int) -> tuple[int, int]:
        rows = self._open_rows(customer_id)
        return (
            sum(1 for r in rows if r.kind == "debit"),
            sum(1 for r in rows if r.kind == "credit"),
        )

    @invariant()
    def dunning_follows_the_rules(self) -> None:
        """After any step, a block dunning made still holds by SPEC §9 today: a payment or
        credit that brings the customer within the rule lifts it at once, and nothing else
        changes a status between two daily cycles."""
        owed = self._owed()
        for customer in self.customers:
            mine = owed[customer.id]
            if customer.status == "blocked" and not self._must_block(customer, mine, self.on):
                self._moved(customer, "active", self.on, mine)
        self._check_statuses()

    @invariant()
    def ledger_invariants_hold(self) -> None:
        with self.container.engine.connect() as connection:
            rows = list(connection.execute(select(transactions)))
            links = list(connection.execute(select(allocations)))
            aggregates = {r.customer_id: r for r in connection.execute(select(customer_balances))}
        by_id = {r.id: r for r in rows}
        settled: dict[int, int] = dict.fromkeys(by_id, 0)
        for link in links:
            credit, debit = by_id[link.credit_id], by_id[link.debit_id]
            assert credit.kind == "credit"
            assert debit.kind == "debit"
            assert credit.customer_id == debit.customer_id == link.customer_id
            assert link.date >= max(credit.date, debit.date)
            settled[credit.id] += link.amount
            settled[debit.id] += link.amount
        for customer in self.customers:
            mine = [r for r in rows if r.customer_id == customer.id]
            posted = [r for r in mine if r.state in POSTED]
            for row in mine:
                if row.state in POSTED:
                    assert 0 <= row.open_amount <= row.amount, row  # invariant 2
                    assert (row.state == "closed") == (row.open_amount == 0), row
                    assert settled[row.id] == row.amount - row.open_amount, row  # invariant 3
                else:
                    assert settled[row.id] == 0, row
            signed = sum(r.amount if r.kind == "debit" else -r.amount for r in posted)
            signed_open = sum(
                r.open_amount if r.kind == "debit" else -r.open_amount for r in posted
            )
            aggregate = aggregates[customer.id]
            assert signed == signed_open == aggregate.balance == customer.balance  # invariant 1
            assert aggregate.debit == sum(r.open_amount for r in posted if r.kind == "debit")
            assert aggregate.credit == -sum(r.open_amount for r in posted if r.kind == "credit")
            pending = [r for r in mine if r.state == "pending"]
            awaiting = sum(r.amount if r.kind == "debit" else -r.amount for r in pending)
            assert aggregate.awaiting == awaiting == customer.awaiting
            self._check_unbilled(aggregate, [r for r in mine if r.state == "unbilled"])
            if customer.auto:
                assert not (aggregate.debit and aggregate.credit), "auto settlement left both open"
            self._check_past(customer, posted, links)

    @invariant()
    def invoice_invariants_hold(self) -> None:
        """SPEC §1 4–5 and §5: totals, open amounts, credit notes, numbers, billed lines."""
        with self.container.engine.connect() as connection:
            docs = {r.id: r for r in connection.execute(select(documents))}
            items = list(connection.execute(select(document_items)))
            rows = {r.id: r for r in connection.execute(select(transactions))}
            sequences = [r.last_value for r in connection.execute(select(numbering_sequences))]
        gross: dict[int, int] = {}
        lines_of: dict[int, set[int]] = {}
        for item in items:
            gross[item.document_id] = gross.get(item.document_id, 0) + item.gross
            if item.transaction_id is not None:
                lines_of.setdefault(item.document_id, set()).add(item.transaction_id)
        credited: dict[int, int] = {}
        for doc in docs.values():
            assert doc.total >= 0, doc  # invariant 4
            assert doc.net + doc.tax == doc.total, doc
            assert gross.get(doc.id, 0) == doc.total, doc
            if doc.type == "credit_note":
                credited[doc.credit_of] = credited.get(doc.credit_of, 0) + doc.total
                tx = rows[doc.transaction_id]
                assert (tx.kind, tx.type, tx.amount) == ("credit", "credit_note", doc.total)
            else:
                self._check_invoice(doc, rows)
        for invoice_id, total in credited.items():
            assert total <= docs[invoice_id].total, invoice_id
            assert total == self.docs[invoice_id].credited, invoice_id
        self._check_billed_lines(docs, rows, lines_of)
        counts = self._check_numbers([(d.type, d.number) for d in docs.values()])
        assert sorted(sequences) == sorted(counts)

    @invariant()
    def service_invariants_hold(self) -> None:
        """Invariant 6 (SPEC §1, §8), from the rows: charges never overlap, `billed_through`
        is where the last one ends (or the end date once days were given back), a charge
        names an issued invoice with a line for its days, and a service's issued lines less
        its given-back days are worth what its charges are (one rounding per line)."""
        with self.container.engine.connect() as connection:
            rows = {r.id: r for r in connection.execute(select(services))}
            charges = list(
                connection.execute(select(service_charges).order_by(service_charges.c.first_day))
            )
            docs = {r.id: r for r in connection.execute(select(documents))}
            items = list(
                connection.execute(
                    select(document_items).where(document_items.c.service_id.is_not(None))
                )
            )
            given = list(
                connection.execute(
                    select(transactions).where(
                        transactions.c.reference.like("service %"),
                        transactions.c.state.in_(("unbilled", "billed")),
                    )
                )
            )
        of: dict[int, list[Any]] = {}
        for charge in charges:
            of.setdefault(charge.service_id, []).append(charge)
        for customer in self.customers:
            for svc in customer.services.values():
                row, mine = rows[svc.id], of.get(svc.id, [])
                assert (row.start_date, row.end_date, row.billed_through) == (
                    svc.start,
                    svc.end,
                    svc.billed_through,
                ), (row, svc)
                assert [(c.first_day, c.last_day, c.document_id) for c in mine] == [
                    (c.first, c.last, c.doc_id) for c in sorted(svc.charges, key=lambda c: c.first)
                ], svc
                self._check_charges(row, mine, docs, items)
                self._check_worth(customer, row, mine, docs, items, given)

    @staticmethod
    def _check_charges(row: Any, mine: list[Any], docs: dict[int, Any], items: list[Any]) -> None:
        """A service's charges, oldest first: apart, within the service, ending where it is
        billed through, each on the line of an issued invoice (or on none)."""
        for before, after in itertools.pairwise(mine):
            assert before.last_day < after.first_day, mine  # no day billed twice
        if mine:
            assert row.billed_through in (mine[-1].last_day, row.end_date), (row, mine)
            assert row.billed_through >= mine[-1].last_day, (row, mine)
        else:
            assert row.billed_through in (None, row.end_date), row
        for charge in mine:
            assert row.start_date <= charge.first_day <= charge.last_day, (row, charge)
            if charge.document_id is None:
                continue
            doc = docs[charge.document_id]
            assert (doc.type, doc.state) == ("recurring", "issued"), (charge, doc)
            lines = [
                i
                for i in items
                if i.document_id == doc.id
                and i.service_id == row.id
                and i.period_start == charge.first_day
                and i.period_end >= charge.last_day
            ]
            assert len(lines) == 1, (charge, doc)

    @staticmethod
    def _check_worth(
        customer: CustomerModel,
        row: Any,
        mine: list[Any],
        docs: dict[int, Any],
        items: list[Any],
        given: list[Any],
    ) -> None:
        """What the issued invoices bill for the service, less the days it gave back, is
        what its charges are worth at their prices, to one minor unit per rounding."""
        billed = [
            i.net for i in items if i.service_id == row.id and docs[i.document_id].state == "issued"
        ]
        back = [-t.net for t in given if t.reference == f"service {row.id}"]
        worth = [
            _worth(
                Decimal(c.unit_price_e6).scaleb(-6),
                Decimal(c.quantity_e6).scaleb(-6),
                c.first_day,
                c.last_day,
                customer.billing_day,
                customer.currency,
            )
            for c in mine
        ]
        slack = len(billed) + len(back) + len(worth)
        assert abs(sum(billed) + sum(back) - sum(worth)) <= slack, (
            "the service's days are not billed exactly once",
            row,
            billed,
            back,
            [(c.first_day, c.last_day, c.document_id) for c in mine],
        )

    def _check_invoice(self, doc: Any, rows: dict[int, Any]) -> None:
        """An invoice or proforma as the model expects; an invoice's transaction carries its
        total and never has more open than that."""
        model = self.docs[doc.id]
        assert (doc.type, doc.state, doc.total) == (model.type, model.state, model.total)
        assert doc.transaction_id == model.tx_id, doc
        if doc.type == "proforma" or doc.total == 0:
            assert doc.transaction_id is None, doc
            return
        tx = rows[doc.transaction_id]
        assert (tx.kind, tx.type, tx.invoice_id) == ("debit", "invoice", doc.id), tx
        assert tx.amount == doc.total, (doc, tx)
        assert tx.open_amount <= doc.total, (doc, tx)  # invariant 4

    def _check_billed_lines(
        self, docs: dict[int, Any], rows: dict[int, Any], lines_of: dict[int, set[int]]
    ) -> None:
        """A billed line names an issued (not void) invoice that holds it as an item; lines
        are billed or waiting exactly as the model says."""
        for row in rows.values():
            if row.state == "billed":
                invoice = docs[row.invoice_id]
                assert invoice.state == "issued", (row, invoice)  # a void invoice has none
                assert invoice.type in ("one_time", "recurring"), row
                assert row.id in lines_of.get(invoice.id, set()), row
        for customer in self.customers:
            for line in customer.txs.values():
                if line.status in ("unbilled", "billed"):
                    row = rows[line.id]
                    assert (row.state, row.amount) == (line.status, line.amount), (line, row)
                    assert row.invoice_id == line.invoice_id, (line, row)

    @staticmethod
    def _check_numbers(numbered: list[tuple[str, str]]) -> list[int]:
        """Numbers are unique; each sequence (the rendering of the rest of the default
        format) holds exactly 1..n. Returns each sequence's n."""
        numbers = [number for _, number in numbered]
        assert len(numbers) == len(set(numbers)), "a number was given twice"
        sequences: dict[str, list[int]] = {}
        for doc_type, number in numbered:
            pattern = NUMBERS.get(doc_type, NUMBERS["invoice"])
            match = pattern.fullmatch(number)
            assert match is not None, (doc_type, number)
            sequences.setdefault(match.group(1), []).append(int(match.group(2)))
        for key, values in sequences.items():
            assert sorted(values) == list(range(1, len(values) + 1)), (key, sorted(values))
        return [len(values) for values in sequences.values()]

    @staticmethod
    def _check_unbilled(aggregate: Any, lines: list[Any]) -> None:
        assert aggregate.unbilled_count == len(lines)
        assert aggregate.unbilled_gross == sum(
            r.amount if r.kind == "debit" else -r.amount for r in lines
        )
        assert aggregate.unbilled_net == sum(r.net if r.kind == "debit" else -r.net for r in lines)
        assert aggregate.unbilled_first == (min(r.date for r in lines) if lines else None)
        assert aggregate.unbilled_last == (max(r.date for r in lines) if lines else None)

    def _check_past(self, customer: CustomerModel, posted: list[Any], links: list[Any]) -> None:
        """As-of answers agree with the rows dated up to that day; closed days never change."""
        for back in (0, 1, 3, 6):
            day = self.on - timedelta(days=back)
            with self.container.uow(actor="property test", write=False) as uow:
                answer = ledger.get_balance(uow, customer.id, as_of=day)
            figures = tuple(
                _minor(m.amount, customer.currency)
                for m in (answer.balance, answer.debit, answer.credit)
            )
            debit = credit = 0
            for row in (r for r in posted if r.date <= day):
                done = sum(
                    link.amount
                    for link in links
                    if link.date <= day and row.id in (link.credit_id, link.debit_id)
                )
                assert 0 <= done <= row.amount, (day, row)
                if row.kind == "debit":
                    debit += row.amount - done
                else:
                    credit -= row.amount - done
            assert figures == (debit + credit, debit, credit), day
            if back == 6:
                # Every operation from now on is dated within the last 5 days: day is closed.
                key = (customer.id, day)
                assert self.history.setdefault(key, figures) == figures


def _sqlite_containers(template: Path, folder: Path) -> Callable[[], Container]:
    counter = itertools.count()

    def fresh() -> Container:
        target = folder / f"run{next(counter)}.db"
        shutil.copyfile(template, target)
        return Container(Config(f"sqlite:///{target}"))

    return fresh


def _postgres_containers(url: str) -> Callable[[], Container]:
    names = ", ".join(t.name for t in metadata.sorted_tables)

    def fresh() -> Container:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return Container(Config(url), engine=engine)

    return fresh


@pytest.fixture
def machine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> type:
    if backend == "sqlite":
        LedgerMachine.fresh_container = _sqlite_containers(
            request.getfixturevalue("sqlite_template"), tmp_path
        )
    else:
        LedgerMachine.fresh_container = _postgres_containers(request.getfixturevalue("pg_url"))
    return LedgerMachine


def test_random_operations_keep_every_ledger_invariant(machine: type, backend: str) -> None:
    # Every simulated day runs the daily cycle (about 60 days an example): fewer examples keep
    # the run close to what it was before dunning.
    examples = 30 if backend == "sqlite" else 12
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=35,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    machine.TestCase().runTest()
