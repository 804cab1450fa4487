"""Random sequences of ledger and billing operations never break the invariants of SPEC §1.

A hypothesis state machine drives the service layer (the code under the API and the CLI) with
lines, unbilled lines, payments (confirmed, pending, confirmed later, failed with or without a
fee), refunds, chargebacks, reversals, manual allocations, settlement and bulk imports of lines
and payments, for customers in EUR and JPY with automatic settlement on or off; and with
invoices (typed items, discounts, unbilled lines with credit lines that get split), proformas
and their conversion, payments naming an invoice, credit notes (by items or amount, sometimes
more than is left), edits of the note or the items, voids and "cancel last recurring". A small
model kept by the test predicts every balance, every invoice total, which lines an invoice
bills and which operations must be refused. After each step the stored rows are read back with
plain SQL and checked:

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
plus: a billed line names an issued invoice that holds it (a void invoice bills nothing).
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select, text

from solde.billing import usecases as billing
from solde.billing.editing import update_invoice
from solde.bootstrap import Config, Container
from solde.domain.errors import InvalidInput, InvalidState, NotEditable, SoldeError
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.engine import make_engine
from solde.storage.tables import (
    allocations,
    customer_balances,
    document_items,
    documents,
    metadata,
    numbering_sequences,
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


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-EXPONENT[currency]), rounding=ROUND_HALF_UP)


def _minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(EXPONENT[currency]))


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-EXPONENT[currency])


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
class CustomerModel:
    id: int
    currency: str
    auto: bool
    balance: int = 0
    awaiting: int = 0
    txs: dict[int, Tx] = field(default_factory=dict)

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
        for name, currency, auto, partner in (
            ("Auto EUR", "EUR", True, 1),
            ("Auto JPY", "JPY", True, 1),
            ("Manual EUR", "EUR", False, 2),  # another partner: its own invoice sequence
        ):
            values = {
                "name": name,
                "currency": currency,
                "partner_id": partner,
                "billing": {"auto_settlement": auto},
            }
            customer = self._call(lambda uow, v=values: ledger.create_customer(uow, v))
            self.customers.append(CustomerModel(customer.id, currency, auto))

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

    @precondition(lambda self: self._txs(lambda t: t.status in ("unbilled", "billed")))
    @rule(pick=st.integers(0, 10**6), minor=st.integers(1, 40_000))
    def edit_unbilled_line(self, pick: int, minor: int) -> None:
        """Change a line's price; a line already billed must be refused."""
        lines = self._txs(lambda t: t.status in ("unbilled", "billed"))
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

    @precondition(lambda self: self._txs(lambda t: t.status in ("unbilled", "billed")))
    @rule(pick=st.integers(0, 10**6))
    def cancel_unbilled_line(self, pick: int) -> None:
        lines = self._txs(lambda t: t.status in ("unbilled", "billed"))
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

    @rule(days=st.integers(1, 12))
    def next_days(self, days: int) -> None:
        self.on += timedelta(days=days)

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
    )
    def issue_invoice(
        self, pick: int, items: dict[str, Any], include: bool, back: int, recurring: bool
    ) -> None:
        """Issue an invoice of typed items and/or the unbilled lines up to its date; refused
        when there is nothing to bill or the typed items and debit lines are below zero."""
        customer = self._customer(pick)
        day = self.on - timedelta(days=back)
        typed = self._items(customer, items)
        values: dict[str, Any] = {
            "type": "recurring" if recurring else "one_time",
            "date": day.isoformat(),
            "items": [body for body, _ in typed],
            "include_unbilled": include,
        }
        if include:
            planned = self._compose(customer, sum(g for _, g in typed), day)
        else:
            total = sum(g for _, g in typed)
            planned = (total, [], None) if total >= 0 else None

        def action(uow: Any) -> Any:
            return billing.create_invoice(uow, customer.id, values, on=self.on)

        count = 0 if planned is None else len(typed) + len(planned[1]) + (planned[2] is not None)
        if planned is None or count == 0:
            self._refused(action, InvalidInput)
            return
        total, billed, split = planned
        doc = self._call(action)
        assert _minor(doc.total.amount, customer.currency) == total
        expected_lines = [t.id for t in billed] + ([split[0].id] if split else [])
        assert [i.transaction_id for i in doc.items] == [None] * len(typed) + expected_lines
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
            )
            line.amount, line.status, line.invoice_id = part, "billed", doc.id
        self.docs[doc.id] = Doc(
            doc.id,
            customer.id,
            doc.type.value,
            total,
            day,
            doc.transaction_id,
            typed_total=sum(g for _, g in typed),
        )

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
        if doc.state != "issued" or doc.credited or self._pending_for(doc):
            return True
        open_amount = self._open_of(doc)
        return open_amount is not None and open_amount < doc.total

    def _voided(self, doc: Doc) -> None:
        """The model after a void: the transaction reversed, the lines back to unbilled."""
        customer = self._customer_of(doc.customer_id)
        if doc.tx_id is not None:
            self._cancelled_invoice(customer, doc.tx_id)
        for line in customer.txs.values():
            if line.status == "billed" and line.invoice_id == doc.id:
                line.status, line.invoice_id = "unbilled", None
        doc.state = "void"

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
        voided = self._call(action)
        assert voided.state.value == "void"
        self._voided(doc)

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
        voided = self._call(action)
        assert voided.id == last.id
        self._voided(last)

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
    examples = 60 if backend == "sqlite" else 25
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=35,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    machine.TestCase().runTest()
