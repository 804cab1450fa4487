"""A customer's statement in the back office (SPEC §11): the page of a period — opening
balance, every posted transaction with the balance after it, closing balance, totals — in
either mode (documents, or every transaction), and its downloads (JSON, CSV, XLSX, PDF).

The period and mode are read as the API reads them (`statement_period`: the last day defaults
to today, the first to the first day of the month three months before), so a page shows what
`GET /v1/customers/{id}/statement` answers. Everyone signed in may read a statement.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.values import as_date
from solde.downloads import statements as downloads
from solde.downloads.statements import StatementFormat
from solde.ledger import usecases as ledger
from solde.ledger.statements import (
    OTHER,
    Period,
    StatementMode,
    read_statement,
    statement_period,
)
from solde.web.context import Viewer, object_id, signed_in
from solde.web.forms import Form
from solde.web.labels import TYPE_LABELS
from solde.web.render import render
from solde.web.routes.lists import TYPED, list_url

router = APIRouter()
MODES = {
    StatementMode.DOCUMENTS: "Documents",
    StatementMode.TRANSACTIONS: "Every transaction",
}
FORMATS = {
    StatementFormat.PDF: "PDF",
    StatementFormat.CSV: "CSV",
    StatementFormat.XLSX: "XLSX",
    StatementFormat.JSON: "JSON",
}
#: How a line's type is named: the transaction types, and the daily sums of documents mode.
LINE_TYPES: dict[str, str] = {t.value: label for t, label in TYPE_LABELS.items()} | {OTHER: "Other"}


def _typed(request: Request) -> Form:
    return Form({n: request.query_params.get(n, "")[:TYPED] for n in ("from", "to", "mode")})


def _day(typed: str, field: str, errors: FieldErrors) -> date | None:
    if not typed.strip():
        return None
    try:
        return as_date(typed, field=field)
    except InvalidInput as exc:
        errors.absorb(exc)
        return None


def period_and_mode(form: Form, today: date) -> tuple[Period, StatementMode]:
    """The period and mode typed (defaults filled in), or `InvalidInput` naming each field
    that is wrong (`from`, `to`, `mode`)."""
    errors = FieldErrors()
    start = _day(form.get("from"), "from", errors)
    end = _day(form.get("to"), "to", errors)
    mode = StatementMode.DOCUMENTS
    if form.get("mode"):
        try:
            mode = StatementMode(form.get("mode"))
        except ValueError:
            errors.add("mode", "invalid_choice", "must be documents or transactions")
    errors.raise_if_any()
    return statement_period(today, start, end), mode


@router.get("/customers/{customer_id}/statement", include_in_schema=False)
def statement_page(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The customer's statement for the period and mode typed (by default the three months
    before this one up to today, documents)."""
    form = _typed(request)
    cid = object_id(customer_id, "customer")
    context: dict[str, Any] = {"statement": None, "downloads": {}}
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        today = viewer.today(uow)
        customer = ledger.get_customer(uow, cid)
        try:
            period, mode = period_and_mode(form, today)
        except InvalidInput as exc:
            form.failed(exc)
        else:
            form.values.update(
                {"from": period.start.isoformat(), "to": period.end.isoformat(), "mode": mode}
            )
            context["statement"] = read_statement(uow, cid, period, mode, as_of=today)
            context["downloads"] = {
                label: list_url(
                    f"/customers/{cid}/statement/download",
                    {"format": value.value, **form.values},
                )
                for value, label in FORMATS.items()
            }
    return render(
        request,
        "statements/show.html",
        viewer=viewer,
        fmt=fmt,
        status=422 if form.errors else 200,
        customer=customer,
        form=form,
        modes=MODES,
        line_types=LINE_TYPES,
        today=today,
        **context,
    )


@router.get("/customers/{customer_id}/statement/download", include_in_schema=False)
def statement_download(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The statement as a file: `format` json, csv, xlsx or pdf."""
    cid = object_id(customer_id, "customer")
    typed = request.query_params.get("format", "")[:TYPED]
    try:
        file_format = StatementFormat(typed)
    except ValueError:
        raise InvalidInput.single(
            "format", "invalid_choice", "the format must be json, csv, xlsx or pdf"
        ) from None
    with viewer.uow() as uow:
        period, mode = period_and_mode(_typed(request), viewer.today(uow))
        today = viewer.today(uow)
    file = downloads.statement_file(
        viewer.container, cid, period, mode, file_format, on=today, actor=viewer.actor
    )
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )
