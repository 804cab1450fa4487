"""/v1/lists: balance by customer and receivables (SPEC §12), one page at a time or, with
`format`, the whole filtered list as a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from solde.api.context import Caller, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.routes.invoices import EXPORT_RESPONSES, export_response
from solde.api.schemas.common import next_cursor
from solde.api.schemas.invoices import DayParam
from solde.api.schemas.lists import (
    BalanceListOut,
    ReceivablesOut,
    balance_row_out,
    receivable_row_out,
    totals_out,
)
from solde.downloads import lists as downloads
from solde.exports.tabular import ExportFormat
from solde.ledger.customers import CustomerStatus
from solde.ledger.lists import (
    BalanceListQuery,
    BalanceSort,
    Bucket,
    ReceivableSort,
    ReceivablesQuery,
    Scope,
)
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import MAX_PAGE

router = APIRouter(prefix="/v1/lists", tags=["lists"], route_class=ExactJSONRoute)

_AS_OF = "The list as of the end of this day (default today)"
_CURSOR = "Cursor from `next_cursor`: the id of the last customer of the previous page"
_OVERDUE = [b.value for b in Bucket if b is not Bucket.NOT_DUE]


#: The `format` parameter of both lists (they page with a cursor, not an offset).
FORMAT_DESCRIPTION = (
    "Answer with the whole filtered list (not a page: `limit` and `starting_after` are "
    "ignored) as a file to download: csv, json (an array of rows) or xlsx"
)


def _given(**values: Any) -> dict[str, Any]:
    """The filters that were given, as the query's `from_filters` reads them."""
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Listing:
    """The parameters both lists share: the filters given, and the file format if any."""

    filters: dict[str, Any]
    format: ExportFormat | None


def listing(
    as_of: DayParam | None = Query(None, description=_AS_OF),
    segment: str | None = Query(None, max_length=100),
    currency: str | None = Query(None, max_length=3),
    payment_method: PaymentMethod | None = None,
    status: CustomerStatus | None = None,
    q: str | None = Query(None, max_length=200, description="Name, reference or e-mail contains"),
    desc: bool = Query(False, description="Descending order"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20, description=_CURSOR),
    format_: ExportFormat | None = Query(None, alias="format", description=FORMAT_DESCRIPTION),
) -> Listing:
    """The shared parameters of a list request (a file ignores the page's cursor)."""
    filters = _given(
        as_of=as_of, segment=segment, currency=currency, payment_method=payment_method,
        status=status, q=q, desc=desc, limit=limit,
        starting_after=None if format_ else starting_after,
    )  # fmt: skip
    return Listing(filters, format_)


@router.get(
    "/balance-by-customer",
    response_model=BalanceListOut | list[dict[str, Any]],
    summary="List the balance and unbilled lines of each customer",
    responses=EXPORT_RESPONSES,
)
def balance_by_customer(
    caller: Caller = Depends(reader),
    shared: Listing = Depends(listing),
    min_lines: int | None = Query(None, ge=0, description="At least this many unbilled lines"),
    stale_only: bool = Query(False, description="Only customers whose lines are stale"),
    sort: BalanceSort = Query(BalanceSort.NAME, description="The order (then the id)"),
) -> BalanceListOut | Response:
    """One row per customer: its unbilled lines (how many, their total excluding and
    including tax, the first and last line dates), its account balance, and `stale` — it has
    unbilled lines dated before its last billing day on or before `as_of`, a sign that its
    billing is disabled, done by hand or failing. Filters combine; amounts sort in minor units
    (filter by currency to compare them). With `format`, every matching customer as a CSV,
    JSON or XLSX file (docs/LISTS.md)."""
    filters = {**shared.filters, **_given(min_lines=min_lines, stale_only=stale_only, sort=sort)}
    format_ = shared.format
    with caller.uow(write=False) as uow:
        query = BalanceListQuery.from_filters(filters, today=caller.today(uow))
        if format_ is None:
            page = uow.lists.balance_page(query)
    if format_ is not None:
        name = downloads.balance_by_customer_name(query, format_)
        chunks = downloads.balance_by_customer_file(
            caller.container, query, format_, actor=caller.actor
        )
        return export_response(chunks, name, format_)
    return BalanceListOut(
        as_of=query.as_of,
        data=[balance_row_out(row) for row in page.items],
        has_more=page.has_more,
        next_cursor=next_cursor(page),
    )


@router.get(
    "/receivables",
    response_model=ReceivablesOut | list[dict[str, Any]],
    summary="List what each customer owes, aged by days past due",
    responses=EXPORT_RESPONSES,
)
def receivables(
    caller: Caller = Depends(reader),
    shared: Listing = Depends(listing),
    scope: Scope = Query(
        Scope.OWING,
        description="owing: balance above zero; nonzero: any balance; all: every customer",
    ),
    min_overdue: str | None = Query(
        None,
        description="Only customers with an open debit in this bucket or an older one",
        json_schema_extra={"enum": _OVERDUE},
    ),
    sort: ReceivableSort = Query(ReceivableSort.NAME, description="The order (then the id)"),
) -> ReceivablesOut | Response:
    """Per customer at the end of `as_of`: balance, open debits (`debit`, ≥ 0), open credits
    (`credit`, ≤ 0), payments awaiting bank confirmation, and the open debit aged by days
    past due — `not_due`, `d1_30`, `d31_60`, `d61_90`, `over_90`, which add up to `debit`. An
    invoice is due on its due date; any other debit on its own date. `totals` sums every
    column per currency over the whole filtered list. With `format`, every matching customer
    as a file (customer rows only; docs/LISTS.md)."""
    filters = {**shared.filters, **_given(scope=scope, min_overdue=min_overdue, sort=sort)}
    format_ = shared.format
    with caller.uow(write=False) as uow:
        query = ReceivablesQuery.from_filters(filters, today=caller.today(uow))
        if format_ is None:
            page = uow.lists.receivables_page(query)
            totals = uow.lists.receivables_totals(query)
    if format_ is not None:
        name = downloads.receivables_name(query, format_)
        chunks = downloads.receivables_file(caller.container, query, format_, actor=caller.actor)
        return export_response(chunks, name, format_)
    return ReceivablesOut(
        as_of=query.as_of,
        data=[receivable_row_out(row) for row in page.items],
        has_more=page.has_more,
        next_cursor=next_cursor(page),
        totals=[totals_out(t) for t in totals],
    )
