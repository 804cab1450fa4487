"""Services and billing runs as a finance user works them in Chromium: add a service on the
customer page, run a preview, look at the draft and the comparison, confirm it, and find the
invoice with the service's line; and a run's page that follows the run until it is done."""

from __future__ import annotations

import re

from browserkit import Live, expect_panel_closed, open_customer, panel, sign_in
from playwright.sync_api import Page, expect

from solde import runs
from solde.billing import subscriptions

#: The customer bills on the 1st (the default billing day), monthly, in advance.
APRIL = "2026-04-01"


def test_a_service_billed_by_a_confirmed_preview(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace")
    sign_in(page, live)
    open_customer(page, customer)
    services = page.locator("#section-services")
    expect(services).to_contain_text("No service")
    page.evaluate("() => { window.__samePage = true; }")

    services.get_by_role("link", name="Add service").click()
    dialog = panel(page, "Add a service")
    expect(dialog.get_by_label("Quantity")).to_have_value("1")
    dialog.get_by_label("Description").fill("Fibre 1G")
    dialog.get_by_label("Price per billing period excl. tax").fill("60")
    dialog.get_by_label("Tax rate (%)").fill("20")
    dialog.get_by_label("Start date").fill(APRIL)
    dialog.get_by_role("button", name="Add service").click()
    expect_panel_closed(page)
    expect(page.locator("#flash")).to_have_text("Service Fibre 1G added.")
    row = services.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Fibre 1G")
    expect(row.locator("td").nth(2)).to_have_text("€60.00")
    expect(row.locator("td").nth(6)).to_have_text("Not yet")
    expect(row.locator("td").nth(7)).to_have_text("Active")
    assert page.evaluate("() => window.__samePage === true"), "the section came with a page load"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing runs").click()
    expect(page.get_by_role("heading", name="Billing runs", level=1)).to_be_visible()
    expect(page.get_by_label("Skip invoices of zero")).to_be_checked()
    page.get_by_label("Date").fill(APRIL)
    page.get_by_label("Preview").check()
    page.get_by_role("button", name="Start the run").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Preview of Apr 1, 2026")
    )
    made = page.locator("#section-made")
    expect(made).to_contain_text("Ada Lovelace")
    expect(made.locator("tbody tr td").nth(2)).to_have_text("€72.00")  # 60.00 + 20 % tax
    expect(page.get_by_test_id("progress")).to_have_text("1 / 1")
    comparison = page.locator("#section-comparison")
    expect(comparison.locator('dd[data-change="new"]')).to_have_text("1")
    expect(comparison.locator(f"#compare-{customer}")).to_contain_text("New")
    expect(comparison.locator(f"#compare-{customer}")).to_contain_text("€72.00")

    made.get_by_role("link", name=re.compile(r"^Draft #\d+$")).click()
    expect(page.get_by_test_id("status")).to_have_text("draft")
    expect(page.get_by_test_id("items")).to_contain_text("Fibre 1G")
    page.go_back()

    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#flash")).to_contain_text("confirmed: 1 invoice(s) issued.")
    expect(page.get_by_test_id("run-status")).to_have_text("Completed")
    expect(page.locator("#section-comparison")).to_have_count(0)
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    number = made.locator("tbody tr td").nth(1)
    expect(number).not_to_have_text(re.compile("Draft"))

    open_customer(page, customer)
    expect(services.locator("tbody tr td").nth(6)).to_have_text("Apr 30, 2026")
    documents = page.locator("#section-documents tbody tr")
    expect(documents).to_have_count(1)
    expect(documents).to_contain_text("Recurring invoice")
    expect(documents.locator("td.num").first).to_have_text("€72.00")
    documents.locator("a").first.click()
    items = page.get_by_test_id("items")
    expect(items).to_contain_text("Fibre 1G")
    expect(items).to_contain_text("Apr 1, 2026 – Apr 30, 2026")
    expect(page.get_by_test_id("total")).to_have_text("€72.00")


def test_a_run_page_follows_the_run_until_it_is_done(page: Page, live: Live) -> None:
    customer = live.book.customer("Grace Hopper")
    body = {"description": "Hosting", "unit_price": "25.00", "start_date": APRIL}
    with live.container.uow(actor="browser-test") as uow:
        subscriptions.add_service(uow, customer, body, on=live.book.today())
        uow.commit()
    run, todo = runs.open_run(live.container, {"date": APRIL}, actor="cli", on=live.book.today())
    sign_in(page, live)
    page.goto(f"/billing-runs/{run.id}")
    expect(page.get_by_test_id("run-status")).to_have_text("Running")
    expect(page.get_by_test_id("progress")).to_have_text("0 / 1")
    expect(page.locator("#section-made")).to_contain_text("None yet.")

    runs.bill_run(live.container, run, todo, actor="cli", on=live.book.today())
    # the progress part asks again every 2 s; once the run is done the page loads again
    expect(page.get_by_test_id("run-status")).to_have_text("Completed")
    expect(page.get_by_test_id("progress")).to_have_text("1 / 1")
    expect(page.locator("#section-made")).to_contain_text("Grace Hopper")
    expect(page.locator("#section-made")).to_contain_text("€25.00")
