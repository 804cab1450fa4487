"""An invoice, a credit note and a proforma as a customer receives them: the PDF's text."""

from __future__ import annotations

import base64
import datetime as dt
import io
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pdf_samples import (
    CI,
    document,
    item,
    partner,
    pdf_text,
    printable,
    sample_invoice,
    spaced,
)
from PIL import Image

from solde.billing.documents import DocType, Status
from solde.documents import render_html, render_pdf
from solde.domain.money import Money


@pytest.fixture(scope="module")
def invoice_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    pdf = render_pdf(printable(sample_invoice()))
    assert pdf.startswith(b"%PDF-")
    return spaced(pdf_text(pdf, tmp_path_factory.mktemp("invoice")))


def test_the_invoice_shows_its_number_items_and_totals(invoice_text: str) -> None:
    assert "Invoice" in invoice_text
    assert "202601000042" in invoice_text
    for description in (
        "Hosting plan Business",
        "Extra storage (GB)",
        "Support hours",
        "Domain renewal solde.example",
        "Credit: service outage on 3 March",
    ):
        assert description in invoice_text
    assert "Total excl. tax 1 304,62 €" in invoice_text
    assert "Tax 258,75 €" in invoice_text
    assert "Total incl. tax 1 563,37 €" in invoice_text


def test_the_invoice_shows_balances_dates_seller_and_payment(invoice_text: str) -> None:
    assert "Invoice balance 1 563,37 €" in invoice_text
    assert "Account balance (owed) 1 713,37 €" in invoice_text
    assert "Invoice date 10 mars 2026" in invoice_text
    assert "Due date 9 avr. 2026" in invoice_text
    assert "1 mars 2026 – 31 mars 2026" in invoice_text
    for text in ("Solde Services SAS", "4 place Bellecour", "FR12 345678901", "BIC AGRIFRPPXXX"):
        assert text in invoice_text
    assert "Atelier Dupont & Fils" in invoice_text
    assert "69003 Lyon" in invoice_text
    assert "France" in invoice_text
    assert "Bank transfer within 30 days." in invoice_text
    assert "Thank you for your business." in invoice_text
    assert "Page 1 of 1" in invoice_text


def test_a_credit_line_keeps_its_minus_sign(invoice_text: str) -> None:
    assert "-40,00 € 20 % -40,00 € -8,00 € -48,00 €" in invoice_text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr_FR", "1 234,56 €"),
        ("en_US", "€1,234.56"),
        ("de_DE", "1.234,56 €"),
        ("xx_NOWHERE", "€1,234.56"),  # unknown: en_US
    ],
)
def test_amounts_are_written_for_the_customer_locale(
    locale: str, expected: str, tmp_path: Path
) -> None:
    doc = document([item("Consulting", "1", "1234.56", "0")])
    text = spaced(pdf_text(render_pdf(printable(doc, locale=locale)), tmp_path))
    assert f"Total incl. tax {expected}" in text


def test_markup_in_a_description_is_printed_as_text(tmp_path: Path) -> None:
    doc = document([item("Setup <b>& tuning", "1", "10.00")])
    html = render_html(printable(doc))
    assert "Setup &lt;b&gt;&amp; tuning" in html
    assert "<b>" not in html
    assert "Setup <b>& tuning" in pdf_text(render_pdf(printable(doc)), tmp_path)


def test_a_credit_note_names_the_invoice_it_corrects_and_why(tmp_path: Path) -> None:
    doc = document(
        [item("Outage credit", "1", "100.00")],
        number="CN2026-00001",
        doc_type=DocType.CREDIT_NOTE,
        reason="Service outage on 3 March",
    )
    credit = printable(
        doc,
        locale="en_US",
        status=Status.ISSUED,
        credit_of_number="202601000042",
        account_balance=Money(Decimal("-100.00"), "EUR"),
    )
    text = spaced(pdf_text(render_pdf(credit), tmp_path))
    assert "Credit note" in text
    assert "CN2026-00001" in text
    assert "This credit note corrects invoice 202601000042." in text
    assert "Reason Service outage on 3 March" in text
    assert "Total credited €120.00" in text
    assert "Account balance (in credit) -€100.00" in text
    assert "Invoice balance" not in text
    assert "Please pay" not in text


def test_a_proforma_and_a_draft_say_what_they_are(tmp_path: Path) -> None:
    proforma = document([item("Annual plan", "1", "900.00")], doc_type=DocType.PROFORMA)
    text = spaced(pdf_text(render_pdf(printable(proforma, locale="en_US")), tmp_path))
    assert "Proforma invoice" in text
    assert "Amount due €1,080.00" in text
    draft = document([item("Annual plan", "1", "900.00")], number=None)
    text = spaced(pdf_text(render_pdf(printable(draft, status=Status.DRAFT)), tmp_path))
    assert "Invoice Draft" in text
    assert "This is a draft: it is not issued and nothing is to be paid yet." in text
    assert "Please pay" not in text


def test_a_paid_invoice_says_nothing_is_left_to_pay(tmp_path: Path) -> None:
    paid = printable(sample_invoice(), status=Status.PAID, open_amount=Money.zero("EUR"))
    text = spaced(pdf_text(render_pdf(paid), tmp_path))
    assert "Invoice balance 0,00 €" in text
    assert "Nothing is left to pay on this invoice." in text
    assert "Please pay" not in text


def test_a_void_invoice_asks_for_nothing(tmp_path: Path) -> None:
    void = printable(sample_invoice(), status=Status.VOID, locale="en_US")
    text = spaced(pdf_text(render_pdf(void), tmp_path))
    assert "This invoice is void: nothing is to be paid." in text
    assert "Please pay" not in text


def test_an_item_period_and_custom_fields_are_printed(tmp_path: Path) -> None:
    line = replace(
        item("Metered API calls", "1200", "0.01"),
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
    )
    doc = document([line], custom_fields={"PO number": "PO-7781"})
    text = spaced(pdf_text(render_pdf(printable(doc, locale="en_US")), tmp_path))
    assert "Feb 1, 2026 – Feb 28, 2026" in text
    assert "PO number PO-7781" in text


def test_the_partner_logo_from_a_data_uri_is_drawn(tmp_path: Path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if CI:
            pytest.fail("pdftoppm is missing: .ci/run installs poppler-utils")
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed")
    red = io.BytesIO()
    Image.new("RGB", (60, 60), (220, 0, 0)).save(red, format="PNG")
    logo = "data:image/png;base64," + base64.b64encode(red.getvalue()).decode()
    doc = sample_invoice()
    pdf = render_pdf(printable(doc, partner=partner(logo=logo)))
    (tmp_path / "logo.pdf").write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "30", "-f", "1", "-l", "1", "-singlefile", "logo.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.png") as page:
        colours = page.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert any(r > 200 and g < 40 and b < 40 for _count, (r, g, b) in colours)
