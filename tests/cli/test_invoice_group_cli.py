"""`solde invoice-group` (SPEC §12): groups made of ids and of list filters, and bulk actions
that change each invoice on its own and report the refused ones with their reason."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli


def issue(cli: Cli, customer: int, amount: str) -> dict[str, Any]:
    data: dict[str, Any] = cli.json("invoice", "create", str(customer), "--item", f"A;;{amount}")
    return data


def status_of(cli: Cli, invoice_id: int) -> str:
    return str(cli.json("invoice", "show", str(invoice_id))["status"])


@pytest.fixture
def three(cli: Cli) -> tuple[int, list[dict[str, Any]]]:
    """A customer with three invoices of 10, 20 and 30; 5 paid on the first."""
    customer = cli.new_customer()
    invoices = [issue(cli, customer, amount) for amount in ("10", "20", "30")]
    cli.pay(customer, "5")
    return customer, invoices


def test_a_group_of_ids_and_of_every_invoice_a_filter_matches(
    cli: Cli, three: tuple[int, list[dict[str, Any]]]
) -> None:
    customer, (first, second, third) = three
    other = cli.new_customer(name="Other")
    elsewhere = issue(cli, other, "40")

    outcome = cli.ok(
        "invoice-group", "create", "Reminders", "--invoice", str(elsewhere["id"]),
        "--customer", str(customer), "--status", "unpaid",
    )  # fmt: skip

    assert outcome.stdout == "created invoice group 1 (Reminders): 3 invoice(s)\n"
    shown = cli.json("invoice-group", "show", "1")
    assert sorted(row["id"] for row in shown["invoices"]) == [
        second["id"],
        third["id"],
        elsewhere["id"],
    ]
    assert first["id"] not in [row["id"] for row in shown["invoices"]]  # partially paid
    listed = cli.json("invoice-group", "list")["data"]
    assert listed == [{"id": 1, "name": "Reminders", "count": 3}]
    in_group = json.loads(cli.ok("invoice", "list", "--group", "1", "--format", "json").stdout)
    assert len(in_group["data"]) == 3

    added = cli.ok("invoice-group", "add", "1", "--invoice", str(first["id"]))
    assert added.stdout == "added 1 invoice(s) to group 1 (Reminders): 4 in all\n"
    empty = cli.ok("invoice-group", "create", "Empty")
    assert empty.stdout == "created invoice group 2 (Empty): 0 invoice(s)\n"


def test_run_void_voids_what_it_may_and_names_the_refused(
    cli: Cli, three: tuple[int, list[dict[str, Any]]]
) -> None:
    customer, (first, second, third) = three
    cli.ok("invoice-group", "create", "All", "--customer", str(customer))

    outcome = cli.ok("invoice-group", "run", "1", "void", "--reason", "duplicate batch")

    assert outcome.stdout == (
        "void: 2 done, 1 refused\n"
        f"refused {first['id']}: invoice {first['number']} has settled amounts: "
        "correct it with a credit note instead\n"
    )
    assert [status_of(cli, i["id"]) for i in (first, second, third)] == [
        "partially_paid",
        "void",
        "void",
    ]
    assert cli.json("invoice", "show", str(second["id"]))["void_reason"] == "duplicate batch"
    assert cli.balance(customer).balance.amount == 5


def test_run_mark_sent_as_json(cli: Cli, three: tuple[int, list[dict[str, Any]]]) -> None:
    _customer, invoices = three
    ids = [str(i["id"]) for i in invoices]
    cli.ok("invoice-group", "create", "Sent", "--invoice", ids[0], "--invoice", ids[2])
    cli.ok("invoice", "void", ids[2])

    data = cli.json("invoice-group", "run", "1", "mark_sent")

    assert data["done"] == [invoices[0]["id"]]
    assert data["refused"] == [
        {"id": invoices[2]["id"], "message": f"invoice {invoices[2]['number']} is void: "
         "it cannot be sent"}
    ]  # fmt: skip
    assert cli.json("invoice", "show", ids[0])["sent_at"] is not None
    assert cli.json("invoice", "show", ids[1])["sent_at"] is None


def test_run_pdf_writes_one_archive(
    cli: Cli, three: tuple[int, list[dict[str, Any]]], tmp_path: Path
) -> None:
    customer, invoices = three
    cli.ok("invoice-group", "create", "Print", "--customer", str(customer))
    target = tmp_path / "print.zip"

    outcome = cli.ok("invoice-group", "run", "1", "pdf", "-o", str(target))

    assert outcome.stdout == f"wrote {target}: 3 PDF(s)\n"
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        names = archive.namelist()
        assert names == [f"invoice-{i['number']}.pdf" for i in invoices]
        assert all(archive.read(name).startswith(b"%PDF") for name in names)


def test_group_refusals(cli: Cli, three: tuple[int, list[dict[str, Any]]]) -> None:
    _customer, invoices = three
    note = cli.json("invoice", "credit", str(invoices[0]["id"]), "--amount", "1", "--reason", "r")
    assert cli.fails("invoice-group", "show", "404") == "invoice group 404 does not exist"
    assert cli.fails("invoice-group", "run", "404", "void") == "invoice group 404 does not exist"
    assert cli.fails("invoice-group", "create", "X", "--invoice", "404") == (
        "invoice_ids.0: invoice 404 does not exist"
    )
    assert cli.fails("invoice-group", "create", "X", "--invoice", str(note["id"])) == (
        f"invoice_ids.0: {note['id']} is a credit note"
    )
    assert cli.fails("invoice-group", "create", " ").startswith("name: ")
    group = cli.json("invoice-group", "create", "Y")["id"]
    assert cli.fails("invoice-group", "add", str(group), "--status", "void") == (
        "invoice: give --invoice ID or a filter that matches invoices"
    )
    assert "mark_sent" in cli.usage_error("invoice-group", "run", "1", "delete")
