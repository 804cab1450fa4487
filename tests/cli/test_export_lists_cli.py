"""`solde export balance-by-customer` and `solde export receivables` (SPEC §12): the lists as
CSV, JSON or XLSX on standard output or in a file, with filters, order and a day, and bad
input refused with one line that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import exportfiles as files


def _ledger(cli: Any) -> dict[str, int]:
    """Ada owes a charge of 60.00 of 10 January (due that day) and has a line of 12.00 waiting since
    2 January; Bob has 25.00 of credit; Yen owes 500 JPY since 1 March."""
    ada = cli.new_customer(
        "--segment", "pro", "--payment-method", "card", "-b", "billing_day=5", name="Ada"
    )  # fmt: skip
    bob = cli.new_customer("--segment", "retail", name="Bob")
    yen = cli.new_customer("--currency", "JPY", name="Yen")
    cli.add_line(ada, "--kind", "debit", "--label", "Setup", "--unit-price", "10.00",
                 "--tax-rate", "20", "--date", "2025-01-02")  # fmt: skip
    cli.post_debit(ada, "60.00", "2025-01-10")
    cli.pay(bob, "25.00", "--date", "2025-01-15")
    cli.post_debit(yen, "500", "2025-03-01")
    return {"ada": ada, "bob": bob, "yen": yen}


def test_balance_by_customer_as_csv_on_standard_output(cli: Any) -> None:
    who = _ledger(cli)
    out = cli.ok("export", "balance-by-customer", "--format", "csv", "--as-of", "2025-04-30")
    rows = files.read(out.stdout.encode(), "csv")
    assert [int(r["id"]) for r in rows] == [who["ada"], who["bob"], who["yen"]]
    ada = rows[0]
    assert (ada["name"], ada["segment"], ada["payment_method"]) == ("Ada", "pro", "card")
    assert (ada["unbilled_count"], ada["unbilled_net"], ada["unbilled_gross"]) == (
        "1", "10.00", "12.00",
    )  # fmt: skip
    assert (ada["first_line_date"], ada["balance"], ada["stale"]) == ("2025-01-02", "60.00", "true")
    assert (rows[1]["balance"], rows[1]["stale"], rows[2]["balance"]) == ("-25.00", "false", "500")


def test_balance_by_customer_filters_and_order(cli: Any) -> None:
    who = _ledger(cli)

    def ids(*options: str) -> list[int]:
        out = cli.ok("export", "balance-by-customer", "-f", "json", *options)
        return [row["id"] for row in json.loads(out.stdout)]

    assert ids("--stale-only") == [who["ada"]]
    assert ids("--stale-only", "--as-of", "2025-01-04") == []
    assert ids("--segment", "retail") == [who["bob"]]
    assert ids("--currency", "jpy") == [who["yen"]]
    assert ids("--payment-method", "card", "--min-lines", "1") == [who["ada"]]
    # amounts sort in minor units: 6000 cents before 500 yen
    assert ids("--sort", "balance", "--desc") == [who["ada"], who["yen"], who["bob"]]
    assert ids("-q", "ye") == [who["yen"]]


def test_receivables_in_an_xlsx_file(cli: Any, tmp_path: Path) -> None:
    who = _ledger(cli)
    target = tmp_path / "receivables.xlsx"
    out = cli.ok("export", "receivables", "-f", "xlsx", "--as-of", "2025-04-30",
                 "--scope", "all", "--sort", "credit", "-o", str(target))  # fmt: skip
    assert out.stdout.startswith(f"wrote {target} (")
    rows = files.read(target.read_bytes(), "xlsx")
    assert [files.integer(r["id"]) for r in rows] == [who["bob"], who["ada"], who["yen"]]
    ada = rows[1]
    assert files.amount(ada["balance"]) == files.amount(ada["over_90"]) == files.amount("60.00")
    assert files.amount(rows[0]["credit"]) == files.amount("-25.00")
    assert files.amount(rows[2]["d31_60"]) == 500
    assert not list(tmp_path.glob("*.partial"))


def test_receivables_keep_only_who_owes_by_default(cli: Any) -> None:
    who = _ledger(cli)
    out = cli.ok("export", "receivables", "-f", "json", "--as-of", "2025-04-30")
    assert [row["id"] for row in json.loads(out.stdout)] == [who["ada"], who["yen"]]
    late = cli.ok("export", "receivables", "-f", "json", "--as-of", "2025-04-30",
                  "--min-overdue", "d61_90")  # fmt: skip
    assert [row["id"] for row in json.loads(late.stdout)] == [who["ada"]]


def test_bad_input_is_one_line_and_changes_nothing(cli: Any) -> None:
    _ledger(cli)
    assert cli.fails("export", "balance-by-customer", "-f", "csv", "--as-of", "2025-02-30") == (
        "as_of: must be a date (YYYY-MM-DD)"
    )
    assert cli.fails("export", "balance-by-customer", "-f", "csv", "--sort", "mood").startswith(
        "sort: must be one of: name, balance"
    )
    message = cli.fails("export", "receivables", "-f", "csv", "--scope", "x")
    assert "scope: must be one of" in message
    message = cli.fails("export", "receivables", "-f", "csv", "--min-overdue", "not_due")
    assert message.startswith("min_overdue: must be one of: d1_30")
    assert cli.fails("export", "balance-by-customer", "-f", "csv", "--min-lines", "-2") == (
        "min_lines: must be a whole number"
    )
    assert "currency" in cli.fails("export", "receivables", "-f", "json", "--currency", "EURO")
    assert "--format" in cli.usage_error("export", "receivables", "-f", "pdf")
