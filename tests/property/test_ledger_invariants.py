"""Random sequences of ledger operations never break the invariants of SPEC §1.

A hypothesis state machine drives the service layer (the code under the API and the CLI) with
lines, unbilled lines, payments (confirmed, pending, confirmed later, failed with or without a
fee), refunds, chargebacks, reversals, manual allocations, settlement and bulk imports of lines
and payments, for customers in EUR and JPY with automatic settlement on or off. A small model
kept by the test predicts every balance and which operations must be refused. After each step
the stored rows are read back with plain SQL and checked:

1. balance = Σ signed amounts of posted transactions = Σ signed open amounts (and = the model);
2. 0 ≤ open amount ≤ amount, and `closed` exactly when nothing is open;
3. Σ allocations on a transaction = amount − open amount, allocations pair a credit with a
   debit of the same customer;
plus: the per-customer aggregate agrees with the rows (debit, credit, awaiting confirmation,
unbilled summary); with automatic settlement on, open debits and open credits never stand side
by side; a balance asked as of a past day agrees with the rows dated up to that day and never
changes once later days have begun; a refused operation changes nothing at all.
"""

from __future__ import annotations

import itertools
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

from solde.bootstrap import Config, Container
from solde.domain.errors import SoldeError
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.engine import make_engine
from solde.storage.tables import allocations, customer_balances, metadata, transactions

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
    status: str  # posted, pending, void, unbilled, cancelled
    is_reversal: bool = False
    reversed: bool = False
    charged_back: int = 0  # minor units of unreversed chargebacks (payments)
    chargeback_of: int | None = None

    @property
    def signed(self) -> int:
        return self.amount if self.kind == "debit" else -self.amount


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
        for name, currency, auto in (
            ("Auto EUR", "EUR", True),
            ("Auto JPY", "JPY", True),
            ("Manual EUR", "EUR", False),
        ):
            values = {"name": name, "currency": currency, "billing": {"auto_settlement": auto}}
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

    def _refused(self, action: Callable[[Any], Any]) -> None:
        """`action` must fail with a business error and leave every table as it was."""
        before = self._fingerprint()
        with pytest.raises(SoldeError):
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
    )
    def add_unbilled_line(self, pick: int, debit: bool, minor: int, ahead: int) -> None:
        customer = self._customer(pick)
        values = {
            "kind": "debit" if debit else "credit",
            "type": "charge" if debit else "gift",
            "label": "unbilled",
            "date": (self.on + timedelta(days=ahead)).isoformat(),
            "unit_price": str(self._amount(customer, minor)),
            "bill_on_next_invoice": True,
        }
        tx = self._call(lambda uow: settlement.add_entry(uow, customer.id, values, on=self.on))
        assert tx.state.value == "unbilled"
        customer.txs[tx.id] = Tx(
            tx.id, customer.id, values["kind"], values["type"], minor, "unbilled"
        )

    @precondition(lambda self: self._txs(lambda t: t.status == "unbilled"))
    @rule(pick=st.integers(0, 10**6), minor=st.integers(1, 40_000))
    def edit_unbilled_line(self, pick: int, minor: int) -> None:
        lines = self._txs(lambda t: t.status == "unbilled")
        line = lines[pick % len(lines)]
        customer = next(c for c in self.customers if c.id == line.customer_id)
        changes = {"unit_price": str(self._amount(customer, minor))}
        tx = self._call(lambda uow: ledger.update_unbilled_line(uow, line.id, changes, on=self.on))
        assert tx.amount.amount == self._amount(customer, minor)
        line.amount = minor

    @precondition(lambda self: self._txs(lambda t: t.status == "unbilled"))
    @rule(pick=st.integers(0, 10**6))
    def cancel_unbilled_line(self, pick: int) -> None:
        lines = self._txs(lambda t: t.status == "unbilled")
        line = lines[pick % len(lines)]
        self._call(lambda uow: ledger.cancel_unbilled_line(uow, line.id, reason="test", on=self.on))
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
        if unbilled:  # as `add_unbilled_line`: one unit without tax, so edits set the amount
            quantity, tax_rate = Decimal(1), Decimal(0)
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
        return ImportRow(customer.id, RowKind.LINE, values), expected

    def _count(self, table: Any) -> int:
        with self.container.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

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
    examples = 50 if backend == "sqlite" else 20
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=35,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    machine.TestCase().runTest()
