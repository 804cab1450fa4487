"""Customer statements (SPEC §11): what a customer owed at the start of a period, every posted
transaction of the period with the balance after it, and what it owed at the end.

    period = statement_period(today, start=None, end=None)      # the default period
    statement = read_statement(uow, customer_id, period, StatementMode.DOCUMENTS, as_of=today)

A statement is read from posted transactions only (states `open` and `closed`), by their date:
lines waiting for an invoice and payments awaiting bank confirmation are not on it, since they
are not in the balance. The opening balance is the balance at the end of the day before the
period starts; the closing balance the balance at the end of its last day, and always
opening + debits − credits. Posted transactions are never edited, so the statement of a past
period reads the same every time it is asked.

Two modes. `transactions` lists every posted transaction. `documents` lists what the customer
has a paper or a bank line for — invoices, credit notes, payments, refunds, chargebacks, and
the voids and reversals of any of those, each with its number or reference — and sums every
other posting of a day into one line `Other debits` or `Other credits` (charges and collection
costs posted at once, adjustments, gifts), so that the running balance still adds up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from solde.domain.errors import FieldErrors
from solde.domain.money import Money
from solde.domain.values import MAX_DATE, MIN_DATE
from solde.ledger.model import Kind, TxType
from solde.ledger.ports import Customers

#: The longest period a statement covers, in years.
MAX_YEARS = 10
#: How many months before the month of its last day a default period starts.
DEFAULT_MONTHS_BACK = 3


class StatementMode(StrEnum):
    """Which lines a statement shows."""

    DOCUMENTS = "documents"  # documents and bank lines; the rest summed per day
    TRANSACTIONS = "transactions"  # every posted transaction


#: The types `documents` mode shows one line each.
DOCUMENT_TYPES = frozenset(
    {TxType.INVOICE, TxType.CREDIT_NOTE, TxType.PAYMENT, TxType.REFUND, TxType.CHARGEBACK}
)
#: The type of a line that sums other postings of a day (documents mode).
OTHER = "other"
OTHER_LABELS = {Kind.DEBIT: "Other debits", Kind.CREDIT: "Other credits"}


@dataclass(frozen=True, slots=True)
class Period:
    """The days a statement covers, first and last included."""

    start: dt.date
    end: dt.date


def statement_period(today: dt.date, start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for, with the defaults filled in and checked: the last day defaults
    to `today`, the first to the first day of the month three months before the last day's
    (to 15 December: from 1 September). `InvalidInput` names `from` or `to` when the first day
    is after the last or the period is longer than ten years."""
    last = end or today
    first = start or max(_months_back(last, DEFAULT_MONTHS_BACK), MIN_DATE)
    errors = FieldErrors()
    for field, day in (("from", first), ("to", last)):
        if not MIN_DATE <= day <= MAX_DATE:
            errors.add(field, "out_of_range", "must be between 1900-01-01 and 2999-12-31")
    errors.raise_if_any()
    if first > last:
        errors.add("from", "after_to", f"must be on or before to ({last.isoformat()})")
    elif last >= _years_after(first, MAX_YEARS):
        errors.add("to", "too_long", f"a statement covers at most {MAX_YEARS} years")
    errors.raise_if_any()
    return Period(first, last)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _years_after(day: dt.date, years: int) -> dt.date:
    if day.year + years > MAX_DATE.year:
        return dt.date.max
    if day.month == 2 and day.day == 29:
        return dt.date(day.year + years, 3, 1)
    return day.replace(year=day.year + years)


@dataclass(frozen=True, slots=True)
class Posting:
    """One posted transaction as a statement reads it. `document_number` is the number of the
    invoice or credit note it stands for, voids, or (a payment) names; `reverses_type` the type
    of the transaction it reverses, when it is a void or a reversal."""

    id: int
    date: dt.date
    kind: Kind
    type: TxType
    label: str
    reference: str | None
    document_number: str | None
    amount: Money  # positive; `kind` gives the direction
    reverses_type: TxType | None = None

    @property
    def is_document_line(self) -> bool:
        """True when documents mode shows it on a line of its own."""
        return self.type in DOCUMENT_TYPES or self.reverses_type in DOCUMENT_TYPES


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One line of a statement: a posting, or (documents mode) the other postings of a day
    in one direction summed. `debit` or `credit` holds the amount (positive), the other is
    None; `balance` is the balance after the line."""

    date: dt.date
    type: str  # a transaction type, or "other"
    label: str
    reference: str | None
    document_number: str | None
    debit: Money | None
    credit: Money | None
    balance: Money
    transaction_ids: tuple[int, ...]

    @property
    def amount(self) -> Money:
        """What the line adds to the balance: positive for a debit, negative for a credit."""
        if self.debit is not None:
            return self.debit
        assert self.credit is not None
        return -self.credit


@dataclass(frozen=True, slots=True)
class Statement:
    """A customer's statement for a period, as of the day it was made."""

    customer_id: int
    customer_name: str
    external_ref: str | None
    currency: str
    period: Period
    mode: StatementMode
    as_of: dt.date
    opening_balance: Money
    lines: tuple[StatementLine, ...]
    total_debit: Money
    total_credit: Money
    closing_balance: Money


class StatementReads(Protocol):
    """What a statement reads from the ledger."""

    def opening_balance(self, customer_id: int, currency: str, before: dt.date) -> Money:
        """The balance of the posted transactions dated before `before`."""

    def postings(
        self, customer_id: int, currency: str, start: dt.date, end: dt.date
    ) -> list[Posting]:
        """The posted transactions dated from `start` to `end`, by date then id."""


class StatementUnitOfWork(Protocol):
    """The repositories a statement is read from."""

    @property
    def customers(self) -> Customers:
        """Customer records."""

    @property
    def statements(self) -> StatementReads:
        """Posted transactions as statements read them."""


def read_statement(
    uow: StatementUnitOfWork,
    customer_id: int,
    period: Period,
    mode: StatementMode,
    *,
    as_of: dt.date,
) -> Statement:
    """The statement of one customer for `period` (`NotFound` for an unknown customer)."""
    customer = uow.customers.get(customer_id)
    currency = customer.currency
    opening = uow.statements.opening_balance(customer.id, currency, period.start)
    postings = uow.statements.postings(customer.id, currency, period.start, period.end)
    lines = statement_lines(opening, postings, mode)
    zero = Money.zero(currency)
    debit = sum((line.debit for line in lines if line.debit is not None), zero)
    credit = sum((line.credit for line in lines if line.credit is not None), zero)
    return Statement(
        customer_id=customer.id,
        customer_name=customer.name,
        external_ref=customer.details.external_ref,
        currency=currency,
        period=period,
        mode=mode,
        as_of=as_of,
        opening_balance=opening,
        lines=lines,
        total_debit=debit,
        total_credit=credit,
        closing_balance=opening + debit - credit,
    )


def statement_lines(
    opening: Money, postings: Sequence[Posting], mode: StatementMode
) -> tuple[StatementLine, ...]:
    """The lines of a statement in date order, each with the balance after it."""
    balance = opening
    lines: list[StatementLine] = []
    for grouped, part in _parts(postings, mode):
        line = _line(part, grouped, balance)
        balance = line.balance
        lines.append(line)
    return tuple(lines)


def _parts(
    postings: Sequence[Posting], mode: StatementMode
) -> Iterable[tuple[bool, list[Posting]]]:
    """The postings that make each line, and whether they are summed as `Other`: one each,
    or (documents mode) the other postings of a day in one direction together, placed where
    the first of them stands."""
    if mode is StatementMode.TRANSACTIONS:
        return [(False, [p]) for p in postings]
    parts: list[tuple[bool, list[Posting]]] = []
    others: dict[tuple[dt.date, Kind], list[Posting]] = {}
    for posting in postings:
        if posting.is_document_line:
            parts.append((False, [posting]))
            continue
        key = (posting.date, posting.kind)
        if key not in others:
            others[key] = []
            parts.append((True, others[key]))
        others[key].append(posting)
    return parts


def _line(part: list[Posting], grouped: bool, before: Money) -> StatementLine:
    first = part[0]
    amount = sum((p.amount for p in part[1:]), first.amount)
    debit = first.kind is Kind.DEBIT
    return StatementLine(
        date=first.date,
        type=OTHER if grouped else first.type.value,
        label=OTHER_LABELS[first.kind] if grouped else first.label,
        reference=None if grouped else first.reference,
        document_number=None if grouped else first.document_number,
        debit=amount if debit else None,
        credit=None if debit else amount,
        balance=before + amount if debit else before - amount,
        transaction_ids=tuple(p.id for p in part),
    )
