"""Working without a mouse, in another locale, and from a transaction's own page."""

from __future__ import annotations

import re

from browserkit import (
    Live,
    expect_panel_closed,
    focused_id,
    focused_text,
    open_customer,
    panel,
    sign_in,
    tab_until,
)
from playwright.sync_api import Page, expect

from solde.ledger.model import State


def test_add_line_dialog_with_the_keyboard_only(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace")
    sign_in(page, live)
    open_customer(page, customer)

    tab_until(page, lambda p: focused_text(p) == "Add line", "the Add line button")
    page.keyboard.press("Enter")
    dialog = panel(page, "Add a line")
    expect(dialog.get_by_label("Type", exact=True)).to_be_focused()

    tab_until(page, lambda p: focused_id(p) == "f-label", "the Label field")
    page.keyboard.type("Keyboard line")
    tab_until(page, lambda p: focused_id(p) == "f-unit_price", "the unit price")
    page.keyboard.type("15.50")
    tab_until(page, lambda p: focused_id(p) == "f-reference", "the reference")
    page.keyboard.type("KB-1")
    page.keyboard.press("Enter")
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text("Line added to the next invoice: Keyboard line.")
    expect(page.locator("#section-unbilled")).to_contain_text("Keyboard line")
    expect(page.locator("#section-unbilled")).to_contain_text("KB-1")
    expect(page.get_by_test_id("unbilled")).to_contain_text("€15.50 excl. tax")
    assert live.book.states(customer) == [State.UNBILLED]

    # Opened again from the keyboard, Escape closes it and nothing is added.
    tab_until(page, lambda p: focused_text(p) == "Add line", "the Add line button")
    page.keyboard.press("Enter")
    dialog = panel(page, "Add a line")
    page.keyboard.type("x")
    page.keyboard.press("Escape")
    expect_panel_closed(page)
    expect(page.get_by_role("link", name="Add line")).to_be_focused()
    assert live.book.states(customer) == [State.UNBILLED]


def test_french_user_reads_and_types_amounts_the_french_way(page: Page, live: Live) -> None:
    customer = live.book.customer("Société Générale d'Essai")
    live.book.charge(customer, "1234.50", label="Installation")
    sign_in(page, live, locale="fr_FR")
    open_customer(page, customer)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # English words, French formats
    # Playwright compares text with every kind of space made one plain space.
    expect(page.get_by_test_id("balance")).to_have_text("1 234,50 €")
    expect(page.get_by_test_id("debit")).to_have_text("1 234,50 €")

    page.get_by_role("link", name="Add line").click()
    dialog = panel(page, "Add a line")
    expect(dialog.get_by_label("Unit price excl. tax")).to_have_accessible_description(
        re.compile(r"e\.g\. 1\s234,56")
    )
    dialog.get_by_label("Label").fill("Frais de dossier")
    dialog.get_by_label("Unit price excl. tax").fill("12,50")
    dialog.get_by_label("Posted now").check()
    dialog.get_by_role("button", name="Add line").click()
    expect_panel_closed(page)

    expect(page.get_by_test_id("balance")).to_have_text("1 247,00 €")
    row = page.locator("#section-open tbody tr", has_text="Frais de dossier")
    expect(row.locator("td.num").first).to_have_text("12,50 €")

    # A number written the English way is refused with the French example.
    page.get_by_role("link", name="Add line").click()
    dialog = panel(page, "Add a line")
    dialog.get_by_label("Label").fill("Erreur")
    dialog.get_by_label("Unit price excl. tax").fill("1,234.50")
    dialog.get_by_role("button", name="Add line").click()
    expect(dialog.locator("#e-unit_price")).to_have_text(
        re.compile(r"is not a number; write it like 1\s234,56")
    )
    expect(dialog.get_by_label("Unit price excl. tax")).to_have_value("1,234.50")


def test_reverse_a_charge_from_its_transaction_page(page: Page, live: Live) -> None:
    customer = live.book.customer("Grace Hopper")
    charge = live.book.charge(customer, "45.00", label="Wrong fee")
    sign_in(page, live)
    page.goto(f"/transactions/{charge}")
    expect(page.get_by_role("heading", name=f"Charge #{charge}")).to_be_visible()
    expect(page.get_by_test_id("open-amount")).to_have_text("€45.00")

    page.get_by_role("link", name="Reverse").click()
    dialog = panel(page, f"Reverse #{charge}")
    dialog.get_by_label("Reason").fill("Charged by mistake")
    dialog.get_by_role("button", name="Reverse").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text(re.compile(rf"Transaction #{charge} reversed"))
    expect(page.get_by_test_id("open-amount")).to_have_text("€0.00")
    reversal = page.locator("#transaction-main li", has_text="Reversed by")
    expect(reversal).to_contain_text(re.compile(r"Reversed by #\d+"))

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Grace Hopper"
    ).click()
    expect(page.get_by_test_id("balance")).to_have_text("€0.00")
