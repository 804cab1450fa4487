"""The pages' htmx side: action forms in the panel without the layout, answers to forms sent
from the panel (the event that refreshes the page, the message out of band), and the parts of
a page that refresh themselves."""

from __future__ import annotations

from webclient import Web
from webhtml import errors_shown, htmx_get, is_whole_page, parse, snapshot


def test_action_forms_come_without_the_layout_for_the_panel(web: Web) -> None:
    cid = web.book.customer("Panel Co", billing={"auto_settlement": False})
    line = web.book.line(cid, bill_on_next_invoice=True)
    charge = web.book.line(cid, unit_price="10.00", bill_on_next_invoice=False)
    payment = web.book.pay(cid, "5.00")
    pending = web.book.pay(cid, "5.00", status="pending")
    back = f"?next=/customers/{cid}"
    forms = {
        f"/customers/{cid}/lines/new{back}": f"/customers/{cid}/lines/new",
        f"/customers/{cid}/payments/new{back}": f"/customers/{cid}/payments/new",
        f"/customers/{cid}/allocations/new{back}": f"/customers/{cid}/allocations/new",
        f"/transactions/{line}/edit{back}": f"/transactions/{line}/edit",
        f"/transactions/{line}/cancel{back}": f"/transactions/{line}/cancel",
        f"/transactions/{charge}/reverse{back}": f"/transactions/{charge}/reverse",
        f"/payments/{pending}/confirm{back}": f"/payments/{pending}/confirm",
        f"/payments/{pending}/fail{back}": f"/payments/{pending}/fail",
        f"/payments/{payment}/chargeback{back}": f"/payments/{payment}/chargeback",
    }
    for page, action in forms.items():
        response = htmx_get(web, page, target="panel")
        assert response.status_code == 200, page
        assert not is_whole_page(response.text), page
        doc = parse(response.text)
        assert doc.one(id="panel-title").text, page
        form = doc.one("form")
        assert form.get("action") == action
        assert form.get("hx-post") == action
        assert form.get("hx-target") == "#panel"
        assert doc.one("input", name="csrf_token").get("value") == web.csrf
        assert doc.one("input", name="next").get("value") == f"/customers/{cid}"
        assert doc.find("button", **{"data-close-panel": True}) is not None
        # the same address without htmx is a whole page, its form a plain one
        whole = web.page(page)
        assert is_whole_page(whole)
        assert parse(whole).one("form", action=action).get("hx-post") == ""


def test_a_form_sent_from_the_panel_answers_with_the_event_and_the_message(web: Web) -> None:
    cid = web.book.customer("Event Co")
    before = snapshot(web.container)
    response = web.post(
        f"/customers/{cid}/lines/new",
        {"line_type": "debit:charge", "label": "From the panel", "unit_price": "9", "mode": "post"},
        htmx=True,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "solde-changed"
    assert "location" not in response.headers
    assert not is_whole_page(response.text)
    doc = parse(response.text)
    flash = doc.one(id="flash")
    assert flash.get("hx-swap-oob") == "innerHTML"  # the live region stays, its text changes
    assert flash.text == "Line posted: From the panel."
    assert not doc.find_all("form")
    assert snapshot(web.container) != before
    # no message is left for the next page
    assert "solde_flash" not in response.headers.get("set-cookie", "")


def test_a_refused_form_from_the_panel_comes_back_in_the_panel(web: Web) -> None:
    cid = web.book.customer("Refused Co")
    before = snapshot(web.container)
    response = web.post(
        f"/customers/{cid}/payments/new",
        {"amount": "abc", "reference": "KEEP", "next": f"/customers/{cid}"},
        htmx=True,
    )
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    assert not is_whole_page(response.text)
    doc = parse(response.text)
    form = doc.one("form")
    assert form.get("hx-post") == f"/customers/{cid}/payments/new"
    assert set(errors_shown(doc)) == {"amount"}
    assert doc.one(id="f-reference").get("value") == "KEEP"
    assert snapshot(web.container) == before


def test_pages_refresh_what_a_change_may_alter(web: Web) -> None:
    cid = web.book.customer("Refresh Co")
    charge = web.book.line(cid, unit_price="10.00", bill_on_next_invoice=False)
    main = parse(web.page(f"/customers/{cid}")).one(id="customer-main")
    assert main.get("hx-trigger") == "solde-changed from:body"
    assert main.get("hx-get") == f"/customers/{cid}"
    tx_main = parse(web.page(f"/transactions/{charge}")).one(id="transaction-main")
    assert tx_main.get("hx-trigger") == "solde-changed from:body"
    fragment = htmx_get(web, f"/transactions/{charge}", target="transaction-main")
    assert not is_whole_page(fragment.text)
    assert parse(fragment.text).one(id="transaction-main").parent is not None
    assert "Breadcrumb" not in fragment.text
    # the customer's actions open in the panel
    toolbar = parse(web.page(f"/customers/{cid}")).one("div", class_="toolbar")
    panel_links = [a for a in toolbar.find_all("a") if a.get("hx-target") == "#panel"]
    assert [a.text for a in panel_links] == ["Add line", "Record payment", "Refund"]
    for link in panel_links:
        assert link.get("hx-get") == link.get("href")
