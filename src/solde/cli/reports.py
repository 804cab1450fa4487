"""`solde report`: the reports of the dashboard."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.cli.context import business_today, console, print_json, print_table, unit_of_work
from solde.ledger import reports

app = typer.Typer(help="Reports: balances per currency.", no_args_is_help=True)

#: The totals of a currency as the table names them, and their field in the JSON.
_TOTALS = (
    ("customers", "customers"),
    ("owing", "owing"),
    ("in credit", "in_credit"),
    ("settled", "settled"),
    ("owed (Σ positive balances)", "owed"),
    ("credit (Σ negative balances)", "credit"),
    ("balance", "balance"),
    ("awaiting confirmation", "awaiting_confirmation"),
)


@app.command("balances")
def balances(
    months: Annotated[
        int, typer.Option(help="Points of the history: the last N-1 month ends, then today.")
    ] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per currency: customers owing, in credit and settled, the totals of today, and the net
    balance at the end of each of the last months."""
    with unit_of_work(write=False) as uow:
        report = reports.balance_report(uow, on=business_today(uow), months=months)
    data = views.balance_report(report)
    if as_json:
        print_json(data)
        return
    if not data["currencies"]:
        typer.echo(f"No customers as of {data['as_of']}.")
    for summary in data["currencies"]:
        _print_summary(summary, data["as_of"])


def _print_summary(summary: dict[str, Any], as_of: str) -> None:
    """The totals of one currency, then its net balance at each month end."""
    currency = summary["currency"]
    print_table(
        f"{currency} on {as_of}",
        ["", currency],
        [[label, summary[name]] for label, name in _TOTALS],
        right=[currency],
    )
    print_table(
        f"{currency}: net balance at the end of each month",
        ["end of", "balance"],
        [[point["date"], point["balance"]] for point in summary["history"]],
        right=["balance"],
    )
    console.print()
