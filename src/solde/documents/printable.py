"""What a printed document is made of, its file name, and where partner templates live.

A `Printable` gathers everything the PDF shows that is not on the document itself: the
customer, the selling partner, the status and balances as of the day it is printed, the
locale. Callers (API, CLI, back office) build it from the unit of work; rendering does no I/O
besides reading templates.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from solde.billing.documents import DocType, Document, Status
from solde.domain.money import Money
from solde.ledger.customers import Customer
from solde.ledger.settings import Partner

#: The environment variable naming the folder of document templates.
TEMPLATE_DIR_VARIABLE = "SOLDE_TEMPLATE_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Printable:
    """A document ready to print: the document, who it is for, who sells, and how it stands.

    `open_amount` is the invoice balance now (what is left to pay on it); `account_balance`
    the customer's balance (positive: owes, negative: has credit), or None to leave it off;
    `locale` the customer's locale (`fr_FR`, from `Customer.locale(settings)`);
    `credit_of_number` the number of the invoice a credit note corrects."""

    document: Document
    customer: Customer
    partner: Partner
    status: Status
    open_amount: Money
    account_balance: Money | None
    locale: str
    credit_of_number: str | None = None


def pdf_filename(document: Document) -> str:
    """The file name a document is downloaded or attached under: `invoice-<number>.pdf`,
    `proforma-<number>.pdf`, `credit-note-<number>.pdf`, or `draft-<id>.pdf` before it has a
    number. Only letters, digits, dots, dashes and underscores."""
    if not document.number:
        return f"draft-{document.id}.pdf"
    kind = {DocType.PROFORMA: "proforma", DocType.CREDIT_NOTE: "credit-note"}.get(
        document.type, "invoice"
    )
    number = _UNSAFE.sub("-", document.number).strip(".-") or str(document.id)
    return f"{kind}-{number}.pdf"


def template_dir_from_env() -> Path | None:
    """The folder of document templates set by `SOLDE_TEMPLATE_DIR`, or None for the
    packaged default. It holds `default/` and `partner-<id>/` folders (docs/DOCUMENTS.md)."""
    value = os.environ.get(TEMPLATE_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None
