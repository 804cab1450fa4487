"""A customer's statement for a period (SPEC §11): JSON by default, or a CSV, XLSX or PDF
file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from solde.api.context import Caller, object_id, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.invoices import DayParam
from solde.api.schemas.statements import StatementOut
from solde.downloads import statements as downloads
from solde.downloads.statements import StatementFormat
from solde.exports.statement import statement_data
from solde.ledger.statements import StatementMode, read_statement, statement_period

router = APIRouter(prefix="/v1/customers", tags=["statements"], route_class=ExactJSONRoute)

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The statement: a JSON object (`format=json`, the default), or a file "
        "(`Content-Disposition: attachment`) for `format=csv`, `xlsx` or `pdf`",
        "content": {
            StatementFormat.CSV.media_type: {"schema": {"type": "string"}},
            StatementFormat.XLSX.media_type: {"schema": {"type": "string", "format": "binary"}},
            StatementFormat.PDF.media_type: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    503: {"description": "`format=pdf` on a server that cannot make PDFs (no Pango)"},
}


@router.get(
    "/{customer_id}/statement",
    response_model=StatementOut,
    responses=_FILES,
    summary="Get a customer's statement",
)
def get_statement(
    customer_id: int,
    caller: Caller = Depends(reader),
    from_: DayParam | None = Query(
        None,
        alias="from",
        description="The first day (default: the first day of the month three months before "
        "the month of `to`)",
    ),
    to: DayParam | None = Query(None, description="The last day (default today)"),
    mode: StatementMode = Query(
        StatementMode.DOCUMENTS,
        description="`documents`: invoices, credit notes, payments, refunds and chargebacks "
        "one line each, the other postings of a day summed; `transactions`: every posted "
        "transaction",
    ),
    fmt: StatementFormat = Query(
        StatementFormat.JSON,
        alias="format",
        description="`json` (the default), `csv`, `xlsx` or `pdf`",
    ),
) -> Any:
    """The customer's statement for [`from`, `to`] (both days included, at most ten years):
    the opening balance (end of the day before `from`), every posted transaction of the
    period in date order with the balance after it, the closing balance (end of `to`) and the
    totals of debits and credits. Payments awaiting bank confirmation and lines waiting for an
    invoice are not on it. A statement of a past period never changes: posted transactions
    are never edited. `404` for an unknown customer, `422` naming `from`, `to`, `mode` or
    `format`."""
    cid = object_id(customer_id, "customer")
    if fmt is StatementFormat.PDF:
        downloads.check_pdf()
    with caller.uow(write=False) as uow:
        today = caller.today(uow)
        period = statement_period(today, from_, to)
        statement = read_statement(uow, cid, period, mode, as_of=today)
        if fmt is StatementFormat.JSON:
            return StatementOut.model_validate(statement_data(statement))
        file = downloads.render(uow, statement, fmt)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )
