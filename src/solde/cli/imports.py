"""`solde import`: filled in by the work on SPEC §13."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import customers, services, transactions and opening balances from CSV.")
