"""The Lists of the back office (SPEC §12): balance by customer and receivables, with their
filters, sortable columns, pages (Next and Previous walk the list by its cursor) and the
Export buttons that download the whole filtered list as CSV, JSON or XLSX.

Filters are read by the lists' own `from_filters`, as the API and the command line read them,
so a page refuses exactly what they refuse, each fault next to its field. A download streams
from `solde.downloads.lists`: a list of a million customers is never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from solde.domain.errors import InvalidInput
from solde.downloads import lists as downloads
from solde.exports.tabular import ExportFormat
from solde.ledger.lists import (
    BalanceListQuery,
    BalanceSort,
    Bucket,
    ReceivableSort,
    ReceivablesQuery,
    Scope,
)
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.context import Viewer, signed_in
from solde.web.forms import Form
from solde.web.labels import METHOD_LABELS, STATUS_LABELS
from solde.web.render import render

router = APIRouter()
#: Customers a page shows.
PAGE_SIZE = 50
#: Earlier pages "Previous" remembers (further back, it returns to the first page).
TRAIL = 100
#: What a filter value may hold before it is cut (the lists refuse longer ones anyway).
TYPED = 200
FORMATS = {ExportFormat.CSV: "CSV", ExportFormat.JSON: "JSON", ExportFormat.XLSX: "XLSX"}
_COMMON = ("q", "segment", "currency", "payment_method", "status", "as_of", "sort", "desc")
SCOPES = {
    Scope.OWING: "Customers who owe",
    Scope.NONZERO: "Any balance but zero",
    Scope.ALL: "Every customer",
}
#: How the message above a list names each filter (the inputs' labels).
FIELD_LABELS = {
    "q": "Search",
    "segment": "Segment",
    "currency": "Currency",
    "payment_method": "Payment method",
    "status": "Status",
    "min_lines": "Lines at least",
    "stale_only": "Stale only",
    "as_of": "As of",
    "scope": "Customers",
    "min_overdue": "Overdue by",
    "sort": "Sort",
    "desc": "Order",
    "starting_after": "Page",
}
OVERDUE = {
    Bucket.D1_30: "1 day or more",
    Bucket.D31_60: "31 days or more",
    Bucket.D61_90: "61 days or more",
    Bucket.OVER_90: "over 90 days",
}


@dataclass(frozen=True, slots=True)
class Heading:
    """A column of a list: its title, the order it sorts by (None: not sortable), whether it
    holds figures, and whether its first click sorts descending (largest, latest first)."""

    title: str
    sort: str | None = None
    num: bool = False
    first_desc: bool = False


@dataclass(frozen=True, slots=True)
class ListPage:
    """One list of the Lists menu: where it is, what it filters on, how its query is read
    and its file named and made."""

    path: str
    title: str
    template: str
    filters: tuple[str, ...]
    sorts: frozenset[str]
    headings: tuple[Heading, ...]
    read: Callable[[Mapping[str, object], date], Any]
    name: Callable[[Any, ExportFormat], str]
    file: Callable[..., Iterable[bytes]]


BALANCE_HEADINGS = (
    Heading("Customer", BalanceSort.NAME),
    Heading("Currency"),
    Heading("Segment"),
    Heading("Payment method"),
    Heading("Lines", BalanceSort.UNBILLED_COUNT, num=True, first_desc=True),
    Heading("Unbilled excl. tax", num=True),
    Heading("Unbilled incl. tax", BalanceSort.UNBILLED_GROSS, num=True, first_desc=True),
    Heading("First line", BalanceSort.FIRST_LINE_DATE),
    Heading("Last line", BalanceSort.LAST_LINE_DATE, first_desc=True),
    Heading("Balance", BalanceSort.BALANCE, num=True, first_desc=True),
    Heading("Stale", BalanceSort.STALE, first_desc=True),
)
RECEIVABLE_HEADINGS = (
    Heading("Customer", ReceivableSort.NAME),
    Heading("Balance", ReceivableSort.BALANCE, num=True, first_desc=True),
    Heading("Open debit", ReceivableSort.DEBIT, num=True, first_desc=True),
    Heading("Open credit", ReceivableSort.CREDIT, num=True),
    Heading("Awaiting the bank", ReceivableSort.AWAITING, num=True, first_desc=True),
    Heading("Not due", ReceivableSort.NOT_DUE, num=True, first_desc=True),
    Heading("1–30 days", ReceivableSort.D1_30, num=True, first_desc=True),
    Heading("31–60 days", ReceivableSort.D31_60, num=True, first_desc=True),
    Heading("61–90 days", ReceivableSort.D61_90, num=True, first_desc=True),
    Heading("Over 90 days", ReceivableSort.OVER_90, num=True, first_desc=True),
)

BALANCE = ListPage(
    path="/lists/balance-by-customer",
    title="Balance by customer",
    template="lists/balance.html",
    filters=(*_COMMON, "min_lines", "stale_only"),
    sorts=frozenset(BalanceSort),
    headings=BALANCE_HEADINGS,
    read=lambda values, today: BalanceListQuery.from_filters(values, today=today),
    name=downloads.balance_by_customer_name,
    file=downloads.balance_by_customer_file,
)
RECEIVABLES = ListPage(
    path="/lists/receivables",
    title="Receivables",
    template="lists/receivables.html",
    filters=(*_COMMON, "scope", "min_overdue"),
    sorts=frozenset(ReceivableSort),
    headings=RECEIVABLE_HEADINGS,
    read=lambda values, today: ReceivablesQuery.from_filters(values, today=today),
    name=downloads.receivables_name,
    file=downloads.receivables_file,
)


# -- reading the address --------------------------------------------------------------------


def typed_filters(request: Request, names: Iterable[str]) -> Form:
    """The filters of a list as typed in its address (cut to a sane length)."""
    return Form({name: request.query_params.get(name, "")[:TYPED] for name in names})


def _trail(text: str) -> list[str]:
    """The cursors of the earlier pages ("0": the first page); anything else is forgotten."""
    parts = text[: TRAIL * 21].split(",") if text else []
    if all(p.isascii() and p.isdigit() and len(p) <= 19 for p in parts):
        return parts[-TRAIL:]
    return []


def list_url(path: str, params: Mapping[str, str]) -> str:
    """The address of a list with these parameters (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a page is in its list, and the addresses of the pages around it."""

    filters: dict[str, str]
    cursor: str
    trail: list[str]
    path: str

    def next_url(self, last_id: int) -> str:
        """The page after this one (it starts after the customer `last_id`)."""
        trail = [*self.trail, self.cursor or "0"][-TRAIL:]
        params = {**self.filters, "starting_after": str(last_id), "trail": ",".join(trail)}
        return list_url(self.path, params)

    def previous_url(self) -> str | None:
        """The page before this one (None on the first page)."""
        if not self.cursor:
            return None
        before = self.trail[-1] if self.trail else "0"
        params = {
            **self.filters,
            "starting_after": "" if before == "0" else before,
            "trail": ",".join(self.trail[:-1]),
        }
        return list_url(self.path, params)

    def first_url(self) -> str:
        """The first page of the list, as filtered."""
        return list_url(self.path, self.filters)

    def sort_url(self, heading: Heading, sort: str, desc: bool) -> str:
        """The first page sorted by `heading`: the other direction when it is the order
        already, else its first direction."""
        flipped = (not desc) if sort == heading.sort else heading.first_desc
        params = {**self.filters, "sort": str(heading.sort), "desc": "true" if flipped else ""}
        return list_url(self.path, params)

    def export_url(self, fmt: ExportFormat) -> str:
        """The whole filtered list as a file."""
        return list_url(f"{self.path}/export", {"format": fmt.value, **self.filters})


# -- the pages ------------------------------------------------------------------------------

#: Reads one page of a list (and what it shows besides) for a valid query.
FillRows = Callable[[SqlUnitOfWork, Any], dict[str, Any]]


def _show(request: Request, viewer: Viewer, page: ListPage, fill: FillRows) -> Response:
    filters = typed_filters(request, page.filters)
    cursor = request.query_params.get("starting_after", "")[:TYPED].strip()
    paging = Paging(
        {k: v for k, v in filters.values.items() if v},
        cursor,
        _trail(request.query_params.get("trail", "")),
        page.path,
    )
    context: dict[str, Any] = {"rows": [], "has_more": False, "query": None, "totals": []}
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        today = viewer.today(uow)
        try:
            values = {**filters.values, "limit": str(PAGE_SIZE), "starting_after": cursor}
            query = page.read(values, today)
            context.update(fill(uow, query), query=query)
        except InvalidInput as exc:
            filters.failed(exc)
    sort = filters.get("sort") if filters.get("sort") in page.sorts else "name"
    return render(
        request,
        page.template,
        viewer=viewer,
        fmt=fmt,
        status=422 if filters.errors or filters.error else 200,
        page=page,
        filters=filters,
        paging=paging,
        sort=sort,
        desc=filters.get("desc").lower() in ("true", "1", "yes", "on"),
        today=today,
        formats=FORMATS,
        methods=METHOD_LABELS,
        statuses=STATUS_LABELS,
        scopes=SCOPES,
        overdue=OVERDUE,
        field_labels=FIELD_LABELS,
        **context,
    )


def _balance_rows(uow: SqlUnitOfWork, query: BalanceListQuery) -> dict[str, Any]:
    found = uow.lists.balance_page(query)
    return {"rows": found.items, "has_more": found.has_more}


def _receivable_rows(uow: SqlUnitOfWork, query: ReceivablesQuery) -> dict[str, Any]:
    found = uow.lists.receivables_page(query)
    return {
        "rows": found.items,
        "has_more": found.has_more,
        "totals": uow.lists.receivables_totals(query),
    }


@router.get("/lists", include_in_schema=False)
def lists_home(viewer: Viewer = Depends(signed_in)) -> Response:
    """The Lists menu opens on balance by customer."""
    return RedirectResponse(BALANCE.path, status_code=303)


@router.get("/lists/balance-by-customer", include_in_schema=False)
def balance_by_customer(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Each customer's unbilled lines (count, totals excluding and including tax, first and
    last dates), its balance and whether it is stale; filtered, sorted, a page at a time."""
    return _show(request, viewer, BALANCE, _balance_rows)


@router.get("/lists/receivables", include_in_schema=False)
def receivables(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """What each customer owes at the end of a day, its open debit aged by days past due,
    with the totals per currency of the filtered list."""
    return _show(request, viewer, RECEIVABLES, _receivable_rows)


# -- the downloads --------------------------------------------------------------------------


def download(chunks: Iterable[bytes], name: str, media_type: str) -> StreamingResponse:
    """A file streamed to the browser as a download named `name`."""
    return StreamingResponse(
        iter(chunks),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def export_format(request: Request) -> ExportFormat:
    """The format asked for by `format`, or `InvalidInput` naming it."""
    typed = request.query_params.get("format", "")[:TYPED]
    try:
        return ExportFormat(typed)
    except ValueError:
        raise InvalidInput.single(
            "format", "invalid_choice", "the format must be csv, json or xlsx"
        ) from None


def _export(request: Request, viewer: Viewer, page: ListPage) -> Response:
    fmt = export_format(request)
    filters = typed_filters(request, page.filters)
    with viewer.uow() as uow:
        query = page.read(filters.values, viewer.today(uow))
    chunks = page.file(viewer.container, query, fmt, actor=viewer.actor)
    return download(chunks, page.name(query, fmt), fmt.media_type)


@router.get("/lists/balance-by-customer/export", include_in_schema=False)
def export_balance_by_customer(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Every customer of the filtered balance-by-customer list, in its order, as a file."""
    return _export(request, viewer, BALANCE)


@router.get("/lists/receivables/export", include_in_schema=False)
def export_receivables(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Every customer of the filtered receivables list, in its order, as a file."""
    return _export(request, viewer, RECEIVABLES)
