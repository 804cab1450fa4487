"""The journal export checked by the auditors' own tools: `ledger` and beancount.

A generated ledger (a deterministic seed; several hundred customers in four currencies; every
type of transaction through the use cases: invoices with tax, payments by every method,
pending payments confirmed and failed, refunds, credit notes, posted charges, collection
costs, chargebacks, adjustments, gifts, opening balances, invoice voids and reversals) is
exported; `ledger bal` and beancount's loader then compute each customer's balance from the
file alone, and it must equal solde's balance to the cent, now and as of a past date. The
bank and tax accounts are checked against sums taken in this test from the raw rows.

`ledger` is Debian's package (`apt-get install ledger`); without it the ledger checks are
skipped, except with CI=true, where they fail.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from sqlalchemy import select

from solde.billing import usecases as billing
from solde.bootstrap import Container
from solde.domain.errors import SoldeError
from solde.downloads.journal import journal_file
from solde.exports.journal import JournalFormat
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.storage.tables import transactions

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SEED = 20260310
CUSTOMERS = 300
START = date(2025, 1, 6)
END = date(2026, 3, 10)
PAST = date(2025, 9, 30)
CURRENCIES = ("EUR", "EUR", "USD", "JPY", "KWD")
METHODS = ("card", "sepa_debit", "bank_transfer", "check", "cash", "other")
RATES = ("20", "5.5", "0", "10")
#: Names an auditor's tool must survive: quotes, brackets read as dates by ledger, semicolons
#: that start comments, tags, backslashes, tabs and line breaks.
NAMES = (
    'Café "Le Zinc"',
    "Bracket [2020-01-01] SARL",
    "Semi;colon  ; Ltd",
    "Tag :vip: & Co",
    "Back\\slash\\",
    "Tab\tand\nnewline",
    "Kühne + Nagel ^link #tag",
    "  price:: 1+1 @ 5 EUR",
)
BALANCE_FORMAT = "%(account)|%(quantity(scrub(display_total)))\n"


@dataclass
class Story:
    """What the generator did: ids of the customers, counts of what it tried and made."""

    customers: list[int] = field(default_factory=list)
    made: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)


class Generator:
    """Drives the use cases day by day for each customer, one unit of work per action."""

    def __init__(self, container: Container, seed: int) -> None:
        self.container = container
        self.rng = random.Random(seed)
        self.story = Story()

    def __call__(self, what: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            with self.container.uow(actor="generator") as uow:
                result = action(uow, *args, **kwargs)
                uow.commit()
        except SoldeError:
            self.story.refused[what] += 1
            return None
        self.story.made[what] += 1
        return result

    def money(self, currency: str, low: int, high: int) -> str:
        """An amount of `currency` between `low` and `high` major units, with its decimals."""
        places = {"JPY": 0, "KWD": 3}.get(currency, 2)
        minor = self.rng.randint(low * 10**places, high * 10**places)
        return str(Decimal(minor).scaleb(-places))

    def run(self, customers: int) -> Story:
        for number in range(customers):
            self.customer(number)
        return self.story

    def customer(self, number: int) -> None:
        rng = self.rng
        currency = rng.choice(CURRENCIES)
        values = {
            "name": f"{rng.choice(NAMES)} {number}",
            "currency": currency,
            "payment_method": rng.choice(METHODS),
            "billing": {"auto_settlement": rng.random() < 0.8},
        }
        if rng.random() < 0.5:
            values["external_ref"] = f"EXT-{number:05d}"
        customer = self("customer", ledger.create_customer, values)
        assert customer is not None
        cid = int(customer.id)
        self.story.customers.append(cid)
        day = START + timedelta(days=rng.randint(0, 60))
        if rng.random() < 0.2:
            self.entry(cid, currency, "adjustment", "debit", day, label="Opening balance")
        for _ in range(rng.randint(3, 7)):
            day = min(day + timedelta(days=rng.randint(1, 60)), END)
            self.step(cid, currency, day)

    def entry(
        self,
        cid: int,
        currency: str,
        tx_type: str,
        kind: str,
        day: date,
        *,
        label: str | None = None,
        unbilled: bool = False,
    ) -> Any:
        values = {
            "kind": kind,
            "type": tx_type,
            "label": label or f"{tx_type} {self.rng.randint(1, 999)}",
            "unit_price": self.money(currency, 1, 90),
            "quantity": str(self.rng.randint(1, 3)),
            "tax_rate": self.rng.choice(RATES),
            "date": day.isoformat(),
            "bill_on_next_invoice": unbilled,
        }
        return self(f"{tx_type}:{kind}", settlement.add_entry, cid, values, on=day)

    def step(self, cid: int, currency: str, day: date) -> None:
        rng = self.rng
        choice = rng.random()
        if choice < 0.35:
            self.invoice(cid, currency, day)
        elif choice < 0.55:
            self.payment(cid, currency, day)
        elif choice < 0.7:
            tx_type, kind = rng.choice(
                [("charge", "debit"), ("collection_cost", "debit"), ("adjustment", "debit"),
                 ("adjustment", "credit"), ("gift", "credit")]
            )  # fmt: skip
            posted = self.entry(cid, currency, tx_type, kind, day)
            if posted is not None and rng.random() < 0.3:
                self("reverse", settlement.reverse, posted.id, {}, on=day)
        elif choice < 0.8:
            self.pending(cid, currency, day)
        elif choice < 0.9:
            amount = self.money(currency, 5, 60)
            values = {"amount": f"-{amount}", "method": rng.choice(METHODS),
                      "date": day.isoformat(), "force": True}  # fmt: skip
            self("refund", settlement.record_payment, cid, values, on=day)
        else:
            self.payment(cid, currency, day, chargeback=True)

    def invoice(self, cid: int, currency: str, day: date) -> None:
        rng = self.rng
        for _ in range(rng.randint(0, 2)):
            kind, tx_type = rng.choice([("debit", "charge"), ("credit", "gift")])
            self.entry(cid, currency, tx_type, kind, day, unbilled=True)
        items = [
            {
                "description": f"Service {n}",
                "quantity": str(rng.randint(1, 4)),
                "unit_price": self.money(currency, 5, 200),
                "tax_rate": rng.choice(RATES),
            }
            for n in range(rng.randint(1, 3))
        ]
        values = {"type": "one_time", "date": day.isoformat(), "items": items,
                  "include_unbilled": True}  # fmt: skip
        doc = self("invoice", billing.create_invoice, cid, values, on=day)
        if doc is None:
            return
        roll = rng.random()
        if roll < 0.15:
            self("void", billing.void_invoice, doc.id, {"reason": "typo"}, on=day)
        elif roll < 0.35:
            amount = self.money(currency, 1, 5)
            credit = {"amount": amount, "reason": "discount", "date": day.isoformat()}
            self("credit_note", billing.issue_credit_note, doc.id, credit, on=day)

    def payment(self, cid: int, currency: str, day: date, *, chargeback: bool = False) -> None:
        rng = self.rng
        reference = f"REF;[{rng.randint(1, 9999)}]"
        values = {"amount": self.money(currency, 10, 400), "method": rng.choice(METHODS),
                  "date": day.isoformat(), "reference": reference}  # fmt: skip
        paid = self("payment", settlement.record_payment, cid, values, on=day)
        if paid is None:
            return
        if chargeback:
            back = {"fee": self.money(currency, 1, 9), "date": day.isoformat()}
            self("chargeback", settlement.chargeback, paid.id, back, on=day)
        elif rng.random() < 0.1:
            self("reverse_payment", settlement.reverse, paid.id, {}, on=day)

    def pending(self, cid: int, currency: str, day: date) -> None:
        rng = self.rng
        values = {"amount": self.money(currency, 10, 300), "method": rng.choice(METHODS),
                  "date": day.isoformat(), "status": "pending"}  # fmt: skip
        waiting = self("pending", settlement.record_payment, cid, values, on=day)
        if waiting is None:
            return
        later = min(day + timedelta(days=rng.randint(0, 5)), END)
        if rng.random() < 0.6:
            self("confirm", settlement.confirm_payment, waiting.id, {}, on=later)
        else:
            fail = {"fee": self.money(currency, 1, 9), "reason": "refused"}
            self("fail", settlement.fail_payment, waiting.id, fail, on=later)


def _export(container: Container, fmt: JournalFormat, path: Path, **period: date) -> Path:
    period.setdefault("end", END)
    download = journal_file(container, fmt, actor="test", **period)
    with path.open("wb") as out:
        for chunk in download.chunks:
            out.write(chunk)
    return path


def _solde_balances(container: Container, customers: list[int], day: date) -> dict[int, Decimal]:
    with container.uow(actor="test", write=False) as uow:
        return {cid: uow.balances.as_of(cid, day).balance.amount for cid in customers}


def _ledger(program: str, path: Path, *args: str) -> dict[str, Decimal]:
    """Each account's balance as `ledger bal` computes it (one currency per account)."""
    out = subprocess.run(
        [program, "-f", str(path), "bal", "--flat", "--no-total", "-E",
         "--balance-format", BALANCE_FORMAT, "^Assets:Receivable", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stderr == ""
    found: dict[str, Decimal] = {}
    for line in out.stdout.splitlines():
        account, _, amount = line.partition("|")
        found[account] = Decimal(amount.strip() or "0")
    return found


def _ledger_by_currency(program: str, path: Path, *patterns: str) -> dict[tuple[str, str], Decimal]:
    """Per (top account, currency), the total of the accounts matching `patterns`."""
    out = subprocess.run(
        [program, "-f", str(path), "bal", "--flat", "--no-total", "-E", "--balance-format",
         "%(account)|%(display_total)\n", *patterns],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found: dict[tuple[str, str], Decimal] = {}
    account = ""
    for line in out.splitlines():
        name, _, amount = line.rpartition("|") if "|" in line else ("", "", line)
        account = name or account
        value, _, currency = amount.strip().partition(" ")
        if currency:
            key = (account.split(":")[0], currency)
            found[key] = found.get(key, Decimal(0)) + Decimal(value)
    return {key: value for key, value in found.items() if value}


def _receivables(accounts: dict[str, Decimal], customers: list[int]) -> dict[int, Decimal]:
    return {cid: accounts.get(f"Assets:Receivable:C{cid:06d}", Decimal(0)) for cid in customers}


_PLACES = {"JPY": 0, "KWD": 3}


def _bank_and_tax(container: Container, day: date) -> dict[tuple[str, str], Decimal]:
    """From the raw rows of the table, per currency: what the bank holds (payments less
    refunds and chargebacks, a reversal taking back what it reverses) and the output tax
    owed (the tax of every other debit less that of every other credit, opening balances
    aside), in major units."""
    t = transactions.c
    with container.engine.connect() as connection:
        types = dict(connection.execute(select(t.id, t.type)).all())
        rows = connection.execute(
            select(t.type, t.kind, t.currency, t.amount, t.tax, t.reverses_id, t.label).where(
                t.state.in_(["open", "closed"]), t.date <= day
            )
        ).all()
    sums: dict[tuple[str, str], Decimal] = {}
    for tx_type, kind, currency, amount, tax, reverses, label in rows:
        if label == "Opening balance":  # taken over whole, tax included: not output tax
            continue
        effective = types[reverses] if reverses is not None else tx_type
        sign = 1 if kind == "debit" else -1
        scale = Decimal(1).scaleb(-_PLACES.get(currency, 2))
        if effective in ("payment", "refund", "chargeback"):
            key, change = ("Assets", currency), -sign * amount * scale
        else:
            key, change = ("Liabilities", currency), -sign * tax * scale
        sums[key] = sums.get(key, Decimal(0)) + change
    return {key: value for key, value in sums.items() if value}


def _beancount(path: Path, through: date | None = None) -> dict[str, Decimal]:
    """Each account's balance summed from the postings beancount loaded (no error allowed)."""
    entries, errors, _options = loader.load_file(str(path))
    assert errors == []
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and (through is None or entry.date <= through):
            for posting in entry.postings:
                assert posting.units is not None
                assert isinstance(posting.units.number, Decimal)
                totals[posting.account] = (
                    totals.get(posting.account, Decimal(0)) + posting.units.number
                )
    return totals


def test_the_auditors_tools_reproduce_every_balance_of_a_generated_ledger(
    container: Container, tmp_path: Path
) -> None:
    book = Generator(container, SEED).run(CUSTOMERS)
    # the check is worth something only if the book holds every kind of event
    for what in ("invoice", "payment", "pending", "confirm", "fail", "refund", "credit_note",
                 "charge:debit", "collection_cost:debit", "adjustment:debit",
                 "adjustment:credit", "gift:credit", "chargeback", "void", "reverse",
                 "reverse_payment"):  # fmt: skip
        assert book.made[what] > 0, (what, book.made, book.refused)
    customers = book.customers
    now = _solde_balances(container, customers, END)
    then = _solde_balances(container, customers, PAST)
    assert len(now) == CUSTOMERS
    assert any(now.values())
    assert any(then.values())

    beancount_file = _export(container, JournalFormat.BEANCOUNT, tmp_path / "all.beancount")
    assert _receivables(_beancount(beancount_file), customers) == now
    assert _receivables(_beancount(beancount_file, PAST), customers) == then
    since = _export(
        container, JournalFormat.BEANCOUNT, tmp_path / "since.beancount", start=PAST, end=END
    )
    assert _receivables(_beancount(since), customers) == now

    program = shutil.which("ledger")
    if program is None:
        if CI:
            pytest.fail("CI=true needs the ledger program (Debian: apt-get install ledger)")
        pytest.skip("the ledger program is not installed (Debian: apt-get install ledger)")
    ledger_file = _export(container, JournalFormat.LEDGER, tmp_path / "all.ledger")
    with ledger_file.open() as text:
        assert sum(1 for line in text if line[:1].isdigit()) > 2_000
    assert _receivables(_ledger(program, ledger_file), customers) == now
    # as of a past date: ledger's `--end` is exclusive
    after = (PAST + timedelta(days=1)).isoformat()
    assert _receivables(_ledger(program, ledger_file, "--end", after), customers) == then
    through = _export(container, JournalFormat.LEDGER, tmp_path / "past.ledger", end=PAST)
    assert _receivables(_ledger(program, through), customers) == then
    since_ledger = _export(
        container, JournalFormat.LEDGER, tmp_path / "since.ledger", start=PAST, end=END
    )
    assert _receivables(_ledger(program, since_ledger), customers) == now
    # the bank and output tax accounts hold what the raw rows say
    assert _ledger_by_currency(program, ledger_file, "^Assets:Bank", "^Liabilities:Tax") == (
        _bank_and_tax(container, END)
    )
    # and every entry balances: all accounts together are zero in every currency
    everything: dict[str, Decimal] = {}
    for (_top, currency), value in _ledger_by_currency(program, ledger_file).items():
        everything[currency] = everything.get(currency, Decimal(0)) + value
    assert set(everything) == {"EUR", "USD", "JPY", "KWD"}
    assert all(value == 0 for value in everything.values()), everything


def test_the_read_model_gives_posted_transactions_only_in_date_then_id_order(
    container: Container,
) -> None:
    gen = Generator(container, SEED)
    cid = int(gen("customer", ledger.create_customer, {"name": "Order", "currency": "EUR"}).id)
    day = date(2025, 5, 2)
    later = gen.entry(cid, "EUR", "charge", "debit", day)
    earlier = gen.entry(cid, "EUR", "charge", "debit", day - timedelta(days=1))
    same_day = gen.entry(cid, "EUR", "gift", "credit", day)
    gen.entry(cid, "EUR", "charge", "debit", day, unbilled=True)  # waits for an invoice
    pending = {"amount": "5.00", "date": day.isoformat(), "status": "pending"}
    waiting = gen("pending", settlement.record_payment, cid, pending, on=day)
    failed = gen("pending", settlement.record_payment, cid, pending, on=day)
    gen("fail", settlement.fail_payment, failed.id, {}, on=day)
    with container.uow(actor="test", write=False) as uow:
        ids = [row.id for row in uow.journal.entries(batch=2)]
        through = [row.id for row in uow.journal.entries(end=day - timedelta(days=1))]
        since = [row.id for row in uow.journal.entries(start=day, batch=1)]
    assert ids == [earlier.id, later.id, same_day.id]
    assert waiting.id not in ids
    assert through == [earlier.id]
    assert since == [later.id, same_day.id]
