"""PDFs of invoices, proformas and credit notes, one or many, for every surface (API, CLI,
back office): read what the document needs in one read-only unit of work, then render.

The invoice balance and the account balance printed are those at the end of the print day:
a document downloaded again after a payment shows what is still owed.

`solde.documents` (WeasyPrint, which needs the Pango system library) is imported only when a
PDF is asked for: a server without Pango runs everything else and answers PDF requests with
`Unavailable`.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from solde.billing import reading
from solde.billing.ports import BillingUnitOfWork
from solde.bootstrap import Container
from solde.domain.errors import SoldeError, Unavailable

if TYPE_CHECKING:
    from types import ModuleType

    from solde.documents import Printable


def _documents() -> ModuleType:
    """`solde.documents`, or `Unavailable` when WeasyPrint cannot load on this server."""
    try:
        return importlib.import_module("solde.documents")
    except (ImportError, OSError) as exc:
        raise Unavailable(
            f"PDFs cannot be made on this server ({type(exc).__name__}: {exc}); "
            "install Pango (see docs/OPERATIONS.md, Documents)"
        ) from None


@dataclass(frozen=True, slots=True)
class Pdf:
    """A rendered document and the file name to save it under."""

    filename: str
    content: bytes


def printable(uow: BillingUnitOfWork, document_id: int, *, on: date) -> Printable:
    """Everything the PDF of a document shows, read from the unit of work."""
    documents = _documents()
    doc = uow.documents.get(document_id)
    view = reading.describe(uow, doc, as_of=on)
    customer = uow.customers.get(doc.customer_id)
    settings = uow.settings.get()
    made: Printable = documents.Printable(
        document=doc,
        customer=customer,
        partner=settings.partner(doc.partner_id),
        status=view.status,
        open_amount=view.open_amount,
        account_balance=uow.balances.as_of(doc.customer_id, on).balance,
        locale=customer.locale(settings),
        credit_of_number=None if view.credit_of is None else view.credit_of.number,
    )
    return made


def document_pdf(container: Container, document_id: int, *, on: date, actor: str) -> Pdf:
    """The PDF of one document (`NotFound` for an unknown id)."""
    documents = _documents()
    with container.uow(actor=actor, write=False) as uow:
        item = printable(uow, document_id, on=on)
    content = documents.render_pdf(item, template_dir=documents.template_dir_from_env())
    return Pdf(documents.pdf_filename(item.document), content)


@dataclass(frozen=True, slots=True)
class Archive:
    """A ZIP of PDFs, and the documents that could not be read."""

    content: bytes
    count: int
    missing: tuple[tuple[int, str], ...]


def archive(container: Container, document_ids: Iterable[int], *, on: date, actor: str) -> Archive:
    """Every document's PDF in one ZIP archive, in the order given; unknown ids are listed
    in `missing` (and in a `missing.txt` inside the archive)."""
    _documents()  # Unavailable before anything is read
    buffer = io.BytesIO()
    missing: list[tuple[int, str]] = []
    count = 0
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for doc_id in document_ids:
            try:
                pdf = document_pdf(container, doc_id, on=on, actor=actor)
            except SoldeError as exc:
                missing.append((doc_id, exc.message))
                continue
            name = pdf.filename if pdf.filename not in names else f"{doc_id}-{pdf.filename}"
            names.add(name)
            zipped.writestr(name, pdf.content)
            count += 1
        if missing:
            zipped.writestr("missing.txt", "".join(f"{i}: {m}\n" for i, m in missing))
    return Archive(buffer.getvalue(), count, tuple(missing))
