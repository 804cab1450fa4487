"""`solde export statement`: a customer's statement for a period (SPEC §11) as JSON, CSV, XLSX
or PDF, on standard output or in a file."""

from __future__ import annotations

from typing import Annotated

import typer

from solde.cli.context import actor, business_today, container, customer_id, parse_day, unit_of_work
from solde.cli.exports import Output, app, write_out
from solde.downloads import statements as downloads
from solde.downloads.statements import StatementFormat
from solde.ledger.statements import StatementMode, statement_period

__all__ = ["app"]


@app.command("statement")
def statement(
    customer: Annotated[str, typer.Argument(help="The customer's id or external reference.")],
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First day, YYYY-MM-DD (default: the first day of the month three months "
            "before the month of --to).",
        ),
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default today).")
    ] = None,
    mode: Annotated[
        StatementMode,
        typer.Option(
            "--mode",
            help="documents: invoices, credit notes, payments, refunds and chargebacks one "
            "line each, the other postings of a day summed; transactions: every posting.",
        ),
    ] = StatementMode.DOCUMENTS,
    format_: Annotated[
        StatementFormat,
        typer.Option("--format", "-f", help="json, csv, xlsx or pdf (xlsx and pdf need -o FILE)."),
    ] = StatementFormat.JSON,
    output: Output = None,
) -> None:
    """A customer's statement: the opening balance, every posted transaction of the period
    with the balance after it, the closing balance and the totals. Pending payments and
    unbilled lines are not on it."""
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if format_ is StatementFormat.PDF:
        downloads.check_pdf()
    with unit_of_work(write=False) as uow:
        cid = customer_id(uow, customer)
        today = business_today(uow)
        period = statement_period(today, start, end)
    file = downloads.statement_file(
        container(), cid, period, mode, format_, on=today, actor=actor()
    )
    size = write_out([file.content], output, binary=format_.is_binary)
    if output is not None:
        typer.echo(f"wrote {output} ({size} bytes)")
