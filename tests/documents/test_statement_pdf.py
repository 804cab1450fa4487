"""A customer statement as a PDF (SPEC §11, §14): read back with pdftotext, in the customer's
locale, with the partner's details, a running balance on every line, and the template system
of invoices (sandboxed, escaped, overridable per partner)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pdf_samples import customer, partner, pdf_text, spaced

from solde.documents import PrintableStatement, render_statement_html, render_statement_pdf
from solde.domain.money import Money
from solde.ledger.model import Kind, TxType
from solde.ledger.statements import (
    Period,
    Posting,
    Statement,
    StatementMode,
    statement_lines,
)


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def _posting(i: int, day: str, kind: Kind, type_: TxType, amount: str, **extra: str) -> Posting:
    return Posting(
        id=i,
        date=dt.date.fromisoformat(day),
        kind=kind,
        type=type_,
        label=extra.get("label", f"{type_.value} {i}"),
        reference=extra.get("reference"),
        document_number=extra.get("number"),
        amount=_eur(amount),
    )


POSTINGS = [
    _posting(1, "2026-02-02", Kind.DEBIT, TxType.INVOICE, "1234.56", label="Facture février",
             number="202602000001", reference="202602000001"),
    _posting(2, "2026-02-10", Kind.DEBIT, TxType.CHARGE, "15.00", label="Frais de dossier"),
    _posting(3, "2026-02-10", Kind.DEBIT, TxType.COLLECTION_COST, "5.00", label="Relance"),
    _posting(4, "2026-02-20", Kind.CREDIT, TxType.PAYMENT, "1000.00", label="Virement",
             reference="VIR-0042"),
    _posting(5, "2026-02-25", Kind.CREDIT, TxType.CREDIT_NOTE, "34.56", label="Avoir <b>geste</b>",
             number="CN2026-00003", reference="CN2026-00003"),
]  # fmt: skip


def _statement(mode: StatementMode, postings: list[Posting] = POSTINGS) -> Statement:
    opening = _eur("100.00")
    lines = statement_lines(opening, postings, mode)
    debit = sum((x.debit for x in lines if x.debit is not None), _eur("0"))
    credit = sum((x.credit for x in lines if x.credit is not None), _eur("0"))
    return Statement(
        customer_id=7, customer_name="Atelier Dupont & Fils", external_ref="DUP-0007",
        currency="EUR", period=Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), mode=mode,
        as_of=dt.date(2026, 3, 10), opening_balance=opening, lines=lines, total_debit=debit,
        total_credit=credit, closing_balance=opening + debit - credit,
    )  # fmt: skip


def _printable(
    mode: StatementMode, locale: str = "fr_FR", **partner_fields: str
) -> PrintableStatement:
    return PrintableStatement(
        statement=_statement(mode),
        customer=customer(locale),
        partner=partner(1, **partner_fields),
        locale=locale,
    )


def test_a_statement_reads_back_with_its_running_balance(tmp_path: Path) -> None:
    text = spaced(pdf_text(render_statement_pdf(_printable(StatementMode.TRANSACTIONS)), tmp_path))
    assert "Statement" in text
    for expected in (
        "Solde Services SAS", "FR12 345678901", "Atelier Dupont & Fils", "DUP-0007",
        "1 févr. 2026", "28 févr. 2026", "10 mars 2026",
        "Opening balance", "100,00 €",
        "Facture février", "202602000001", "1 234,56 €", "1 334,56 €",
        "Frais de dossier", "15,00 €", "1 349,56 €",
        "Relance", "1 354,56 €",
        "Virement", "VIR-0042", "1 000,00 €", "354,56 €",
        "Avoir <b>geste</b>", "CN2026-00003", "34,56 €", "320,00 €",
        "Closing balance", "1 254,56 €", "1 034,56 €",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
    ):  # fmt: skip
        assert expected in text, expected
    assert text.count("202602000001") == 1  # the number once, not number · same reference
    assert "Page 1 of 1" in text


def test_documents_mode_prints_the_other_debits_of_a_day_as_one_line(tmp_path: Path) -> None:
    text = spaced(pdf_text(render_statement_pdf(_printable(StatementMode.DOCUMENTS)), tmp_path))
    assert "Other debits" in text
    assert "20,00 €" in text
    assert "Frais de dossier" not in text
    assert "Documents and payments" in text


def test_an_english_customer_reads_english_amounts_and_dates(tmp_path: Path) -> None:
    pdf = render_statement_pdf(_printable(StatementMode.TRANSACTIONS, locale="en_US"))
    text = spaced(pdf_text(pdf, tmp_path))
    assert "€1,234.56" in text
    assert "Feb 28, 2026" in text
    assert "€320.00" in text


def test_a_long_statement_runs_over_pages_with_its_header_on_each(tmp_path: Path) -> None:
    many = [
        _posting(i, f"2026-02-{1 + i % 28:02d}", Kind.DEBIT, TxType.INVOICE, "1.00",
                 label=f"Invoice line {i}", number=f"N{i:05d}")
        for i in range(1, 121)
    ]  # fmt: skip
    many.sort(key=lambda p: (p.date, p.id))
    printable = PrintableStatement(
        statement=_statement(StatementMode.TRANSACTIONS, many),
        customer=customer("en_US"),
        partner=partner(1),
        locale="en_US",
    )
    pages = spaced(pdf_text(render_statement_pdf(printable), tmp_path)).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    with_lines = [page for page in pages if "Invoice line" in page]
    assert len(with_lines) >= 3
    assert all("DEBIT" in page and "BALANCE" in page for page in with_lines)  # header repeats
    assert "Closing balance" in "".join(pages[-2:])
    assert "€220.00" in "".join(pages[-2:])
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_text_is_escaped_in_the_html() -> None:
    html = render_statement_html(_printable(StatementMode.TRANSACTIONS))
    assert "Avoir &lt;b&gt;geste&lt;/b&gt;" in html
    assert "<b>geste" not in html


def test_a_partner_folder_restyles_or_replaces_the_statement(tmp_path: Path) -> None:
    folder = tmp_path / "partner-1"
    folder.mkdir()
    (folder / "style.css").write_text("/* partner one style */ body { color: #123456; }")
    html = render_statement_html(_printable(StatementMode.DOCUMENTS), template_dir=tmp_path)
    assert "partner one style" in html
    other = tmp_path / "other"
    folder = other / "partner-1"
    folder.mkdir(parents=True)
    (folder / "statement.html").write_text(
        "Relevé {{ buyer.name }} {{ closing_balance }} {% for l in lines %}[{{ l.balance }}]"
        "{% endfor %}"
    )
    html = render_statement_html(_printable(StatementMode.DOCUMENTS), template_dir=other)
    assert spaced(html).startswith("Relevé Atelier Dupont &amp; Fils 320,00 € [1 334,56 €]")
    assert spaced(html).endswith("[320,00 €]")
