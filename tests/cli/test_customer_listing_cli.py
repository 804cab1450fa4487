"""`solde customer list --balance owes|credit|settled --sort ORDER --offset N`: the customer list
by what customers owe, in five orders, paged by offset; the cursor stays for newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli

DAY = "2025-01-10"
ORDERS = ["newest", "oldest", "name", "balance_desc", "balance_asc"]

#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def people(cli: Cli) -> list[dict[str, Any]]:
    """Customers owing, in credit and settled, with ties of name and balance (cents expected
    by the test), in id order."""
    plan = [
        ("Harbour Ltd", "EUR", "40.00", None),
        ("anne martin", "EUR", None, "15.50"),
        ("Nordwind", "GBP", None, None),
        ("Anne Martin", "EUR", "40.00", None),
        ("zed", "EUR", "10.00", "10.00"),
        ("Baker", "GBP", "7.25", None),
    ]
    made = []
    for name, currency, charge, payment in plan:
        customer = cli.new_customer("--currency", currency, name=name)
        cents = 0
        if charge is not None:
            cli.post_debit(customer, charge, DAY)
            cents += int(charge.replace(".", ""))
        if payment is not None:
            cli.pay(customer, payment, "--date", DAY)
            cents -= int(payment.replace(".", ""))
        made.append({"id": customer, "name": name, "currency": currency, "cents": cents})
    return made


def expected(people: list[dict[str, Any]], sort: str) -> list[int]:
    keys: dict[str, Any] = {
        "newest": lambda p: -p["id"],
        "oldest": lambda p: p["id"],
        "name": lambda p: (p["name"].lower(), p["id"]),
        "balance_desc": lambda p: (-p["cents"], p["id"]),
        "balance_asc": lambda p: (p["cents"], p["id"]),
    }
    return [p["id"] for p in sorted(people, key=keys[sort])]


def _ids(cli: Cli, *options: str) -> list[int]:
    return [c["id"] for c in cli.json("customer", "list", *options)["data"]]


def test_balance_filters(cli: Cli, people: list[dict[str, Any]]) -> None:
    for balance, keep in [
        ("owes", lambda p: p["cents"] > 0),
        ("credit", lambda p: p["cents"] < 0),
        ("settled", lambda p: p["cents"] == 0),
    ]:
        kept = [p for p in people if keep(p)]
        assert _ids(cli, "--balance", balance) == expected(kept, "newest"), balance
    eur_owing = [p for p in people if p["cents"] > 0 and p["currency"] == "EUR"]
    assert _ids(cli, "--balance", "owes", "--currency", "eur", "--sort", "name") == expected(
        eur_owing, "name"
    )


def test_every_order(cli: Cli, people: list[dict[str, Any]]) -> None:
    for sort in ORDERS:
        assert _ids(cli, "--sort", sort) == expected(people, sort), sort
    human = cli.ok("customer", "list", "--sort", "balance_desc", "--currency", "EUR").stdout
    rows = [line.split() for line in human.splitlines() if line.strip()[:1].isdigit()]
    assert [row[-1] for row in rows] == ["40.00", "40.00", "0.00", "-15.50"]


def test_sorted_lists_page_by_offset(cli: Cli, people: list[dict[str, Any]]) -> None:
    by_name = expected(people, "name")
    first = cli.json("customer", "list", "--sort", "name", "--limit", "4")
    rest = cli.json("customer", "list", "--sort", "name", "--limit", "4", "--offset", "4")
    assert [c["id"] for c in first["data"]] == by_name[:4]
    assert first["has_more"] is True
    assert [c["id"] for c in rest["data"]] == by_name[4:]
    assert rest["has_more"] is False
    human = cli.ok("customer", "list", "--sort", "name", "--limit", "2", "--offset", "2").stdout
    assert human.rstrip("\n").splitlines()[-1] == "more: --offset 4"


def test_newest_first_keeps_the_cursor_and_takes_an_offset(
    cli: Cli, people: list[dict[str, Any]]
) -> None:
    newest = expected(people, "newest")
    human = cli.ok("customer", "list", "--limit", "2", "--offset", "2").stdout
    assert human.rstrip("\n").splitlines()[-1] == f"more: --starting-after {newest[3]}"
    assert _ids(cli, "--limit", "2", "--offset", "2") == newest[2:4]
    assert _ids(cli, "--limit", "2", "--starting-after", str(newest[3])) == newest[4:6]


def test_a_cursor_with_another_order_or_an_offset_is_refused(cli: Cli) -> None:
    cli.new_customer()
    message = cli.fails("customer", "list", "--sort", "name", "--starting-after", "5")
    assert message.startswith("starting_after: ")
    assert "newest" in message
    message = cli.fails("customer", "list", "--offset", "3", "--starting-after", "5")
    assert message.startswith("starting_after: ")
    assert "offset" in message


@SQLITE_ONLY
def test_usage_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    for options, option in [
        (["--balance", "debt"], "--balance"),
        (["--sort", "size"], "--sort"),
        (["--offset", "-1"], "--offset"),
        (["--offset", "1000001"], "--offset"),
        (["--offset", "x"], "--offset"),
    ]:
        with subtests.test(" ".join(options)):
            assert option in cli.usage_error("customer", "list", *options)


@SQLITE_ONLY
def test_help_names_the_options(cli: Cli) -> None:
    text = cli.ok("customer", "list", "--help").stdout
    for option in ("--balance", "--sort", "--offset", "--starting-after"):
        assert option in text, option
