"""The journal writers: which accounts each type posts to, exact amounts, and customer text
that can never break the `ledger` or beancount syntax."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from solde.domain.money import Money
from solde.exports import journal
from solde.exports.journal import JournalFormat
from solde.storage.repositories.journal import JournalRow, OpeningRow

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DAY = date(2026, 3, 10)


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def row(tx_type: str, kind: str, amount: str, tax: str = "0", **changes: object) -> JournalRow:
    gross = Money(Decimal(amount), str(changes.pop("currency", "EUR")))
    tax_money = Money(Decimal(tax), gross.currency)
    made = JournalRow(
        id=7,
        customer_id=42,
        customer_ref=None,
        customer_name="Acme",
        date=DAY,
        kind=kind,
        type=tx_type,
        label=f"{tx_type} label",
        amount=gross,
        net=gross - tax_money,
        tax=tax_money,
        method=None,
        reference=None,
        document_number=None,
        reverses_id=None,
        reversed_type=None,
        reversed_method=None,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def postings(tx: JournalRow) -> list[tuple[str, str]]:
    return [(account, str(value)) for account, value in journal.postings(tx)]


def text(fmt: JournalFormat, rows: list[JournalRow], **options: object) -> str:
    return b"".join(journal.write(fmt, rows, **options)).decode()  # type: ignore[arg-type]


def test_an_invoice_debits_the_customer_and_credits_sales_and_output_tax() -> None:
    assert postings(row("invoice", "debit", "120.00", tax="20.00")) == [
        ("Assets:Receivable:C000042", "120.00"),
        ("Income:Sales", "-100.00"),
        ("Liabilities:Tax:Output", "-20.00"),
    ]


def test_a_credit_note_credits_the_customer_and_gives_the_tax_back() -> None:
    assert postings(row("credit_note", "credit", "12.00", tax="2.00")) == [
        ("Assets:Receivable:C000042", "-12.00"),
        ("Income:CreditNotes", "10.00"),
        ("Liabilities:Tax:Output", "2.00"),
    ]


def test_each_type_has_its_counter_account_and_no_zero_tax_posting() -> None:
    expected = {
        ("charge", "debit"): "Income:Charges",
        ("collection_cost", "debit"): "Income:CollectionCosts",
        ("gift", "credit"): "Expenses:Goodwill",
        ("adjustment", "debit"): "Expenses:Adjustments",
        ("adjustment", "credit"): "Expenses:Adjustments",
    }
    for (tx_type, kind), account in expected.items():
        made = postings(row(tx_type, kind, "5.00"))
        sign = "-" if kind == "debit" else ""
        other = "" if kind == "debit" else "-"
        assert made == [("Assets:Receivable:C000042", f"{other}5.00"), (account, f"{sign}5.00")]


def test_money_goes_to_the_bank_account_of_its_method() -> None:
    assert postings(row("payment", "credit", "50.00", method="sepa_debit")) == [
        ("Assets:Receivable:C000042", "-50.00"),
        ("Assets:Bank:SepaDebit", "50.00"),
    ]
    assert postings(row("refund", "debit", "5.00", method="card")) == [
        ("Assets:Receivable:C000042", "5.00"),
        ("Assets:Bank:Card", "-5.00"),
    ]
    assert postings(row("chargeback", "debit", "5.00", method=None))[1] == (
        "Assets:Bank:Other",
        "-5.00",
    )


def test_a_reversal_posts_against_the_accounts_of_what_it_reverses() -> None:
    void = row(
        "adjustment", "credit", "120.00", tax="20.00", reverses_id=3, reversed_type="invoice"
    )
    assert postings(void) == [
        ("Assets:Receivable:C000042", "-120.00"),
        ("Income:Sales", "100.00"),
        ("Liabilities:Tax:Output", "20.00"),
    ]
    undone = row(
        "adjustment", "debit", "9.00", reverses_id=4, reversed_type="payment",
        reversed_method="cash",
    )  # fmt: skip
    assert postings(undone)[1] == ("Assets:Bank:Cash", "-9.00")


def test_an_opening_balance_is_taken_over_whole_against_equity() -> None:
    opening = row("adjustment", "debit", "30.00", tax="5.00", label="Opening balance 2025")
    assert postings(opening) == [
        ("Assets:Receivable:C000042", "30.00"),
        ("Equity:OpeningBalances", "-30.00"),
    ]


def test_amounts_keep_the_decimals_of_their_currency() -> None:
    written = text(
        JournalFormat.LEDGER,
        [
            row("invoice", "debit", "1200", currency="JPY"),
            row("invoice", "debit", "1.005", currency="KWD", customer_id=43),
            row("payment", "credit", "0.10", customer_id=44, method="card"),
        ],
    )
    assert "Assets:Receivable:C000042  1200 JPY" in written
    assert "Assets:Receivable:C000043  1.005 KWD" in written
    assert "Assets:Bank:Card  0.10 EUR" in written


HOSTILE = 'Evil "name"\\ [2020-01-01] ;x  ; :tag: price:: 1+1\n2026-01-01 * injected\r\u2028end'


def test_user_text_stays_on_one_line_in_both_syntaxes() -> None:
    tx = row(
        "payment", "credit", "10.00", customer_name=HOSTILE, label="a\nlabel",
        reference='R"1;\n[2]', customer_ref="X\tY", method="card",
    )  # fmt: skip
    for fmt in JournalFormat:
        lines = text(fmt, [tx]).splitlines()
        assert not any(line.startswith("2026-01-01 * injected") for line in lines)
    ledger_text = text(JournalFormat.LEDGER, [tx])
    assert "[" not in ledger_text
    assert "]" not in ledger_text


def test_beancount_reads_back_the_customer_text_and_metadata() -> None:
    tx = row(
        "invoice", "debit", "12.00", tax="2.00", customer_name=HOSTILE, customer_ref="REF-1",
        document_number="2026000001", reference="2026000001", label="Invoice 2026000001",
    )  # fmt: skip
    entries, errors, options = loader.load_string(
        text(JournalFormat.BEANCOUNT, [tx], currencies=["EUR", "USD"])
    )
    assert errors == []
    assert options["operating_currency"] == ["EUR", "USD"]
    (entry,) = [e for e in entries if isinstance(e, data.Transaction)]
    assert entry.payee == journal.one_line(HOSTILE)
    assert entry.narration == "invoice / Invoice 2026000001"
    assert entry.meta["transaction"] == "7"
    assert entry.meta["customer_id"] == "42"
    assert entry.meta["customer_ref"] == "REF-1"
    opened = {e.account: e.date for e in entries if isinstance(e, data.Open)}
    assert opened == {
        "Assets:Receivable:C000042": DAY,
        "Income:Sales": DAY,
        "Liabilities:Tax:Output": DAY,
    }


def test_beancount_opens_each_account_once_on_its_first_day() -> None:
    rows = [
        row("invoice", "debit", "10.00", date=date(2026, 1, 5)),
        row("invoice", "debit", "10.00", date=date(2026, 2, 5), id=8),
        row("payment", "credit", "20.00", date=date(2026, 2, 6), id=9, method="card"),
    ]
    written = text(JournalFormat.BEANCOUNT, rows)
    assert written.count(" open ") == 3
    assert "2026-01-05 open Assets:Receivable:C000042" in written
    assert "2026-02-06 open Assets:Bank:Card" in written
    _entries, errors, _options = loader.load_string(written)
    assert errors == []


def test_a_journal_from_a_date_opens_with_the_balances_of_the_day_before() -> None:
    openings = [OpeningRow(42, "R", "Acme", eur("80.00")), OpeningRow(43, None, "B", eur("0.00"))]
    written = text(
        JournalFormat.BEANCOUNT,
        [row("payment", "credit", "30.00", method="card")],
        openings=openings,
        opening_day=date(2026, 3, 9),
    )
    entries, errors, _options = loader.load_string(written)
    assert errors == []
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert [(t.date, t.postings[0].account, str(t.postings[0].units)) for t in txns] == [
        (date(2026, 3, 9), "Assets:Receivable:C000042", "80.00 EUR"),
        (DAY, "Assets:Receivable:C000042", "-30.00 EUR"),
    ]
    assert txns[0].postings[1].account == "Equity:OpeningBalances"


def test_the_writer_streams_without_reading_every_row_first() -> None:
    def endless() -> Iterator[JournalRow]:
        for n in itertools.count(1):
            yield row("charge", "debit", "1.00", id=n)

    chunks = journal.write(JournalFormat.LEDGER, endless())
    first = next(chunks)
    assert len(first) >= journal.CHUNK
    assert first.decode().startswith("; solde journal")


def test_ledger_accepts_hostile_text(tmp_path: Path) -> None:
    program = shutil.which("ledger")
    if program is None:
        if CI:
            pytest.fail("CI=true needs the ledger program (Debian: apt-get install ledger)")
        pytest.skip("the ledger program is not installed (Debian: apt-get install ledger)")
    rows = [
        row("invoice", "debit", "12.00", tax="2.00", customer_name=HOSTILE, reference="[1]"),
        row("payment", "credit", "2.00", id=8, customer_name=HOSTILE, method="card",
            date=date(2026, 3, 11)),
    ]  # fmt: skip
    path = tmp_path / "hostile.ledger"
    path.write_text(text(JournalFormat.LEDGER, rows))
    out = subprocess.run(
        [program, "-f", str(path), "bal", "--flat", "--end", "2026-03-11", "^Assets"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stderr == ""
    assert out.stdout.split() == ["12.00", "EUR", "Assets:Receivable:C000042"]
    payees = subprocess.run(
        [program, "-f", str(path), "reg", "^Assets:Receivable", "--format", "%(payee)\n"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert payees[0].endswith(journal.one_line(HOSTILE).replace("[", "(").replace("]", ")"))
