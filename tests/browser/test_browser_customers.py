"""Finding customers: the search box and the filters update the list in place."""

from __future__ import annotations

import re

from browserkit import Live, Watch, open_customer, sign_in
from playwright.sync_api import Locator, Page, expect


def _rows(page: Page) -> Locator:
    return page.locator("#customer-results tbody tr")


def test_search_updates_the_list_in_place_and_the_owes_filter(page: Page, live: Live) -> None:
    ada = live.book.customer("Ada Lovelace", email="ada@example.com")
    live.book.charge(ada, "120.00")
    grace = live.book.customer("Grace Hopper", external_ref="GH-1906")
    live.book.pay(grace, "30.00")
    live.book.customer("Alan Turing")
    sign_in(page, live)

    page.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    expect(_rows(page)).to_have_count(3)
    page.evaluate("() => { window.__samePage = true; }")

    page.get_by_label("Search").press_sequentially("grace")
    expect(page).to_have_url(re.compile(r"[?&]q=grace(&|$)"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Grace Hopper")
    expect(_rows(page).first).to_contain_text("GH-1906")
    expect(_rows(page).first).to_contain_text("-€30.00")
    expect(page.locator("#customer-results")).to_contain_text("1–1 of 1 customer")

    page.get_by_label("Search").fill("gh-19")
    expect(page).to_have_url(re.compile(r"[?&]q=gh-19(&|$)"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Grace Hopper")

    page.get_by_label("Search").fill("")
    expect(page).to_have_url(re.compile(r"[?&]q=(&|$)"))
    expect(_rows(page)).to_have_count(3)

    page.get_by_label("Balance", exact=True).select_option(label="Owes")
    expect(page).to_have_url(re.compile(r"[?&]balance=owes(&|$)"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Ada Lovelace")
    expect(_rows(page).first).to_contain_text("€120.00")

    page.get_by_label("Search").fill("nobody")
    expect(page.locator("#customer-results")).to_contain_text("No customer matches these filters.")
    expect(_rows(page)).to_have_count(0)
    assert page.evaluate("() => window.__samePage === true"), "the list was reloaded as a page"

    # The pushed URL is a real address: opened afresh, it shows the same list.
    page.goto("/customers?q=ada&balance=owes")
    expect(page.get_by_label("Search")).to_have_value("ada")
    expect(page.get_by_label("Balance", exact=True)).to_have_value("owes")
    expect(_rows(page)).to_have_count(1)
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page).to_have_url(re.compile(rf"/customers/{ada}$"))
    expect(page.get_by_test_id("balance")).to_have_text("€120.00")


def test_a_script_in_a_name_is_shown_as_text(page: Page, live: Live, watch: Watch) -> None:
    name = "<script>alert(1)</script>"
    evil = live.book.customer(name, segment="<img src=x onerror=alert(2)>")
    live.book.charge(evil, "10.00", label="<b>bold</b><script>alert(3)</script>")
    sign_in(page, live)

    page.goto("/customers")
    link = page.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    expect(link).to_have_text(name)
    expect(page.locator("#customer-results")).to_contain_text("<img src=x onerror=alert(2)>")
    expect(page.locator("#customer-results img")).to_have_count(0)

    page.get_by_label("Search").fill("<script>")
    expect(page).to_have_url(re.compile(r"[?&]q=%3Cscript%3E(&|$)"))
    expect(_rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    link = page.get_by_role("link", name=name, exact=True)
    link.click()
    expect(page).to_have_url(re.compile(rf"/customers/{evil}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page).to_have_title(f"{name} · solde")
    expect(page.get_by_text("<b>bold</b><script>alert(3)</script>")).to_be_visible()
    expect(page.locator("main b, main img")).to_have_count(0)
    open_customer(page, evil)
    assert page.locator("main script").count() == 0
    assert watch.dialogs == [], watch.dialogs
    assert watch.csp_violations == [], watch.csp_violations
