"""The customer page as a finance user works it: lines, payments, the bank's answer, and what
the balance card shows after each (it refreshes in place, without a page load)."""

from __future__ import annotations

import re

from browserkit import Live, expect_panel_closed, flash_number, open_customer, panel, sign_in
from playwright.sync_api import Locator, Page, expect

from solde.ledger.model import State

#: Columns of a transaction row on the customer page.
CREDIT, OPEN, SETTLED_WITH = 7, 8, 9


def _cell(page: Page, tx_id: int, column: int) -> Locator:
    """One cell of a transaction's row on the customer page."""
    return page.locator(f"#tx-{tx_id} > td:nth-child({column})")


def test_posted_line_changes_the_balance_and_unbilled_line_does_not(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace")
    sign_in(page, live)
    open_customer(page, customer)
    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    expect(page.locator(".balance-meaning")).to_have_text("Settled: nothing owed, no credit.")
    expect(page.locator("#section-open")).to_contain_text("Nothing is open.")
    page.evaluate("() => { window.__samePage = true; }")

    page.get_by_role("link", name="Add line").click()
    dialog = panel(page, "Add a line")
    dialog.get_by_label("Label").fill("Setup fee")
    dialog.get_by_label("Unit price excl. tax").fill("120.00")
    dialog.get_by_label("Posted now").check()
    dialog.get_by_role("button", name="Add line").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text("Line posted: Setup fee.")

    expect(page.get_by_test_id("balance")).to_have_text("€120.00")
    expect(page.get_by_test_id("debit")).to_have_text("€120.00")
    expect(page.get_by_test_id("credit")).to_have_text("€0.00")
    expect(page.locator(".balance-card")).to_have_class(re.compile(r"\bdebit\b"))
    expect(page.locator(".balance-meaning")).to_have_text("The customer owes this amount.")
    open_rows = page.locator("#section-open tbody tr")
    expect(open_rows).to_have_count(1)
    expect(open_rows.first).to_contain_text("Setup fee")
    expect(open_rows.first).to_contain_text("Charge")
    expect(open_rows.first.locator("td.num").nth(0)).to_have_text("€120.00")
    expect(open_rows.first.locator("td.num").nth(2)).to_have_text("€120.00")
    expect(page.get_by_test_id("unbilled")).to_contain_text("None.")

    page.get_by_role("link", name="Add line").click()
    dialog = panel(page, "Add a line")
    expect(dialog.get_by_label("On the next invoice")).to_be_checked()
    dialog.get_by_label("Label").fill("Monthly plan")
    dialog.get_by_label("Unit price excl. tax").fill("30.00")
    dialog.get_by_label("Quantity").fill("2")
    dialog.get_by_role("button", name="Add line").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text("Line added to the next invoice: Monthly plan.")

    expect(page.get_by_test_id("unbilled")).to_contain_text(
        "1 line waiting for the next invoice: €60.00 excl. tax, €60.00 incl. tax"
    )
    expect(page.locator("#section-unbilled tbody tr")).to_have_count(1)
    expect(page.locator("#section-unbilled")).to_contain_text("Monthly plan")
    expect(page.get_by_test_id("balance")).to_have_text("€120.00")
    expect(page.get_by_test_id("debit")).to_have_text("€120.00")
    expect(open_rows).to_have_count(1)
    assert page.evaluate("() => window.__samePage === true"), "the card came with a page load"
    assert live.book.states(customer) == [State.UNBILLED, State.OPEN]


def test_partial_payment_lowers_the_open_amount_and_shows_the_allocation(
    page: Page, live: Live
) -> None:
    customer = live.book.customer("Grace Hopper")
    charge = live.book.charge(customer, "100.00", label="Installation")
    sign_in(page, live)
    open_customer(page, customer)
    expect(_cell(page, charge, OPEN)).to_have_text("€100.00")
    expect(_cell(page, charge, SETTLED_WITH)).to_have_text("")

    page.get_by_role("link", name="Record payment").click()
    dialog = panel(page, "Record a payment")
    expect(dialog.get_by_label("Payment received")).to_be_checked()
    expect(dialog.get_by_label("Confirmed")).to_be_checked()
    dialog.get_by_label("Amount").fill("40.00")
    dialog.get_by_label("Reference").fill("TRF-0042")
    dialog.get_by_role("button", name="Record").click()
    expect_panel_closed(page)
    payment = flash_number(page, r"Payment #(\d+) recorded\.")

    expect(page.get_by_test_id("balance")).to_have_text("€60.00")
    expect(page.get_by_test_id("debit")).to_have_text("€60.00")
    expect(page.get_by_test_id("credit")).to_have_text("€0.00")
    charge_row = page.locator(f"#section-open #tx-{charge}")
    expect(_cell(page, charge, OPEN)).to_have_text("€60.00")
    link = charge_row.get_by_role("link", name=f"#{payment}")
    expect(link).to_have_attribute("href", f"/transactions/{payment}")
    expect(charge_row.locator("td.links")).to_have_text(f"#{payment}\u00a0€40.00")

    payment_row = page.locator(f"#section-closed #tx-{payment}")
    expect(payment_row).to_contain_text("TRF-0042")
    expect(_cell(page, payment, OPEN)).to_have_text("€0.00")
    expect(payment_row.get_by_role("link", name=f"#{charge}")).to_be_visible()

    link.click()
    expect(page).to_have_url(re.compile(rf"/transactions/{payment}$"))
    expect(page.locator("main")).to_contain_text("€40.00")


def test_pending_payment_is_shown_apart_until_confirmed(page: Page, live: Live) -> None:
    customer = live.book.customer("Alan Turing", payment_method="sepa_debit")
    live.book.charge(customer, "100.00", label="Subscription")
    sign_in(page, live)
    open_customer(page, customer)
    expect(page.locator("#section-pending")).to_have_count(0)
    expect(page.get_by_test_id("awaiting")).to_have_text("€0.00")

    page.get_by_role("link", name="Record payment").click()
    dialog = panel(page, "Record a payment")
    dialog.get_by_label("Amount").fill("100.00")
    dialog.get_by_label("Awaiting bank confirmation").check()
    dialog.get_by_role("button", name="Record").click()
    expect_panel_closed(page)
    payment = flash_number(page, r"Payment #(\d+) awaiting bank confirmation\.")

    pending = page.locator("#section-pending")
    expect(pending.get_by_role("heading", name="Awaiting bank confirmation")).to_be_visible()
    expect(pending.locator("tbody tr")).to_have_count(1)
    row = pending.locator(f"#tx-{payment}")
    expect(row).to_contain_text("pending")
    expect(_cell(page, payment, CREDIT)).to_have_text("€100.00")
    expect(page.get_by_test_id("awaiting")).to_contain_text("€100.00")
    expect(page.get_by_test_id("balance")).to_have_text("€100.00")
    expect(page.get_by_test_id("credit")).to_have_text("€0.00")
    expect(page.locator("#section-open tbody tr")).to_have_count(1)

    row.get_by_role("link", name="Confirm").click()
    dialog = panel(page, f"Confirm payment #{payment}")
    dialog.get_by_role("button", name="Confirm").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text(f"Payment #{payment} confirmed.")

    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    expect(page.get_by_test_id("awaiting")).to_have_text("€0.00")
    expect(page.locator("#section-pending")).to_have_count(0)
    expect(page.locator("#section-open")).to_contain_text("Nothing is open.")
    expect(page.locator(f"#section-closed #tx-{payment}")).to_be_visible()


def test_form_error_is_shown_in_place_and_nothing_is_posted(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace")
    sign_in(page, live)
    open_customer(page, customer)

    page.get_by_role("link", name="Add line").click()
    dialog = panel(page, "Add a line")
    dialog.get_by_label("Label").fill("Extra router")
    price = dialog.get_by_label("Unit price excl. tax")
    price.fill("12,3.4")
    dialog.get_by_label("Posted now").check()
    dialog.get_by_role("button", name="Add line").click()

    error = dialog.locator("#e-unit_price")
    expect(error).to_have_text("is not a number; write it like 1,234.56")
    expect(dialog.get_by_role("alert")).to_have_text("Some fields need attention.")
    price = dialog.get_by_label("Unit price excl. tax")
    expect(price).to_have_value("12,3.4")
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_accessible_description(re.compile("is not a number"))
    expect(price).to_be_focused()
    expect(dialog.get_by_label("Label")).to_have_value("Extra router")
    expect(dialog.get_by_label("Posted now")).to_be_checked()
    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    assert live.book.transactions(customer) == []

    price.fill("12.34")
    dialog.get_by_role("button", name="Add line").click()
    expect_panel_closed(page)
    expect(page.get_by_test_id("balance")).to_have_text("€12.34")
    expect(page.locator("#section-open")).to_contain_text("Extra router")
    assert live.book.states(customer) == [State.OPEN]
