"""`solde invoice`, `solde credit-note`, `payment record --invoice`, `report totals` and the
document settings (SPEC §5, §7, §12): what an operator reads after each command, and refusals
that print one line naming the reason and change nothing."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from solde.cli import main

if TYPE_CHECKING:
    from conftest import Cli

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
BIG_ID = "99999999999999999999"


def today() -> date:
    """The CLI's default date: today in the business time zone (UTC by default)."""
    return datetime.now(UTC).date()


def first_number(n: int = 1) -> str:
    """The default number of partner 1's n-th invoice this year: `{year}{partner_id|2}{next|6}`."""
    return f"{today().year}01{n:06d}"


def issue(cli: Cli, customer: int, *options: str) -> dict[str, Any]:
    """`solde invoice create` with JSON output."""
    data: dict[str, Any] = cli.json("invoice", "create", str(customer), *options)
    return data


def show(cli: Cli, invoice_id: int) -> dict[str, Any]:
    data: dict[str, Any] = cli.json("invoice", "show", str(invoice_id))
    return data


# -- issuing ---------------------------------------------------------------------------------


def test_create_prints_the_number_total_due_date_and_open_amount(cli: Cli) -> None:
    customer = cli.new_customer()

    outcome = cli.ok(
        "invoice", "create", str(customer),
        "--item", "Router;2;89;20", "--item", "Setup;;50", "--note", "Thank you",
    )  # fmt: skip

    due = (today() + timedelta(days=14)).isoformat()
    assert outcome.stdout == (
        f"issued invoice {first_number()} (id 1): 263.60 EUR, due {due}, open 263.60 (unpaid)\n"
    )
    data = show(cli, 1)
    assert (data["net"], data["tax"], data["total"], data["open_amount"]) == (
        "228.00",
        "35.60",
        "263.60",
        "263.60",
    )
    assert [(i["description"], i["quantity"], i["unit_price"], i["tax_rate"], i["gross"])
            for i in data["items"]] == [
        ("Router", "2", "89.00", "20", "213.60"),
        ("Setup", "1", "50.00", "0", "50.00"),
    ]  # fmt: skip
    assert (data["note"], data["account_balance"], data["document_date"]) == (
        "Thank you",
        "263.60",
        today().isoformat(),
    )
    assert cli.balance(customer).balance.amount == Decimal("263.60")


def test_create_with_unbilled_lines_bills_them(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(customer, "--kind", "debit", "--label", "Call", "--unit-price", "12.50")

    data = issue(cli, customer, "--include-unbilled", "--field", "po=PO-7")

    assert data["total"] == "12.50"
    assert data["items"][0]["transaction_id"] == line["id"]
    assert data["custom_fields"] == {"po": "PO-7"}
    assert cli.transaction(line["id"]).invoice_id == data["id"]
    message = cli.fails("invoice", "create", str(customer), "--include-unbilled")
    assert message.startswith("include_unbilled: the customer has no unbilled line")


def test_a_proforma_has_its_own_numbers_and_converts_to_an_invoice(cli: Cli) -> None:
    customer = cli.new_customer()
    proforma = issue(cli, customer, "--type", "proforma", "--item", "Deposit;;100")
    assert proforma["number"] == f"PF{today().year}-00001"
    assert cli.balance(customer).balance.amount == 0

    outcome = cli.ok("invoice", "convert", str(proforma["id"]))

    assert outcome.stdout.startswith(f"issued invoice {first_number()} (id 2): 100.00 EUR")
    before = show(cli, proforma["id"])
    assert (before["status"], before["converted_to"]) == ("converted", 2)
    assert show(cli, 2)["converted_from"] == proforma["id"]
    assert cli.fails("invoice", "convert", "2") == "document 2 is not a proforma"
    assert cli.fails("invoice", "convert", str(proforma["id"])).startswith(
        f"proforma PF{today().year}-00001 is converted"
    )


BAD_ITEMS = [
    (["--item", "Router"], "items.0: 'Router' is not description;quantity;unit_price;tax_rate"),
    (["--item", "Router;89"], "items.0: 'Router;89' is not"),
    (["--item", "a;1;2;3;4"], "items.0: 'a;1;2;3;4' is not"),
    (["--item", "Router;1,5;10"], "items.0.quantity: '1,5': write decimals with a dot"),
    (["--item", "Router;1;12,50"], "items.0.unit_price: '12,50': write decimals with a dot"),
    (["--item", "Ok;;1", "--item", "Router;1;10;5,5"], "items.1.tax_rate: '5,5'"),
    (["--item", "Router;;"], "items.0.unit_price: "),
    (["--item", ";1;10"], "items.0.description: "),
    (["--item", "Router;two;10"], "items.0.quantity: "),
    ([], "items: give at least one item"),
    (["--item", "A;;1", "--date", "2999-01-01"], "date: "),
    (["--item", "A;;1", "--due-date", "2000-01-01"], "due_date: cannot be before"),
    (["--item", "A;;1", "--type", "proforma", "--include-unbilled"], "include_unbilled: "),
]


@SQLITE_ONLY
def test_create_refuses_bad_items_naming_the_item(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    for options, expected in BAD_ITEMS:
        with subtests.test(" ".join(options)):
            assert cli.fails("invoice", "create", str(customer), *options).startswith(expected)
    assert "--type" in cli.usage_error("invoice", "create", str(customer), "--type", "credit")


def test_a_semicolon_may_be_escaped_in_a_description(cli: Cli) -> None:
    customer = cli.new_customer()
    data = issue(cli, customer, "--item", r"Rack\; 2U;;30")
    assert data["items"][0]["description"] == "Rack; 2U"


# -- reading ---------------------------------------------------------------------------------


def test_show_lists_payments_credit_notes_and_what_may_change(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "Service;;100")
    payment = cli.pay(customer, "30")
    credit = cli.json("invoice", "credit", str(invoice["id"]), "--amount", "20", "--reason", "late")

    data = show(cli, invoice["id"])

    assert (data["status"], data["open_amount"], data["creditable"]) == (
        "partially_paid",
        "50.00",
        "80.00",
    )
    assert [(p["transaction_id"], p["type"], p["amount"]) for p in data["payments"]] == [
        (payment["id"], "payment", "30.00"),
        (credit["transaction_id"], "credit_note", "20.00"),
    ]
    assert [(n["id"], n["total"], n["reason"]) for n in data["credit_notes"]] == [
        (credit["id"], "20.00", "late")
    ]
    assert "items" not in data["editable_fields"]
    assert "due_date" in data["editable_fields"]
    assert data["void_refusal"].endswith("has credit notes: it can no longer be voided")
    human = cli.ok("invoice", "show", str(invoice["id"])).stdout
    assert "status: partially_paid" in human
    assert "open_amount: 50.00" in human
    assert "Credit notes" in human
    assert "late" in human


def test_unknown_ids_are_one_line_errors(cli: Cli, subtests: pytest.Subtests) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")
    note = cli.json("invoice", "credit", str(invoice["id"]), "--amount", "1", "--reason", "r")
    for args, expected in [
        (["invoice", "show", "404"], "invoice 404 does not exist"),
        (["invoice", "show", BIG_ID], f"invoice {BIG_ID} does not exist"),
        (["invoice", "show", str(note["id"])], f"invoice {note['id']} does not exist"),
        (["invoice", "void", "404"], "invoice 404 does not exist"),
        (["invoice", "edit", "404", "--note", "x"], "invoice 404 does not exist"),
        (["invoice", "send", "404"], "invoice 404 does not exist"),
        (["invoice", "pdf", "404"], "invoice 404 does not exist"),
        (["invoice", "credit", "404", "--amount", "1", "--reason", "r"],
         "invoice 404 does not exist"),
        (["invoice", "convert", "404"], "proforma 404 does not exist"),
        (["credit-note", "show", "404"], "credit note 404 does not exist"),
        (["credit-note", "show", str(invoice["id"])],
         f"credit note {invoice['id']} does not exist"),
        (["credit-note", "pdf", "404"], "credit note 404 does not exist"),
        (["invoice", "create", "404", "--item", "A;;1"], "customer 404 does not exist"),
        (["invoice", "list", "--customer", "404"], "customer 404 does not exist"),
        (["invoice", "list", "--group", "404"], "invoice group 404 does not exist"),
    ]:  # fmt: skip
        with subtests.test(" ".join(args)):
            assert cli.fails(*args) == expected


# -- editing, voiding, crediting -------------------------------------------------------------


def test_an_unpaid_invoice_may_change_entirely(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")

    outcome = cli.ok(
        "invoice", "edit", str(invoice["id"]), "--item", "B;3;10;10", "--number", "OWN-1",
        "--note", "edited",
    )  # fmt: skip

    assert outcome.stdout.startswith(f"updated invoice OWN-1 (id {invoice['id']}): 33.00 EUR")
    data = show(cli, invoice["id"])
    assert (data["total"], data["note"], data["items"][0]["description"]) == (
        "33.00",
        "edited",
        "B",
    )
    assert cli.balance(customer).balance.amount == 33


def test_a_refused_edit_names_the_fields_that_may_still_change(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")
    cli.pay(customer, "10")

    message = cli.fails("invoice", "edit", str(invoice["id"]), "--item", "B;;5")

    assert message == (
        "items can no longer change on this document; it may change: custom_fields, memo, note"
    )
    cli.ok("invoice", "edit", str(invoice["id"]), "--memo", "paid by wire")
    assert show(cli, invoice["id"])["memo"] == "paid by wire"
    assert cli.fails("invoice", "edit", str(invoice["id"])) == (
        "changes: give at least one field to change"
    )


def test_void_puts_the_lines_back_and_the_balance_to_zero(cli: Cli) -> None:
    customer = cli.new_customer()
    line = cli.add_line(customer, "--kind", "debit", "--label", "Call", "--unit-price", "12.50")
    invoice = issue(cli, customer, "--include-unbilled")

    outcome = cli.ok("invoice", "void", str(invoice["id"]), "--reason", "wrong customer")

    assert outcome.stdout.startswith(f"voided invoice {first_number()}")
    assert outcome.stdout.rstrip().endswith("open 0.00 (void)")
    assert cli.balance(customer).balance.amount == 0
    assert cli.transaction(line["id"]).invoice_id is None
    assert show(cli, invoice["id"])["void_reason"] == "wrong customer"
    assert cli.fails("invoice", "void", str(invoice["id"])) == (
        f"invoice {first_number()} is already void"
    )


def test_void_is_refused_once_something_is_paid(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")
    cli.pay(customer, "4")

    message = cli.fails("invoice", "void", str(invoice["id"]))

    assert message == (
        f"invoice {first_number()} has settled amounts: correct it with a credit note instead"
    )


def test_credit_notes_within_what_is_left_to_credit(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;100")

    outcome = cli.ok(
        "invoice", "credit", str(invoice["id"]), "--item", "Refund A;;60", "--reason", "returned"
    )

    year = today().year
    assert outcome.stdout == (
        f"issued credit note CN{year}-00001 (id 2) on {first_number()}: 60.00 EUR\n"
    )
    assert cli.balance(customer).balance.amount == 40
    assert cli.fails(
        "invoice", "credit", str(invoice["id"]), "--amount", "50", "--reason", "again"
    ) == (f"only 40.00 EUR of invoice {first_number()} is left to credit; "
          "this credit note totals 50.00 EUR")  # fmt: skip
    assert cli.fails(
        "invoice", "credit", str(invoice["id"]), "--amount", "5", "--item", "X;;5",
        "--reason", "both",
    ) == "amount: give items or an amount, not both"  # fmt: skip
    assert cli.fails("invoice", "credit", str(invoice["id"]), "--reason", "none").startswith(
        "amount: give an amount or items"
    )
    assert "--reason" in cli.usage_error("invoice", "credit", str(invoice["id"]), "--amount", "1")
    note = cli.json("credit-note", "show", "2")
    assert (note["invoice_id"], note["invoice_number"], note["total"], note["reason"]) == (
        invoice["id"],
        first_number(),
        "60.00",
        "returned",
    )


def test_a_void_invoice_cannot_be_credited(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;100")
    cli.ok("invoice", "void", str(invoice["id"]))
    assert (
        cli.fails("invoice", "credit", str(invoice["id"]), "--amount", "5", "--reason", "r")
        == f"invoice {first_number()} cannot be credited: only issued invoices can"
    )


def test_cancel_last_recurring_voids_the_latest_recurring_invoice(cli: Cli) -> None:
    customer = cli.new_customer()
    start = today().replace(day=1)
    first = issue(
        cli, customer, "--type", "recurring", "--item", "Plan;;20",
        "--period-start", start.isoformat(), "--period-end", start.isoformat(),
    )  # fmt: skip

    outcome = cli.ok("invoice", "cancel-last-recurring", str(customer), "--reason", "trial")

    assert outcome.stdout.startswith(f"voided invoice {first['number']} (id {first['id']})")
    assert show(cli, first["id"])["void_reason"] == "trial"
    assert cli.fails("invoice", "cancel-last-recurring", str(customer)) == (
        f"customer {customer} has no recurring invoice to cancel"
    )


def test_send_marks_the_invoice_sent_once(cli: Cli) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")

    outcome = cli.ok("invoice", "send", str(invoice["id"]))

    sent_at = show(cli, invoice["id"])["sent_at"]
    assert outcome.stdout == f"invoice {first_number()} sent at {sent_at}\n"
    assert sent_at.startswith(today().isoformat())
    cli.ok("invoice", "send", str(invoice["id"]))
    assert show(cli, invoice["id"])["sent_at"] == sent_at
    cli.ok("invoice", "void", str(invoice["id"]))
    assert cli.fails("invoice", "send", str(invoice["id"])) == (
        f"invoice {first_number()} is void: it cannot be sent"
    )


# -- PDFs ------------------------------------------------------------------------------------


def test_pdfs_are_written_to_a_file_or_standard_output(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = cli.new_customer()
    invoice = issue(cli, customer, "--item", "A;;10")
    cli.ok("invoice", "credit", str(invoice["id"]), "--amount", "1", "--reason", "r")
    monkeypatch.chdir(tmp_path)

    default = cli.ok("invoice", "pdf", str(invoice["id"]))
    chosen = cli.ok("credit-note", "pdf", "2", "-o", str(tmp_path / "note.pdf"))
    piped = CliRunner().invoke(main.app, ["invoice", "pdf", str(invoice["id"]), "-o", "-"])

    written = tmp_path / f"invoice-{first_number()}.pdf"
    assert default.stdout.startswith(f"wrote invoice-{first_number()}.pdf (")
    assert written.read_bytes().startswith(b"%PDF")
    assert chosen.stdout.startswith(f"wrote {tmp_path / 'note.pdf'} (")
    assert (tmp_path / "note.pdf").read_bytes().startswith(b"%PDF")
    assert piped.exit_code == 0
    assert piped.stdout_bytes.startswith(b"%PDF")
    message = cli.fails("invoice", "pdf", str(invoice["id"]), "-o", str(tmp_path / "no/x.pdf"))
    assert message.startswith("output: cannot write")


# -- the list --------------------------------------------------------------------------------


def test_list_filters_on_balances_type_and_status(cli: Cli) -> None:
    owes = cli.new_customer(name="Owes")
    settled = cli.new_customer(name="Settled")
    paid = issue(cli, owes, "--item", "A;;30")
    cli.pay(owes, "30")
    unpaid = issue(cli, owes, "--item", "B;;40")
    other = issue(cli, settled, "--item", "C;;30")
    cli.pay(settled, "30")
    proforma = issue(cli, settled, "--type", "proforma", "--item", "D;;5")

    def ids(*options: str) -> list[int]:
        data = json.loads(cli.ok("invoice", "list", *options, "--format", "json").stdout)
        return [row["id"] for row in data["data"]]

    assert ids() == [proforma["id"], other["id"], unpaid["id"], paid["id"]]
    assert ids("--invoice-balance", "eq:0", "--account-balance", "gt:0") == [paid["id"]]
    assert ids("--invoice-balance", "gte:40") == [unpaid["id"]]
    assert ids("--customer", str(settled), "--type", "proforma") == [proforma["id"]]
    assert ids("--status", "paid") == [other["id"], paid["id"]]
    assert ids("--number", paid["number"]) == [paid["id"]]
    page = json.loads(cli.ok("invoice", "list", "--limit", "2", "--format", "json").stdout)
    assert (page["has_more"], page["next_cursor"]) == (True, other["id"])
    assert ids("--starting-after", str(other["id"])) == [unpaid["id"], paid["id"]]


def test_list_as_csv_and_as_a_table(cli: Cli) -> None:
    customer = cli.new_customer()
    first = issue(cli, customer, "--item", "A;;30")
    cli.pay(customer, "10")

    lines = cli.ok("invoice", "list", "--format", "csv").stdout.splitlines()

    assert lines[0].startswith("id,number,type,status,customer_id,document_date,due_date")
    assert lines[1].startswith(
        f"{first['id']},{first_number()},one_time,partially_paid,{customer},{today()}"
    )
    assert ",EUR,30.00,0.00,30.00,20.00,30.00," in lines[1]
    table = cli.ok("invoice", "list").stdout
    assert "partially_paid" in table
    assert "30.00" in table


@SQLITE_ONLY
def test_list_refuses_bad_filters(cli: Cli, subtests: pytest.Subtests) -> None:
    for options, expected in [
        (["--invoice-balance", "gt0"], "invoice_balance: 'gt0' is not OP:AMOUNT"),
        (["--invoice-balance", "above:0"], "invoice_balance: 'above:0' is not OP:AMOUNT"),
        (["--account-balance", "gt:1,5"], "account_balance: '1,5': write decimals with a dot"),
        (["--account-balance", "gt:ten"], "account_balance: 'ten' is not an amount"),
        (["--from", "2025-02-30"], "from: "),
        (["--as-of", "soon"], "as_of: "),
    ]:
        with subtests.test(" ".join(options)):
            assert cli.fails("invoice", "list", *options).startswith(expected)
    assert "--status" in cli.usage_error("invoice", "list", "--status", "lost")


# -- payments naming an invoice, totals ------------------------------------------------------


def test_a_payment_naming_an_invoice_pays_it_first(cli: Cli) -> None:
    customer = cli.new_customer()
    older = issue(cli, customer, "--item", "A;;30")
    newer = issue(cli, customer, "--item", "B;;40")

    payment = cli.pay(customer, "40", "--invoice", str(newer["id"]))

    assert payment["invoice_id"] == newer["id"]
    assert (show(cli, newer["id"])["status"], show(cli, older["id"])["open_amount"]) == (
        "paid",
        "30.00",
    )
    assert cli.fails("payment", "record", str(customer), "5", "--invoice", str(newer["id"])) == (
        f"invoice_id: invoice {newer['id']} is already paid"
    )
    shown = cli.json("transaction", "show", str(payment["id"]))
    assert shown["invoices"] == [
        {"invoice_id": newer["id"], "number": newer["number"], "amount": "40.00"}
    ]
    text = cli.ok("transaction", "show", str(payment["id"])).stdout
    assert f"invoices: {newer['number']} (40.00)" in text


def test_report_totals_counts_invoices_and_payments(cli: Cli) -> None:
    customer = cli.new_customer()
    other = cli.new_customer(name="Other")
    issue(cli, customer, "--item", "A;;30")
    issue(cli, customer, "--item", "B;;40")
    issue(cli, other, "--item", "C;;50")
    cli.pay(customer, "30", "--method", "card")

    data = json.loads(
        cli.ok("report", "totals", "--customer", str(customer), "--format", "json").stdout
    )

    (eur,) = data["currencies"]
    assert (eur["currency"], eur["invoiced"], eur["paid"], eur["unpaid"], eur["void"]) == (
        "EUR",
        {"count": 2, "amount": "70.00"},
        {"count": 1, "amount": "30.00"},
        {"count": 1, "amount": "40.00"},
        {"count": 0, "amount": "0.00"},
    )
    assert eur["payments"] == {"count": 1, "amount": "30.00"}
    assert eur["paid_by_method"] == [{"method": "card", "count": 1, "amount": "30.00"}]
    everyone = json.loads(cli.ok("report", "totals", "--format", "json").stdout)
    assert everyone["currencies"][0]["invoiced"] == {"count": 3, "amount": "120.00"}
    table = cli.ok("report", "totals").stdout
    assert "120.00" in table
    assert "card" in table
    assert cli.fails("report", "totals", "--customer", "404") == "customer 404 does not exist"


# -- document settings -----------------------------------------------------------------------


def test_a_numbering_format_set_numbers_the_next_invoice(cli: Cli) -> None:
    customer = cli.new_customer()
    outcome = cli.ok("settings", "set", "numbering.invoice", "INV-{year}-{next|4}")
    assert outcome.stdout == 'numbering.invoice = "INV-{year}-{next|4}"\n'

    assert issue(cli, customer, "--item", "A;;1")["number"] == f"INV-{today().year}-0001"
    cli.ok("settings", "set", "numbering.invoice", "null")
    assert cli.json("settings", "show")["numbering"]["invoice"] == "{year}{partner_id|2}{next|6}"
    assert cli.fails("settings", "set", "numbering.invoice", "INV-{bogus}").startswith(
        "numbering.invoice: "
    )
    assert cli.fails("settings", "set", "numbering.receipt", "R{next|3}").startswith(
        "numbering.receipt: "
    )


def test_partner_details_and_logo(cli: Cli, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\nfake")

    cli.ok("settings", "partner", "--id", "1", "--name", "Solde SA", "--tax-id", "FR123")
    outcome = cli.ok("settings", "partner", "--id", "1", "--bank-details", "IBAN FR76", "--logo",
                     str(logo))  # fmt: skip

    assert outcome.stdout == "partner 1 updated (Solde SA)\n"
    partner = cli.json("settings", "show")["partners"][0]
    assert (partner["id"], partner["name"], partner["tax_id"], partner["bank_details"]) == (
        1,
        "Solde SA",
        "FR123",
        "IBAN FR76",
    )
    encoded = base64.b64encode(logo.read_bytes()).decode()
    assert partner["logo"] == f"data:image/png;base64,{encoded}"
    assert "(image, " in cli.ok("settings", "show").stdout
    cli.ok("settings", "partner", "--id", "1", "--no-logo")
    assert cli.json("settings", "show")["partners"][0]["logo"] == ""
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a")
    assert cli.fails("settings", "partner", "--id", "1", "--logo", str(gif)) == (
        "logo: logo.gif: a logo is a .png, .jpg, .jpeg or .svg file"
    )
    assert cli.fails("settings", "partner", "--id", "0", "--name", "X").startswith(
        "partners.0.id: "
    )
