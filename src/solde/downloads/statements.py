"""A customer's statement (SPEC §11) as data or as a file, for the API, the CLI and the back
office: read in one read-only unit of work, then written as JSON, CSV, XLSX or PDF.

    period = statement_period(today, start, end)          # solde.ledger.statements
    statement = read(container, customer_id, period, StatementMode.DOCUMENTS,
                     on=today, actor=actor)
    download = statement_file(container, customer_id, period, StatementMode.DOCUMENTS,
                              StatementFormat.PDF, on=today, actor=actor)
    download.filename, download.media_type, download.content

A PDF needs WeasyPrint (`solde.documents`), imported only then: without it a PDF raises
`Unavailable` (503 in the API) and every other format still works.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import ModuleType

from solde.bootstrap import Container
from solde.domain.errors import Unavailable
from solde.exports.statement import statement_json, statement_table
from solde.exports.tabular import ExportFormat
from solde.ledger.statements import (
    Period,
    Statement,
    StatementMode,
    read_statement,
)
from solde.storage.unit_of_work import SqlUnitOfWork

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StatementFormat(StrEnum):
    """A file format a statement is downloaded in."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        """The HTTP content type of the file."""
        if self is StatementFormat.PDF:
            return "application/pdf"
        return ExportFormat(self.value).media_type

    @property
    def is_binary(self) -> bool:
        """True for the formats that are not text (never printed to a terminal)."""
        return self in (StatementFormat.XLSX, StatementFormat.PDF)


@dataclass(frozen=True, slots=True)
class Download:
    """A statement as a file: its name, content type and bytes."""

    filename: str
    media_type: str
    content: bytes


def read(
    container: Container,
    customer_id: int,
    period: Period,
    mode: StatementMode,
    *,
    on: date,
    actor: str,
) -> Statement:
    """The statement of one customer for `period`, made on `on` (`NotFound` for an unknown
    customer)."""
    with container.uow(actor=actor, write=False) as uow:
        return read_statement(uow, customer_id, period, mode, as_of=on)


def statement_file(
    container: Container,
    customer_id: int,
    period: Period,
    mode: StatementMode,
    fmt: StatementFormat,
    *,
    on: date,
    actor: str,
) -> Download:
    """The statement of one customer for `period` as a file of `fmt`."""
    if fmt is StatementFormat.PDF:
        check_pdf()
    with container.uow(actor=actor, write=False) as uow:
        return render(uow, read_statement(uow, customer_id, period, mode, as_of=on), fmt)


def render(uow: SqlUnitOfWork, statement: Statement, fmt: StatementFormat) -> Download:
    """A statement already read, as a file of `fmt`; a PDF reads the customer's partner and
    locale from `uow`."""
    name = filename(statement, fmt)
    if fmt is StatementFormat.JSON:
        content = statement_json(statement)
    elif fmt is StatementFormat.PDF:
        content = _pdf(uow, statement)
    else:
        content = b"".join(statement_table(statement, ExportFormat(fmt.value)))
    return Download(name, fmt.media_type, content)


def check_pdf() -> None:
    """`Unavailable` when this server cannot make PDFs (checked before anything is read)."""
    _documents()


def _documents() -> ModuleType:
    """`solde.documents`, or `Unavailable` when WeasyPrint cannot load on this server (as for
    invoices: see `solde.pdfs`)."""
    try:
        return importlib.import_module("solde.documents")
    except (ImportError, OSError) as exc:
        raise Unavailable(
            f"PDFs cannot be made on this server ({type(exc).__name__}: {exc}); "
            "install Pango (see docs/OPERATIONS.md, Documents)"
        ) from None


def _pdf(uow: SqlUnitOfWork, statement: Statement) -> bytes:
    documents = _documents()
    customer = uow.customers.get(statement.customer_id)
    settings = uow.settings.get()
    printable = documents.PrintableStatement(
        statement=statement,
        customer=customer,
        partner=settings.partner(customer.details.partner_id),
        locale=customer.locale(settings),
    )
    content: bytes = documents.render_statement_pdf(
        printable, template_dir=documents.template_dir_from_env()
    )
    return content


def filename(statement: Statement, fmt: StatementFormat) -> str:
    """The file name a statement is saved under: `statement-<customer>-<from>-<to>.<ext>`,
    the customer named by its external reference when it has one, else by its id. Only
    letters, digits, dots, dashes and underscores."""
    ref = _UNSAFE.sub("-", statement.external_ref or "").strip(".-")
    who = ref or str(statement.customer_id)
    start, end = statement.period.start.isoformat(), statement.period.end.isoformat()
    return f"statement-{who}-{start}-{end}.{fmt.value}"
