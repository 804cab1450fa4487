"""`solde run-daily` and `solde simulate` (SPEC §10): the cycle catches up missed dates oldest
first and never runs a date twice; a simulation shows what would be invoiced and changes
nothing; refusals print one line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
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


def subscriber(cli: Cli, day: int, price: str, start: str, *options: str) -> int:
    """A customer billed on `day` of each month with one service (no tax); its id."""
    customer = cli.new_customer("-b", f"billing_day={day}", *options)
    cli.ok("service", "add", str(customer), "--description", "Fibre", "--unit-price", price,
           "--start", start)  # fmt: skip
    return customer


def invoices(cli: Cli) -> list[dict[str, Any]]:
    """Every invoice, newest first."""
    outcome = cli.ok("invoice", "list", "--format", "json", "--limit", "500")
    rows: list[dict[str, Any]] = json.loads(outcome.stdout)["data"]
    return rows


def nothing(day: str, run: int) -> str:
    return f"{day}: billing run {run}: 0 invoiced, 0 skipped, 0 parked, 0 settled, 0 overdue"


# -- run-daily -------------------------------------------------------------------------------


def test_run_daily_catches_up_then_says_the_date_is_done(cli: Cli) -> None:
    customer = subscriber(cli, 2, "30", "2026-05-02")

    first = cli.ok("run-daily", "--date", "2026-05-01")
    assert first.stdout.splitlines() == [nothing("2026-05-01", 1)]

    caught_up = cli.ok("run-daily", "--date", "2026-05-03")

    # 2 May is the customer's billing day: May 2 to June 1 in advance, 30.00
    assert caught_up.stdout.splitlines() == [
        "2026-05-02: billing run 2: 1 invoiced, 0 skipped, 0 parked, 0 settled, 0 overdue",
        nothing("2026-05-03", 3),
    ]
    [invoice] = invoices(cli)
    assert (invoice["customer_id"], invoice["document_date"], invoice["total"]) == (
        customer,
        "2026-05-02",
        "30.00",
    )

    again = cli.ok("run-daily", "--date", "2026-05-03")

    assert again.stdout == (
        "2026-05-03 already done (billing run 3: 0 invoiced, 0 skipped, 0 parked, 0 settled, "
        "0 overdue)\n"
    )
    assert len(invoices(cli)) == 1
    assert cli.ok("run-daily", "--date", "2026-04-30").stdout == (
        "nothing to run for 2026-04-30: the daily cycle started after it "
        "(last date done: 2026-05-03)\n"
    )


def test_run_daily_marks_unpaid_invoices_overdue_the_day_after_their_due_date(cli: Cli) -> None:
    subscriber(cli, 2, "30", "2026-05-02")
    cli.ok("run-daily", "--date", "2026-05-02")  # invoiced, due 14 days later: 16 May

    printed = cli.ok("run-daily", "--date", "2026-05-17").stdout.splitlines()

    lines = [line for line in printed if not line.startswith("  ")]  # dunning says more
    assert len(lines) == 15  # 3 to 17 May, one line each, oldest first
    assert lines[0] == nothing("2026-05-03", 2)
    # reminders 3, 7 and 14 days after the document date of 2 May
    assert [
        printed[printed.index(line) + 1]
        for line in lines
        if line[:10] in ("2026-05-05", "2026-05-09", "2026-05-16")
    ] == ["  reminders: 1 recorded"] * 3
    assert len(printed) == 15 + 3
    assert lines[-1] == (
        "2026-05-17: billing run 16: 0 invoiced, 0 skipped, 0 parked, 0 settled, 1 overdue"
    )
    [invoice] = invoices(cli)
    assert (
        cli.json("invoice", "show", str(invoice["id"]), "--as-of", "2026-05-17")["status"]
        == "overdue"
    )


def test_run_daily_json_and_parked_customers(cli: Cli) -> None:
    bad = cli.new_customer("-b", "billing_day=1", name="Too big")
    cli.ok("service", "add", str(bad), "--description", "Huge", "--unit-price", "999999999",
           "--quantity", "99999", "--start", "2026-05-01")  # fmt: skip

    outcome = cli.ok("run-daily", "--date", "2026-05-01")  # exit status 0 all the same

    assert outcome.stdout == (
        "2026-05-01: billing run 1: 0 invoiced, 0 skipped, 1 parked, 0 settled, 0 overdue"
        " — PARKED: solde billing-runs show 1 --outcome parked\n"
    )
    data = cli.json("run-daily", "--date", "2026-05-02")
    assert data == {
        "date": "2026-05-02",
        "days": [
            {
                "date": "2026-05-02",
                "already_done": False,
                "run_id": 2,
                "invoiced": 0,
                "skipped": 0,
                "parked": 0,
                "settled_customers": 0,
                "overdue_invoices": 0,
                "reminders": 0,
                "reminder_fees": 0,
                "blocked": [],
                "unblocked": [],
                "deactivated": [],
                "failed": {},
            }
        ],
    }
    done = cli.json("run-daily", "--date", "2026-05-02")["days"]
    assert [(d["date"], d["already_done"]) for d in done] == [("2026-05-02", True)]


def test_run_daily_defaults_to_today_and_takes_workers(cli: Cli) -> None:
    billing_today = today().day <= 28  # billing days run from 1 to 28
    for k in range(3):
        subscriber(cli, today().day if billing_today else 1, str(10 + k), "2026-01-01")

    data = cli.json("run-daily", "--workers", "2")

    [day] = data["days"]
    assert day["date"] == today().isoformat()
    assert day["invoiced"] == (3 if billing_today else 0)


# -- simulate --------------------------------------------------------------------------------


def test_simulate_shows_what_would_be_invoiced_and_changes_nothing(cli: Cli) -> None:
    subscriber(cli, 1, "60", "2026-04-21")
    subscriber(cli, 2, "50", "2026-05-02", "--currency", "USD")
    before = cli.snapshot()

    outcome = cli.ok("simulate", "--from", "2026-04-30", "--to", "2026-05-02")

    # 1 May: 21 April to 31 May, 60 × 10/30 + 60 = 80.00 EUR; 2 May: a full month, 50.00 USD
    assert outcome.stdout.splitlines() == [
        "simulation from 2026-04-30 to 2026-05-02 on a copy of the database: nothing was changed",
        "2026-04-30: nothing invoiced",
        "2026-05-01: 1 invoice(s), 80.00 EUR",
        "2026-05-02: 1 invoice(s), 50.00 USD",
    ]
    assert cli.snapshot() == before
    assert invoices(cli) == []
    assert cli.json("billing-runs", "list")["data"] == []


def test_simulate_json_lists_the_invoices_per_date(cli: Cli) -> None:
    first = subscriber(cli, 1, "60", "2026-04-21")
    second = subscriber(cli, 1, "30", "2026-05-01")
    before = cli.snapshot()

    data = cli.json("simulate", "--from", "2026-05-01", "--to", "2026-05-01")

    assert (data["from"], data["to"], data["simulated"], data["changed"]) == (
        "2026-05-01",
        "2026-05-01",
        True,
        False,
    )
    [day] = data["days"]
    assert (day["date"], day["invoiced"], day["already_done"]) == ("2026-05-01", 2, False)
    assert "run_id" not in day  # the run of a copy does not exist
    assert day["totals"] == [{"currency": "EUR", "count": 2, "total": "110.00"}]
    assert [(i["customer_id"], i["total"], i["currency"]) for i in day["invoices"]] == [
        (first, "80.00", "EUR"),
        (second, "30.00", "EUR"),
    ]
    assert all(i["number"] for i in day["invoices"])
    assert cli.snapshot() == before


def test_simulate_skips_dates_the_cycle_has_done(cli: Cli) -> None:
    subscriber(cli, 1, "60", "2026-04-21")
    cli.ok("run-daily", "--date", "2026-05-01")
    before = cli.snapshot()

    outcome = cli.ok("simulate", "--from", "2026-05-01", "--to", "2026-06-01")

    lines = outcome.stdout.splitlines()
    assert lines[1] == "2026-05-01 already done (not simulated again)"
    assert lines[2] == "2026-05-02: nothing invoiced"
    assert lines[-1] == "2026-06-01: 1 invoice(s), 60.00 EUR"
    assert cli.snapshot() == before


# -- refusals --------------------------------------------------------------------------------


@SQLITE_ONLY
def test_bad_dates_are_refused_with_one_line(cli: Cli) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert cli.fails("run-daily", "--date", tomorrow) == (
        f"date: cannot be after today ({today().isoformat()})"
    )
    assert cli.fails("run-daily", "--date", "2026-13-01") == "date: must be a date (YYYY-MM-DD)"
    assert cli.fails("simulate", "--from", "2026-05-02", "--to", "2026-05-01") == (
        "to: cannot be before the start date"
    )
    assert cli.fails("simulate", "--from", "yesterday", "--to", "2026-05-01") == (
        "from: must be a date (YYYY-MM-DD)"
    )
    assert cli.fails("simulate", "--from", "2020-01-01", "--to", "2026-01-01") == (
        "to: simulate at most 1096 days"
    )
    assert "Missing option '--to'" in cli.usage_error("simulate", "--from", "2026-05-01")
    assert "Invalid value" in cli.usage_error("run-daily", "--workers", "-1")
