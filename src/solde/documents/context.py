"""The values a document template receives, already formatted for the customer's locale.

Templates get plain text and small read-only records, never the kept objects: what a template
can print is exactly what is listed here and in docs/DOCUMENTS.md (an internal memo, for one,
is never offered).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from solde.billing.documents import DocType, Document, Item
from solde.documents.formatting import DocumentFormat
from solde.documents.printable import Printable
from solde.domain.money import Money
from solde.ledger.customers import Address, Customer
from solde.ledger.settings import Partner

TITLES = {
    DocType.ONE_TIME: "Invoice",
    DocType.RECURRING: "Invoice",
    DocType.PROFORMA: "Proforma invoice",
    DocType.CREDIT_NOTE: "Credit note",
}
_LOGO_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/svg+xml;base64,")


@dataclass(frozen=True, slots=True)
class Seller:
    """The selling partner as printed."""

    name: str
    address_lines: tuple[str, ...]
    tax_id: str
    email: str
    phone: str
    website: str
    logo: str  # a data: URI, or "" for none
    bank_details_lines: tuple[str, ...]
    payment_instructions_lines: tuple[str, ...]
    footer: str


@dataclass(frozen=True, slots=True)
class Buyer:
    """The customer as printed."""

    customer_id: int
    name: str
    address_lines: tuple[str, ...]
    email: str
    reference: str


@dataclass(frozen=True, slots=True)
class Row:
    """One item line, formatted."""

    description: str
    period: str
    quantity: str
    unit_price: str
    tax_rate: str
    net: str
    tax: str
    gross: str
    is_credit: bool


@dataclass(frozen=True, slots=True)
class Totals:
    """The document's totals, formatted."""

    net: str
    tax: str
    gross: str


@dataclass(frozen=True, slots=True)
class TaxLine:
    """Net and tax of the items at one tax rate, formatted."""

    rate: str
    net: str
    tax: str


def template_context(printable: Printable) -> dict[str, Any]:
    """Everything the document template prints, formatted for the customer's locale."""
    doc = printable.document
    fmt = DocumentFormat(printable.locale)
    balance = printable.account_balance
    return {
        "kind": doc.type.numbering,
        "title": TITLES[doc.type],
        "number": doc.number or "Draft",
        "is_draft": doc.number is None,
        "status": printable.status.value,
        "status_label": printable.status.value.replace("_", " ").capitalize(),
        "document_date": fmt.date(doc.document_date),
        "due_date": fmt.date(doc.due_date),
        "period": fmt.period(doc.period_start, doc.period_end),
        "credit_of_number": printable.credit_of_number,
        "reason": doc.reason or "",
        "note": doc.note or "",
        "custom_fields": tuple(sorted(doc.custom_fields.items())),
        "currency": doc.currency,
        "locale": fmt.code,
        "seller": seller(printable.partner),
        "buyer": buyer(printable.customer, fmt),
        "items": tuple(row(item, doc.currency, fmt) for item in doc.items),
        "tax_summary": tax_summary(doc, fmt),
        "totals": Totals(fmt.money(doc.net), fmt.money(doc.tax), fmt.money(doc.total)),
        "open_amount": fmt.money(printable.open_amount),
        "is_settled": printable.open_amount.is_zero(),
        "account_balance": fmt.money(balance) if balance is not None else None,
        "account_balance_side": _side(balance),
        "fmt": fmt,
    }


def seller(partner: Partner) -> Seller:
    """The partner's details as printed; a logo that is not an image data: URI is left off."""
    logo = partner.logo if partner.logo.startswith(_LOGO_PREFIXES) else ""
    return Seller(
        name=partner.name,
        address_lines=_lines(partner.address),
        tax_id=partner.tax_id,
        email=partner.email,
        phone=partner.phone,
        website=partner.website,
        logo=logo,
        bank_details_lines=_lines(partner.bank_details),
        payment_instructions_lines=_lines(partner.payment_instructions),
        footer=partner.footer,
    )


def buyer(customer: Customer, fmt: DocumentFormat) -> Buyer:
    """The customer's name and billing address as printed, the country named in the locale."""
    details = customer.details
    return Buyer(
        customer_id=customer.id,
        name=details.name,
        address_lines=address_lines(details.billing_address, fmt),
        email=details.email or "",
        reference=details.external_ref or "",
    )


def address_lines(address: Address, fmt: DocumentFormat) -> tuple[str, ...]:
    """A postal address as lines: street lines, postal code and city, region, country."""
    town = " ".join(part for part in (address.postal_code, address.city) if part)
    parts = (address.line1, address.line2, town, address.region, fmt.country(address.country))
    return tuple(part for part in parts if part)


def row(item: Item, currency: str, fmt: DocumentFormat) -> Row:
    """One item as printed; a credit line keeps its minus sign."""
    return Row(
        description=item.description,
        period=fmt.period(item.period_start, item.period_end),
        quantity=fmt.number(item.quantity),
        unit_price=fmt.unit_price(item.unit_price, currency),
        tax_rate=fmt.percent(item.tax_rate),
        net=fmt.money(item.net),
        tax=fmt.money(item.tax),
        gross=fmt.money(item.gross),
        is_credit=item.gross.is_negative(),
    )


def tax_summary(doc: Document, fmt: DocumentFormat) -> tuple[TaxLine, ...]:
    """Net and tax per tax rate, highest rate first (sums of the lines, exact)."""
    zero = Money.zero(doc.currency)
    by_rate: dict[Decimal, tuple[Money, Money]] = {}
    for item in doc.items:
        rate = item.tax_rate.normalize()
        net, tax = by_rate.get(rate, (zero, zero))
        by_rate[rate] = (net + item.net, tax + item.tax)
    return tuple(
        TaxLine(rate=fmt.percent(rate), net=fmt.money(net), tax=fmt.money(tax))
        for rate, (net, tax) in sorted(by_rate.items(), reverse=True)
    )


def _side(balance: Money | None) -> str | None:
    if balance is None:
        return None
    if balance.is_zero():
        return "settled"
    return "due" if balance.is_positive() else "credit"


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())
