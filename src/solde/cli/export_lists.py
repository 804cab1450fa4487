"""`solde export balance-by-customer` and `solde export receivables`: the lists of SPEC §12 as
CSV, JSON or XLSX files, with the filters and orders of the API and the back office."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde.cli.context import actor, business_today, container, unit_of_work
from solde.cli.exports import Output, app, write_out
from solde.downloads import lists as downloads
from solde.exports.tabular import ExportFormat
from solde.ledger.lists import BalanceListQuery, BalanceSort, ReceivableSort, ReceivablesQuery

__all__ = ["app"]

Format = Annotated[
    ExportFormat,
    typer.Option("--format", "-f", help="csv, json or xlsx (xlsx: -o FILE or a redirect)."),
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="The list as of the end of this day (default today).")
]
StaleAsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The day `stale` is judged on (default today); the figures are today's.",
    ),
]
Segment = Annotated[str | None, typer.Option("--segment", help="Only customers of this segment.")]
Currency = Annotated[
    str | None, typer.Option("--currency", help="Only customers of this currency.")
]
Method = Annotated[
    str | None,
    typer.Option(
        "--payment-method",
        help="Only customers paying by card, sepa_debit, bank_transfer, check, cash or other.",
    ),
]
Status = Annotated[
    str | None, typer.Option("--status", help="Only active, blocked or inactive customers.")
]
Search = Annotated[
    str | None, typer.Option("--search", "-q", help="Name, external reference or e-mail contains.")
]
Desc = Annotated[bool, typer.Option("--desc", help="Descending order.")]


def _sort_help(choices: Any) -> str:
    return "The order, then the customer id: " + ", ".join(c.value for c in choices) + "."


def _given(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@app.command("balance-by-customer")
def balance_by_customer(
    format_: Format,
    as_of: StaleAsOf = None,
    segment: Segment = None,
    currency: Currency = None,
    payment_method: Method = None,
    status: Status = None,
    search: Search = None,
    min_lines: Annotated[
        str | None, typer.Option("--min-lines", help="At least this many unbilled lines.")
    ] = None,
    stale_only: Annotated[
        bool,
        typer.Option(
            "--stale-only", help="Only customers with lines older than their billing day."
        ),
    ] = False,
    sort: Annotated[str, typer.Option("--sort", help=_sort_help(BalanceSort))] = "name",
    desc: Desc = False,
    output: Output = None,
) -> None:
    """Every customer with its unbilled lines (count, totals excluding and including tax,
    first and last dates), its balance, and whether it is stale."""
    filters = _given(
        as_of=as_of, segment=segment, currency=currency, payment_method=payment_method,
        status=status, q=search, min_lines=min_lines, stale_only=stale_only, sort=sort,
        desc=desc,
    )  # fmt: skip
    with unit_of_work(write=False) as uow:
        query = BalanceListQuery.from_filters(filters, today=business_today(uow))
    chunks = downloads.balance_by_customer_file(container(), query, format_, actor=actor())
    _written(write_out(chunks, output, binary=format_ is ExportFormat.XLSX), output)


@app.command("receivables")
def receivables(
    format_: Format,
    as_of: AsOf = None,
    segment: Segment = None,
    currency: Currency = None,
    payment_method: Method = None,
    status: Status = None,
    search: Search = None,
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="owing: customers whose balance is above zero; nonzero: any balance; "
            "all: every customer.",
        ),
    ] = "owing",
    min_overdue: Annotated[
        str | None,
        typer.Option(
            "--min-overdue",
            help="Only customers with an open debit in this bucket or an older one: "
            "d1_30, d31_60, d61_90, over_90.",
        ),
    ] = None,
    sort: Annotated[str, typer.Option("--sort", help=_sort_help(ReceivableSort))] = "name",
    desc: Desc = False,
    output: Output = None,
) -> None:
    """Per customer as of a day: balance, open debits and credits, payments awaiting
    confirmation, and the open debit aged by days past due (not due, 1-30, 31-60, 61-90,
    over 90). The file holds the customers' rows (the API's page adds totals per currency)."""
    filters = _given(
        as_of=as_of, segment=segment, currency=currency, payment_method=payment_method,
        status=status, q=search, scope=scope, min_overdue=min_overdue, sort=sort, desc=desc,
    )  # fmt: skip
    with unit_of_work(write=False) as uow:
        query = ReceivablesQuery.from_filters(filters, today=business_today(uow))
    chunks = downloads.receivables_file(container(), query, format_, actor=actor())
    _written(write_out(chunks, output, binary=format_ is ExportFormat.XLSX), output)


def _written(size: int, output: Any) -> None:
    if output is not None:
        typer.echo(f"wrote {output} ({size} bytes)")
