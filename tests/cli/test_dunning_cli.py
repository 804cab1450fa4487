"""`solde dunning`, `solde events` and the dunning settings (SPEC §9): the calendar of the
SPEC's example (document date 1 June, 10 days to pay → due 11 June → blocked from 12 June), what
a date's cycle would do, the next block date an operator moves, the reminders recorded, what
`run-daily` and `simulate` say of dunning, and every refusal in one line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

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


def owing(cli: Cli, *options: str, name: str = "Acme", day: str = "2026-06-01") -> int:
    """A customer paying at 10 days with one invoice of 50.00 EUR dated `day`; its id."""
    customer = cli.new_customer("-b", "payment_due_days=10", *options, name=name)
    cli.ok("invoice", "create", str(customer), "--date", day, "--item", "Fibre;1;50")
    return customer


def number_of(cli: Cli, customer: int) -> str:
    """The number of the customer's only invoice."""
    listed = cli.ok("invoice", "list", "--customer", str(customer), "--format", "json")
    [invoice] = json.loads(listed.stdout)["data"]
    return str(invoice["number"])


def rows(stdout: str) -> list[list[str]]:
    """The body rows of the tables printed, as cells."""
    return [
        [cell.strip() for cell in line.split("│")] for line in stdout.splitlines() if "│" in line
    ]


def lines_before_tables(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if not set(line) & set("│┃━╇")]


# -- the calendar ----------------------------------------------------------------------------


def test_show_prints_the_calendar_of_the_spec_example(cli: Cli) -> None:
    cli.ok("settings", "set", "dunning.reminder_fees.EUR", "0,5.00,10.00")
    customer = owing(cli, "--external-ref", "ACME-1")
    number = number_of(cli, customer)

    outcome = cli.ok("dunning", "show", "ACME-1", "--as-of", "2026-06-05")

    assert lines_before_tables(outcome.stdout) == [
        f"Dunning of customer {customer} (Acme) as of 2026-06-05",
        "  status: active",
        "  balance: 50.00 EUR, credit limit 0.00: over the limit",
        f"  billing due date: 2026-06-11 (invoice {number}, open 50.00 EUR)",
        "  next block date: 2026-06-12",
        # 12 June + 30 days is Sunday 12 July: moved to the next working day
        "  next deactivation date: 2026-07-13",
        "Reminders",
    ]
    assert rows(outcome.stdout) == [
        [number, "1", "2026-06-04", "-1", "", ""],
        [number, "2", "2026-06-08", "3", "", "5.00 EUR"],
        [number, "3", "2026-06-15", "10", "", "10.00 EUR"],
    ]


def test_show_json_is_the_calendar_of_the_api(cli: Cli) -> None:
    customer = owing(cli)
    number = number_of(cli, customer)

    data = cli.json("dunning", "show", str(customer), "--as-of", "2026-06-12")

    assert {k: v for k, v in data.items() if k != "reminders"} == {
        "customer_id": customer,
        "as_of": "2026-06-12",
        "status": "active",
        "status_by": None,
        "exempt": False,
        "currency": "EUR",
        "balance": "50.00",
        "pending_payments": "0.00",
        "credit_limit": "0.00",
        "over_limit": True,
        "billing_due_date": "2026-06-11",
        "billing_due_invoice": {"id": 1, "number": number, "open_amount": "50.00"},
        "computed_block_date": "2026-06-12",
        "next_block_date": "2026-06-12",
        "next_block_date_override": None,
        "next_deactivation_date": "2026-07-13",
        "blocked_on": None,
        "action": "block",
    }
    assert [(r["level"], r["date"], r["days_left"], r["sent_on"]) for r in data["reminders"]] == [
        (1, "2026-06-04", -8, None),
        (2, "2026-06-08", -4, None),
        (3, "2026-06-15", 3, None),
    ]
    human = cli.ok("dunning", "show", str(customer), "--as-of", "2026-06-12").stdout
    assert "  the daily cycle of 2026-06-12 blocks it" in human.splitlines()


def test_show_of_a_customer_owing_nothing_has_no_dates(cli: Cli) -> None:
    customer = cli.new_customer(name="Quiet")

    outcome = cli.ok("dunning", "show", str(customer), "--as-of", "2026-06-05")

    assert outcome.stdout.splitlines() == [
        f"Dunning of customer {customer} (Quiet) as of 2026-06-05",
        "  status: active",
        "  balance: 0.00 EUR, credit limit 0.00: within the limit",
        "  billing due date: none (no open invoice)",
        "  next block date: none",
        "  next deactivation date: none",
        "  reminders: none",
    ]


# -- the daily cycle says what dunning did ---------------------------------------------------


def test_run_daily_over_a_range_prints_the_reminders_and_the_blocked_customer(cli: Cli) -> None:
    cli.ok("settings", "set", "dunning.reminder_fees.EUR", "0,5.00,10.00")
    customer = owing(cli)
    number = number_of(cli, customer)
    cli.ok("run-daily", "--date", "2026-06-01")  # the first cycle runs its own date only

    outcome = cli.ok("run-daily", "--date", "2026-06-15")

    said = [line for line in outcome.stdout.splitlines() if line.startswith("  ")]
    days = [line.split(":")[0] for line in outcome.stdout.splitlines() if line[:1] != " "]
    assert days == [f"2026-06-{d:02d}" for d in range(2, 16)]
    text = outcome.stdout
    assert "2026-06-04: billing run 4: 0 invoiced" in text
    assert text.split("2026-06-04: ")[1].splitlines()[1] == "  reminders: 1 recorded"
    assert text.split("2026-06-08: ")[1].splitlines()[1] == "  reminders: 1 recorded, 1 with a fee"
    assert text.split("2026-06-12: ")[1].splitlines()[1] == f"  blocked: customer {customer}"
    assert said == [
        "  reminders: 1 recorded",
        "  reminders: 1 recorded, 1 with a fee",
        f"  blocked: customer {customer}",
        "  reminders: 1 recorded, 1 with a fee",
    ]

    shown = cli.ok("dunning", "show", str(customer), "--as-of", "2026-06-15")
    assert lines_before_tables(shown.stdout)[1:6] == [
        "  status: blocked (by dunning, since 2026-06-12)",
        "  balance: 65.00 EUR, credit limit 0.00: over the limit",
        f"  billing due date: 2026-06-11 (invoice {number}, open 50.00 EUR)",
        "  next block date: none (the customer is blocked)",
        "  next deactivation date: 2026-07-13",
    ]
    assert [r[3:5] for r in rows(shown.stdout)] == [
        ["-11", "2026-06-04"],
        ["-7", "2026-06-08"],
        ["0", "2026-06-15"],
    ]

    recorded = cli.ok("dunning", "reminders", str(customer))
    assert rows(recorded.stdout) == [
        ["3", "2026-06-15", "3", f"{number} (level 3)", "10.00 EUR", "recorded"],
        ["2", "2026-06-08", "2", f"{number} (level 2)", "5.00 EUR", "recorded"],
        ["1", "2026-06-04", "1", f"{number} (level 1)", "", "recorded"],
    ]
    data = cli.json("dunning", "reminders", str(customer))["data"]
    assert [(r["id"], r["date"], r["level"], r["fee_transaction_id"] is None) for r in data] == [
        (3, "2026-06-15", 3, False),
        (2, "2026-06-08", 2, False),
        (1, "2026-06-04", 1, True),
    ]
    assert data[0]["invoices"] == [
        {"invoice_id": 1, "number": number, "level": 3, "date": "2026-06-15",
         "open_amount": "50.00", "currency": "EUR"}
    ]  # fmt: skip


def test_run_daily_json_counts_reminders_and_names_blocked_customers(cli: Cli) -> None:
    customer = owing(cli)
    cli.ok("run-daily", "--date", "2026-06-11")

    data = cli.json("run-daily", "--date", "2026-06-12")

    [day] = data["days"]
    assert (day["date"], day["reminders"], day["reminder_fees"], day["blocked"]) == (
        "2026-06-12",
        0,
        0,
        [customer],
    )
    assert (day["unblocked"], day["deactivated"], day["failed"], day["overdue_invoices"]) == (
        [],
        [],
        {},
        1,
    )
    again = cli.ok("run-daily", "--date", "2026-06-12").stdout.splitlines()
    assert again[0].startswith("2026-06-12 already done (billing run 2:")
    assert again[1:] == [f"  blocked: customer {customer}"]


def test_simulate_prints_reminders_and_blocks_and_changes_nothing(cli: Cli) -> None:
    customer = owing(cli)
    before = cli.snapshot()

    outcome = cli.ok("simulate", "--from", "2026-06-03", "--to", "2026-06-13")

    lines = outcome.stdout.splitlines()
    assert lines[lines.index("2026-06-04: nothing invoiced") + 1] == "  reminders: 1 recorded"
    assert lines[lines.index("2026-06-08: nothing invoiced") + 1] == "  reminders: 1 recorded"
    assert lines[lines.index("2026-06-12: nothing invoiced (1 overdue)") + 1] == (
        f"  blocked: customer {customer}"
    )
    assert len([line for line in lines if line.startswith("  ")]) == 3
    assert cli.snapshot() == before


def test_a_payment_unblocks_at_once_and_the_calendar_says_so(cli: Cli) -> None:
    customer = owing(cli)
    cli.ok("run-daily", "--date", "2026-06-12")

    cli.pay(customer, "50.00", "--date", "2026-06-13")

    data = cli.json("dunning", "show", str(customer))
    assert (data["status"], data["status_by"], data["balance"], data["billing_due_date"]) == (
        "active",
        "dunning",
        "0.00",
        None,
    )
    human = cli.ok("dunning", "show", str(customer)).stdout
    assert "  status: active (by dunning)" in human.splitlines()


# -- a date's plan ---------------------------------------------------------------------------


def test_list_shows_who_the_cycle_of_a_date_would_block_and_remind(cli: Cli) -> None:
    cli.ok("settings", "set", "dunning.reminder_fees.EUR", "0,5.00")
    acme = owing(cli)
    beta = owing(cli, "-b", "credit_limit=100", name="Beta")
    acme_number, beta_number = number_of(cli, acme), number_of(cli, beta)

    block_day = cli.ok("dunning", "list", "--date", "2026-06-12")

    assert lines_before_tables(block_day.stdout) == [
        "Dunning on 2026-06-12 (nothing is changed)",
        "To block (1)",
        "To unblock: none",
        "To deactivate: none",
        "Reminders due: none",
    ]
    assert rows(block_day.stdout) == [
        [str(acme), "Acme", "50.00 EUR", "0.00", "2026-06-11", acme_number, "2026-06-12"]
    ]

    remind_day = cli.ok("dunning", "list", "--date", "2026-06-08")

    assert lines_before_tables(remind_day.stdout)[1:] == [
        "To block: none",
        "To unblock: none",
        "To deactivate: none",
        "Reminders due (2)",
    ]
    assert rows(remind_day.stdout) == [
        [str(acme), "Acme", "2", f"{acme_number} (level 2)", "5.00"],
        [str(beta), "Beta", "2", f"{beta_number} (level 2)", "5.00"],
    ]
    assert cli.fails("dunning", "show", "404") == "customer 404 does not exist"


def test_list_json_is_the_day_plan_of_the_api(cli: Cli) -> None:
    acme = owing(cli)

    data = cli.json("dunning", "list", "--date", "2026-06-12")

    assert sorted(data) == ["date", "reminders", "to_block", "to_deactivate", "to_unblock"]
    [blocked] = data["to_block"]
    assert (blocked["customer_id"], blocked["name"], blocked["next_block_date"]) == (
        acme,
        "Acme",
        "2026-06-12",
    )
    assert (data["date"], data["to_unblock"], data["to_deactivate"], data["reminders"]) == (
        "2026-06-12",
        [],
        [],
        [],
    )
    reminders = cli.json("dunning", "list", "--date", "2026-06-04")["reminders"]
    assert [(m["customer_id"], m["name"], m["level"], m["fee"]) for m in reminders] == [
        (acme, "Acme", 1, None)
    ]


# -- the next block date ---------------------------------------------------------------------


def test_set_block_date_moves_it_once_per_period_and_withdraw_gives_it_back(cli: Cli) -> None:
    cli.ok("settings", "set", "dunning.block_on_weekends", "true")  # dates are not moved
    now = today()
    customer = owing(cli, day=now.isoformat())
    computed, chosen = now + timedelta(days=11), now + timedelta(days=20)

    outcome = cli.ok(
        "dunning", "set-block-date", str(customer), chosen.isoformat(), "--reason", "promised"
    )

    assert outcome.stdout == (
        f"next block date of customer {customer} moved to {chosen} (computed {computed}); "
        f"next deactivation date {chosen + timedelta(days=30)}\n"
    )
    shown = lines_before_tables(cli.ok("dunning", "show", str(customer)).stdout)
    assert f"  next block date: {chosen} (moved by hand on {now}; computed {computed})" in shown
    [event] = cli.json("events", "list", "--type", "customer.next_block_date_set")["data"]
    assert (event["customer_id"], event["data"]["date"], event["data"]["reason"]) == (
        customer,
        chosen.isoformat(),
        "promised",
    )

    again = cli.fails("dunning", "set-block-date", str(customer), computed.isoformat())
    assert again.startswith(f"the next block date was already moved on {now}, in this billing")

    withdrawn = cli.ok("dunning", "set-block-date", str(customer), "--withdraw")

    assert withdrawn.stdout == (
        f"withdrew the next block date of customer {customer}: the computed date applies "
        f"({computed}); next deactivation date {computed + timedelta(days=30)}\n"
    )
    assert cli.json("dunning", "show", str(customer))["next_block_date"] == computed.isoformat()
    message = cli.fails("dunning", "set-block-date", str(customer), "--withdraw")
    assert message == "the customer has no next block date to withdraw"


def test_set_block_date_is_refused_for_a_blocked_customer(cli: Cli) -> None:
    customer = owing(cli, day=today().isoformat())
    cli.ok("customer", "update", str(customer), "--status", "blocked")
    later = (today() + timedelta(days=5)).isoformat()

    message = cli.fails("dunning", "set-block-date", str(customer), later)

    assert message == "the customer is blocked: unblock it or take a payment first"
    human = cli.ok("dunning", "show", str(customer)).stdout.splitlines()
    assert "  status: blocked (by hand: dunning does not lift it)" in human


SET_BLOCK_DATE_REFUSALS = [
    (["1", "soon"], "date: must be a date (YYYY-MM-DD)"),
    (["1", "2026-02-30"], "date: must be a date (YYYY-MM-DD)"),
    (["1"], "date: give a DATE or --withdraw (one of them)"),
    (["1", "2030-01-01", "--withdraw"], "date: give a DATE or --withdraw (one of them)"),
    (["404", "--withdraw"], "customer 404 does not exist"),
    (["NOPE", "--withdraw"], "customer: no customer with id or external_ref 'NOPE'"),
]


@SQLITE_ONLY
def test_set_block_date_refuses_bad_input(cli: Cli, subtests: pytest.Subtests) -> None:
    owing(cli)
    for args, expected in SET_BLOCK_DATE_REFUSALS:
        with subtests.test(" ".join(args)):
            assert cli.fails("dunning", "set-block-date", *args) == expected
    past = (today() - timedelta(days=1)).isoformat()
    message = cli.fails("dunning", "set-block-date", "1", past)
    assert message == f"date: must be between {today()} and a year later"


# -- refusals --------------------------------------------------------------------------------


REFUSALS = [
    (["dunning", "show", "404"], "customer 404 does not exist"),
    (["dunning", "show", "NOPE"], "customer: no customer with id or external_ref 'NOPE'"),
    (["dunning", "show", "1", "--as-of", "2026-02-30"], "as_of: must be a date (YYYY-MM-DD)"),
    (["dunning", "list", "--date", "tomorrow"], "date: must be a date (YYYY-MM-DD)"),
    (["dunning", "reminders", "404"], "customer 404 does not exist"),
    (["events", "list", "--customer", "404"], "customer 404 does not exist"),
    (
        ["events", "list", "--customer", "NOPE"],
        "customer: no customer with id or external_ref 'NOPE'",
    ),
]


@SQLITE_ONLY
def test_bad_input_gets_one_line_and_exit_status_1(cli: Cli, subtests: pytest.Subtests) -> None:
    owing(cli)
    for args, expected in REFUSALS:
        with subtests.test(" ".join(args)):
            assert cli.fails(*args) == expected
    assert "--limit" in cli.usage_error("events", "list", "--limit", "0")
    assert "--limit" in cli.usage_error("dunning", "reminders", "1", "--limit", "abc")


# -- reminders and events --------------------------------------------------------------------


def test_reminders_of_a_customer_never_reminded(cli: Cli) -> None:
    customer = owing(cli)

    assert cli.ok("dunning", "reminders", str(customer)).stdout == (
        f"no reminder recorded for customer {customer}\n"
    )
    assert cli.json("dunning", "reminders", str(customer)) == {"data": []}


def test_events_list_filters_by_type_and_customer_newest_first(cli: Cli) -> None:
    acme = owing(cli)
    beta = owing(cli, name="Beta")
    number = number_of(cli, acme)
    cli.ok("run-daily", "--date", "2026-06-11")
    cli.ok("run-daily", "--date", "2026-06-12")

    outcome = cli.ok("events", "list", "--customer", str(acme))

    assert outcome.stdout.splitlines() == [
        f"3 2026-06-12 customer.blocked customer {acme}: balance=50.00, credit_limit=0.00, "
        f"currency=EUR, due_date=2026-06-11, invoice_id=1, invoice_number={number}, "
        "pending_payments=0.00",
        f"1 2026-06-12 invoice.overdue customer {acme} invoice 1: due_date=2026-06-11, "
        f"number={number}",
    ]
    page = cli.json("events", "list", "--type", "customer.blocked", "--limit", "1")
    assert [(e["id"], e["customer_id"]) for e in page["data"]] == [(4, beta)]
    assert (page["has_more"], page["next_cursor"]) == (True, 4)
    rest = cli.json("events", "list", "--type", "customer.blocked", "--starting-after", "4")
    assert [(e["id"], e["customer_id"]) for e in rest["data"]] == [(3, acme)]
    assert rest["has_more"] is False
    human = cli.ok("events", "list", "--type", "customer.blocked", "--limit", "1").stdout
    assert human.splitlines()[-1] == "more: --starting-after 4"
    assert cli.ok("events", "list", "--type", "customer.nothing").stdout == "no event\n"


# -- dunning settings ------------------------------------------------------------------------


DUNNING_SETTINGS = [
    ("dunning.block_on_weekends", "true", "dunning.block_on_weekends = true",
     ("block_on_weekends", True)),
    ("dunning.block_on_holidays", "true", "dunning.block_on_holidays = true",
     ("block_on_holidays", True)),
    ("dunning.reminder_offsets", "3,10,21", "dunning.reminder_offsets = [3, 10, 21]",
     ("reminder_offsets", [3, 10, 21])),
    ("dunning.holidays", "2027-01-01, 2026-12-25",
     'dunning.holidays = ["2026-12-25", "2027-01-01"]', ("holidays", ["2026-12-25", "2027-01-01"])),
    ("dunning.holiday_country", "fr", 'dunning.holiday_country = "FR"', ("holiday_country", "FR")),
    ("dunning.holiday_subdivision", "57", 'dunning.holiday_subdivision = "57"',
     ("holiday_subdivision", "57")),
    ("dunning.reminder_fees.eur", "0,5,10.5",
     'dunning.reminder_fees.EUR = ["0.00", "5.00", "10.50"]',
     ("reminder_fees", {"EUR": ["0.00", "5.00", "10.50"]})),
    ("dunning.reminder_fees.USD", "1", 'dunning.reminder_fees.USD = ["1.00"]',
     ("reminder_fees", {"EUR": ["0.00", "5.00", "10.50"], "USD": ["1.00"]})),
    ("dunning.reminder_fees.USD", "null", "dunning.reminder_fees.USD = null",
     ("reminder_fees", {"EUR": ["0.00", "5.00", "10.50"]})),
    ("dunning.holidays", "null", "dunning.holidays = []", ("holidays", [])),
    ("dunning.holiday_subdivision", "null", "dunning.holiday_subdivision = null",
     ("holiday_subdivision", None)),
]  # fmt: skip


def test_settings_set_changes_each_dunning_setting(cli: Cli, subtests: pytest.Subtests) -> None:
    for name, value, shown, (field, stored) in DUNNING_SETTINGS:
        with subtests.test(f"{name} {value}"):
            outcome = cli.ok("settings", "set", "--", name, value)

            assert outcome.stdout == f"{shown}\n"
            assert cli.json("settings", "show")["dunning"][field] == stored
    human = cli.ok("settings", "show").stdout
    assert (
        "  dunning: block_on_weekends=True, block_on_holidays=True, holidays=none, "
        "holiday_country=FR, reminder_offsets=3,10,21, reminder_fees.EUR=0.00,5.00,10.50"
    ) in human.splitlines()


BAD_DUNNING_SETTINGS = [
    ("dunning.block_on_weekends", "perhaps", "dunning.block_on_weekends: must be true or false"),
    (
        "dunning.reminder_offsets",
        "7,3",
        "dunning.reminder_offsets: each reminder must come after the one before it",
    ),
    ("dunning.reminder_offsets", "3,x", "dunning.reminder_offsets.1: must be a whole number"),
    ("dunning.reminder_offsets", "-1", "dunning.reminder_offsets.0: must be between 0 and 3650"),
    ("dunning.holidays", "2026-12-32", "dunning.holidays.0: must be a date (YYYY-MM-DD)"),
    (
        "dunning.holiday_country",
        "ZZ",
        "dunning.holiday_country: 'ZZ' is not a country with a holiday calendar",
    ),
    ("dunning.holiday_subdivision", "57", "dunning.holiday_subdivision: needs a holiday_country"),
    (
        "dunning.reminder_fees.EUR",
        "1,2,3,4",
        "dunning.reminder_fees.EUR: has 4 fees for 3 reminder levels",
    ),
    (
        "dunning.reminder_fees.EUR",
        "1.234",
        "dunning.reminder_fees.EUR.0: EUR allows at most 2 decimals",
    ),
    ("dunning.reminder_fees.EUR", "-1", "dunning.reminder_fees.EUR.0: a fee cannot be negative"),
    (
        "dunning.reminder_fees.XYZ",
        "1",
        "dunning.reminder_fees.XYZ: 'XYZ' is not an ISO 4217 currency code",
    ),
    (
        "dunning.reminder_fees",
        "1",
        "dunning.reminder_fees: name a currency: "
        "dunning.reminder_fees.<CURRENCY> AMOUNT,AMOUNT,...",
    ),
    ("dunning.colour", "blue", "dunning.colour: is not a dunning setting"),
    (
        "dunning.block_on_weekends.x",
        "true",
        "dunning.block_on_weekends.x: is not a dunning setting",
    ),
    ("dunning", "3", "dunning: name one of them: dunning.<name>"),
]


@SQLITE_ONLY
def test_settings_set_refuses_a_bad_dunning_setting(cli: Cli, subtests: pytest.Subtests) -> None:
    for name, value, expected in BAD_DUNNING_SETTINGS:
        with subtests.test(f"{name} {value}"):
            assert cli.fails("settings", "set", "--", name, value) == expected


def test_a_reminder_fee_set_is_posted_by_the_cycle(cli: Cli) -> None:
    cli.ok("settings", "set", "dunning.reminder_offsets", "2")
    cli.ok("settings", "set", "dunning.reminder_fees.EUR", "7.50")
    customer = owing(cli)
    cli.ok("run-daily", "--date", "2026-06-02")

    outcome = cli.ok("run-daily", "--date", "2026-06-03")

    assert outcome.stdout.splitlines()[1:] == ["  reminders: 1 recorded, 1 with a fee"]
    assert cli.json("balance", str(customer), "--as-of", "2026-06-03")["balance"] == "57.50"
