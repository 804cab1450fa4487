"""`solde service add|list|show|update|end` and `invoice create --type recurring --services`
(SPEC §8): what an operator reads after each command, the credit line of days given back when a
service ends inside a period billed in advance, and refusals that change nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli

#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress bars are drawn on a terminal only; a forced terminal would write them."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)


def today() -> date:
    """The CLI's default date: today in the business time zone (UTC by default)."""
    return datetime.now(UTC).date()


def add(cli: Cli, customer: int, *options: str) -> dict[str, Any]:
    """`solde service add` with JSON output."""
    data: dict[str, Any] = cli.json("service", "add", str(customer), *options)
    return data


def unbilled(cli: Cli, customer: int) -> list[dict[str, Any]]:
    """The customer's unbilled lines."""
    page = cli.json("transaction", "list", str(customer), "--state", "unbilled")
    rows: list[dict[str, Any]] = page["data"]
    return rows


# -- adding and reading ----------------------------------------------------------------------


def test_add_prints_the_service_and_takes_the_defaults(cli: Cli) -> None:
    customer = cli.new_customer("--external-ref", "CUST-1")

    outcome = cli.ok(
        "service", "add", "CUST-1", "--description", "Fibre 1G", "--unit-price", "60",
        "--tax-rate", "20", "--start", "2026-04-21",
    )  # fmt: skip

    assert outcome.stdout == (
        f"added service 1 of customer {customer}: Fibre 1G, 1 × 60.00 EUR per period "
        "(tax 20%), from 2026-04-21 (active)\n"
    )
    data = cli.json("service", "show", "1")
    assert {k: data[k] for k in ("customer_id", "unit_price", "quantity", "tax_rate")} == {
        "customer_id": customer,
        "unit_price": "60.00",
        "quantity": "1",
        "tax_rate": "20",
    }
    assert (data["start_date"], data["end_date"], data["billed_through"]) == (
        "2026-04-21",
        None,
        None,
    )
    assert (data["status"], data["as_of"], data["charges"]) == (
        "active",
        today().isoformat(),
        [],
    )
    # left out: quantity 1, tax 0, start today
    plain = add(cli, customer, "--description", "Static IP", "--unit-price", "5.125")
    assert (plain["quantity"], plain["tax_rate"], plain["start_date"]) == (
        "1",
        "0",
        today().isoformat(),
    )
    assert plain["unit_price"] == "5.125"  # up to 6 decimals, per period


def test_list_shows_every_service_with_its_status(cli: Cli) -> None:
    customer = cli.new_customer()
    add(cli, customer, "--description", "Old", "--unit-price", "10",
        "--start", "2025-01-01", "--end", "2025-06-30")  # fmt: skip
    add(cli, customer, "--description", "Now", "--unit-price", "20", "--start", "2026-01-01")
    add(cli, customer, "--description", "Later", "--unit-price", "5", "--quantity", "3",
        "--start", "2999-01-01")  # fmt: skip

    data = cli.json("service", "list", str(customer))["data"]

    assert [(d["description"], d["status"]) for d in data] == [
        ("Old", "ended"),
        ("Now", "active"),
        ("Later", "scheduled"),
    ]
    table = cli.ok("service", "list", str(customer)).stdout
    assert "3 × 5.00" in table
    assert "2025-06-30" in table


# -- changing and ending ---------------------------------------------------------------------


def test_update_changes_only_what_is_given(cli: Cli) -> None:
    customer = cli.new_customer()
    service = add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                  "--start", "2026-01-01", "--end", "2026-12-31")  # fmt: skip

    data = cli.json("service", "update", str(service["id"]), "--unit-price", "65.50",
                    "--description", "Fibre 2G")  # fmt: skip

    assert (data["description"], data["unit_price"], data["end_date"]) == (
        "Fibre 2G",
        "65.50",
        "2026-12-31",
    )
    assert data["credit_lines"] == []
    cleared = cli.json("service", "update", str(service["id"]), "--no-end")
    assert cleared["end_date"] is None
    outcome = cli.ok("service", "update", str(service["id"]), "--quantity", "2")
    assert outcome.stdout.startswith(f"updated service {service['id']} of customer {customer}: ")
    assert "2 × 65.50 EUR per period" in outcome.stdout


def test_ending_inside_a_period_billed_in_advance_gives_the_days_back(cli: Cli) -> None:
    customer = cli.new_customer("-b", "billing_day=1")
    fibre = add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                "--start", "2026-05-01")  # fmt: skip
    phone = add(cli, customer, "--description", "Phone", "--unit-price", "31", "--tax-rate", "20",
                "--start", "2026-05-01")  # fmt: skip
    cli.ok("bill", "--date", "2026-05-01")  # May billed in advance: 60.00 + 31.00 + 6.20 tax
    assert cli.json("service", "show", str(phone["id"]))["billed_through"] == "2026-05-31"

    outcome = cli.ok("service", "end", str(phone["id"]), "--date", "2026-05-20")

    # 21 to 31 May come back: 11 of May's 31 days of 31.00 = 11.00 net, 2.20 tax, 13.20 gross
    [line] = unbilled(cli, customer)
    assert (line["kind"], line["type"], line["date"], line["reference"]) == (
        "credit",
        "adjustment",
        "2026-05-21",
        f"service {phone['id']}",
    )
    assert (line["net"], line["tax"], line["amount"]) == ("11.00", "2.20", "13.20")
    assert line["label"] == "Unused days of Phone (2026-05-21 to 2026-05-31)"
    assert outcome.stdout.splitlines() == [
        f"ended service {phone['id']} of customer {customer}: Phone, 1 × 31.00 EUR per period "
        "(tax 20%), from 2026-05-01 to 2026-05-20 (ended)",
        f"  days given back as an unbilled credit line {line['id']} of 13.20 EUR "
        "(Unused days of Phone (2026-05-21 to 2026-05-31)), for the next invoice",
    ]
    ended = cli.json("service", "show", str(phone["id"]))
    assert (ended["end_date"], ended["billed_through"]) == ("2026-05-20", "2026-05-20")

    # the June invoice takes the credit: Fibre 60.00, less 13.20 = 46.80
    cli.ok("bill", "--date", "2026-06-01")
    listed = cli.ok("invoice", "list", "--customer", str(customer), "--from", "2026-06-01",
                    "--format", "json")  # fmt: skip
    [invoice] = json.loads(listed.stdout)["data"]
    assert invoice["total"] == "46.80"
    assert unbilled(cli, customer) == []
    assert cli.json("service", "show", str(fibre["id"]))["billed_through"] == "2026-06-30"


def test_end_json_lists_the_credit_lines_and_a_second_end_gives_nothing_back(cli: Cli) -> None:
    customer = cli.new_customer("-b", "billing_day=1")
    service = add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                  "--start", "2026-06-01")  # fmt: skip
    cli.ok("bill", "--date", "2026-06-01")

    data = cli.json("service", "end", str(service["id"]), "--date", "2026-06-10")

    # 11 to 30 June: 20 of June's 30 days of 60.00 = 40.00
    assert [(c["amount"], c["date"], c["state"]) for c in data["credit_lines"]] == [
        ("40.00", "2026-06-11", "unbilled")
    ]
    again = cli.json("service", "end", str(service["id"]), "--date", "2026-06-10")
    assert again["credit_lines"] == []
    assert len(unbilled(cli, customer)) == 1


def test_end_defaults_to_today(cli: Cli) -> None:
    customer = cli.new_customer()
    service = add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                  "--start", "2026-01-01")  # fmt: skip
    data = cli.json("service", "end", str(service["id"]))
    assert data["end_date"] == today().isoformat()


# -- recurring invoices by hand --------------------------------------------------------------


def test_a_recurring_invoice_by_hand_bills_the_services_unless_told_not_to(cli: Cli) -> None:
    customer = cli.new_customer("-b", "billing_day=1")
    service = add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                  "--start", "2026-04-21")  # fmt: skip

    plain = cli.json("invoice", "create", str(customer), "--type", "recurring", "--no-services",
                     "--item", "Setup;;10", "--date", "2026-05-01")  # fmt: skip
    assert [i["description"] for i in plain["items"]] == ["Setup"]
    assert cli.json("service", "show", str(service["id"]))["billed_through"] is None

    billed = cli.json("invoice", "create", str(customer), "--type", "recurring",
                      "--date", "2026-05-01")  # fmt: skip

    # 21 April to 31 May: 60 × 10/30 + 60 = 80.00
    assert billed["net"] == "80.00"
    assert (billed["period_start"], billed["period_end"]) == ("2026-04-21", "2026-05-31")
    assert cli.json("service", "show", str(service["id"]))["billed_through"] == "2026-05-31"


# -- refusals --------------------------------------------------------------------------------


def test_unknown_ids_are_named(cli: Cli) -> None:
    assert cli.fails("service", "show", "404") == "service 404 does not exist"
    assert cli.fails("service", "end", "404", "--date", "2026-01-01") == (
        "service 404 does not exist"
    )
    assert cli.fails("service", "list", "404") == "customer 404 does not exist"
    message = cli.fails("service", "add", "NOPE", "--description", "X", "--unit-price", "1")
    assert message == "customer: no customer with id or external_ref 'NOPE'"


@SQLITE_ONLY
def test_bad_input_is_refused_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = str(cli.new_customer())
    for options, field in [
        (["--description", "", "--unit-price", "1"], "description"),
        (["--description", "X", "--unit-price", "abc"], "unit_price"),
        (["--description", "X", "--unit-price", "1.1234567"], "unit_price"),
        (["--description", "X", "--unit-price", "1", "--quantity", "0"], "quantity"),
        (["--description", "X", "--unit-price", "1", "--tax-rate", "101"], "tax_rate"),
        (["--description", "X", "--unit-price", "1", "--start", "2026-02-30"], "start_date"),
        (
            [
                "--description",
                "X",
                "--unit-price",
                "1",
                "--start",
                "2026-05-01",
                "--end",
                "2026-04-30",
            ],
            "end_date",
        ),
    ]:
        with subtests.test(" ".join(options)):
            message = cli.fails("service", "add", customer, *options)
            assert message.startswith(f"{field}: ")
    assert "Missing option '--unit-price'" in cli.usage_error(
        "service", "add", customer, "--description", "X"
    )


@SQLITE_ONLY
def test_bad_changes_are_refused_and_change_nothing(cli: Cli) -> None:
    customer = cli.new_customer("-b", "billing_day=1")
    service = str(add(cli, customer, "--description", "Fibre", "--unit-price", "60",
                      "--start", "2026-05-01")["id"])  # fmt: skip
    cli.ok("bill", "--date", "2026-05-01")

    assert cli.fails("service", "update", service) == ("changes: give at least one field to change")
    assert cli.fails("service", "update", service, "--end", "2026-09-30", "--no-end") == (
        "end_date: give --end or --no-end, not both"
    )
    assert cli.fails("service", "update", service, "--start", "2026-05-02") == (
        "start_date: the service is billed through 2026-05-31: its start date can no longer change"
    )
    assert cli.fails("service", "end", service, "--date", "2026-04-30") == (
        "end_date: cannot be before start_date"
    )
    assert cli.fails("service", "end", service, "--date", "31/05/2026") == (
        "end_date: must be a date (YYYY-MM-DD)"
    )
    assert cli.usage_error("service", "show", "abc")
