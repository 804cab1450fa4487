"""`solde export journal`: every posted transaction as a `ledger` or beancount journal, for
auditors (docs/JOURNAL.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from solde.cli.context import actor as cli_actor
from solde.cli.context import business_today, container, parse_day, unit_of_work
from solde.cli.exports import Output, app, write_out
from solde.downloads.journal import journal_file
from solde.exports.journal import JournalFormat

__all__ = ["app", "journal"]


@app.command("journal")
def journal(
    fmt: Annotated[
        JournalFormat,
        typer.Option("--format", "-f", help="ledger (ledger-cli, hledger) or beancount."),
    ] = JournalFormat.LEDGER,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The last day of transactions written (default today)."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The first day of transactions written; each customer's balance the day "
            "before opens the journal (default: from the first transaction).",
        ),
    ] = None,
    output: Output = None,
) -> None:
    """Write every posted transaction (through --to, from --from) as a plain-text accounting
    journal: one receivable account per customer, counter-accounts by type, so that `ledger
    bal` or `bean-check` reproduces every customer's balance."""
    start = parse_day(from_, "from")
    end = parse_day(to, "to")
    if end is None:
        with unit_of_work(write=False) as uow:
            end = business_today(uow)
    download = journal_file(container(), fmt, end=end, start=start, actor=cli_actor())
    write_out(download.chunks, output)
