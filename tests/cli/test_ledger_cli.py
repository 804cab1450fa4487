"""`solde line`, `solde transaction`, `solde balance`, `solde settle`, `solde allocate`:
exact amounts and signs (SPEC §1, §2, §4, §6), and one-line errors that change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from solde.ledger.model import State

if TYPE_CHECKING:
    from conftest import Cli

#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
BIG_ID = "99999999999999999999"  # beyond BIGINT: an id that cannot exist


def utc_today() -> date:
    """The CLI's default date: today in the business time zone (UTC by default)."""
    return datetime.now(UTC).date()


def _amounts(tx: dict[str, str]) -> tuple[str, str, str]:
    return tx["net"], tx["tax"], tx["amount"]


# -- line add --------------------------------------------------------------------------------


def test_an_unbilled_line_waits_for_the_invoice_and_leaves_the_balance_alone(cli: Cli) -> None:
    customer = cli.new_customer()

    line = cli.add_line(
        customer,
        "--kind", "debit", "--label", "Router rental", "--unit-price", "19.99",
        "--quantity", "3", "--tax-rate", "20", "--date", "2025-03-07", "--reference", "R-1",
    )  # fmt: skip

    assert (line["kind"], line["type"], line["state"]) == ("debit", "charge", "unbilled")
    assert _amounts(line) == ("59.97", "11.99", "71.96")
    assert (line["date"], line["reference"], line["label"]) == (
        "2025-03-07",
        "R-1",
        "Router rental",
    )
    card = cli.json("balance", str(customer))
    assert card["balance"] == "0.00"
    assert card["unbilled"] == {
        "count": 1,
        "net": "59.97",
        "gross": "71.96",
        "first_date": "2025-03-07",
        "last_date": "2025-03-07",
    }


def test_tax_is_rounded_half_up_per_line(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(
        customer, "--kind", "debit", "--label", "x", "--unit-price", "0.25", "--tax-rate", "10"
    )
    assert _amounts(line) == ("0.25", "0.03", "0.28")


def test_a_unit_price_may_carry_six_decimals_and_the_amount_is_rounded(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(
        customer, "--kind", "debit", "--label", "Data", "--unit-price", "0.004125",
        "--quantity", "1000", "--tax-rate", "5.5",
    )  # fmt: skip
    # 4.125 net -> 4.13 (half-up), tax 4.13 x 5.5 % = 0.22715 -> 0.23
    assert _amounts(line) == ("4.13", "0.23", "4.36")
    assert line["unit_price"] == "0.004125"


def test_a_posted_debit_changes_the_balance_at_once(cli: Cli) -> None:
    customer = cli.new_customer(name="Posted")

    outcome = cli.ok(
        "line", "add", str(customer), "--kind", "debit", "--label", "Adjustment",
        "--type", "adjustment", "--unit-price", "12.30", "--date", "2025-01-10",
    )  # fmt: skip

    tx_id = int(outcome.stdout.split()[2].rstrip(":"))
    assert outcome.stdout == (
        f"added transaction {tx_id}: debit adjustment 12.30 EUR (open, open 12.30)\n"
    )
    assert cli.transaction(tx_id).state is State.OPEN
    assert cli.balance(customer).balance.amount == Decimal("12.30")


def test_defaults_per_type_unbilled_or_posted(cli: Cli) -> None:
    customer = cli.new_customer()
    base = ["--label", "x", "--unit-price", "1", "--date", "2025-01-10"]

    charge = cli.add_line(customer, "--kind", "debit", *base)
    cost = cli.add_line(customer, "--kind", "debit", "--type", "collection_cost", *base)
    credit = cli.add_line(customer, "--kind", "credit", *base)
    gift = cli.add_line(customer, "--kind", "credit", "--type", "gift", *base)
    posted_charge = cli.add_line(customer, "--kind", "debit", "--post", *base)
    waiting_cost = cli.add_line(
        customer, "--kind", "debit", "--type", "collection_cost", "--next-invoice", *base
    )

    assert (charge["type"], charge["state"]) == ("charge", "unbilled")
    assert (cost["type"], cost["state"]) == ("collection_cost", "open")
    assert (credit["type"], credit["state"]) == ("adjustment", "unbilled")
    assert (gift["type"], gift["state"]) == ("gift", "unbilled")
    assert posted_charge["state"] == "open"
    assert waiting_cost["state"] == "unbilled"


def test_a_posted_credit_settles_an_open_debit(cli: Cli) -> None:
    customer = cli.new_customer()
    debit = cli.post_debit(customer, "50.00", "2025-01-05")

    credit = cli.add_line(
        customer, "--kind", "credit", "--type", "gift", "--label", "Outage",
        "--unit-price", "20", "--post", "--date", "2025-01-06",
    )  # fmt: skip

    assert (credit["state"], credit["open_amount"]) == ("closed", "0.00")
    assert credit["allocations"] == [{"transaction_id": debit, "amount": "20.00"}]
    assert cli.transaction(debit).open_amount.amount == Decimal("30.00")
    assert cli.balance(customer).balance.amount == Decimal("30.00")


def test_the_date_defaults_to_today_and_a_future_line_may_wait(cli: Cli) -> None:
    customer = cli.new_customer(name="Dates")
    later = (utc_today() + timedelta(days=20)).isoformat()

    today_line = cli.add_line(customer, "--kind", "debit", "--label", "now", "--unit-price", "1")
    future_line = cli.add_line(
        customer, "--kind", "debit", "--label", "later", "--unit-price", "1", "--date", later
    )

    assert today_line["date"] == utc_today().isoformat()
    assert (future_line["date"], future_line["state"]) == (later, "unbilled")


def test_a_line_for_a_customer_named_by_external_ref(cli: Cli) -> None:
    customer = cli.new_customer("--external-ref", "CUST-9")
    line = cli.add_line("CUST-9", "--kind", "debit", "--label", "x", "--unit-price", "5")
    assert line["customer_id"] == customer


@SQLITE_ONLY
def test_line_add_refuses_bad_input_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    for options, field in [
        (["--unit-price", "abc"], "unit_price"),
        (["--unit-price", "-5"], "unit_price"),
        (["--unit-price", "0"], "unit_price"),
        (["--unit-price", "1.0000001"], "unit_price"),
        (["--unit-price", "5", "--quantity", "0"], "quantity"),
        (["--unit-price", "5", "--tax-rate", "abc"], "tax_rate"),
        (["--unit-price", "5", "--date", "2025-02-30"], "date"),
        (["--unit-price", "5", "--post", "--date", "2999-01-01"], "date"),
        (["--unit-price", "5", "--type", "refund"], "type"),
        (["--unit-price", "5", "--type", "invoice"], "type"),
        (["--unit-price", "5", "--label", ""], "label"),
        (["--unit-price", "5", "--label", "x" * 201], "label"),
        (["--unit-price", "5", "--reference", "r" * 101], "reference"),
    ]:
        with subtests.test(" ".join(options)[:60]):
            args = ["--kind", "debit", *options]
            if "--label" not in options:
                args += ["--label", "Line"]
            message = cli.fails("line", "add", str(customer), *args)
            assert message.startswith(f"{field}: ")


@SQLITE_ONLY
def test_a_credit_line_cannot_be_a_charge(cli: Cli) -> None:
    customer = cli.new_customer()
    message = cli.fails(
        "line", "add", str(customer), "--kind", "credit", "--type", "charge",
        "--label", "x", "--unit-price", "5",
    )  # fmt: skip
    assert message == "type: a credit line is one of: adjustment, gift"


@SQLITE_ONLY
def test_every_bad_field_is_named_on_the_one_line(cli: Cli) -> None:
    customer = cli.new_customer()
    message = cli.fails(
        "line", "add", str(customer), "--kind", "debit", "--label", " ",
        "--unit-price", "5", "--tax-rate", "x", "--date", "tomorrow",
    )  # fmt: skip
    for field in ("label", "tax_rate", "date"):
        assert f"{field}: " in message


def test_nothing_may_be_posted_on_or_before_the_lock_date(cli: Cli) -> None:
    customer = cli.new_customer()
    cli.ok("settings", "set", "lock_date", "2025-01-31")
    message = cli.fails(
        "line", "add", str(customer), "--kind", "debit", "--label", "Late fee",
        "--unit-price", "5", "--post", "--date", "2025-01-31",
    )  # fmt: skip
    assert "2025-01-31" in message
    assert "lock date" in message


@SQLITE_ONLY
def test_line_add_usage_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    for options, option in [
        (["--label", "x", "--unit-price", "5"], "--kind"),
        (["--kind", "debt", "--label", "x", "--unit-price", "5"], "--kind"),
        (["--kind", "debit", "--label", "x"], "--unit-price"),
        (["--kind", "debit", "--label", "x", "--unit-price", "5", "--type", "tip"], "--type"),
    ]:
        with subtests.test(" ".join(options)):
            assert option in cli.usage_error("line", "add", str(customer), *options)


# -- line edit and cancel --------------------------------------------------------------------


def test_edit_an_unbilled_line_recomputes_its_amounts(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(
        customer, "--kind", "debit", "--label", "Visit", "--unit-price", "75",
        "--tax-rate", "20", "--date", "2025-03-01",
    )  # fmt: skip

    edited = cli.json(
        "line", "edit", str(line["id"]), "--quantity", "2", "--label", "Two visits",
        "--date", "2025-03-04",
    )  # fmt: skip

    assert (edited["id"], edited["state"], edited["label"]) == (
        line["id"],
        "unbilled",
        "Two visits",
    )
    assert _amounts(edited) == ("150.00", "30.00", "180.00")
    assert edited["tax_rate"] == "20"
    card = cli.json("balance", str(customer))["unbilled"]
    assert (card["count"], card["net"], card["gross"]) == (1, "150.00", "180.00")
    assert card["first_date"] == "2025-03-04"


def test_edit_prints_the_line(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(customer, "--kind", "credit", "--label", "Promo", "--unit-price", "10")
    outcome = cli.ok("line", "edit", str(line["id"]), "--unit-price", "12.5")
    assert outcome.stdout == (
        f"updated transaction {line['id']}: credit adjustment 12.50 EUR (unbilled, open 12.50)\n"
    )


def test_a_posted_transaction_cannot_be_edited(cli: Cli) -> None:
    customer = cli.new_customer()
    posted = cli.post_debit(customer, "10.00", "2025-01-10")
    message = cli.fails("line", "edit", str(posted), "--label", "changed")
    assert message.startswith(f"transaction {posted} is open")
    assert "reverse" in message


@SQLITE_ONLY
def test_edit_refuses_bad_input(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    line = cli.add_line(customer, "--kind", "debit", "--label", "x", "--unit-price", "5")
    for options, field in [
        (["--unit-price", "-1"], "unit_price"),
        (["--quantity", "x"], "quantity"),
        (["--date", "2025-13-01"], "date"),
        (["--label", ""], "label"),
        (["--type", "gift"], "type"),  # a debit line cannot become a gift
    ]:
        with subtests.test(" ".join(options)):
            message = cli.fails("line", "edit", str(line["id"]), *options)
            assert message.startswith(f"{field}: ")


def test_cancel_keeps_the_line_void_with_its_reason(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(customer, "--kind", "debit", "--label", "x", "--unit-price", "8")

    cancelled = cli.json("line", "cancel", str(line["id"]), "--reason", "entered twice")

    assert (cancelled["state"], cancelled["open_amount"], cancelled["note"]) == (
        "void",
        "0.00",
        "entered twice",
    )
    assert cli.json("balance", str(customer))["unbilled"]["count"] == 0
    assert cli.fails("line", "cancel", str(line["id"])).startswith(
        f"transaction {line['id']} is void"
    )
    assert cli.fails("line", "edit", str(line["id"]), "--label", "y").startswith(
        f"transaction {line['id']} is void"
    )


def test_a_posted_transaction_cannot_be_cancelled(cli: Cli) -> None:
    customer = cli.new_customer()
    posted = cli.post_debit(customer, "10.00", "2025-01-10")
    assert cli.fails("line", "cancel", str(posted)).startswith(f"transaction {posted} is open")


# -- transaction list, show ------------------------------------------------------------------


@pytest.fixture
def history(cli: Cli) -> dict[str, int]:
    """A customer with a posted charge, a payment that settled part of it, and a waiting line."""
    customer = cli.new_customer(name="History")
    charge = cli.post_debit(customer, "80.00", "2025-01-05", label="Fibre")
    payment = cli.pay(str(customer), "30.00", "--date", "2025-01-20")["id"]
    line = cli.add_line(
        customer,
        "--kind",
        "debit",
        "--label",
        "Visit",
        "--unit-price",
        "40",
        "--date",
        "2025-02-01",
    )["id"]
    return {"customer": customer, "charge": charge, "payment": payment, "line": line}


def test_transaction_list_newest_first_with_open_amounts_and_allocations(
    cli: Cli, history: dict[str, int]
) -> None:
    page = cli.json("transaction", "list", str(history["customer"]))

    rows = {t["id"]: t for t in page["data"]}
    assert [t["id"] for t in page["data"]] == [
        history["line"],
        history["payment"],
        history["charge"],
    ]
    assert page["has_more"] is False
    charge, payment = rows[history["charge"]], rows[history["payment"]]
    assert (charge["state"], charge["amount"], charge["open_amount"]) == ("open", "80.00", "50.00")
    assert (payment["state"], payment["open_amount"], payment["status"]) == (
        "closed",
        "0.00",
        "confirmed",
    )
    assert charge["allocations"] == [{"transaction_id": history["payment"], "amount": "30.00"}]
    assert payment["allocations"] == [{"transaction_id": history["charge"], "amount": "30.00"}]


def test_transaction_list_filters(
    cli: Cli, history: dict[str, int], subtests: pytest.Subtests
) -> None:
    for options, expected in [
        (["--state", "open"], ["charge"]),
        (["--state", "closed"], ["payment"]),
        (["--state", "unbilled"], ["line"]),
        (["--state", "open", "--state", "unbilled"], ["line", "charge"]),
        (["--kind", "credit"], ["payment"]),
        (["--date-from", "2025-01-10", "--date-to", "2025-01-31"], ["payment"]),
        (["--limit", "1", "--starting-after", "{line}"], ["payment"]),
    ]:
        with subtests.test(" ".join(options)):
            args = [o.format(**history) for o in options]
            page = cli.json("transaction", "list", str(history["customer"]), *args)
            assert [t["id"] for t in page["data"]] == [history[name] for name in expected]


def test_transaction_list_for_people(cli: Cli, history: dict[str, int]) -> None:
    text = cli.ok("transaction", "list", str(history["customer"])).stdout
    assert "Fibre" in text
    assert "80.00" in text
    assert "50.00" in text
    more = cli.ok("transaction", "list", str(history["customer"]), "--limit", "1").stdout
    assert more.rstrip("\n").splitlines()[-1] == f"more: --starting-after {history['line']}"


def test_transaction_list_errors(cli: Cli, history: dict[str, int]) -> None:
    customer = str(history["customer"])
    assert cli.fails("transaction", "list", customer, "--date-from", "2025-99-01").startswith(
        "date_from: "
    )
    assert cli.fails("transaction", "list", "31337") == "customer 31337 does not exist"
    assert "--state" in cli.usage_error("transaction", "list", customer, "--state", "lost")


def test_transaction_show(cli: Cli, history: dict[str, int]) -> None:
    shown = cli.json("transaction", "show", str(history["charge"]))
    human = cli.ok("transaction", "show", str(history["charge"])).stdout

    assert (shown["id"], shown["kind"], shown["type"]) == (history["charge"], "debit", "charge")
    assert (shown["amount"], shown["open_amount"], shown["currency"]) == ("80.00", "50.00", "EUR")
    assert shown["allocations"] == [{"transaction_id": history["payment"], "amount": "30.00"}]
    assert f"Transaction {history['charge']}" in human
    assert "open_amount: 50.00" in human


def test_unknown_customers_and_transactions(cli: Cli, subtests: pytest.Subtests) -> None:
    cli.new_customer()
    for command, expected in [
        (
            ["line", "add", "12", "--kind", "debit", "--label", "x", "--unit-price", "5"],
            "customer 12",
        ),
        (["line", "edit", "404", "--label", "x"], "transaction 404"),
        (["line", "cancel", "404"], "transaction 404"),
        (["transaction", "show", "404"], "transaction 404"),
        (["transaction", "reverse", "404"], "transaction 404"),
        (["settle", "31337"], "customer 31337"),
        (["allocate", "31337", "--credit", "1", "--debit", "2"], "customer 31337"),
    ]:
        with subtests.test(" ".join(command[:2])):
            assert cli.fails(*command) == f"{expected} does not exist"


def test_an_id_beyond_any_possible_id_does_not_exist(cli: Cli, subtests: pytest.Subtests) -> None:
    """As in the API, where such an id is a 404: not a database error, and one line."""
    for command in [
        ["transaction", "show", BIG_ID],
        ["transaction", "reverse", BIG_ID],
        ["line", "edit", BIG_ID, "--label", "x"],
        ["line", "cancel", BIG_ID],
    ]:
        with subtests.test(" ".join(command[:2])):
            assert cli.fails(*command) == f"transaction {BIG_ID} does not exist"


def test_a_cursor_beyond_any_possible_id_is_refused(cli: Cli) -> None:
    customer = cli.new_customer()
    message = cli.fails("transaction", "list", str(customer), "--starting-after", BIG_ID)
    assert message.startswith("starting_after: ")


# -- transaction reverse ---------------------------------------------------------------------


def test_reverse_a_posted_charge(cli: Cli) -> None:
    customer = cli.new_customer()
    charge = cli.post_debit(customer, "25.00", "2025-01-10", label="Wrong charge")

    reversal = cli.json(
        "transaction", "reverse", str(charge), "--reason", "billed twice", "--date", "2025-01-12"
    )

    assert (reversal["kind"], reversal["type"], reversal["amount"]) == (
        "credit",
        "adjustment",
        "25.00",
    )
    assert (reversal["reverses_id"], reversal["note"], reversal["date"]) == (
        charge,
        "billed twice",
        "2025-01-12",
    )
    assert (reversal["state"], reversal["open_amount"]) == ("closed", "0.00")
    assert cli.transaction(charge).state is State.CLOSED
    assert cli.balance(customer).balance.amount == 0
    assert cli.balance(customer, as_of=date(2025, 1, 11)).balance.amount == Decimal("25.00")


def test_reversing_a_payment_reopens_what_it_paid(cli: Cli) -> None:
    customer = cli.new_customer()
    charge = cli.post_debit(customer, "40.00", "2025-01-05")
    payment = cli.pay(str(customer), "40.00", "--date", "2025-01-06")["id"]
    assert cli.transaction(charge).state is State.CLOSED

    outcome = cli.ok("transaction", "reverse", str(payment), "--date", "2025-01-07")

    assert outcome.stdout.startswith("reversed by transaction ")
    reopened = cli.transaction(charge)
    assert (reopened.state, reopened.open_amount.amount) == (State.OPEN, Decimal("40.00"))
    assert cli.balance(customer).balance.amount == Decimal("40.00")


def test_reverse_refusals(cli: Cli) -> None:
    customer = cli.new_customer()
    charge = cli.post_debit(customer, "25.00", "2025-01-10")
    line = cli.add_line(customer, "--kind", "debit", "--label", "x", "--unit-price", "5")["id"]

    early = cli.fails("transaction", "reverse", str(charge), "--date", "2025-01-09")
    unbilled = cli.fails("transaction", "reverse", str(line))
    reversal = cli.json("transaction", "reverse", str(charge), "--date", "2025-01-10")["id"]
    twice = cli.fails("transaction", "reverse", str(charge))
    of_reversal = cli.fails("transaction", "reverse", str(reversal))
    bad_date = cli.fails("transaction", "reverse", str(reversal), "--date", "soon")

    assert early.startswith("date: cannot be before the original transaction (2025-01-10)")
    assert unbilled == f"transaction {line} is unbilled: cancel the unbilled line instead"
    assert twice == f"transaction {charge} is already reversed"
    assert of_reversal == f"transaction {reversal} is itself a reversal"
    assert bad_date.startswith("date: ")


@SQLITE_ONLY
def test_a_reversal_may_not_be_dated_in_the_future(cli: Cli) -> None:
    customer = cli.new_customer()
    charge = cli.post_debit(customer, "25.00", "2025-01-10")
    tomorrow = (utc_today() + timedelta(days=1)).isoformat()
    assert cli.fails("transaction", "reverse", str(charge), "--date", tomorrow).startswith(
        "date: cannot be after today"
    )


# -- balance ---------------------------------------------------------------------------------


def test_the_balance_card_today_and_as_of_a_past_date(cli: Cli, history: dict[str, int]) -> None:
    customer = str(history["customer"])

    today = cli.json("balance", customer)
    before_payment = cli.json("balance", customer, "--as-of", "2025-01-19")
    before_anything = cli.json("balance", customer, "--as-of", "2025-01-04")

    assert today["as_of"] == utc_today().isoformat()
    assert {k: today[k] for k in ("balance", "debit", "credit", "awaiting_confirmation")} == {
        "balance": "50.00",
        "debit": "50.00",
        "credit": "0.00",
        "awaiting_confirmation": "0.00",
    }
    assert (today["unbilled"]["count"], today["unbilled"]["gross"]) == (1, "40.00")
    assert (before_payment["balance"], before_payment["debit"]) == ("80.00", "80.00")
    assert before_payment["unbilled"]["count"] == 0  # the line is dated 1 February
    assert before_anything["balance"] == "0.00"


def test_a_customer_in_credit_has_a_negative_balance(cli: Cli) -> None:
    customer = cli.new_customer()
    cli.post_debit(customer, "20.00", "2025-01-05")
    cli.pay(str(customer), "50.00", "--date", "2025-01-06")

    card = cli.json("balance", str(customer))
    human = cli.ok("balance", str(customer)).stdout

    assert (card["balance"], card["debit"], card["credit"]) == ("-30.00", "0.00", "-30.00")
    assert "balance: -30.00" in human
    assert f"Balance of customer {customer} (EUR)" in human


def test_balance_errors(cli: Cli) -> None:
    customer = cli.new_customer()
    assert cli.fails("balance", str(customer), "--as-of", "2025-13-01").startswith("as_of: ")
    assert cli.fails("balance", "31337") == "customer 31337 does not exist"
    assert cli.fails("balance", "NO-SUCH-REF").startswith("customer: ")


# -- settle and allocate (automatic settlement off) -------------------------------------------


@pytest.fixture
def manual(cli: Cli) -> dict[str, int]:
    """Automatic settlement off: two debits (30.00 on 5 Jan, 50.00 on 10 Jan) and a payment of
    60.00, all open side by side; another customer with a debit of its own."""
    customer = cli.new_customer("-b", "auto_settlement=false", name="Key Account")
    first = cli.post_debit(customer, "30.00", "2025-01-05")
    second = cli.post_debit(customer, "50.00", "2025-01-10")
    payment = cli.pay(str(customer), "60.00", "--date", "2025-01-12")
    assert payment["state"] == "open"
    other = cli.new_customer(name="Someone else")
    foreign = cli.post_debit(other, "5.00", "2025-01-05")
    return {
        "customer": customer,
        "first": first,
        "second": second,
        "payment": payment["id"],
        "foreign": foreign,
    }


def _open(cli: Cli, *ids: int) -> list[str]:
    return [f"{cli.transaction(i).open_amount.amount:.2f}" for i in ids]


def test_settle_matches_credits_to_the_oldest_debits_first(
    cli: Cli, manual: dict[str, int]
) -> None:
    customer = str(manual["customer"])
    before = cli.json("balance", customer)

    outcome = cli.ok("settle", customer)

    assert outcome.stdout == (
        "2 allocation(s) made\n"
        f"  credit {manual['payment']} -> debit {manual['first']}: 30.00\n"
        f"  credit {manual['payment']} -> debit {manual['second']}: 30.00\n"
    )
    assert _open(cli, manual["first"], manual["second"], manual["payment"]) == [
        "0.00",
        "20.00",
        "0.00",
    ]
    after = cli.json("balance", customer)
    assert after["balance"] == before["balance"] == "20.00"
    assert (before["debit"], before["credit"]) == ("80.00", "-60.00")
    assert (after["debit"], after["credit"]) == ("20.00", "0.00")
    assert cli.json("settle", customer) == {"allocations": []}


def test_allocate_by_hand(cli: Cli, manual: dict[str, int]) -> None:
    customer = str(manual["customer"])

    made = cli.json(
        "allocate", customer, "--credit", str(manual["payment"]),
        "--debit", str(manual["second"]), "--amount", "10",
    )  # fmt: skip
    rest = cli.ok(
        "allocate", customer, "--credit", str(manual["payment"]), "--debit", str(manual["second"])
    )

    assert (made["credit_id"], made["debit_id"], made["amount"]) == (
        manual["payment"],
        manual["second"],
        "10.00",
    )
    assert made["source"] == "manual"
    # without an amount: as much as both still have open (50 - 10 = 40)
    assert rest.stdout == (
        f"allocated 40.00: credit {manual['payment']} -> debit {manual['second']}\n"
    )
    assert _open(cli, manual["first"], manual["second"], manual["payment"]) == [
        "30.00",
        "0.00",
        "10.00",
    ]
    assert cli.balance(manual["customer"]).balance.amount == Decimal("20.00")


def test_allocate_refusals(cli: Cli, manual: dict[str, int], subtests: pytest.Subtests) -> None:
    ids = {**manual, "missing": 999999}
    for credit, debit, amount, expected in [
        ("payment", "first", "40", "the debit, transaction {first}, has only 30.00 EUR open"),
        ("first", "second", None, "credit_id: must be a posted credit"),
        ("payment", "payment", None, "debit_id: must be a posted debit"),
        ("payment", "foreign", None, "debit_id: transaction {foreign} belongs to another customer"),
        ("missing", "first", None, "credit_id: transaction 999999 does not exist"),
        ("payment", "first", "0", "amount: must be above zero"),
        ("payment", "first", "-5", "amount: must be above zero"),
        ("payment", "first", "1.001", "amount: EUR allows at most 2 decimals"),
    ]:
        with subtests.test(f"{credit} {debit} {amount}"):
            args = ["allocate", str(manual["customer"]), "--credit", str(ids[credit])]
            args += ["--debit", str(ids[debit])]
            if amount is not None:
                args += ["--amount", amount]
            assert cli.fails(*args) == expected.format(**ids)
