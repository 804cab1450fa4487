"""`solde bill` and `solde billing-runs list|show|compare|confirm|discard|retry` (SPEC §8): the
run of a date bills each customer once, previews are compared then confirmed or discarded,
failures park a customer without stopping the others (exit status 0, said plainly), worker
processes, and refusals that print one line and change nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from solde.billing import subscriptions
from solde.ledger import usecases

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


def subscriber(cli: Cli, price: str = "60", start: str = "2026-04-21", *options: str) -> int:
    """A customer billed on the 1st of each month with one service; its id."""
    customer = cli.new_customer("-b", "billing_day=1", *options)
    cli.ok("service", "add", str(customer), "--description", "Fibre", "--unit-price", price,
           "--tax-rate", "20", "--start", start)  # fmt: skip
    return customer


def invoices(cli: Cli, *filters: str) -> list[dict[str, Any]]:
    """Issued invoices, newest first (a preview's drafts left out)."""
    outcome = cli.ok("invoice", "list", *filters, "--format", "json", "--limit", "500")
    rows: list[dict[str, Any]] = json.loads(outcome.stdout)["data"]
    return [r for r in rows if r["state"] != "draft"]


def drafts(cli: Cli) -> list[dict[str, Any]]:
    """A preview's drafts: no number, nothing posted."""
    outcome = cli.ok("invoice", "list", "--format", "json", "--limit", "500")
    rows: list[dict[str, Any]] = json.loads(outcome.stdout)["data"]
    return [r for r in rows if r["state"] == "draft"]


def run_of(cli: Cli, run_id: int, *options: str) -> dict[str, Any]:
    """`solde billing-runs show` as JSON."""
    data: dict[str, Any] = cli.json("billing-runs", "show", str(run_id), *options)
    return data


# -- a run -----------------------------------------------------------------------------------


def test_bill_makes_the_invoice_of_the_spec_example(cli: Cli) -> None:
    customer = subscriber(cli)

    outcome = cli.ok("bill", "--date", "2026-05-01")

    # 21 April to 31 May: 60 × 10/30 (April has 30 days) + 60 = 80.00 net, 16.00 tax
    assert outcome.stdout.splitlines() == [
        "billing run 1 for 2026-05-01: completed",
        "  customers: 1 selected, 1 invoiced, 0 drafted, 0 skipped, 0 parked",
        "  invoiced: 1 for 96.00 EUR",
    ]
    [row] = invoices(cli)
    invoice = cli.json("invoice", "show", str(row["id"]))
    assert (invoice["customer_id"], invoice["type"], invoice["document_date"]) == (
        customer,
        "recurring",
        "2026-05-01",
    )
    assert (invoice["net"], invoice["tax"], invoice["total"]) == ("80.00", "16.00", "96.00")
    [item] = invoice["items"]
    assert (item["net"], item["period_start"], item["period_end"]) == (
        "80.00",
        "2026-04-21",
        "2026-05-31",
    )


def test_the_same_date_twice_bills_nothing_twice(cli: Cli) -> None:
    subscriber(cli)
    first = cli.json("bill", "--date", "2026-05-01")

    again = cli.ok("bill", "--date", "2026-05-01")

    assert again.stdout.splitlines()[:2] == [
        f"billing run {first['id']} for 2026-05-01: completed",
        "  the date's run was completed: taken up again, no customer is billed twice",
    ]
    assert len(invoices(cli)) == 1
    assert [r["id"] for r in cli.json("billing-runs", "list")["data"]] == [first["id"]]


def test_bill_json_and_list_and_show(cli: Cli) -> None:
    subscriber(cli)
    quiet = cli.new_customer("-b", "billing_day=1", name="No services")

    data = cli.json("bill", "--date", "2026-05-01")

    assert (data["date"], data["status"], data["preview"], data["skip_zero_invoices"]) == (
        "2026-05-01",
        "completed",
        False,
        True,
    )
    assert data["progress"] == {
        "total": 2, "done": 2, "invoiced": 1, "drafted": 0, "skipped": 1, "parked": 0,
        "discarded": 0, "percent": 100,
    }  # fmt: skip
    assert data["totals"] == [
        {"outcome": "invoiced", "currency": "EUR", "count": 1, "total": "96.00"}
    ]
    assert data["created_by"].startswith("cli:")
    skipped = run_of(cli, data["id"], "--outcome", "skipped")["customers"]
    assert skipped == {
        "data": [
            {
                "customer_id": quiet,
                "outcome": "skipped",
                "document_id": None,
                "total": None,
                "currency": None,
                "reason": "no active service",
            }
        ],
        "has_more": False,
        "next_cursor": None,
    }
    table = cli.ok("billing-runs", "show", str(data["id"])).stdout
    assert "no active service" in table
    assert "96.00 EUR" in table
    [listed] = cli.json("billing-runs", "list")["data"]
    assert (listed["id"], listed["progress"]["invoiced"]) == (data["id"], 1)


def test_show_pages_the_customers_of_a_run(cli: Cli) -> None:
    ids = [subscriber(cli) for _ in range(3)]
    run = cli.json("bill", "--date", "2026-05-01")["id"]

    first = run_of(cli, run, "--limit", "2")["customers"]
    assert [c["customer_id"] for c in first["data"]] == ids[:2]
    assert (first["has_more"], first["next_cursor"]) == (True, str(ids[1]))
    rest = run_of(cli, run, "--limit", "2", "--starting-after", str(ids[1]))["customers"]
    assert [c["customer_id"] for c in rest["data"]] == ids[2:]
    assert rest["has_more"] is False
    assert cli.ok("billing-runs", "show", str(run), "--limit", "2").last_line == (
        f"more: --starting-after {ids[1]}"
    )


def test_zero_invoices_are_skipped_unless_told_otherwise(cli: Cli) -> None:
    free = subscriber(cli, "0")
    cli.ok("bill", "--date", "2026-05-01")
    [outcome] = run_of(cli, 1)["customers"]["data"]
    assert (outcome["customer_id"], outcome["outcome"], outcome["reason"]) == (
        free,
        "skipped",
        "the invoice total is zero (skip_zero_invoices)",
    )
    subscriber(cli, "0", "2026-05-02", "-b", "billing_day=2")
    data = cli.json("bill", "--date", "2026-05-02", "--no-skip-zero")
    assert data["skip_zero_invoices"] is False
    assert [i["total"] for i in invoices(cli)] == ["0.00"]


def test_balance_only_accounts_get_a_document_of_what_they_owe(cli: Cli) -> None:
    customer = cli.new_customer("-b", "billing_day=1")
    cli.post_debit(customer, "30.00", "2026-04-10")
    cli.ok("bill", "--date", "2026-05-01")
    assert invoices(cli) == []

    data = cli.json("bill", "--date", "2026-06-01", "--balance-only-accounts")

    assert (data["balance_only_accounts"], data["progress"]["invoiced"]) == (True, 1)
    [invoice] = invoices(cli)
    assert (invoice["total"], invoice["account_balance"]) == ("0.00", "30.00")


# -- previews --------------------------------------------------------------------------------


def test_a_preview_is_compared_then_confirmed(cli: Cli) -> None:
    customer = subscriber(cli)
    cli.ok("bill", "--date", "2026-05-01")  # 96.00

    outcome = cli.ok("bill", "--date", "2026-06-01", "--preview")

    assert outcome.stdout.splitlines() == [
        "preview 2 for 2026-06-01: preview",
        "  customers: 1 selected, 0 invoiced, 1 drafted, 0 skipped, 0 parked",
        "  drafted: 1 for 72.00 EUR",
        "  nothing issued yet: solde billing-runs compare 2, then solde billing-runs confirm 2 "
        "(or discard 2)",
    ]
    assert len(invoices(cli)) == 1
    assert [(d["number"], d["total"]) for d in drafts(cli)] == [(None, "72.00")]

    compared = cli.json("billing-runs", "compare", "2")
    # June in full: 60.00 + 12.00 tax = 72.00, against 96.00 in May: 25 % less, beyond 10 %
    [row] = compared["data"]
    assert (row["customer_id"], row["change"], row["currency"]) == (customer, "changed", "EUR")
    assert (row["draft_total"], row["previous_total"], row["difference"]) == (
        "72.00",
        "96.00",
        "-24.00",
    )
    assert compared["counts"] == {"new": 0, "changed": 1, "same": 0, "missing": 0}
    wide = cli.json("billing-runs", "compare", "2", "--threshold", "25")
    assert [r["change"] for r in wide["data"]] == ["same"]
    assert cli.json("billing-runs", "compare", "2", "--change", "new")["data"] == []
    table = cli.ok("billing-runs", "compare", "2").stdout
    assert table.splitlines()[-1] == "0 new, 1 changed, 0 same, 0 missing (threshold 10%)"

    confirmed = cli.ok("billing-runs", "confirm", "2")

    assert confirmed.stdout.splitlines() == [
        "preview 2 for 2026-06-01: completed",
        "  customers: 1 selected, 1 invoiced, 0 drafted, 0 skipped, 0 parked",
        "  invoiced: 1 for 72.00 EUR",
    ]
    assert [i["total"] for i in invoices(cli)] == ["72.00", "96.00"]
    assert drafts(cli) == []
    assert cli.fails("billing-runs", "confirm", "2") == (
        "billing run 2 is completed: only a preview can be confirmed or discarded"
    )


def test_a_discarded_preview_issues_nothing(cli: Cli) -> None:
    subscriber(cli)
    preview = cli.json("bill", "--date", "2026-05-01", "--preview")["id"]
    compared = cli.json("billing-runs", "compare", str(preview))["data"]
    assert [r["change"] for r in compared] == ["new"]

    outcome = cli.ok("billing-runs", "discard", str(preview))

    assert outcome.stdout == f"discarded preview {preview} for 2026-05-01: 1 draft(s) thrown away\n"
    data = run_of(cli, preview)
    assert (data["status"], data["progress"]["discarded"], data["progress"]["drafted"]) == (
        "discarded",
        1,
        0,
    )
    assert invoices(cli) == drafts(cli) == []
    assert cli.fails("billing-runs", "discard", str(preview)) == (
        f"billing run {preview} is discarded: only a preview can be confirmed or discarded"
    )
    cli.ok("bill", "--date", "2026-05-01")
    assert [i["total"] for i in invoices(cli)] == ["96.00"]


def test_confirm_parks_a_customer_whose_bill_changed_since_the_preview(cli: Cli) -> None:
    customer = subscriber(cli)
    preview = cli.json("bill", "--date", "2026-05-01", "--preview")["id"]
    cli.ok("service", "update", "1", "--unit-price", "90")

    outcome = cli.ok("billing-runs", "confirm", str(preview))

    assert outcome.stdout.splitlines()[1:] == [
        "  customers: 1 selected, 0 invoiced, 0 drafted, 0 skipped, 1 parked",
        "PARKED: 1 customer(s) could not be billed (the others were); fix the cause, then run: "
        f"solde billing-runs retry {preview}",
        f"  customer {customer}: the customer's bill changed since the preview; run the billing "
        "again for 2026-05-01",
    ]
    assert invoices(cli) == []
    cli.ok("bill", "--date", "2026-05-01")
    # at the new price: 90 × 10/30 + 90 = 120.00 net, 144.00 with tax
    assert [i["total"] for i in invoices(cli)] == ["144.00"]


# -- parked customers ------------------------------------------------------------------------


def test_a_parked_customer_stops_nobody_and_is_retried_once_fixed(cli: Cli) -> None:
    good = subscriber(cli)
    bad = cli.new_customer("-b", "billing_day=1", name="Too big")
    huge = cli.json(
        "service", "add", str(bad), "--description", "Huge", "--unit-price", "999999999",
        "--quantity", "99999", "--start", "2026-05-01",
    )  # fmt: skip

    outcome = cli.ok("bill", "--date", "2026-05-01")  # exit status 0

    assert outcome.stdout.splitlines() == [
        "billing run 1 for 2026-05-01: completed",
        "  customers: 2 selected, 1 invoiced, 0 drafted, 0 skipped, 1 parked",
        "  invoiced: 1 for 96.00 EUR",
        "PARKED: 1 customer(s) could not be billed (the others were); fix the cause, then run: "
        "solde billing-runs retry 1",
        f"  customer {bad}: amount: is too large",
    ]
    assert [i["customer_id"] for i in invoices(cli)] == [good]
    parked = run_of(cli, 1, "--outcome", "parked")["customers"]["data"]
    assert [(p["customer_id"], p["reason"]) for p in parked] == [(bad, "amount: is too large")]

    cli.ok("service", "update", str(huge["id"]), "--quantity", "1")
    retried = cli.ok("billing-runs", "retry", "1")

    assert retried.stdout.splitlines()[1] == (
        "  customers: 2 selected, 2 invoiced, 0 drafted, 0 skipped, 0 parked"
    )
    assert sorted(i["customer_id"] for i in invoices(cli)) == [good, bad]
    assert cli.ok("billing-runs", "retry", "1").stdout == (
        "billing run 1 has no parked customer: nothing to retry\n"
    )


@SQLITE_ONLY
def test_the_summary_lists_the_first_twenty_parked_customers(cli: Cli) -> None:
    with cli.container.uow(actor="test") as uow:
        for k in range(23):
            customer = usecases.create_customer(
                uow, {"name": f"Big {k}", "billing": {"billing_day": 1}}
            )
            subscriptions.add_service(
                uow, customer.id,
                {"description": "Huge", "unit_price": "999999999", "quantity": "99999",
                 "start_date": "2026-05-01"},
                on=date(2026, 5, 1),
            )  # fmt: skip
        uow.commit()

    lines = cli.ok("bill", "--date", "2026-05-01").stdout.splitlines()

    assert lines[1] == "  customers: 23 selected, 0 invoiced, 0 drafted, 0 skipped, 23 parked"
    assert lines[2].startswith("PARKED: 23 customer(s) could not be billed")
    assert lines[3:23] == [f"  customer {k}: amount: is too large" for k in range(1, 21)]
    assert lines[23:] == ["  …3 more: solde billing-runs show 1 --outcome parked"]


# -- workers and progress --------------------------------------------------------------------


def test_workers_bill_every_customer_once(cli: Cli) -> None:
    customers = [subscriber(cli, str(50 + k)) for k in range(5)]

    data = cli.json("bill", "--date", "2026-05-01", "--workers", "2")

    assert data["progress"]["invoiced"] == 5
    # each price p from 21 April to 31 May: p × 4/3 net, 20 % tax on top
    # 50..54 → 66.67, 68.00, 69.33, 70.67, 72.00 net; gross 80.00, 81.60, 83.20, 84.80, 86.40
    assert data["totals"] == [
        {"outcome": "invoiced", "currency": "EUR", "count": 5, "total": "416.00"}
    ]
    rows = invoices(cli)
    assert sorted(r["customer_id"] for r in rows) == customers
    assert sorted(r["total"] for r in rows) == ["80.00", "81.60", "83.20", "84.80", "86.40"]
    again = cli.json("bill", "--date", "2026-05-01", "--workers", "2")
    assert again["id"] == data["id"]
    assert len(invoices(cli)) == 5


@SQLITE_ONLY
def test_a_terminal_gets_a_progress_bar_on_standard_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscriber(cli)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")

    outcome = cli.run("bill", "--date", "2026-05-01")

    assert outcome.code == 0
    assert "Billing 2026-05-01" in outcome.stderr
    assert "1/1" in outcome.stderr
    assert "billing run 1 for 2026-05-01: completed" in outcome.stdout


# -- refusals --------------------------------------------------------------------------------


@SQLITE_ONLY
def test_bad_input_is_refused_with_one_line(cli: Cli) -> None:
    subscriber(cli)
    tomorrow = (today() + timedelta(days=1)).isoformat()

    assert cli.fails("bill", "--date", "2026-02-30") == "date: must be a date (YYYY-MM-DD)"
    assert cli.fails("bill", "--date", tomorrow) == (
        f"date: cannot be after today ({today().isoformat()})"
    )
    for command in ("show", "compare", "confirm", "discard", "retry"):
        assert cli.fails("billing-runs", command, "99") == "billing run 99 does not exist"
    cli.ok("bill", "--date", "2026-05-01", "--preview")
    assert cli.fails("billing-runs", "compare", "1", "--threshold", "abc") == (
        "threshold: 'abc' is not a decimal number"
    )
    assert cli.fails("billing-runs", "compare", "1", "--threshold", "-1") == (
        "threshold: must be 0 or more (percent)"
    )


@SQLITE_ONLY
def test_usage_mistakes_exit_with_status_2(cli: Cli, subtests: pytest.Subtests) -> None:
    for args in [
        ("bill", "--workers", "-1"),
        ("bill", "--workers", "0"),
        ("bill", "--workers", "abc"),
        ("bill", "--workers", "33"),
        ("billing-runs", "confirm", "1", "--workers", "-2"),
        ("billing-runs", "retry", "1", "--workers", "0"),
        ("billing-runs", "show", "1", "--outcome", "lost"),
        ("billing-runs", "compare", "1", "--change", "bigger"),
        ("billing-runs", "show", "abc"),
    ]:
        with subtests.test(" ".join(args)):
            stderr = cli.usage_error(*args)
            assert "Invalid value" in stderr
