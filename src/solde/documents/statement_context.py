"""A customer statement as a printed document (SPEC §11, §14): the values its template
receives, formatted for the customer's locale, and its rendering to HTML and PDF.

The template `statement.html` is looked up like `invoice.html` (the partner's folder, the
company default, the packaged default) and includes the same `style.css`: a partner that
restyles its invoices restyles its statements too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solde.documents.context import Buyer, Seller, buyer, seller
from solde.documents.fetching import DataOnlyFetcher
from solde.documents.formatting import DocumentFormat
from solde.documents.printing import _environment, html_to_pdf, template_folders
from solde.domain.money import Money
from solde.ledger.customers import Customer
from solde.ledger.settings import Partner
from solde.ledger.statements import OTHER, Statement, StatementLine, StatementMode

#: The template a statement is printed with.
STATEMENT_TEMPLATE = "statement.html"
TITLE = "Statement of account"
MODE_LABELS = {
    StatementMode.DOCUMENTS: "Documents and payments",
    StatementMode.TRANSACTIONS: "Every transaction",
}


@dataclass(frozen=True, slots=True)
class PrintableStatement:
    """A statement ready to print: the statement, who it is for, who sells, in which locale
    (the customer's, from `Customer.locale(settings)`)."""

    statement: Statement
    customer: Customer
    partner: Partner
    locale: str


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """One line of a statement, formatted."""

    date: str
    type: str
    label: str
    reference: str
    debit: str
    credit: str
    balance: str
    is_credit: bool
    is_other: bool


def statement_context(printable: PrintableStatement) -> dict[str, Any]:
    """Everything the statement template prints, formatted for the customer's locale."""
    st = printable.statement
    fmt = DocumentFormat(printable.locale)
    seller_: Seller = seller(printable.partner)
    buyer_: Buyer = buyer(printable.customer, fmt)
    return {
        "title": TITLE,
        "locale": fmt.code,
        "currency": st.currency,
        "mode": st.mode.value,
        "mode_label": MODE_LABELS[st.mode],
        "period": fmt.period(st.period.start, st.period.end),
        "period_start": fmt.date(st.period.start),
        "period_end": fmt.date(st.period.end),
        "as_of": fmt.date(st.as_of),
        "seller": seller_,
        "buyer": buyer_,
        "opening_balance": fmt.money(st.opening_balance),
        "closing_balance": fmt.money(st.closing_balance),
        "closing_side": side(st.closing_balance),
        "total_debit": fmt.money(st.total_debit),
        "total_credit": fmt.money(st.total_credit),
        "lines": tuple(printed_line(line, fmt) for line in st.lines),
        "fmt": fmt,
    }


def printed_line(line: StatementLine, fmt: DocumentFormat) -> PrintedLine:
    """One statement line as printed: its reference is the document number, else the
    payment reference (each once)."""
    parts = (line.document_number, line.reference)
    reference = " · ".join(dict.fromkeys(part for part in parts if part))
    return PrintedLine(
        date=fmt.date(line.date),
        type=line.type,
        label=line.label,
        reference=reference,
        debit=fmt.money(line.debit),
        credit=fmt.money(line.credit),
        balance=fmt.money(line.balance),
        is_credit=line.credit is not None,
        is_other=line.type == OTHER,
    )


def side(balance: Money) -> str:
    """`due` when the customer owes, `credit` when it has credit, `settled` at zero."""
    if balance.is_zero():
        return "settled"
    return "due" if balance.is_positive() else "credit"


def render_statement_html(
    printable: PrintableStatement, *, template_dir: Path | None = None
) -> str:
    """The statement as HTML, from the partner's template (or the default)."""
    folders = template_folders(template_dir, printable.partner.id)
    template = _environment(folders).get_template(STATEMENT_TEMPLATE)
    return template.render(statement_context(printable))


def render_statement_pdf(
    printable: PrintableStatement, *, template_dir: Path | None = None
) -> bytes:
    """The statement as an A4 PDF; nothing outside it is fetched but `data:` URIs."""
    html = render_statement_html(printable, template_dir=template_dir)
    return html_to_pdf(html, DataOnlyFetcher())
