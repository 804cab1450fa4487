"""`solde export statement` (SPEC §11): a customer's statement named by id or external
reference, as JSON, CSV, XLSX or PDF, on standard output or in a file, and bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl

from solde.cli import exports

JANUARY = ("--from", "2025-01-01", "--to", "2025-01-31")


def _history(cli: Any) -> int:
    """Owes 10.00 from December; January: two charges, a payment, a pending payment."""
    cid = cli.new_customer("--external-ref", "CLI-9", name="Zoé Café")
    cli.post_debit(cid, "10.00", "2024-12-20", "Setup")
    cli.post_debit(cid, "40.00", "2025-01-04", "Work")
    cli.post_debit(cid, "2.50", "2025-01-04", "Stamp")
    cli.pay(cid, "30.00", "--date", "2025-01-12", "--reference", "TRF-1")
    cli.pay(cid, "99.00", "--date", "2025-01-13", "--pending")
    return cid


def test_the_json_statement_on_standard_output(cli: Any) -> None:
    cid = _history(cli)
    st = json.loads(cli.ok("export", "statement", "CLI-9", *JANUARY).stdout)
    assert (st["customer_id"], st["customer_name"], st["mode"]) == (cid, "Zoé Café", "documents")
    assert (st["opening_balance"], st["closing_balance"]) == ("10.00", "22.50")
    assert (st["total_debit"], st["total_credit"]) == ("42.50", "30.00")
    assert [(x["label"], x["amount"], x["balance"]) for x in st["lines"]] == [
        ("Other debits", "42.50", "52.50"),
        (st["lines"][1]["label"], "-30.00", "22.50"),
    ]
    assert st["lines"][1]["reference"] == "TRF-1"
    assert st["closing_balance"] == str(
        cli.balance(cid, date.fromisoformat(st["to"])).balance.amount
    )


def test_every_transaction_in_a_csv_file(cli: Any, tmp_path: Path) -> None:
    cid = _history(cli)
    target = tmp_path / "statement.csv"
    out = cli.ok("export", "statement", str(cid), *JANUARY, "--mode", "transactions",
                 "--format", "csv", "-o", str(target))  # fmt: skip
    assert out.stdout.startswith(f"wrote {target} (")
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["type"], r["label"], r["amount"], r["balance"]) for r in rows] == [
        ("opening", "Opening balance", "", "10.00"),
        ("charge", "Work", "40.00", "50.00"),
        ("charge", "Stamp", "2.50", "52.50"),
        ("payment", rows[3]["label"], "-30.00", "22.50"),
        ("closing", "Closing balance", "", "22.50"),
    ]
    assert (rows[-1]["debit"], rows[-1]["credit"]) == ("42.50", "30.00")
    assert not list(tmp_path.glob("*.partial"))


def test_xlsx_and_pdf_files(cli: Any, tmp_path: Path) -> None:
    _history(cli)
    xlsx = tmp_path / "s.xlsx"
    cli.ok("export", "statement", "CLI-9", *JANUARY, "-f", "xlsx", "-o", str(xlsx))
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    balance = list(rows[0]).index("balance")
    assert Decimal(str(rows[-1][balance])) == Decimal("22.5")
    pdf = tmp_path / "s.pdf"
    cli.ok("export", "statement", "CLI-9", *JANUARY, "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_default_period_ends_today(cli: Any) -> None:
    _history(cli)
    st = json.loads(cli.ok("export", "statement", "CLI-9").stdout)
    assert st["to"] == st["as_of"]
    assert st["from"].endswith("-01")


def test_bad_input_is_one_error_line_and_changes_nothing(cli: Any) -> None:
    _history(cli)
    assert "customer" in cli.fails("export", "statement", "NOPE", *JANUARY)
    assert cli.fails("export", "statement", "424242", *JANUARY) == "customer 424242 does not exist"
    assert cli.fails("export", "statement", "CLI-9", "--from", "2025-02-01", "--to", "2025-01-01"
                     ).startswith("from:")  # fmt: skip
    assert cli.fails("export", "statement", "CLI-9", "--from", "2025-02-30").startswith("from:")
    assert cli.fails("export", "statement", "CLI-9", "--to", "tomorrow").startswith("to:")
    long = cli.fails("export", "statement", "CLI-9", "--from", "2000-01-01", "--to", "2012-01-01")
    assert long.startswith("to:")
    assert "--mode" in cli.usage_error("export", "statement", "CLI-9", "--mode", "lines")
    assert "--format" in cli.usage_error("export", "statement", "CLI-9", "--format", "doc")


def test_a_pdf_is_not_printed_to_a_terminal(cli: Any, monkeypatch: Any) -> None:
    _history(cli)

    class Terminal:
        buffer = io.BytesIO()

        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(exports, "sys", SimpleNamespace(stdout=Terminal()))
    message = cli.fails("export", "statement", "CLI-9", *JANUARY, "--format", "pdf")
    assert message.startswith("output:")
    assert Terminal.buffer.getvalue() == b""
