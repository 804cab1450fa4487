"""Lists, statements and imports as a finance user works them in Chromium: open the Lists
menu, filter and sort balance by customer, download the filtered list as CSV; open a
customer's statement and switch its mode; upload an import with a bad row, then a good file,
checked first and imported from the page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from browserkit import Live, sign_in
from playwright.sync_api import Page, expect

from solde.settlement import usecases as settlement

#: How long a download may take (milliseconds): the first PDF loads WeasyPrint, which takes
#: seconds on a machine busy with other tests.
DOWNLOAD_MS = 60_000


def _unbilled(live: Live, customer: int, price: str, day: str) -> None:
    body = {
        "kind": "debit",
        "type": "charge",
        "label": "Line",
        "unit_price": price,
        "date": day,
        "bill_on_next_invoice": True,
    }
    with live.container.uow(actor="browser-test") as uow:
        settlement.add_entry(uow, customer, body, on=live.book.today())
        uow.commit()


def test_lists_a_statement_and_an_import(page: Page, live: Live, tmp_path: Path) -> None:
    ada = live.book.customer("Ada Lovelace", segment="retail")
    bob = live.book.customer("Bob Babbage", segment="pro")
    cyd = live.book.customer("Cyd Curie", segment="retail")
    live.book.charge(ada, "40.00", "Setup")
    live.book.charge(cyd, "90.00", "Setup")
    live.book.charge(bob, "10.00", "Setup")
    live.book.pay(ada, "15.00", reference="BANK-1")
    _unbilled(live, ada, "12.34", "2026-03-02")
    sign_in(page, live)

    # Lists: balance by customer, filtered by segment, sorted by balance
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Balance by customer")
    rows = page.get_by_test_id("balance-list").locator("tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_label("Segment").fill("retail")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="Balance", exact=True).click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Balance")
    expect(rows.locator("td:first-child a")).to_have_text(["Cyd Curie", "Ada Lovelace"])
    expect(rows.nth(0).locator("td").nth(9)).to_have_text("€90.00")
    expect(rows.nth(1).locator("td").nth(9)).to_have_text("€25.00")
    expect(rows.nth(1).locator("td").nth(4)).to_have_text("1")
    # htmx swapped the list in place, and the address says what is shown
    assert page.evaluate("() => window.__samePage === true"), "the page was reloaded"
    assert "segment=retail" in page.url
    assert "sort=balance" in page.url

    # the Export button downloads the whole filtered list, in the list's order
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename.startswith("balance-by-customer-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    exported = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["name"], r["balance"], r["unbilled_net"]) for r in exported] == [
        ("Cyd Curie", "90.00", "0.00"),
        ("Ada Lovelace", "25.00", "12.34"),
    ]

    # the customer's statement, in both modes
    rows.nth(1).get_by_role("link", name="Ada Lovelace").click()
    page.get_by_test_id("statement-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statement")
    today = live.book.today()
    page.get_by_label("From", exact=True).fill(today.replace(day=1).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("radio", name="Every transaction").check()
    page.get_by_role("button", name="Show").click()
    lines = page.get_by_test_id("statement").locator("tr.line")
    expect(lines).to_have_count(2)
    expect(lines.nth(1).locator("td").nth(6)).to_have_text("€25.00")
    expect(page.get_by_test_id("closing")).to_contain_text("€25.00")
    page.get_by_role("radio", name="Documents").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("radio", name="Documents")).to_be_checked()
    expect(lines).to_have_count(2)  # the charge sums as "Other debits", the payment stays
    expect(lines.nth(0).locator("td").nth(1)).to_have_text("Other")
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.get_by_test_id("statement-downloads").get_by_role("link", name="PDF").click()
    assert info.value.suggested_filename.endswith(".pdf")

    # an import with a bad row is refused, row by row; a good file is checked then imported
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    page.get_by_role("navigation", name="Lists").get_by_role("link", name="Import").click()
    expect(page.get_by_label("Check only")).to_be_checked()
    bad = b"external_ref;name;currency\nNEW-1;Dee Dijkstra;EUR\nNEW-2;Eve;EURO\n"
    page.get_by_label("The file holds").select_option("customers")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "customers.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("button", name="Send").click()
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(errors.nth(0).locator("td").nth(1)).to_have_text("currency")
    good = bad.replace(b"EURO", b"EUR")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "customers.csv", "mimeType": "text/csv", "buffer": good}]
    )
    page.get_by_role("button", name="Send").click()
    report = page.get_by_test_id("import-report")
    expect(report.get_by_role("heading", level=2)).to_have_text("Check passed: customers.csv")
    expect(report.get_by_test_id("count-created")).to_have_text("2")
    page.get_by_role("button", name="Import this file").click()
    expect(page.locator("#flash")).to_have_text(
        "customers.csv imported (customers): 2 rows, 2 created, 0 updated, 0 unchanged."
    )
    page.get_by_role("navigation", name="Lists").get_by_role(
        "link", name="Balance by customer"
    ).click()
    expect(page.get_by_test_id("balance-list").locator("tbody tr")).to_have_count(5)
