"""`solde export invoices` and `solde export customers`: the two lists of the back office as
CSV, JSON or XLSX files, with the same filters as `solde invoice list` and `solde customer
list` (SPEC §12). Every matching row is written, streamed, never one page."""

from __future__ import annotations

from typing import Annotated

import typer

from solde.cli.context import actor, container, unit_of_work
from solde.cli.customers import (
    BalanceOpt,
    CurrencyOpt,
    MethodFilter,
    SearchFilter,
    SegmentFilter,
    SortOpt,
    StatusOpt,
)
from solde.cli.exports import Output, app, write_out
from solde.cli.invoices import (
    AccountBalanceFilter,
    AsOfOpt,
    CurrencyFilter,
    CustomerFilter,
    FromFilter,
    GroupFilter,
    InvoiceBalanceFilter,
    NumberFilter,
    StatusFilter,
    ToFilter,
    TypeFilter,
    invoice_query,
)
from solde.downloads import customers as customer_download
from solde.downloads import invoices as invoice_download
from solde.exports.tabular import ExportFormat
from solde.ledger.ports import CustomerQuery, CustomerSort

__all__ = ["app"]

Format = Annotated[
    ExportFormat,
    typer.Option(
        "--format",
        "-f",
        help="csv, json or xlsx (an xlsx file is not printed to a terminal: -o FILE).",
    ),
]


def _written(output: object, size: int) -> None:
    if output is not None:
        typer.echo(f"wrote {output} ({size} bytes)")


@app.command("invoices")
def invoices(
    customer: CustomerFilter = None,
    type_: TypeFilter = None,
    status: StatusFilter = None,
    date_from: FromFilter = None,
    date_to: ToFilter = None,
    group: GroupFilter = None,
    number: NumberFilter = None,
    currency: CurrencyFilter = None,
    invoice_balance: InvoiceBalanceFilter = None,
    account_balance: AccountBalanceFilter = None,
    as_of: AsOfOpt = None,
    format_: Format = ExportFormat.CSV,
    output: Output = None,
) -> None:
    """Every invoice and proforma matching the filters of `solde invoice list`, newest first,
    with its status and invoice balance as of --as-of, its customer and the customer's
    balance now (columns: docs/EXPORTS.md)."""
    with unit_of_work(write=False) as uow:
        query = invoice_query(
            uow, customer=customer, types=type_, statuses=status, date_from=date_from,
            date_to=date_to, group=group, number=number, currency=currency,
            invoice_balance=invoice_balance, account_balance=account_balance, as_of=as_of,
        )  # fmt: skip
        invoice_download.check(uow, query)
    chunks = invoice_download.stream(container(), query, format_, actor=actor())
    _written(output, write_out(chunks, output, binary=format_ is ExportFormat.XLSX))


@app.command("customers")
def customers(
    segment: SegmentFilter = None,
    currency: CurrencyOpt = None,
    payment_method: MethodFilter = None,
    status: StatusOpt = None,
    search: SearchFilter = None,
    balance: BalanceOpt = None,
    sort: SortOpt = CustomerSort.NEWEST,
    format_: Format = ExportFormat.CSV,
    output: Output = None,
) -> None:
    """Every customer matching the filters of `solde customer list`, in the order of --sort,
    with its balance card now and its billing settings (columns: docs/EXPORTS.md)."""
    query = CustomerQuery.from_filters(
        segment=segment,
        currency=currency,
        payment_method=payment_method,
        status=status,
        text=search,
        balance=balance,
        sort=sort,
    )
    chunks = customer_download.stream(container(), query, format_, actor=actor())
    _written(output, write_out(chunks, output, binary=format_ is ExportFormat.XLSX))
