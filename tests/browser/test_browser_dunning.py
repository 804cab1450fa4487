"""Dunning as a finance user works it in Chromium: a customer with an overdue invoice, its
dunning calendar on the customer page (and as of another date, in place), moving its next
block date in the panel, and the Dunning page listing it to block on that date."""

from __future__ import annotations

from datetime import date, timedelta

from browserkit import Live, expect_panel_closed, open_customer, panel, sign_in
from playwright.sync_api import Page, expect

from solde.billing import usecases as billing


def _us_date(day: date) -> str:
    """How en_US shows a date: `Jun 12, 2026`."""
    return f"{day:%b} {day.day}, {day.year}"


def test_the_calendar_the_next_block_date_and_the_dunning_page(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace", billing={"payment_due_days": 10})
    today = live.book.today()
    with live.container.uow(actor="browser-test") as uow:
        body = {
            "type": "one_time",
            "date": "2026-06-01",
            "items": [{"description": "Plan", "unit_price": "50.00"}],
        }
        number = billing.create_invoice(uow, customer, body, on=today).number
        uow.commit()
    sign_in(page, live)
    open_customer(page, customer)
    section = page.locator("#customer-dunning")
    expect(section.get_by_test_id("billing-due-date")).to_have_text(f"Jun 11, 2026 · {number}")
    expect(section.get_by_test_id("next-block-date")).to_have_text("Jun 12, 2026")
    expect(section.get_by_test_id("dunning-balance")).to_have_text(
        "€50.00, over the credit limit of €0.00"
    )
    expect(section.get_by_test_id("dunning-action")).to_have_text(
        f"The daily cycle of {_us_date(today)} blocks the customer."
    )
    page.evaluate("() => { window.__samePage = true; }")

    # the calendar as of the invoice's date, in place
    section.get_by_label("As of").fill("2026-06-01")
    section.get_by_role("button", name="Show").click()
    expect(section.get_by_role("heading", level=2)).to_have_text("Dunning as of Jun 1, 2026")
    expect(section.get_by_test_id("next-deactivation-date")).to_have_text("Jul 13, 2026")
    rows = section.get_by_test_id("reminders").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td")).to_have_text([number, "1", "Jun 4, 2026", "3", "", ""])
    expect(section.get_by_test_id("dunning-action")).to_have_count(0)

    # move the next block date in the panel
    chosen = today + timedelta(days=10)
    while chosen.weekday() >= 5:  # a weekday: the customer is blocked on that very day
        chosen += timedelta(days=1)
    section.get_by_role("link", name="Set next block date").click()
    dialog = panel(page, "Set next block date")
    dialog.get_by_label("Next block date").fill((today - timedelta(days=1)).isoformat())
    dialog.get_by_label("Reason").fill("Payment promised by phone")
    dialog.get_by_role("button", name="Set next block date").click()
    expect(dialog.locator("#e-date")).to_have_text(
        f"must be between {today.isoformat()} and a year later"
    )
    expect(dialog.get_by_label("Reason")).to_have_value("Payment promised by phone")
    dialog.get_by_label("Next block date").fill(chosen.isoformat())
    dialog.get_by_role("button", name="Set next block date").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text(f"Next block date moved to {_us_date(chosen)}.")
    expect(section.get_by_test_id("moved-by-hand")).to_contain_text(
        f"moved by hand to {_us_date(chosen)}, set on {_us_date(today)}"
    )
    expect(section.get_by_test_id("next-block-date")).to_contain_text(_us_date(chosen))
    expect(section.get_by_test_id("dunning-action")).to_have_count(0)
    assert page.evaluate("() => window.__samePage === true"), "the page was reloaded"

    # the Dunning page of that date lists the customer to block
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dunning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dunning on {_us_date(today)}")
    page.get_by_label("Date").fill(chosen.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dunning on {_us_date(chosen)}")
    row = page.locator(f"#block-{customer}")
    expect(row.locator("td")).to_have_text(
        [
            "Ada Lovelace",
            "€50.00",
            "€0.00",
            f"Jun 11, 2026 · {number}",
            _us_date(chosen),
        ]
    )
    expect(page.get_by_test_id("preview-note")).to_contain_text("This page changes nothing")
    row.get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator("#customer-dunning").get_by_role("heading", level=2)).to_have_text(
        f"Dunning as of {_us_date(chosen)}"
    )
    expect(page.get_by_test_id("dunning-action")).to_have_text(
        f"The daily cycle of {_us_date(chosen)} blocks the customer."
    )
