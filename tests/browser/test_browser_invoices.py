"""Invoices as a finance user works them in Chromium: create one from typed items and the
unbilled lines, see it on the customer page, a partial payment, a credit note, a void that
puts the lines back, and the invoices list filtered by invoice balance."""

from __future__ import annotations

import re
from typing import Any

from browserkit import Live, expect_panel_closed, open_customer, panel, sign_in
from playwright.sync_api import Page, expect

from solde.billing import usecases as billing
from solde.ledger.model import State
from solde.settlement import usecases as settlement


def unbilled(live: Live, customer_id: int, label: str, amount: str) -> int:
    """A line waiting for the next invoice; its id."""
    body = {"kind": "debit", "type": "charge", "label": label, "unit_price": amount}
    with live.container.uow(actor="browser-test") as uow:
        tx = settlement.add_entry(uow, customer_id, body, on=live.book.today())
        uow.commit()
    return int(tx.id)


def issue(live: Live, customer_id: int, body: dict[str, Any]) -> Any:
    with live.container.uow(actor="browser-test") as uow:
        doc = billing.create_invoice(uow, customer_id, body, on=live.book.today())
        uow.commit()
    return doc


def test_an_invoice_with_the_unbilled_lines_then_a_payment_and_a_credit_note(
    page: Page, live: Live
) -> None:
    customer = live.book.customer("Ada Lovelace")
    unbilled(live, customer, "Monthly plan", "30.00")
    unbilled(live, customer, "Extra IP", "5.00")
    sign_in(page, live)
    open_customer(page, customer)
    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    expect(page.locator("#section-documents")).to_contain_text("No invoice yet.")

    page.get_by_role("link", name="Create invoice").click()
    expect(page.get_by_role("heading", name="New invoice", level=1)).to_be_visible()
    include = page.get_by_label("Include the unbilled lines")
    expect(include).to_be_checked()
    expect(page.locator("#h-include_unbilled")).to_have_text(
        "2 unbilled lines: €35.00 excl. tax, €35.00 incl. tax"
    )
    page.get_by_label("Description, row 1").fill("Router")
    page.get_by_label("Unit price, row 1").fill("100")
    page.get_by_label("Tax rate, row 1").fill("20")
    page.get_by_label("Description, row 2").fill("Installation")
    page.get_by_label("Quantity, row 2").fill("2")
    page.get_by_label("Unit price, row 2").fill("12.50")
    page.get_by_role("button", name="Create invoice").click()

    expect(page.get_by_test_id("status")).to_have_text("unpaid")
    expect(page.locator("#flash")).to_contain_text("issued.")
    expect(page.get_by_test_id("items").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("total")).to_have_text("€180.00")
    expect(page.get_by_test_id("invoice-balance")).to_have_text("€180.00")
    found = re.search(r"/invoices/(\d+)$", page.url)
    assert found is not None
    invoice_id = int(found.group(1))

    open_customer(page, customer)
    expect(page.get_by_test_id("balance")).to_have_text("€180.00")
    expect(page.get_by_test_id("unbilled")).to_contain_text("None.")
    row = page.locator(f"#section-documents #doc-{invoice_id}")
    expect(row).to_contain_text("unpaid")
    expect(row.locator("td.num").nth(1)).to_have_text("€180.00")

    payment = live.book.pay(customer, "50.00", invoice_id=invoice_id)
    page.reload()
    expect(row).to_contain_text("partially paid")
    expect(row.get_by_role("link", name=f"Payment #{payment}")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("€130.00")

    row.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    expect(page.get_by_test_id("status")).to_have_text("partially paid")
    expect(page.get_by_test_id("invoice-balance")).to_have_text("€130.00")
    expect(page.get_by_test_id("payments")).to_contain_text(f"#{payment}")
    expect(page.get_by_role("link", name="Void")).to_have_count(0)

    page.get_by_role("link", name="Issue a credit note").click()
    expect(page.get_by_test_id("left-to-credit")).to_have_text("Left to credit: €180.00")
    page.get_by_label("Amount incl. tax (EUR)").fill("30")
    page.get_by_label("Reason").fill("Late installation")
    page.get_by_role("button", name="Issue the credit note").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Credit note")
    expect(page.get_by_test_id("total")).to_have_text("€30.00")
    page.get_by_test_id("credit-of").click()
    expect(page.get_by_test_id("invoice-balance")).to_have_text("€100.00")
    expect(page.get_by_test_id("credit-notes")).to_contain_text("Late installation")


def test_voiding_an_unpaid_invoice_puts_its_lines_back(page: Page, live: Live) -> None:
    customer = live.book.customer("Grace Hopper")
    line = unbilled(live, customer, "Monthly plan", "30.00")
    doc = issue(live, customer, {"include_unbilled": True})
    sign_in(page, live)
    page.goto(f"/invoices/{doc.id}")
    expect(page.get_by_test_id("status")).to_have_text("unpaid")
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_role("link", name="Void").click()
    dialog = panel(page, f"Void invoice {doc.number}")
    dialog.get_by_label("Reason").fill("Billed by mistake")
    dialog.get_by_role("button", name="Void the invoice").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text(f"Invoice {doc.number} voided.")
    expect(page.get_by_test_id("status")).to_have_text("void")
    expect(page.get_by_role("link", name="Void")).to_have_count(0)
    assert page.evaluate("() => window.__samePage === true")

    open_customer(page, customer)
    expect(page.locator("#section-unbilled")).to_contain_text("Monthly plan")
    expect(page.get_by_test_id("unbilled")).to_contain_text("1 line waiting for the next invoice")
    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    assert [t.state for t in live.book.transactions(customer) if t.id == line] == [State.UNBILLED]


def test_the_list_filtered_by_invoice_balance_zero(page: Page, live: Live) -> None:
    paid_by = live.book.customer("Paid Up")
    paid = issue(live, paid_by, {"items": [{"description": "Plan", "unit_price": "20"}]})
    live.book.pay(paid_by, "20.00")
    owes = live.book.customer("Still Owes")
    open_doc = issue(live, owes, {"items": [{"description": "Plan", "unit_price": "20"}]})
    sign_in(page, live)
    page.get_by_role("link", name="Invoices").click()
    rows = page.locator("table.invoices tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Invoice balance: comparison").select_option("eq")
    page.get_by_label("Invoice balance", exact=True).fill("0")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"invoice_balance=0"))
    expect(rows.first).to_contain_text(str(paid.number))
    expect(rows.first).to_contain_text("paid")
    expect(page.locator(f"#doc-{open_doc.id}")).to_have_count(0)
    expect(page.get_by_label("Invoice balance", exact=True)).to_have_value("0")
