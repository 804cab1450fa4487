"""The same book as a plain-text `ledger` journal, and `ledger bal` over it.

Each posted transaction (open or closed: what counts in a balance) becomes one entry between
the customer's account `Customers:<id>` and income or the bank. The journal is written next
to the database once and reused.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from bench.databases import WORK, Database

FORMAT = "%(account)|%(quantity(scrub(display_total)))\n"
EXPONENT = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0}


def journal_of(database: Database) -> Path:
    """The journal of the database's posted transactions (written on first use)."""
    path = WORK / f"{database.name}.{database.backend}.ledger"
    if path.exists():
        return path
    connection = database.raw()
    cursor = connection.execute(
        "SELECT customer_id, kind, type, date, currency, amount FROM transactions "
        "WHERE state IN ('open', 'closed') ORDER BY date, id"
    )
    partial = path.with_suffix(".partial")
    with partial.open("w") as out:
        for customer_id, kind, tx_type, day, currency, amount in cursor:
            value = Decimal(amount).scaleb(-EXPONENT[currency])
            signed = value if kind == "debit" else -value
            other = "Assets:Bank" if tx_type in ("payment", "refund") else "Income:Services"
            out.write(
                f"{day} * {tx_type}\n    Customers:{customer_id}  {signed} {currency}\n"
                f"    {other}\n\n"
            )
    connection.close()
    partial.rename(path)
    return path


def ledger_balances(path: Path) -> dict[int, Decimal]:
    """Each customer's balance as `ledger bal` computes it from the journal."""
    if shutil.which("ledger") is None:
        raise RuntimeError("ledger is not installed (Debian: apt-get install ledger)")
    out = subprocess.run(
        ["ledger", "-f", str(path), "bal", "^Customers", "--flat", "--no-total", "-E",
         "--balance-format", FORMAT],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    totals: dict[int, Decimal] = {}
    for line in out.stdout.splitlines():
        account, _, amount = line.partition("|")
        if account.startswith("Customers:") and amount.strip():
            totals[int(account.split(":", 1)[1])] = Decimal(amount.strip())
    return totals
