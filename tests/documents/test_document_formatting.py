"""How amounts, numbers, dates and addresses read on a document, and its file name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pdf_samples import customer, document, item, partner, printable, spaced

from solde.billing.documents import DocType
from solde.documents import pdf_filename
from solde.documents.context import address_lines, seller, tax_summary, template_context
from solde.documents.formatting import DocumentFormat
from solde.domain.money import Money
from solde.ledger.customers import Address

EUR = "EUR"


@pytest.mark.parametrize(
    ("locale", "amount", "expected"),
    [
        ("fr_FR", "1234.56", "1 234,56 €"),
        ("fr_FR", "-12.50", "-12,50 €"),
        ("en_US", "1234.56", "€1,234.56"),
        ("en_US", "-12.50", "-€12.50"),
        ("de_DE", "1234.56", "1.234,56 €"),
    ],
)
def test_an_amount_carries_its_currency_in_the_locale_pattern(
    locale: str, amount: str, expected: str
) -> None:
    assert spaced(DocumentFormat(locale).money(Money(Decimal(amount), EUR))) == expected


def test_other_currencies_keep_their_own_decimals() -> None:
    fmt = DocumentFormat("en_US")
    assert fmt.money(Money(Decimal("1234"), "JPY")) == "¥1,234"
    assert fmt.money(Money(Decimal("1.234"), "KWD")) == "KWD\xa01.234"
    assert fmt.money(Money(Decimal("-5"), "CHF")) == "-CHF\xa05.00"
    assert fmt.money(Money(Decimal("5"), "USD")) == "$5.00"


@pytest.mark.parametrize("code", ["xx_NOWHERE", "", None, "not a locale", "12"])
def test_an_unknown_locale_falls_back_to_en_us(code: str | None) -> None:
    fmt = DocumentFormat(code)
    assert fmt.code == "en_US"
    assert fmt.money(Money(Decimal("1234.56"), EUR)) == "€1,234.56"


def test_a_locale_may_be_written_with_a_dash() -> None:
    assert DocumentFormat("fr-FR").code == "fr_FR"


def test_unit_prices_keep_every_decimal_and_quantities_only_those_they_need() -> None:
    fmt = DocumentFormat("fr_FR")
    assert spaced(fmt.unit_price(Decimal("0.012500"), EUR)) == "0,0125 €"
    assert spaced(fmt.unit_price(Decimal("12"), EUR)) == "12,00 €"
    assert spaced(fmt.number(Decimal("1000.000000"))) == "1 000"
    assert fmt.number(Decimal("3.50")) == "3,5"
    assert fmt.number(Decimal("100")) == "100"
    assert spaced(fmt.percent(Decimal("5.5"))) == "5,5 %"
    assert DocumentFormat("en_US").percent(Decimal("20.0000")) == "20%"


def test_dates_and_periods_are_written_for_the_locale() -> None:
    fmt = DocumentFormat("fr_FR")
    assert fmt.date(dt.date(2026, 3, 10)) == "10 mars 2026"
    assert fmt.period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == "1 mars 2026 – 31 mars 2026"
    assert fmt.period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == "1 mars 2026"
    assert fmt.period(None, None) == ""
    assert DocumentFormat("en_US").date(dt.date(2026, 3, 10)) == "Mar 10, 2026"


def test_an_address_is_printed_line_by_line_with_the_country_named() -> None:
    fmt = DocumentFormat("de_DE")
    assert address_lines(customer().details.billing_address, fmt) == (
        "12 rue des Lilas",
        "Bâtiment B",
        "69003 Lyon",
        "Frankreich",
    )
    assert address_lines(Address(city="Lyon"), fmt) == ("Lyon",)
    assert address_lines(Address(), fmt) == ()


def test_the_tax_summary_adds_up_the_lines_per_rate() -> None:
    doc = document(
        [
            item("A", "1", "100.00", "20"),
            item("B", "1", "10.00", "5.5"),
            item("C", "1", "50.00", "20.0"),
            item("Credit", "1", "-30.00", "20"),
        ]
    )
    lines = tax_summary(doc, DocumentFormat("en_US"))
    assert [(line.rate, line.net, line.tax) for line in lines] == [
        ("20%", "€120.00", "€24.00"),
        ("5.5%", "€10.00", "€0.55"),
    ]


def test_a_logo_that_is_not_an_image_data_uri_is_left_off() -> None:
    assert seller(partner(logo="http://example.invalid/logo.png")).logo == ""
    assert seller(partner(logo="data:text/html;base64,PGI+")).logo == ""
    assert seller(partner(logo="data:image/png;base64,iVBO")).logo == "data:image/png;base64,iVBO"


def test_the_context_offers_exactly_the_documented_names() -> None:
    context = template_context(printable(document([item("A", "1", "1.00")])))
    assert set(context) == {
        "kind", "title", "number", "is_draft", "status", "status_label", "document_date",
        "due_date", "period", "credit_of_number", "reason", "note", "custom_fields",
        "currency", "locale", "seller", "buyer", "items", "tax_summary", "totals",
        "open_amount", "is_settled", "account_balance", "account_balance_side", "fmt",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("doc_type", "number", "expected"),
    [
        (DocType.ONE_TIME, "202601000001", "invoice-202601000001.pdf"),
        (DocType.RECURRING, "202601000002", "invoice-202601000002.pdf"),
        (DocType.CREDIT_NOTE, "CN2026-00001", "credit-note-CN2026-00001.pdf"),
        (DocType.PROFORMA, "PF2026-00001", "proforma-PF2026-00001.pdf"),
        (DocType.ONE_TIME, None, "draft-42.pdf"),
        (DocType.ONE_TIME, "INV/2026/7 é", "invoice-INV-2026-7.pdf"),
        (DocType.ONE_TIME, "../../etc/passwd", "invoice-etc-passwd.pdf"),
        (DocType.ONE_TIME, "///", "invoice-42.pdf"),
    ],
)
def test_the_file_name_says_what_the_document_is(
    doc_type: DocType, number: str | None, expected: str
) -> None:
    doc = document([item("A", "1", "1.00")], number=number, doc_type=doc_type)
    assert pdf_filename(doc) == expected
