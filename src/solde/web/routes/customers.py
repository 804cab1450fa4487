"""Customers: the list with search and filters, the customer page, create and edit."""

from __future__ import annotations

from datetime import date
from math import ceil
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from solde.domain.errors import InvalidInput
from solde.domain.values import as_date
from solde.downloads import customers as customer_download
from solde.exports.tabular import ExportFormat
from solde.ledger import usecases
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.model import PaymentMethod, State, Transaction
from solde.ledger.ports import (
    MAX_OFFSET,
    BalanceFilter,
    CustomerQuery,
    CustomerSort,
    TransactionQuery,
)
from solde.settlement.actions import allowed_actions
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web import customer_form
from solde.web.actions import Outcome, Screen, form_page, submit
from solde.web.charts import balance_bar
from solde.web.context import Viewer, object_id, signed_in, wants_fragment, writer
from solde.web.forms import Form, Reader, checked, choice
from solde.web.labels import (
    METHOD_LABELS,
    SERVICE_STATUS_COLOURS,
    SERVICE_STATUS_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from solde.web.render import error_page, render
from solde.web.routes.dunning import calendar_section
from solde.web.routes.invoices import export_format, finance_documents, streamed
from solde.web.routes.services import services_of

router = APIRouter()
PAGE_SIZE = 25
#: How many transactions of each kind the customer page shows before "Show all".
SHOWN = 10
SORTS = {
    CustomerSort.NEWEST: "Newest first",
    CustomerSort.NAME: "Name",
    CustomerSort.BALANCE_DESC: "Owes most",
    CustomerSort.BALANCE_ASC: "Most credit",
    CustomerSort.OLDEST: "Oldest first",
}
BALANCES = {
    BalanceFilter.OWES: "Owes",
    BalanceFilter.CREDIT: "In credit",
    BalanceFilter.SETTLED: "Settled",
}
#: Sections of the customer page: title, states shown, states of "Show all".
SECTIONS = (
    ("open", "Open transactions", frozenset({State.OPEN})),
    ("pending", "Awaiting bank confirmation", frozenset({State.PENDING})),
    ("unbilled", "Unbilled lines", frozenset({State.UNBILLED})),
    ("closed", "Closed transactions", frozenset({State.CLOSED, State.BILLED})),
    ("void", "Cancelled and failed", frozenset({State.VOID})),
)


#: The last page a list can show (offsets stop at `MAX_OFFSET`).
LAST_PAGE = MAX_OFFSET // PAGE_SIZE + 1


def _page_number(text: str) -> int:
    """The page asked for, kept between the first and the last a list can show."""
    number = int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 10 else 1
    return min(max(1, number), LAST_PAGE)


#: The list's filters, as named in its query string (and its export's).
FILTERS = ("q", "segment", "currency", "payment_method", "status", "balance", "sort")


def _filters(request: Request) -> Form:
    return Form({n: request.query_params.get(n, "")[:200] for n in (*FILTERS, "page")})


def _list_url(filters: Form, path: str = "/customers", **extra: str) -> str:
    """`path` with the list's filters (not its page) and `extra` in its query string."""
    params = {**{n: filters.get(n) for n in FILTERS if filters.get(n)}, **extra}
    return path + ("?" + urlencode(params) if params else "")


def _query(filters: Form, page: int) -> CustomerQuery:
    return CustomerQuery.from_filters(
        text=filters.text("q"),
        segment=filters.text("segment"),
        currency=filters.text("currency"),
        payment_method=_enum(PaymentMethod, filters.get("payment_method")),
        status=_enum(CustomerStatus, filters.get("status")),
        balance=_enum(BalanceFilter, filters.get("balance")),
        sort=CustomerSort(choice(filters.get("sort"), list(CustomerSort), CustomerSort.NEWEST)),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )


def _enum(kind: Any, value: str) -> Any:
    return kind(value) if value in {e.value for e in kind} else None


@router.get("/customers", include_in_schema=False)
def customer_list(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Customers found by name, e-mail or reference, filtered, sorted and paged."""
    filters = _filters(request)
    page = _page_number(filters.get("page"))
    rows: list[tuple[Customer, Any]] = []
    total = 0
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        try:
            query = _query(filters, page)
            found = usecases.list_customers(uow, query)
            total = usecases.count_customers(uow, query)
            balances = uow.balances.get_many([c.id for c in found.items])
            rows = [(c, balances[c.id]) for c in found.items]
        except InvalidInput as exc:
            filters.failed(exc)
    pages = max(1, ceil(total / PAGE_SIZE))
    template = (
        "customers/_results.html"
        if wants_fragment(request, "customer-results")
        else "customers/list.html"
    )
    return render(
        request,
        template,
        viewer=viewer,
        fmt=fmt,
        filters=filters,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        last=min(total, page * PAGE_SIZE),
        sorts=SORTS,
        balances=BALANCES,
        methods=METHOD_LABELS,
        statuses=STATUS_LABELS,
        page_url=lambda n: _page_url(request, n),
        export_url=lambda f: _list_url(filters, "/customers/export", format=f),
        export_formats=list(ExportFormat),
    )


@router.get("/customers/export", include_in_schema=False)
def customer_export(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Every customer matching the list's filters, in its order, as a CSV, JSON or XLSX file
    (the Export buttons of the list). Filters that cannot be read send the user back to the
    list, which names them."""
    filters = _filters(request)
    fmt = export_format(request.query_params.get("format"))
    if fmt is None:
        return error_page(request, 422, "Export as csv, json or xlsx.", viewer=viewer)
    try:
        query = _query(filters, 1)
    except InvalidInput:
        return RedirectResponse(_list_url(filters), status_code=303)
    with viewer.uow() as uow:
        today = viewer.today(uow)
    chunks = customer_download.stream(viewer.container, query, fmt, actor=viewer.actor)
    return streamed(chunks, customer_download.file_name(today, fmt), fmt)


def _page_url(request: Request, number: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(number)
    return "/customers?" + urlencode({k: v for k, v in params.items() if v})


# -- one customer ---------------------------------------------------------------------------


def _as_of(request: Request, today: date) -> tuple[date, str | None]:
    text = request.query_params.get("as_of", "")
    if not text:
        return today, None
    try:
        day = as_date(text[:20], field="as_of")
    except InvalidInput as exc:
        return today, exc.errors[0].message
    return day, None


def customer_context(
    uow: SqlUnitOfWork, customer_id: int, *, as_of: date | None, today: date
) -> dict[str, Any]:
    """Everything the customer page shows: details, settings, the balance card (today or as of
    a past day), its services and the transactions by section, with the allocations that
    settled them."""
    customer = usecases.get_customer(uow, customer_id)
    settings = uow.settings.get()
    day = as_of or today
    balance = usecases.get_balance(uow, customer_id, as_of=day)
    sections: list[dict[str, Any]] = []
    shown_txs: list[Transaction] = []
    for key, title, states in SECTIONS:
        limit = 50 if key == "pending" else SHOWN
        page = usecases.list_transactions(
            uow, TransactionQuery(customer_id=customer_id, states=states, limit=limit)
        )
        shown_txs.extend(page.items)
        sections.append({"key": key, "title": title, "items": page.items, "more": page.has_more})
    links = uow.allocations.links(customer_id, [t.id for t in shown_txs])
    actions = allowed_actions(uow, shown_txs)
    return {
        "customer": customer,
        "billing": customer.billing_settings(settings),
        "inherited": set(customer.details.billing.inherited()),
        "balance": balance,
        "bar": balance_bar(balance.debit, balance.credit),
        "as_of": day,
        "is_today": day >= today,
        "today": today,
        "sections": sections,
        "links": links,
        "actions": actions,
        "billing_inputs": customer_form.BILLING_INPUTS,
        "shown": customer_form.shown,
        "methods": METHOD_LABELS,
        "statuses": STATUS_LABELS,
        "type_labels": TYPE_LABELS,
        "services": services_of(uow, customer_id, today),
        "service_statuses": SERVICE_STATUS_LABELS,
        "service_colours": SERVICE_STATUS_COLOURS,
        **finance_documents(uow, customer_id, as_of=day),
    }


# -- create and edit ------------------------------------------------------------------------


def _customer_screen(uow: SqlUnitOfWork, viewer: Viewer, customer_id: int | None) -> Screen:
    customer = None
    if customer_id is not None:
        customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    settings = uow.settings.get()
    context = {
        "customer": customer,
        "has_entries": customer is not None and uow.customers.has_entries(customer.id),
        "billing_inputs": customer_form.BILLING_INPUTS,
        "defaults": customer_form.defaults_shown(settings.billing, viewer.format(uow)),
        "address_labels": customer_form.ADDRESS_LABELS,
        "methods": METHOD_LABELS,
        "statuses": STATUS_LABELS,
        "currencies": customer_form.CURRENCY_HINT,
        "default_locale": settings.default_locale,
    }
    back = "/customers" if customer is None else f"/customers/{customer.id}"
    return Screen("customers/form.html", back, context)


@router.get("/customers/new", include_in_schema=False)
def new_customer_form(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The form of a new customer."""
    return form_page(
        request,
        viewer,
        lambda uow: _customer_screen(uow, viewer, None),
        lambda uow, _screen: customer_form.blank(uow.settings.get().default_currency),
    )


@router.post("/customers/new", include_in_schema=False)
def create_customer(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Open a customer account; settings left on Default follow the company's defaults."""
    viewer = posted[0]

    def act(uow: SqlUnitOfWork, reader: Reader, _today: date) -> Outcome:
        values, faults = customer_form.new_values(reader.form, reader.locale)
        customer = checked(faults, lambda: usecases.create_customer(uow, values))
        return Outcome(f"Customer {customer.name} created.", to=f"/customers/{customer.id}")

    return submit(request, posted, lambda uow: _customer_screen(uow, viewer, None), act)


@router.get("/customers/{customer_id}/edit", include_in_schema=False)
def edit_customer_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The customer's details and billing settings, ready to change."""
    return form_page(
        request,
        viewer,
        lambda uow: _customer_screen(uow, viewer, customer_id),
        lambda uow, screen: customer_form.initial(screen.context["customer"], viewer.format(uow)),
    )


@router.post("/customers/{customer_id}/edit", include_in_schema=False)
def update_customer(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Save what changed; nothing is saved when anything is wrong."""
    viewer = posted[0]

    def act(uow: SqlUnitOfWork, reader: Reader, _today: date) -> Outcome:
        customer = usecases.get_customer(uow, customer_id)
        values, faults = customer_form.changes(reader.form, customer, reader.locale)
        checked(faults, lambda: values and usecases.update_customer(uow, customer.id, values))
        to = f"/customers/{customer_id}"
        return Outcome("Customer saved." if values else "Nothing changed.", to=to)

    return submit(request, posted, lambda uow: _customer_screen(uow, viewer, customer_id), act)


@router.get("/customers/{customer_id}", include_in_schema=False)
def customer_page(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The customer page: balance card, transactions, billing settings, the dunning calendar
    (as of `dunning_as_of`, else the page's date), actions."""
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        today = viewer.today(uow)
        day, as_of_error = _as_of(request, today)
        context = customer_context(uow, object_id(customer_id, "customer"), as_of=day, today=today)
        typed = request.query_params.get("dunning_as_of", "")[:20]
        context.update(calendar_section(uow, customer_id, typed, default=day))
    template = "customers/show.html"
    if wants_fragment(request, "customer-main"):
        template = "customers/_main.html"
    return render(request, template, viewer=viewer, fmt=fmt, as_of_error=as_of_error, **context)
