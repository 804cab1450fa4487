"""The accounting journal for auditors, as plain text that `ledger` and `beancount` read.

Each posted transaction becomes one balanced entry between the customer's receivable account,
`Assets:Receivable:C000123` (the customer's id, so that an account name never holds user
text), and the counter-accounts its type posts to (the chart of accounts in docs/JOURNAL.md):

    invoice          Income:Sales (net), Liabilities:Tax:Output (tax)
    charge           Income:Charges (net), Liabilities:Tax:Output (tax)
    collection_cost  Income:CollectionCosts (net), Liabilities:Tax:Output (tax)
    credit_note      Income:CreditNotes (net), Liabilities:Tax:Output (tax)
    gift             Expenses:Goodwill (net), Liabilities:Tax:Output (tax)
    adjustment       Expenses:Adjustments (net), Liabilities:Tax:Output (tax), or
                     Equity:OpeningBalances for an opening balance
    payment, refund, chargeback   Assets:Bank:<Method> (the whole amount)

A reversal (an adjustment naming the transaction it cancels, voids of invoices included)
posts against the accounts of what it reverses, so that a voided invoice leaves nothing in
`Income:Sales`. A debit adds to the receivable, a credit takes from it (SPEC §1): the
receivable account's balance is the customer's balance.

Amounts are written from their exact decimals with the currency's own number of places; the
commodity is the ISO currency code. Customer names, labels and references are user input:
they are written on one line, without control characters, quoted for beancount and without the
brackets that `ledger` would read as a date in a comment. The writers are pure: they take rows
and yield the file in chunks, so a journal of millions of entries streams.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from solde.domain.money import Money

#: Bytes handed over at a time.
CHUNK = 64 * 1024
RECEIVABLE = "Assets:Receivable"
TAX = "Liabilities:Tax:Output"
OPENING = "Equity:OpeningBalances"
#: The account of each type's net amount (payments, refunds and chargebacks go to the bank).
NET_ACCOUNTS = {
    "invoice": "Income:Sales",
    "charge": "Income:Charges",
    "collection_cost": "Income:CollectionCosts",
    "credit_note": "Income:CreditNotes",
    "gift": "Expenses:Goodwill",
    "adjustment": "Expenses:Adjustments",
}
MONEY_TYPES = frozenset({"payment", "refund", "chargeback"})
BANK_ACCOUNTS = {
    "card": "Assets:Bank:Card",
    "sepa_debit": "Assets:Bank:SepaDebit",
    "bank_transfer": "Assets:Bank:BankTransfer",
    "check": "Assets:Bank:Check",
    "cash": "Assets:Bank:Cash",
    "other": "Assets:Bank:Other",
}
#: Where money with no recorded method goes.
UNKNOWN_BANK = "Assets:Bank:Other"
#: An adjustment whose label starts so (case aside) is an opening balance taken over.
OPENING_LABEL = "opening balance"


class JournalFormat(StrEnum):
    """A plain-text accounting journal format."""

    LEDGER = "ledger"
    BEANCOUNT = "beancount"

    @property
    def media_type(self) -> str:
        """The HTTP content type of the file."""
        return "text/plain; charset=utf-8"

    @property
    def extension(self) -> str:
        """The file name extension, without the dot."""
        return self.value


class Posted(Protocol):
    """A posted transaction as the journal shows it (storage's `JournalRow`)."""

    @property
    def id(self) -> int: ...
    @property
    def customer_id(self) -> int: ...
    @property
    def customer_ref(self) -> str | None: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def kind(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def amount(self) -> Money: ...
    @property
    def net(self) -> Money: ...
    @property
    def tax(self) -> Money: ...
    @property
    def method(self) -> str | None: ...
    @property
    def reference(self) -> str | None: ...
    @property
    def document_number(self) -> str | None: ...
    @property
    def reverses_id(self) -> int | None: ...
    @property
    def reversed_type(self) -> str | None: ...
    @property
    def reversed_method(self) -> str | None: ...


class Opening(Protocol):
    """A customer's balance the journal opens with (storage's `OpeningRow`)."""

    @property
    def customer_id(self) -> int: ...
    @property
    def customer_ref(self) -> str | None: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def balance(self) -> Money: ...


@dataclass(frozen=True, slots=True)
class Entry:
    """One balanced journal entry: its date, what it says and its postings (account, amount),
    which add up to zero."""

    date: dt.date
    code: str
    payee: str
    narration: str
    meta: tuple[tuple[str, str], ...]
    postings: tuple[tuple[str, Money], ...]


def account_of(customer_id: int) -> str:
    """The receivable account of a customer: `Assets:Receivable:C000123`."""
    return f"{RECEIVABLE}:C{customer_id:06d}"


def is_opening(row: Posted) -> bool:
    """True for an adjustment that takes over an opening balance (its label says so)."""
    return row.type == "adjustment" and row.label.lower().startswith(OPENING_LABEL)


def postings(row: Posted) -> tuple[tuple[str, Money], ...]:
    """The postings of a transaction: the receivable gets the signed amount, the
    counter-accounts of its type (of what it reverses, for a reversal) the opposite."""
    sign = 1 if row.kind == "debit" else -1
    signed = row.amount if sign == 1 else -row.amount
    receivable = (account_of(row.customer_id), signed)
    tx_type, method = row.type, row.method
    if row.reverses_id is not None and row.reversed_type is not None:
        tx_type, method = row.reversed_type, row.reversed_method
    if tx_type in MONEY_TYPES:
        return receivable, (BANK_ACCOUNTS.get(method or "", UNKNOWN_BANK), -signed)
    if row.reverses_id is None and is_opening(row):
        return receivable, (OPENING, -signed)
    found = [receivable]
    for account, part in ((NET_ACCOUNTS.get(tx_type, NET_ACCOUNTS["adjustment"]), row.net),
                          (TAX, row.tax)):  # fmt: skip
        if not part.is_zero():
            found.append((account, -part if sign == 1 else part))
    return tuple(found)


def entry_of(row: Posted) -> Entry:
    """The journal entry of a posted transaction."""
    words = [row.type.replace("_", " "), row.label]
    if row.document_number and row.document_number not in row.label:
        words.append(f"document {row.document_number}")
    if row.reference and row.reference not in row.label:
        words.append(f"reference {row.reference}")
    if row.reverses_id is not None:
        words.append(f"reverses #{row.reverses_id}")
    meta = [("transaction", str(row.id)), ("customer_id", str(row.customer_id))]
    if row.customer_ref:
        meta.append(("customer_ref", row.customer_ref))
    meta.append(("customer", row.customer_name))
    if row.method:
        meta.append(("method", row.method))
    return Entry(
        date=row.date,
        code=f"T{row.id}",
        payee=row.customer_name,
        narration=" / ".join(words),
        meta=tuple(meta),
        postings=postings(row),
    )


def opening_entry(row: Opening, day: dt.date) -> Entry:
    """The entry that opens a customer's account with its balance at the end of `day`."""
    meta = [("customer_id", str(row.customer_id))]
    if row.customer_ref:
        meta.append(("customer_ref", row.customer_ref))
    meta.append(("customer", row.customer_name))
    return Entry(
        date=day,
        code="OPENING",
        payee=row.customer_name,
        narration=f"opening balance at the end of {day.isoformat()}",
        meta=tuple(meta),
        postings=((account_of(row.customer_id), row.balance), (OPENING, -row.balance)),
    )


# -- text --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """User text on one line: control characters and runs of white space become one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _amount(value: Money) -> str:
    return f"{value.amount:f} {value.currency}"


def _ledger_text(text: str) -> str:
    # `ledger` reads `[2024-01-01]` in a comment as a date: brackets become parentheses
    return one_line(text).replace("[", "(").replace("]", ")")


def _quoted(text: str) -> str:
    escaped = one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def ledger_entry(entry: Entry) -> str:
    """An entry in `ledger`'s syntax: metadata as `; key: value` comments."""
    title = _ledger_text(f"{entry.narration} / {entry.payee}")
    lines = [f"{entry.date.isoformat()} * ({entry.code}) {title}"]
    lines.extend(f"    ; {key}: {_ledger_text(value)}" for key, value in entry.meta)
    lines.extend(f"    {account}  {_amount(value)}" for account, value in entry.postings)
    return "\n".join(lines) + "\n\n"


def beancount_entry(entry: Entry) -> str:
    """An entry in beancount's syntax: payee the customer, metadata as quoted strings."""
    lines = [f"{entry.date.isoformat()} * {_quoted(entry.payee)} {_quoted(entry.narration)}"]
    lines.extend(f"  {key}: {_quoted(value)}" for key, value in entry.meta)
    lines.extend(f"  {account}  {_amount(value)}" for account, value in entry.postings)
    return "\n".join(lines) + "\n\n"


def _header(fmt: JournalFormat, currencies: Sequence[str], title: str) -> str:
    if fmt is JournalFormat.LEDGER:
        return f"; {_ledger_text(title)}\n\n"
    lines = [f'option "title" {_quoted(title)}']
    lines.extend(f'option "operating_currency" "{currency}"' for currency in currencies)
    return "\n".join(lines) + "\n\n"


def write(
    fmt: JournalFormat,
    rows: Iterable[Posted],
    *,
    openings: Iterable[Opening] = (),
    opening_day: dt.date | None = None,
    currencies: Sequence[str] = (),
    title: str = "solde journal",
) -> Iterator[bytes]:
    """The journal file in chunks of bytes: the opening balances dated `opening_day` (when
    given), then one entry per row, rows in date order. In beancount, each account is opened
    on the day of its first entry, just before it."""
    buffer = [_header(fmt, currencies, title)]
    size = len(buffer[0])
    for text in _texts(fmt, _entries(rows, openings, opening_day)):
        buffer.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def _entries(
    rows: Iterable[Posted], openings: Iterable[Opening], opening_day: dt.date | None
) -> Iterator[Entry]:
    if opening_day is not None:
        for opening in openings:
            if not opening.balance.is_zero():
                yield opening_entry(opening, opening_day)
    for row in rows:
        yield entry_of(row)


def _texts(fmt: JournalFormat, entries: Iterable[Entry]) -> Iterator[str]:
    if fmt is JournalFormat.LEDGER:
        yield from map(ledger_entry, entries)
        return
    opened: set[str] = set()
    for entry in entries:
        for account, _ in entry.postings:
            if account not in opened:
                opened.add(account)
                yield f"{entry.date.isoformat()} open {account}\n"
        yield beancount_entry(entry)
