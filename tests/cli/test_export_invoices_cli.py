"""`solde export invoices` and `solde export customers`: the lists as files, with the filters of
`solde invoice list` and `solde customer list` (SPEC §12), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import exportfiles as files

HEADER_INVOICES = "id,number,type,status,status_as_of,customer_id,customer_external_ref"


@pytest.fixture
def ledger(cli: Any) -> dict[str, int]:
    """Ada owes two invoices (one part paid); Bob, in JPY, is in credit; Cy has nothing."""
    ada = cli.new_customer("--external-ref", "ADA", "--segment", "pro", name="=Ada")
    bob = cli.new_customer("--currency", "JPY", "--segment", "pro", name="Bob")
    cli.new_customer("--segment", "home", name="Cy")
    for day, price in (("2025-01-10", "100.00"), ("2025-01-20", "12.34")):
        cli.ok(
            "invoice", "create", str(ada), "--date", day, "--due-date", "2999-12-30",
            "--item", f"Service;1;{price};20",
        )  # fmt: skip
    cli.pay(ada, "30.00", "--date", "2025-01-11")
    cli.ok(
        "invoice", "create", str(bob), "--date", "2025-01-10", "--due-date", "2999-12-30",
        "--item", "Service;1;1000;0",
    )  # fmt: skip
    cli.pay(bob, "1500", "--date", "2025-01-11")
    return {"ada": ada, "bob": bob}


def test_invoices_go_to_a_file_in_each_format(
    cli: Any, ledger: dict[str, int], tmp_path: Path
) -> None:
    for fmt in ("csv", "json", "xlsx"):
        target = tmp_path / f"invoices.{fmt}"
        out = cli.ok("export", "invoices", "--format", fmt, "-o", str(target))
        assert out.stdout.startswith(f"wrote {target} (")
        rows = files.read(target.read_bytes(), fmt)
        assert [files.amount(r["total"]) for r in rows] == [
            files.amount("1000"),
            files.amount("14.81"),
            files.amount("120.00"),
        ]
        ada = [r for r in rows if files.integer(r["customer_id"]) == ledger["ada"]]
        assert [files.amount(r["open_amount"]) for r in ada] == [
            files.amount("14.81"),
            files.amount("90.00"),
        ]
        assert {files.text(r["customer_name"]) for r in ada} == {"=Ada"}
        assert {files.amount(r["account_balance"]) for r in ada} == {files.amount("104.81")}
        assert not list(tmp_path.glob("*.partial"))


def test_csv_goes_to_standard_output_with_the_filters(cli: Any, ledger: dict[str, int]) -> None:
    out = cli.ok("export", "invoices", "--customer", "ADA", "--invoice-balance", "lt:20")
    lines = out.stdout.splitlines()
    assert lines[0].startswith(HEADER_INVOICES)
    rows = files.read(out.stdout.encode(), "csv")
    assert [(r["total"], r["status"], r["customer_name"]) for r in rows] == [
        ("14.81", "unpaid", "'=Ada")
    ]
    out = cli.ok("export", "invoices", "--currency", "jpy", "--status", "paid", "-f", "json")
    assert [
        (r["total"], r["account_balance"]) for r in files.read(out.stdout.encode(), "json")
    ] == [("1000", "-500")]
    out = cli.ok("export", "invoices", "--as-of", "2025-01-10", "--customer", str(ledger["ada"]))
    rows = files.read(out.stdout.encode(), "csv")
    assert [(r["total"], r["status"], r["open_amount"]) for r in rows] == [
        ("14.81", "unpaid", "14.81"),
        ("120.00", "unpaid", "120.00"),  # the payment of 30.00 came the next day
    ]


def test_customers_in_the_order_and_with_the_filters_asked(
    cli: Any, ledger: dict[str, int], tmp_path: Path
) -> None:
    out = cli.ok("export", "customers", "--sort", "name", "--segment", "pro")
    rows = files.read(out.stdout.encode(), "csv")
    assert [(r["name"], r["balance"], r["currency"]) for r in rows] == [
        ("'=Ada", "104.81", "EUR"),
        ("Bob", "-500", "JPY"),
    ]
    assert rows[0]["external_ref"] == "ADA"
    target = tmp_path / "owe.xlsx"
    cli.ok("export", "customers", "--balance", "owes", "-f", "xlsx", "-o", str(target))
    rows = files.read(target.read_bytes(), "xlsx")
    assert [(r["name"], files.amount(r["debit"])) for r in rows] == [
        ("=Ada", files.amount("104.81"))
    ]
    out = cli.ok("export", "customers", "-q", "cy", "-f", "json")
    assert [r["segment"] for r in files.read(out.stdout.encode(), "json")] == ["home"]


def test_bad_filters_and_unknown_objects_are_refused(cli: Any, ledger: dict[str, int]) -> None:
    assert "customer" in cli.fails("export", "invoices", "--customer", "NOPE")
    assert "invoice_balance" in cli.fails("export", "invoices", "--invoice-balance", "gt")
    assert "from" in cli.fails("export", "invoices", "--from", "2025-13-01")
    assert "group" in cli.fails("export", "invoices", "--group", "99")
    assert "currency" in cli.fails("export", "customers", "--currency", "EURO")
    assert "format" in cli.usage_error("export", "customers", "--format", "pdf").lower()


def test_an_unwritable_file_leaves_nothing_behind(
    cli: Any, ledger: dict[str, int], tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "customers.csv"
    assert "output" in cli.fails("export", "customers", "-o", str(target))
    assert not target.parent.exists()
