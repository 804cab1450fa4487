"""`solde import customers|services|transactions|balances FILE [--dry-run] [--json]`: counts
on success, every bad row as `line N, column C: ...` with exit status 2 and nothing kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Cli = Any  # the `cli` fixture of tests/cli/conftest.py

CUSTOMERS = "external_ref;name;currency;payment_method\nC1;Acme;EUR;SEPA debit\nC2;Beta;USD;card\n"
TRANSACTIONS = (
    "customer,external_ref,type,label,date,amount,bill_on_next_invoice\n"
    'C1,T1,charge,Setup,2025-03-01,"1 200,50",no\n'
    "C1,T2,payment,,02/03/2025,200.50,\n"
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_prints_the_counts_and_a_second_run_skips_everything(
    cli: Cli, tmp_path: Path
) -> None:
    file = write(tmp_path, "customers.csv", CUSTOMERS)
    assert cli.ok("import", "customers", file).stdout == (
        "imported customers: 2 rows: 2 created, 0 updated, 0 skipped\n"
    )
    assert cli.ok("import", "customers", file).stdout == (
        "imported customers: 2 rows: 0 created, 0 updated, 2 skipped\n"
    )
    transactions = write(tmp_path, "tx.csv", TRANSACTIONS)
    report = cli.json("import", "transactions", transactions)
    assert (report["created"], report["skipped"], report["error_count"]) == (2, 0, 0)
    customer = json.loads(cli.ok("customer", "show", "C1", "--json").stdout)
    assert customer["payment_method"] == "sepa_debit"
    assert cli.balance(customer["id"]).balance.amount == 1000  # 1200.50 - 200.50


def test_bad_rows_are_listed_with_line_and_column_exit_2_and_nothing_kept(
    cli: Cli, tmp_path: Path
) -> None:
    file = write(
        tmp_path,
        "customers.csv",
        "external_ref,name,currency,billing_day\nC1,Acme,EUR,31\nC2,,EUR,\nC1,Again,EUR,\n",
    )
    before = cli.snapshot()
    outcome = cli.run("import", "customers", file)
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert outcome.stderr.splitlines() == [
        "line 2, column billing_day: must be between 1 and 28 (29-31 do not exist in February)",
        "line 3, column name: is required for a new customer",
        "line 4, column external_ref: 'C1' is already on line 2",
        "3 rows: 0 created, 0 updated, 0 skipped; 3 errors: nothing imported",
    ]
    assert cli.snapshot() == before


def test_a_dry_run_says_what_it_would_do_and_keeps_nothing(cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, "customers.csv", CUSTOMERS)
    before = cli.snapshot()
    assert cli.ok("import", "customers", file, "--dry-run").stdout == (
        "dry run, nothing kept: 2 rows: 2 created, 0 updated, 0 skipped\n"
    )
    assert cli.snapshot() == before


def test_json_reports_errors_too(cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, "balances.csv", "customer;amount\nC1;1,234\nNOPE;12\n")
    outcome = cli.run("import", "balances", file, "--json")
    assert outcome.code == 2
    report = json.loads(outcome.stdout)
    assert [(e["line"], e["column"]) for e in report["errors"]] == [
        (2, "amount"),
        (3, "customer"),
    ]


def test_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    assert "does not exist" in cli.usage_error("import", "services", str(tmp_path / "none.csv"))


def test_a_file_that_never_ends_is_refused_as_too_large(cli: Cli) -> None:
    message = cli.fails("import", "customers", "/dev/zero")
    assert message == "file: /dev/zero is larger than 50 MB: split it in parts"
