"""Invoices and proformas: issue, list with the filters of SPEC §12, read, edit, PDF, void,
mark as sent, convert a proforma, cancel a customer's last recurring invoice."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from solde import pdfs
from solde.api.context import Caller, cursor, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.common import PageOut
from solde.api.schemas.invoices import (
    ConvertIn,
    DayParam,
    InvoiceCreate,
    InvoiceOut,
    InvoiceUpdate,
    VoidIn,
    invoice_out,
)
from solde.billing import editing, reading
from solde.billing import usecases as billing
from solde.billing.documents import INVOICE_TYPES, Document, Status
from solde.billing.ports import BillingUnitOfWork, Compare, InvoiceQuery, Listed
from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.values import check_date
from solde.downloads import invoices as invoice_download
from solde.exports.tabular import ExportFormat
from solde.ledger.ports import MAX_PAGE

customer_router = APIRouter(
    prefix="/v1/customers/{customer_id}", tags=["invoices"], route_class=ExactJSONRoute
)
router = APIRouter(prefix="/v1/invoices", tags=["invoices"], route_class=ExactJSONRoute)

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document as a PDF file (`Content-Disposition: attachment`)",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}

#: The files a list endpoint answers with `format=` (its page answer is its JSON schema).
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of the list; with `format`, the whole list as a file "
        "(`Content-Disposition: attachment`)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            ExportFormat.XLSX.media_type: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
#: The `format` parameter of an exportable list.
FORMAT_DESCRIPTION = (
    "Answer with the whole filtered list (not a page: `limit`, `offset` and `starting_after` "
    "are ignored) as a file to download: csv, json (an array of rows) or xlsx"
)


def export_response(chunks: Iterable[bytes], name: str, fmt: ExportFormat) -> StreamingResponse:
    """An export streamed as a download named `name`."""
    return StreamingResponse(
        iter(chunks),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- presenting -----------------------------------------------------------------------------


def present(uow: BillingUnitOfWork, doc: Document, as_of: date) -> InvoiceOut:
    """An invoice or proforma with its status, balance and links at the end of `as_of`."""
    return invoice_out(reading.describe(uow, doc, as_of=as_of))


def present_row(uow: BillingUnitOfWork, row: Listed, as_of: date) -> InvoiceOut:
    """A row of the invoices list: the status and invoice balance the filter saw."""
    return invoice_out(reading.describe_row(uow, row, as_of=as_of))


def _as_of(today: date, value: date | None) -> date:
    return check_date(value or today, field="as_of")


# -- the filters of the invoices list -------------------------------------------------------

COMPARED = ("invoice_balance", "account_balance")
_COMPARISON = re.compile(r"(invoice_balance|account_balance)\[([a-z]{1,3})\]")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,14}(\.[0-9]{1,4})?")
#: A comparison's amount as the OpenAPI document declares it.
COMPARISON_PATTERN = r"^[+-]?[0-9]{1,14}(\.[0-9]{1,4})?$"
INVOICE_STATUSES = tuple(s for s in Status if s is not Status.ISSUED)


def comparison_parameters() -> list[dict[str, Any]]:
    """The bracketed query parameters of the invoices list, for the OpenAPI document."""
    what = {
        "invoice_balance": "the invoice balance (what is left to pay on it)",
        "account_balance": "the customer's balance now",
    }
    return [
        {
            "name": f"{name}[{op.value}]",
            "in": "query",
            "required": False,
            "description": f"Keep invoices whose {what[name]} is {op.value} this amount, in "
            "major units of the invoice's currency (at most 4 decimals)",
            "schema": {"type": "string", "pattern": COMPARISON_PATTERN, "examples": ["0"]},
        }
        for name in COMPARED
        for op in Compare
    ]


def _amount(value: object, field: str, errors: FieldErrors) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        text = None
    else:
        text = str(value).strip()
    if text is None or not _AMOUNT.fullmatch(text):
        errors.add(
            field,
            "invalid_amount",
            "must be an amount in major units like 0 or 120.50 (at most 14 digits before "
            "the point and 4 after)",
        )
        return None
    return Decimal(text)


def comparisons(
    pairs: Iterable[tuple[str, object]], *, prefix: str = ""
) -> dict[str, tuple[tuple[Compare, Decimal], ...]]:
    """The `invoice_balance[op]` and `account_balance[op]` comparisons among `pairs` (query
    parameters or the members of a `filters` object); a bad operator or amount is invalid
    input naming the parameter."""
    found: dict[str, list[tuple[Compare, Decimal]]] = {name: [] for name in COMPARED}
    errors = FieldErrors()
    for key, value in pairs:
        if key.split("[", 1)[0] not in COMPARED:
            continue
        field = prefix + key[:60]
        match = _COMPARISON.fullmatch(key)
        ops = {c.value for c in Compare}
        if match is None or match.group(2) not in ops:
            errors.add(
                field,
                "invalid_comparison",
                "write invoice_balance[op] or account_balance[op] with op one of: "
                + ", ".join(sorted(ops)),
            )
            continue
        amount = _amount(value, field, errors)
        if amount is not None:
            found[match.group(1)].append((Compare(match.group(2)), amount))
    errors.raise_if_any()
    return {name: tuple(items) for name, items in found.items()}


def choices(values: Iterable[str] | None, field: str, allowed: Iterable[str]) -> frozenset[str]:
    """Values of a repeatable filter (`type=a&type=b` or `type=a,b`), each one of `allowed`."""
    names = tuple(allowed)
    chosen: set[str] = set()
    for value in values or ():
        for part in str(value).split(","):
            name = part.strip()
            if not name:
                continue
            if name not in names:
                raise InvalidInput.single(
                    field, "invalid_choice", f"{name[:30]!r} is not one of: {', '.join(names)}"
                )
            chosen.add(name)
    return frozenset(chosen)


def invoice_query(
    *,
    as_of: date,
    customer_id: int | None = None,
    types: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    group_id: int | None = None,
    number: str | None = None,
    currency: str | None = None,
    compared: Iterable[tuple[str, object]] = (),
    limit: int = 20,
    starting_after: int | None = None,
    prefix: str = "",
) -> InvoiceQuery:
    """The query of the invoices list from its filters (`prefix` names where they came from,
    e.g. `filters.`)."""
    for field, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None:
            check_date(day, field=prefix + field)
    found = comparisons(compared, prefix=prefix)
    return InvoiceQuery(
        as_of=as_of,
        customer_id=None if customer_id is None else object_id(customer_id, "customer"),
        types=frozenset(
            d for d in INVOICE_TYPES if d.value in choices(types, prefix + "type", _TYPE_NAMES)
        ),
        statuses=frozenset(
            Status(s)
            for s in choices(statuses, prefix + "status", (s.value for s in INVOICE_STATUSES))
        ),
        date_from=date_from,
        date_to=date_to,
        group_id=None if group_id is None else object_id(group_id, "invoice group"),
        number=number or None,
        currency=currency.strip().upper() if currency else None,
        invoice_balance=found["invoice_balance"],
        account_balance=found["account_balance"],
        limit=limit,
        starting_after=starting_after,
    )


_TYPE_NAMES = tuple(d.value for d in INVOICE_TYPES)

# -- routes ---------------------------------------------------------------------------------


@customer_router.post(
    "/invoices", status_code=201, response_model=InvoiceOut, summary="Issue an invoice"
)
def create_invoice(
    customer_id: int, body: InvoiceCreate, caller: Caller = Depends(writer)
) -> InvoiceOut:
    """Issue a one-time or recurring invoice, or a proforma. An invoice is numbered, posted
    to the balance as one `invoice` debit of its total, bills the unbilled lines it loads and
    is settled at once from existing credit (`paid_from_balance`). A proforma has its own
    numbering and does not touch the balance."""
    with caller.uow() as uow:
        on = caller.today(uow)
        doc = billing.create_invoice(uow, object_id(customer_id, "customer"), body.values(), on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out


@customer_router.post(
    "/cancel-last-recurring-invoice",
    response_model=InvoiceOut,
    summary="Cancel the last recurring invoice",
)
def cancel_last_recurring(
    customer_id: int, body: VoidIn | None = None, caller: Caller = Depends(writer)
) -> InvoiceOut:
    """Void the customer's latest recurring invoice when nothing is settled on it, so that its
    period can be billed again. Returns the void invoice."""
    values = body.values() if body is not None else {}
    with caller.uow() as uow:
        on = caller.today(uow)
        doc = billing.cancel_last_recurring(uow, object_id(customer_id, "customer"), values, on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out


@router.get(
    "",
    response_model=PageOut[InvoiceOut] | list[dict[str, Any]],
    summary="List invoices",
    responses=EXPORT_RESPONSES,
    openapi_extra={"parameters": comparison_parameters()},
)
def list_invoices(
    request: Request,
    caller: Caller = Depends(reader),
    customer_id: int | None = None,
    type: list[str] | None = Query(
        None, description="one_time, recurring, proforma; repeat or separate with commas"
    ),
    status: list[str] | None = Query(
        None,
        description="Status as of `as_of`: draft, unpaid, pending, partially_paid, paid, "
        "overdue, void, converted; repeat or separate with commas",
    ),
    date_from: DayParam | None = Query(None, description="Document date on or after"),
    date_to: DayParam | None = Query(None, description="Document date on or before"),
    group_id: int | None = Query(None, description="Invoices of this invoice group"),
    number: str | None = Query(None, max_length=40, description="Number contains this text"),
    currency: str | None = Query(None, max_length=3),
    as_of: DayParam | None = Query(None, description="Statuses as of the end of this day (today)"),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20),
    format_: ExportFormat | None = Query(None, alias="format", description=FORMAT_DESCRIPTION),
) -> PageOut[InvoiceOut] | Response:
    """Invoices and proformas, newest first. Besides the filters below, compare the invoice
    balance or the customer's account balance with `invoice_balance[op]=amount` and
    `account_balance[op]=amount`, op one of eq, lt, lte, gt, gte (e.g. paid invoices of
    customers in credit: `invoice_balance[eq]=0&account_balance[lt]=0`). Each row's `status`
    is as of `as_of`; its `open_amount` is today's invoice balance. With `format`, every
    matching invoice as a CSV, JSON or XLSX file (docs/EXPORTS.md)."""
    with caller.uow(write=False) as uow:
        day = _as_of(caller.today(uow), as_of)
        query = invoice_query(
            as_of=day,
            customer_id=customer_id,
            types=type,
            statuses=status,
            date_from=date_from,
            date_to=date_to,
            group_id=group_id,
            number=number,
            currency=currency,
            compared=request.query_params.multi_items(),
            limit=limit,
            starting_after=None if format_ else cursor(starting_after),
        )
        if format_ is not None:
            invoice_download.check(uow, query)
            name = invoice_download.file_name(caller.today(uow), format_)
            chunks = invoice_download.stream(caller.container, query, format_, actor=caller.actor)
            return export_response(chunks, name, format_)
        page = reading.list_invoices(uow, query)
        data = [present_row(uow, row, day) for row in page.items]
    after = str(page.items[-1].document.id) if page.has_more and page.items else None
    return PageOut[InvoiceOut](data=data, has_more=page.has_more, next_cursor=after)


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="Get an invoice")
def get_invoice(
    invoice_id: int,
    caller: Caller = Depends(reader),
    as_of: DayParam | None = Query(None, description="Status and balance at the end of this day"),
) -> InvoiceOut:
    """One invoice or proforma with its status, invoice balance, payments and credit notes
    (as of today, or the end of `as_of`). A credit note's id is 404 here."""
    with caller.uow(write=False) as uow:
        day = _as_of(caller.today(uow), as_of)
        doc = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        return present(uow, doc, day)


_NOT_NULL = ("document_date", "due_date")


@router.patch("/{invoice_id}", response_model=InvoiceOut, summary="Change an invoice")
def update_invoice(
    invoice_id: int, body: InvoiceUpdate, caller: Caller = Depends(writer)
) -> InvoiceOut:
    """Change what the invoice's status allows: every field while nothing is settled on it
    (items or date changes repost it); note, memo, dates, number and custom fields once partly
    paid; note, memo and custom fields once paid; nothing once void. A refused change answers
    409 `not_editable` with `editable_fields` (what may still change) and `refused_fields`."""
    changes = body.values()
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise InvalidInput.single(name, "required", "cannot be null")
    with caller.uow() as uow:
        on = caller.today(uow)
        doc_id = billing.get_invoice(uow, object_id(invoice_id, "invoice")).id
        doc = editing.update_invoice(uow, doc_id, changes, on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Download an invoice as PDF",
)
def invoice_pdf(invoice_id: int, caller: Caller = Depends(reader)) -> Response:
    """The invoice or proforma as a PDF, with its invoice balance and the customer's account
    balance at the end of today."""
    with caller.uow(write=False) as uow:
        doc = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        on = caller.today(uow)
    return pdf_response(caller, doc.id, on)


def pdf_response(caller: Caller, document_id: int, on: date) -> Response:
    """The PDF of a document, as a download."""
    pdf = pdfs.document_pdf(caller.container, document_id, on=on, actor=caller.actor)
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'},
    )


@router.post("/{invoice_id}/void", response_model=InvoiceOut, summary="Void an invoice")
def void_invoice(
    invoice_id: int, body: VoidIn | None = None, caller: Caller = Depends(writer)
) -> InvoiceOut:
    """Mark an invoice or proforma as deleted while nothing is settled on it: its transaction
    is cancelled by a reversal dated `date`, its unbilled lines wait for the next invoice
    again, its number stays used. Refused (409) once part is paid, with credit notes or with
    a payment awaiting the bank: correct it with a credit note instead."""
    values = body.values() if body is not None else {}
    with caller.uow() as uow:
        on = caller.today(uow)
        doc_id = billing.get_invoice(uow, object_id(invoice_id, "invoice")).id
        doc = billing.void_invoice(uow, doc_id, values, on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out


@router.post("/{invoice_id}/send", response_model=InvoiceOut, summary="Mark an invoice as sent")
def send_invoice(invoice_id: int, caller: Caller = Depends(writer)) -> InvoiceOut:
    """Record that the invoice was sent to the customer (`sent_at`; the first time counts).
    E-mail delivery through SMTP is not built yet: this records the sending only."""
    with caller.uow() as uow:
        on = caller.today(uow)
        doc_id = billing.get_invoice(uow, object_id(invoice_id, "invoice")).id
        doc = billing.mark_sent(uow, doc_id, at=datetime.now(UTC))
        out = present(uow, doc, on)
        uow.commit()
    return out


@router.post(
    "/{invoice_id}/convert",
    status_code=201,
    response_model=InvoiceOut,
    summary="Convert a proforma to an invoice",
)
def convert_proforma(
    invoice_id: int, body: ConvertIn | None = None, caller: Caller = Depends(writer)
) -> InvoiceOut:
    """Issue a one-time invoice with the proforma's items, dated `date` (default today); the
    proforma becomes `converted` and names it (`converted_to`). Returns the new invoice."""
    values = body.values() if body is not None else {}
    with caller.uow() as uow:
        on = caller.today(uow)
        doc_id = billing.get_invoice(uow, object_id(invoice_id, "invoice")).id
        doc = billing.convert_proforma(uow, doc_id, values, on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out
