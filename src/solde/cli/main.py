"""The `solde` command: every operator action, scriptable. Errors print one line, no traceback."""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from solde.cli import (
    admin,
    billing,
    customers,
    daily,
    dunning,
    events,
    exports,
    imports,
    invoice_groups,
    invoices,
    ledger,
    payments,
    reports,
    services,
    users,
)
from solde.domain.errors import InvalidInput, SoldeError

app = typer.Typer(
    name="solde",
    help="Customer balances and billing. Database: SOLDE_DATABASE_URL (default ./solde.db).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(admin.init)
app.command("serve")(admin.serve)
app.command("demo")(admin.demo)
app.command("backup")(admin.backup)
app.add_typer(admin.keys, name="api-key")
app.add_typer(admin.settings_app, name="settings")
app.add_typer(customers.app, name="customer")
app.add_typer(ledger.lines, name="line")
app.add_typer(ledger.transactions, name="transaction")
app.add_typer(invoices.app, name="invoice")
app.add_typer(invoices.credit_notes, name="credit-note")
app.add_typer(invoice_groups.app, name="invoice-group")
app.add_typer(payments.app, name="payment")
app.add_typer(services.app, name="service")
app.command("bill")(billing.bill)
app.add_typer(billing.app, name="billing-runs")
app.command("run-daily")(daily.run_daily)
app.command("simulate")(daily.simulate)
app.add_typer(dunning.app, name="dunning")
app.add_typer(events.app, name="events")
app.add_typer(reports.app, name="report")
app.add_typer(exports.app, name="export")
app.add_typer(imports.app, name="import")
app.add_typer(users.app, name="user")
app.command("balance")(ledger.balance)
app.command("settle")(ledger.settle)
app.command("allocate")(ledger.allocate)


def error_message(exc: BaseException) -> str:
    """One line that tells an operator what went wrong."""
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.message
    if isinstance(exc, SoldeError):
        return exc.message
    if isinstance(exc, ArgumentError):
        return f"SOLDE_DATABASE_URL is not a database URL: {_first_line(exc)}"
    if isinstance(exc, OperationalError | ProgrammingError):
        hint = "is the database reachable and initialised? see `solde init`"
        return f"database error: {_first_line(exc.orig)} ({hint})"
    if isinstance(exc, DBAPIError):
        return f"database error: {_first_line(exc.orig)}"
    return f"{type(exc).__name__}: {_first_line(exc)} (set SOLDE_DEBUG=1 for the traceback)"


def _first_line(exc: BaseException | None) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def run() -> None:
    """Entry point of the console script."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("SOLDE_DEBUG"):
            raise
        typer.echo(f"error: {error_message(exc)}", err=True)
        sys.exit(1)
