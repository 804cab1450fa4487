"""`solde backup`: a consistent copy of a live SQLite database, refused clearly elsewhere."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from solde.bootstrap import Config, Container
from solde.ledger import usecases
from solde.settlement import usecases as settlement

if TYPE_CHECKING:
    from conftest import Cli

CHARGE = {
    "kind": "debit",
    "type": "charge",
    "label": "one euro",
    "unit_price": "1.00",
    "bill_on_next_invoice": False,
    "date": "2025-01-01",
}

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def _balances(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT customer_id, balance FROM customer_balances ORDER BY customer_id"
        ).fetchall()


@SQLITE_ONLY
def test_backup_copies_every_customer_and_balance(cli: Cli, tmp_path: Path) -> None:
    customer = cli.new_customer()
    cli.post_debit(customer, "42.50", "2025-01-10")
    target = tmp_path / "copy.db"
    out = cli.ok("backup", str(target)).stdout
    assert out.startswith(f"backup written: {target}")
    copy = Container(Config(f"sqlite:///{target}"))
    try:
        assert copy.is_migrated()
        with copy.uow(actor="test", write=False) as uow:
            assert usecases.get_customer(uow, customer).name == "Acme"
            assert str(uow.balances.get(customer).balance.amount) == "42.50"
    finally:
        copy.dispose()


@SQLITE_ONLY
def test_backup_while_payments_are_written_is_one_consistent_state(
    cli: Cli, tmp_path: Path
) -> None:
    customer = cli.new_customer()
    stop = threading.Event()
    written = threading.Semaphore(0)

    def write() -> None:
        while not stop.is_set():
            with cli.container.uow(actor="writer") as uow:
                settlement.add_entry(uow, customer, CHARGE, on=date(2025, 1, 1))
                uow.commit()
            written.release()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for n in range(3):
            for _ in range(5):
                assert written.acquire(timeout=30)
            cli.ok("backup", str(tmp_path / f"copy{n}.db"))
    finally:
        stop.set()
        writer.join()
    for n in range(3):
        with sqlite3.connect(tmp_path / f"copy{n}.db") as connection:
            (rows,) = connection.execute("SELECT count(*) FROM transactions").fetchone()
        assert rows >= 5 * (n + 1)
        # the aggregate agrees with the rows copied with it: 1.00 per charge
        assert _balances(tmp_path / f"copy{n}.db") == [(customer, rows * 100)]


@SQLITE_ONLY
def test_backup_refuses_to_overwrite_unless_asked(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    message = cli.fails("backup", str(target))
    assert message.startswith("destination: ")
    assert target.read_text() == "keep me"
    cli.ok("backup", str(target), "--overwrite")
    assert _balances(target) == []


@SQLITE_ONLY
def test_backup_into_a_missing_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    message = cli.fails("backup", str(tmp_path / "nowhere" / "copy.db"))
    assert message.startswith("destination: ")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_backup_of_postgresql_points_to_its_own_tools(cli: Cli, tmp_path: Path) -> None:
    message = cli.fails("backup", str(tmp_path / "copy.db"))
    assert "pg_dump" in message
    assert not (tmp_path / "copy.db").exists()
