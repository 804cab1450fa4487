"""`solde export journal`: the accounting journal written to a file or standard output."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def story(cli: Any) -> tuple[int, int]:
    """A customer charged 80.00 and paid 30.00 by card; another paid 5.000 KWD in advance."""
    acme = cli.new_customer("--currency", "EUR", name="Acme; [2020-01-01]")
    gulf = cli.new_customer("--currency", "KWD", name="Gulf")
    cli.post_debit(acme, "80.00", "2025-02-01")
    cli.pay(acme, "30.00", "--date", "2025-02-10", "--method", "card")
    cli.pay(gulf, "5.000", "--date", "2025-03-01", "--method", "bank_transfer")
    return acme, gulf


def totals(text: str) -> dict[str, Decimal]:
    entries, errors, _options = loader.load_string(text)
    assert errors == []
    found: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units is not None
                number = posting.units.number
                assert isinstance(number, Decimal)
                found[posting.account] = found.get(posting.account, Decimal(0)) + number
    return found


def test_the_beancount_journal_goes_to_a_file(cli: Any, tmp_path: Path) -> None:
    acme, gulf = story(cli)
    target = tmp_path / "book.beancount"
    out = cli.ok("export", "journal", "--format", "beancount", "--to", "2025-12-31", "-o",
                 str(target))  # fmt: skip
    assert out.stdout == ""
    found = totals(target.read_text())
    assert found[f"Assets:Receivable:C{acme:06d}"] == Decimal("50.00")
    assert found[f"Assets:Receivable:C{gulf:06d}"] == Decimal("-5.000")
    assert found["Income:Charges"] == Decimal("-80.00")
    assert found["Assets:Bank:Card"] == Decimal("30.00")
    assert found["Assets:Bank:BankTransfer"] == Decimal("5.000")
    assert not list(tmp_path.glob("*.partial"))


def test_the_ledger_journal_prints_by_default_and_ledger_reads_it(cli: Any, tmp_path: Path) -> None:
    acme, gulf = story(cli)
    text = cli.ok("export", "journal", "--to", "2025-02-28").stdout
    assert text.startswith("; solde journal of the transactions posted through 2025-02-28")
    assert f"Assets:Receivable:C{gulf:06d}" not in text  # paid in March
    program = shutil.which("ledger")
    if program is None:
        if CI:
            pytest.fail("CI=true needs the ledger program (Debian: apt-get install ledger)")
        pytest.skip("the ledger program is not installed (Debian: apt-get install ledger)")
    path = tmp_path / "book.ledger"
    path.write_text(text)
    out = subprocess.run(
        [program, "-f", str(path), "bal", "--flat", "^Assets:Receivable"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["50.00", "EUR", f"Assets:Receivable:C{acme:06d}"]
    assert cli.balance(acme).balance.amount == Decimal("50.00")


def test_from_opens_with_each_balance_of_the_day_before(cli: Any) -> None:
    acme, _gulf = story(cli)
    text = cli.ok("export", "journal", "--format", "beancount", "--from", "2025-02-05",
                  "--to", "2025-12-31").stdout  # fmt: skip
    assert "Income:Charges" not in text
    found = totals(text)
    assert found[f"Assets:Receivable:C{acme:06d}"] == Decimal("50.00")
    assert found["Equity:OpeningBalances"] == Decimal("-80.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "2025-02-30"], "to: must be a date (YYYY-MM-DD)"),
        (["--from", "soon"], "from: must be a date (YYYY-MM-DD)"),
        (["--to", "1800-01-01"], "to: must be between 1900-01-01 and 2999-12-31"),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "from: must be on or before"),
    ],
)
def test_bad_dates_are_refused_with_one_line(cli: Any, args: list[str], message: str) -> None:
    story(cli)
    assert cli.fails("export", "journal", *args).startswith(message)


def test_an_unknown_format_is_a_usage_error(cli: Any) -> None:
    assert "csv" in cli.usage_error("export", "journal", "--format", "csv")


def test_an_unwritable_file_is_refused_and_nothing_is_left(cli: Any, tmp_path: Path) -> None:
    story(cli)
    target = tmp_path / "missing" / "book.ledger"
    assert cli.fails("export", "journal", "-o", str(target)).startswith("output: ")
    assert not target.parent.exists()
