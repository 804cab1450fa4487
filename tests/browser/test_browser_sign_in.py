"""Signing in and out in a real browser; a viewer sees everything and can change nothing."""

from __future__ import annotations

import re

from browserkit import PASSWORD, Live, open_customer, sign_in
from playwright.sync_api import Page, expect

from solde.storage.api_keys import Role


def test_wrong_password_then_right_one_then_sign_out(page: Page, live: Live) -> None:
    customer = live.book.customer("Ada Lovelace")
    live.book.charge(customer, "250.00")
    email = live.user(Role.BILLING)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The e-mail or the password is wrong.")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live.url + "/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Total owed")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(email)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in to solde")).to_be_visible()

    # The back button must not bring the signed-in page back from the browser's caches.
    page.go_back()
    expect(page.get_by_role("heading", name="Sign in to solde")).to_be_visible()
    expect(page.get_by_text("Total owed")).to_have_count(0)
    expect(page.get_by_text(email)).to_have_count(0)


def test_viewer_sees_no_action_and_a_forged_post_is_refused(page: Page, live: Live) -> None:
    customer = live.book.customer("Grace Hopper")
    charge = live.book.charge(customer, "80.00", label="Installation")
    sign_in(page, live, Role.VIEWER)

    page.goto("/customers")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_role("link", name="New customer")).to_have_count(0)

    open_customer(page, customer)
    expect(page.get_by_test_id("balance")).to_have_text("€80.00")
    expect(page.locator(f"#tx-{charge}")).to_contain_text("Installation")
    expect(page.get_by_role("toolbar")).to_have_count(0)
    for name in ("Add line", "Record payment", "Refund", "Edit", "Reverse", "Chargeback"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    response = page.request.post(
        f"/customers/{customer}/lines/new",
        form={
            "csrf_token": token,
            "line_type": "debit:charge",
            "label": "Forged",
            "unit_price": "999.00",
            "quantity": "1",
            "tax_rate": "0",
            "mode": "post",
        },
        max_redirects=0,
    )
    assert response.status == 403, response.text()
    assert "change nothing" in response.text()
    assert len(live.book.transactions(customer)) == 1

    page.reload()
    expect(page.get_by_test_id("balance")).to_have_text("€80.00")
    expect(page.get_by_text("Forged")).to_have_count(0)
