"""`solde payment record|confirm|fail|chargeback` (SPEC §6): settlement order, overpayment as
credit, refunds within the available credit, payments awaiting bank confirmation, chargebacks,
and one-line errors that change nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from solde.ledger.model import Kind, PaymentMethod, State, TxType

if TYPE_CHECKING:
    from conftest import Cli

#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
BIG_ID = "99999999999999999999"


def utc_today() -> date:
    """The CLI's default date: today in the business time zone (UTC by default)."""
    return datetime.now(UTC).date()


def record_refund(cli: Cli, customer: int | str, amount: str, *options: str) -> dict[str, Any]:
    """`solde payment record CUSTOMER [OPTIONS] -- -AMOUNT`: options before the `--`."""
    outcome = cli.ok("payment", "record", str(customer), *options, "--json", "--", amount)
    data: dict[str, Any] = json.loads(outcome.stdout)
    return data


def _open(cli: Cli, tx_id: int) -> Decimal:
    return cli.transaction(tx_id).open_amount.amount


def _balance(cli: Cli, customer: int) -> Decimal:
    return cli.balance(customer).balance.amount


# -- payments --------------------------------------------------------------------------------


def test_a_payment_settles_the_oldest_debit_first(cli: Cli) -> None:
    customer = cli.new_customer()
    older = cli.post_debit(customer, "30.00", "2025-01-05")
    newer = cli.post_debit(customer, "40.00", "2025-01-10")

    payment = cli.pay(customer, "50.00", "--date", "2025-01-15", "--reference", "WIRE-1")

    assert (payment["kind"], payment["type"], payment["status"]) == (
        "credit",
        "payment",
        "confirmed",
    )
    assert (payment["amount"], payment["open_amount"], payment["state"]) == (
        "50.00",
        "0.00",
        "closed",
    )
    assert payment["reference"] == "WIRE-1"
    assert payment["allocations"] == [
        {"transaction_id": older, "amount": "30.00"},
        {"transaction_id": newer, "amount": "20.00"},
    ]
    assert (_open(cli, older), _open(cli, newer)) == (Decimal("0.00"), Decimal("20.00"))
    assert _balance(cli, customer) == Decimal("20.00")


def test_an_overpayment_stays_as_credit(cli: Cli) -> None:
    customer = cli.new_customer()
    charge = cli.post_debit(customer, "30.00", "2025-01-05")

    outcome = cli.ok("payment", "record", str(customer), "100", "--date", "2025-01-06")

    payment_id = int(outcome.stdout.split()[2].rstrip(":"))
    assert outcome.stdout == f"recorded payment {payment_id}: 100.00 EUR (confirmed, open 70.00)\n"
    assert _open(cli, charge) == 0
    card = cli.json("balance", str(customer))
    assert (card["balance"], card["debit"], card["credit"]) == ("-70.00", "0.00", "-70.00")


def test_the_method_defaults_to_the_customers_and_can_be_given(cli: Cli) -> None:
    customer = cli.new_customer("--payment-method", "sepa_debit")
    default = cli.pay(customer, "10")
    by_card = cli.pay(customer, "10", "--method", "card")
    assert (default["method"], by_card["method"]) == ("sepa_debit", "card")
    assert default["date"] == utc_today().isoformat()
    assert cli.transaction(by_card["id"]).method is PaymentMethod.CARD


@SQLITE_ONLY
def test_a_jpy_payment_has_no_decimals(cli: Cli) -> None:
    customer = cli.new_customer("--currency", "JPY")
    assert cli.pay(customer, "1500")["amount"] == "1500"
    message = cli.fails("payment", "record", str(customer), "1500.5")
    assert message.startswith("amount: JPY allows at most 0 decimals")


@SQLITE_ONLY
def test_record_refuses_bad_input_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    for amount, options, field in [
        ("0", [], "amount"),
        ("abc", [], "amount"),
        ("NaN", [], "amount"),
        ("1e3", [], "amount"),
        ("10", ["--date", "2025-02-30"], "date"),
        ("10", ["--date", "2999-01-01"], "date"),
        ("10", ["--reference", "r" * 101], "reference"),
    ]:
        with subtests.test(" ".join([amount, *options])[:60]):
            message = cli.fails("payment", "record", str(customer), amount, *options)
            assert message.startswith(f"{field}: ")


@SQLITE_ONLY
def test_an_amount_with_too_many_decimals_is_reported_as_such_and_only_as_such(cli: Cli) -> None:
    customer = cli.new_customer()
    message = cli.fails("payment", "record", str(customer), "12.345")
    assert message == "amount: EUR allows at most 2 decimals"


def test_a_payment_for_an_unknown_customer(cli: Cli) -> None:
    assert cli.fails("payment", "record", "404", "10") == "customer 404 does not exist"


@SQLITE_ONLY
def test_a_negative_amount_is_a_refund_written_as_it_is(cli: Cli) -> None:
    customer = cli.new_customer()
    cli.pay(customer, "30.00")
    refund = cli.json("payment", "record", str(customer), "-12.50", "--method", "card")
    assert (refund["type"], refund["kind"], refund["amount"]) == ("refund", "debit", "12.50")


def test_record_usage_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    cli.new_customer()
    for args, expected in [
        (["1"], "Missing argument"),
        (["1", "10", "--method", "paypal"], "--method"),
        (["1", "-10", "--bogus"], "--bogus"),
    ]:
        with subtests.test(" ".join(args)):
            assert expected in cli.usage_error("payment", "record", *args)


# -- refunds ---------------------------------------------------------------------------------


@pytest.fixture
def in_credit(cli: Cli) -> dict[str, int]:
    """A customer with 70.00 of credit: a payment of 100.00 against a charge of 30.00."""
    customer = cli.new_customer(name="In credit")
    charge = cli.post_debit(customer, "30.00", "2025-01-05")
    payment = cli.pay(customer, "100.00", "--date", "2025-01-06")["id"]
    return {"customer": customer, "charge": charge, "payment": payment}


def test_a_refund_pays_credit_back(cli: Cli, in_credit: dict[str, int]) -> None:
    refund = record_refund(cli, in_credit["customer"], "-20.00", "--date", "2025-01-07")

    assert (refund["kind"], refund["type"], refund["amount"]) == ("debit", "refund", "20.00")
    assert (refund["state"], refund["open_amount"]) == ("closed", "0.00")
    assert refund["allocations"] == [{"transaction_id": in_credit["payment"], "amount": "20.00"}]
    assert _open(cli, in_credit["payment"]) == Decimal("50.00")
    assert _balance(cli, in_credit["customer"]) == Decimal("-50.00")


def test_a_refund_larger_than_the_credit_is_refused(cli: Cli, in_credit: dict[str, int]) -> None:
    message = cli.fails("payment", "record", str(in_credit["customer"]), "--", "-70.01")
    assert message.startswith("the refund of 70.01 EUR is larger than the available credit")
    assert "70.00 EUR" in message
    assert "force" in message


def test_a_refund_on_a_settled_account_is_refused(cli: Cli) -> None:
    customer = cli.new_customer()
    message = cli.fails("payment", "record", str(customer), "--", "-10")
    assert "available credit of 0.00 EUR" in message


def test_a_forced_refund_may_exceed_the_credit(cli: Cli, in_credit: dict[str, int]) -> None:
    refund = record_refund(cli, in_credit["customer"], "-100.00", "--force", "--date", "2025-01-07")
    assert refund["type"] == "refund"
    assert (refund["open_amount"], refund["state"]) == ("30.00", "open")
    assert _balance(cli, in_credit["customer"]) == Decimal("30.00")


def test_pending_refunds_use_up_the_available_credit(cli: Cli, in_credit: dict[str, int]) -> None:
    customer = str(in_credit["customer"])
    pending = record_refund(cli, customer, "-50.00", "--pending", "--date", "2025-01-07")
    assert (pending["status"], pending["state"]) == ("pending", "pending")

    message = cli.fails("payment", "record", customer, "--", "-30.00")

    assert "available credit of 20.00 EUR" in message
    assert record_refund(cli, customer, "-20.00", "--date", "2025-01-07")["type"] == "refund"


# -- pending payments: confirm and fail ------------------------------------------------------


@pytest.fixture
def pending(cli: Cli) -> dict[str, int]:
    """A charge of 53.99 and a direct debit of 53.99 awaiting the bank since 2025-02-03."""
    customer = cli.new_customer("--payment-method", "sepa_debit", name="Direct debit")
    charge = cli.post_debit(customer, "53.99", "2025-02-01")
    payment = cli.pay(customer, "53.99", "--pending", "--date", "2025-02-03")
    assert (payment["status"], payment["state"], payment["method"]) == (
        "pending",
        "pending",
        "sepa_debit",
    )
    return {"customer": customer, "charge": charge, "payment": payment["id"]}


def test_a_pending_payment_is_outside_the_balance(cli: Cli, pending: dict[str, int]) -> None:
    card = cli.json("balance", str(pending["customer"]))
    assert (card["balance"], card["awaiting_confirmation"]) == ("53.99", "-53.99")
    assert _open(cli, pending["charge"]) == Decimal("53.99")
    listed = cli.json("transaction", "list", str(pending["customer"]), "--state", "pending")
    assert [t["id"] for t in listed["data"]] == [pending["payment"]]


def test_confirm_posts_the_payment_and_settles(cli: Cli, pending: dict[str, int]) -> None:
    outcome = cli.ok("payment", "confirm", str(pending["payment"]), "--date", "2025-02-06")

    assert outcome.stdout == (
        f"confirmed payment {pending['payment']}: 53.99 EUR (confirmed, open 0.00)\n"
    )
    payment = cli.transaction(pending["payment"])
    assert (payment.state, payment.date) == (State.CLOSED, date(2025, 2, 6))
    assert _open(cli, pending["charge"]) == 0
    card = cli.json("balance", str(pending["customer"]))
    assert (card["balance"], card["awaiting_confirmation"]) == ("0.00", "0.00")
    # dated the day the bank confirmed: still owed the day before
    assert cli.balance(pending["customer"], as_of=date(2025, 2, 5)).balance.amount == Decimal(
        "53.99"
    )


def test_confirm_defaults_to_today(cli: Cli, pending: dict[str, int]) -> None:
    confirmed = cli.json("payment", "confirm", str(pending["payment"]))
    assert (confirmed["status"], confirmed["date"]) == ("confirmed", utc_today().isoformat())


def test_fail_voids_the_payment_and_posts_the_fee(cli: Cli, pending: dict[str, int]) -> None:
    failed = cli.json(
        "payment", "fail", str(pending["payment"]), "--reason", "insufficient funds (AM04)",
        "--fee", "7.50", "--date", "2025-02-07",
    )  # fmt: skip

    assert (failed["status"], failed["state"], failed["open_amount"]) == ("failed", "void", "0.00")
    assert failed["note"] == "insufficient funds (AM04)"
    costs = cli.json("transaction", "list", str(pending["customer"]), "--state", "open")["data"]
    fee = next(t for t in costs if t["type"] == "collection_cost")
    assert (fee["kind"], fee["amount"], fee["date"], fee["related_id"]) == (
        "debit",
        "7.50",
        "2025-02-07",
        pending["payment"],
    )
    card = cli.json("balance", str(pending["customer"]))
    assert (card["balance"], card["awaiting_confirmation"]) == ("61.49", "0.00")


def test_fail_without_a_fee_posts_nothing(cli: Cli, pending: dict[str, int]) -> None:
    outcome = cli.ok("payment", "fail", str(pending["payment"]), "--date", "2025-02-07")
    assert outcome.stdout == (
        f"failed payment {pending['payment']}: 53.99 EUR (failed, open 0.00)\n"
    )
    transactions = cli.json("transaction", "list", str(pending["customer"]))["data"]
    assert sorted(t["type"] for t in transactions) == ["charge", "payment"]
    assert cli.json("balance", str(pending["customer"]))["balance"] == "53.99"


@SQLITE_ONLY
def test_confirm_and_fail_refuse_bad_input(
    cli: Cli, pending: dict[str, int], subtests: pytest.Subtests
) -> None:
    for command, options, expected in [
        (
            "confirm",
            ["--date", "2025-02-02"],
            "date: cannot be before the payment's date (2025-02-03)",
        ),
        ("confirm", ["--date", "2999-01-01"], "date: cannot be after today"),
        ("confirm", ["--date", "someday"], "date: "),
        ("fail", ["--fee", "0"], "fee: must be above zero"),
        ("fail", ["--fee", "-1"], "fee: must be above zero"),
        ("fail", ["--fee", "1.234"], "fee: EUR allows at most 2 decimals"),
        (
            "fail",
            ["--date", "2025-02-01"],
            "date: cannot be before the payment's date (2025-02-03)",
        ),
        ("fail", ["--reason", "r" * 501], "reason: "),
    ]:
        with subtests.test(" ".join([command, *options])[:60]):
            message = cli.fails("payment", command, str(pending["payment"]), *options)
            assert message.startswith(expected)


def test_only_a_pending_payment_can_be_confirmed_or_failed(
    cli: Cli, pending: dict[str, int]
) -> None:
    payment = str(pending["payment"])
    cli.ok("payment", "confirm", payment, "--date", "2025-02-06")

    again = cli.fails("payment", "confirm", payment)
    fail = cli.fails("payment", "fail", payment)
    charge = cli.fails("payment", "confirm", str(pending["charge"]))

    expected = f"payment {payment} is confirmed: only a pending payment can be confirmed or failed"
    assert again == fail == expected
    assert charge == f"transaction {pending['charge']} is a charge, not a payment"


def test_a_failed_payment_stays_failed(cli: Cli, pending: dict[str, int]) -> None:
    payment = str(pending["payment"])
    cli.ok("payment", "fail", payment, "--date", "2025-02-07")
    assert cli.fails("payment", "confirm", payment).startswith(f"payment {payment} is failed")


def test_a_pending_payment_may_be_dated_after_today(cli: Cli) -> None:
    customer = cli.new_customer()
    later = (utc_today() + timedelta(days=5)).isoformat()
    payment = cli.pay(customer, "10", "--pending", "--date", later)
    assert (payment["status"], payment["date"]) == ("pending", later)


def test_a_pending_refund_is_confirmed_like_a_payment(cli: Cli, in_credit: dict[str, int]) -> None:
    refund = record_refund(cli, in_credit["customer"], "-20", "--pending", "--date", "2025-01-08")
    assert _balance(cli, in_credit["customer"]) == Decimal("-70.00")

    confirmed = cli.json("payment", "confirm", str(refund["id"]), "--date", "2025-01-09")

    assert (confirmed["type"], confirmed["status"], confirmed["state"]) == (
        "refund",
        "confirmed",
        "closed",
    )
    assert _balance(cli, in_credit["customer"]) == Decimal("-50.00")


# -- chargebacks -----------------------------------------------------------------------------


@pytest.fixture
def paid_by_card(cli: Cli) -> dict[str, int]:
    """A charge of 106.80 paid in full by card on 2025-03-01."""
    customer = cli.new_customer("--currency", "GBP", "--payment-method", "card", name="Shop")
    charge = cli.post_debit(customer, "106.80", "2025-03-01")
    payment = cli.pay(customer, "106.80", "--date", "2025-03-01")["id"]
    assert _open(cli, charge) == 0
    return {"customer": customer, "charge": charge, "payment": payment}


def test_a_chargeback_reopens_what_the_payment_paid(cli: Cli, paid_by_card: dict[str, int]) -> None:
    outcome = cli.ok(
        "payment", "chargeback", str(paid_by_card["payment"]), "--reason", "cardholder dispute",
        "--fee", "15.00", "--date", "2025-03-13",
    )  # fmt: skip

    chargeback_id = int(outcome.stdout.split()[2].rstrip(":"))
    assert outcome.stdout == (
        f"recorded chargeback {chargeback_id}: 106.80 GBP (closed, open 0.00)\n"
    )
    chargeback = cli.transaction(chargeback_id)
    assert (chargeback.kind, chargeback.type, chargeback.date) == (
        Kind.DEBIT,
        TxType.CHARGEBACK,
        date(2025, 3, 13),
    )
    assert chargeback.related_id == paid_by_card["payment"]
    assert _open(cli, paid_by_card["charge"]) == Decimal("106.80")
    card = cli.json("balance", str(paid_by_card["customer"]))
    assert (card["balance"], card["debit"], card["credit"]) == ("121.80", "121.80", "0.00")
    assert cli.balance(paid_by_card["customer"], as_of=date(2025, 3, 12)).balance.amount == 0


def test_a_partial_chargeback_and_what_is_left(cli: Cli, paid_by_card: dict[str, int]) -> None:
    payment = str(paid_by_card["payment"])

    first = cli.json("payment", "chargeback", payment, "--amount", "30", "--date", "2025-03-05")
    too_much = cli.fails("payment", "chargeback", payment, "--amount", "76.81")
    rest = cli.json("payment", "chargeback", payment, "--date", "2025-03-06")
    nothing_left = cli.fails("payment", "chargeback", payment, "--amount", "0.01")

    assert first["amount"] == "30.00"
    assert too_much == f"only 76.80 GBP of payment {payment} can still be charged back"
    assert rest["amount"] == "76.80"
    assert f"payment {payment}" in nothing_left
    assert "charged back" in nothing_left
    assert _balance(cli, paid_by_card["customer"]) == Decimal("106.80")


def test_a_payment_with_a_chargeback_cannot_be_reversed(
    cli: Cli, paid_by_card: dict[str, int]
) -> None:
    payment = str(paid_by_card["payment"])
    cli.ok("payment", "chargeback", payment, "--amount", "10", "--date", "2025-03-05")
    message = cli.fails("transaction", "reverse", payment)
    assert message == f"payment {payment} has chargebacks: reverse the chargebacks first"


@SQLITE_ONLY
def test_chargeback_refuses_bad_input(
    cli: Cli, paid_by_card: dict[str, int], subtests: pytest.Subtests
) -> None:
    for options, expected in [
        (["--amount", "0"], "amount: must be above zero"),
        (["--amount", "-5"], "amount: must be above zero"),
        (["--amount", "1.001"], "amount: GBP allows at most 2 decimals"),
        (["--fee", "0"], "fee: must be above zero"),
        (["--date", "2025-02-28"], "date: cannot be before the original transaction (2025-03-01)"),
        (["--date", "2999-01-01"], "date: cannot be after today"),
    ]:
        with subtests.test(" ".join(options)):
            message = cli.fails("payment", "chargeback", str(paid_by_card["payment"]), *options)
            assert message.startswith(expected)


def test_only_a_confirmed_payment_can_be_charged_back(cli: Cli, pending: dict[str, int]) -> None:
    for tx_id in (pending["payment"], pending["charge"]):
        message = cli.fails("payment", "chargeback", str(tx_id))
        assert message == f"transaction {tx_id} is not a confirmed payment"


def test_payment_ids_that_do_not_exist(cli: Cli, subtests: pytest.Subtests) -> None:
    """An unknown id, and one beyond any possible id (a 404 in the API, not a database error)."""
    for command in ("confirm", "fail", "chargeback"):
        for tx_id in ("404", BIG_ID):
            with subtests.test(f"{command} {tx_id}"):
                assert cli.fails("payment", command, tx_id) == f"transaction {tx_id} does not exist"
