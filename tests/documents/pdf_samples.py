"""Sample documents to print, built directly (no database), and a pdftotext reader.

`pdf_text` runs `pdftotext -layout` (Debian package poppler-utils). With CI=true it must be
installed (.ci/run installs it); elsewhere the PDF tests skip with the reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from solde.billing.documents import DocState, DocType, Document, Item, Status
from solde.documents import Printable
from solde.domain.money import Money, money_sum
from solde.ledger.customers import Address, Customer, CustomerDetails
from solde.ledger.settings import Partner

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: Spaces Babel and pdftotext may write between digits and currency signs.
_SPACES = re.compile(r"[ \u00a0\u202f]+")
#: A small logo as partners keep it: an SVG mark in a data: URI.
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">'
    '<rect width="32" height="32" rx="7" fill="#2f5d8a"/>'
    '<path d="M21 10.5c-1.4-1.3-3.2-2-5.2-2-3.2 0-5.3 1.7-5.3 4.2 0 5.3 9.8 3.3 9.8 7.6 0 '
    '1.6-1.6 2.9-4.2 2.9-2.1 0-4-.8-5.4-2.3" fill="none" stroke="#fff" stroke-width="2.6" '
    'stroke-linecap="round"/><text x="40" y="22" font-family="DejaVu Sans" font-size="15" '
    'font-weight="bold" fill="#1f2933">solde</text></svg>'
)
LOGO = "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG.encode()).decode()


def item(description: str, quantity: str, unit_price: str, tax_rate: str = "20") -> Item:
    """An item with its amounts computed as SPEC §2 says (half-up per line)."""
    qty, price, rate = Decimal(quantity), Decimal(unit_price), Decimal(tax_rate)
    net = Money.round(qty * price, "EUR")
    tax = Money.round(net.amount * rate / 100, "EUR")
    return Item(description, qty, price, rate, net, tax, net + tax)


def document(
    items: list[Item],
    *,
    number: str | None = "202601000042",
    doc_type: DocType = DocType.ONE_TIME,
    **extra: object,
) -> Document:
    """A document of the given items with their totals."""
    fields: dict[str, object] = {
        "id": 42,
        "customer_id": 7,
        "type": doc_type,
        "state": DocState.ISSUED if number else DocState.DRAFT,
        "number": number,
        "document_date": dt.date(2026, 3, 10),
        "due_date": dt.date(2026, 4, 9),
        "currency": "EUR",
        "net": money_sum([i.net for i in items], "EUR"),
        "tax": money_sum([i.tax for i in items], "EUR"),
        "total": money_sum([i.gross for i in items], "EUR"),
        "items": tuple(items),
    }
    fields.update(extra)
    return Document(**fields)  # type: ignore[arg-type]


def customer(locale: str | None = "fr_FR") -> Customer:
    """A French company customer with a billing address."""
    address = Address("12 rue des Lilas", "Bâtiment B", "69003", "Lyon", None, "FR")
    details = CustomerDetails(
        name="Atelier Dupont & Fils",
        currency="EUR",
        email="compta@dupont.example",
        locale=locale,
        external_ref="DUP-0007",
        billing_address=address,
    )
    return Customer(id=7, details=details)


def partner(partner_id: int = 1, **extra: str) -> Partner:
    """A selling partner with address, tax id, bank details and a logo."""
    fields = {
        "name": "Solde Services SAS",
        "address": "4 place Bellecour\n69002 Lyon\nFrance",
        "tax_id": "FR12 345678901",
        "email": "billing@solde.example",
        "phone": "+33 4 00 00 00 00",
        "website": "solde.example",
        "bank_details": "IBAN FR76 3000 6000 0112 3456 7890 189\nBIC AGRIFRPPXXX",
        "payment_instructions": "Bank transfer within 30 days.\nNo discount for early payment.",
        "footer": "SAS au capital de 10 000 € · RCS Lyon 123 456 789",
        "logo": LOGO,
    }
    fields.update(extra)
    return Partner(partner_id, **fields)


def printable(doc: Document, *, locale: str = "fr_FR", **extra: object) -> Printable:
    """A printable of `doc` for the sample customer and partner, nothing paid yet."""
    fields: dict[str, object] = {
        "document": doc,
        "customer": customer(locale),
        "partner": partner(doc.partner_id),
        "status": Status.UNPAID,
        "open_amount": doc.total,
        "account_balance": doc.total + Money(Decimal("150.00"), "EUR"),
        "locale": locale,
    }
    fields.update(extra)
    return Printable(**fields)  # type: ignore[arg-type]


def sample_invoice() -> Document:
    """Four lines and a credit line, the way a finance team sees a monthly invoice."""
    lines = [
        item("Hosting plan Business — March 2026", "1", "1029.00"),
        item("Extra storage (GB)", "250", "0.0125"),
        item("Support hours", "3.5", "85.00"),
        item("Domain renewal solde.example", "1", "14.99", "5.5"),
        item("Credit: service outage on 3 March", "1", "-40.00"),
    ]
    return document(
        lines,
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        note="Thank you for your business.\nQuestions: billing@solde.example",
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text laid out as on the page (`pdftotext -layout`); pages split on `\\f`."""
    tool = shutil.which("pdftotext")
    if tool is None:
        if CI:
            pytest.fail("pdftotext is missing: .ci/run installs poppler-utils")
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode("utf-8")


def spaced(text: str) -> str:
    """Text with every kind of space (no-break, narrow no-break) as one plain space."""
    return _SPACES.sub(" ", text)
