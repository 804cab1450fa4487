"""Invoices and credit notes in the back office: create (typed items and unbilled lines), the
invoice page and the actions its status allows, edit, void, credit notes, proformas, PDFs,
the customer's finance documents, and the settings of numbering and selling companies."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from webclient import Web
from webhtml import (
    after_redirect,
    card,
    errors_shown,
    eur,
    field_error,
    field_value,
    flash,
    form_by_action,
    form_error,
    form_values,
    parse,
    snapshot,
    submit,
)

from solde.billing import usecases as billing
from solde.billing.documents import DocState
from solde.ledger.model import State
from solde.storage.api_keys import Role

CSRF_REFUSED = "This form has expired or did not come from solde. Reload the page and try again."
VIEWER_REFUSED = "Your role (viewer) may look at everything but change nothing."


def invoice(web: Web, cid: int, *prices: str, **values: Any) -> int:
    """An invoice of typed items (one per price) issued today; its id."""
    items = [{"description": f"Item {n}", "unit_price": p} for n, p in enumerate(prices)]
    body = {"items": items, **values}
    return int(web.book.run(billing.create_invoice, cid, body, on=web.book.today()).id)


def document(web: Web, doc_id: int) -> Any:
    with web.container.uow(actor="test", write=False) as uow:
        return billing.get_document(uow, doc_id)


def create(web: Web, cid: int, changes: dict[str, str]) -> Any:
    path = f"/customers/{cid}/invoices/new"
    return submit(web, path, path, changes)


# -- create ---------------------------------------------------------------------------------


def test_an_invoice_of_two_items_and_the_unbilled_lines(web: Web) -> None:
    cid = web.book.customer("Acme SARL")
    web.book.line(cid, label="Monthly plan", unit_price="30.00", tax_rate="20")
    web.book.line(cid, label="Setup", unit_price="10.00")
    form = parse(web.page(f"/customers/{cid}/invoices/new"))
    assert "2 unbilled lines: €40.00 excl. tax, €46.00 incl. tax" in form.text
    assert field_value(form, "date") == web.book.today().isoformat()
    assert form.one(id="f-include_unbilled").has("checked")
    assert [field_value(form, f"items.{n}.description") for n in range(3)] == ["", "", ""]
    response = create(
        web,
        cid,
        {
            "items.0.description": "Router",
            "items.0.unit_price": "1,200.50",
            "items.0.tax_rate": "20",
            "items.1.description": "Cable <b>&",
            "items.1.quantity": "2",
            "items.1.unit_price": "5",
        },
    )
    doc_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = parse(after_redirect(web, response))
    doc = document(web, doc_id)
    assert flash(page) == f"Invoice {doc.number} issued."
    assert page.testid("status").text == "unpaid"
    rows = [[c.text for c in tr.find_all("td")] for tr in page.testid("items").find_all("tr")[1:-1]]
    assert rows[:2] == [
        ["Router", "1", "€1,200.50", "20%", "€1,200.50", "€240.10", "€1,440.60"],
        ["Cable <b>&", "2", "€5.00", "0%", "€10.00", "€0.00", "€10.00"],
    ]
    assert len(rows) == 4  # and the two unbilled lines
    assert page.testid("total").text == eur("1496.60")
    assert page.testid("invoice-balance").text == eur("1496.60")
    assert page.testid("account-balance").text == eur("1496.60")
    customer = parse(web.page(f"/customers/{cid}"))
    assert card(customer)["balance"] == eur("1496.60")
    assert "None." in card(customer)["unbilled"]
    row = customer.by_id(f"doc-{doc_id}")
    assert row.get("data-status") == "unpaid"
    assert row.one("a").text == doc.number


def test_refused_rows_show_their_errors_and_keep_what_was_typed(web: Web) -> None:
    cid = web.book.customer("Typo Ltd")
    before = snapshot(web.container)
    response = create(
        web,
        cid,
        {
            "include_unbilled": "",
            "items.1.description": "Kept description",
            "items.1.unit_price": "1,23",
            "items.2.description": "No price",
            "due_date": (web.book.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    page = parse(response.text)
    errors = errors_shown(page)
    assert errors["items.1.unit_price"].startswith("is not a number")
    assert errors["items.2.unit_price"] == "is required"
    assert errors["due_date"] == "cannot be before the document date"
    assert "items.0.unit_price" not in errors
    assert field_value(page, "items.1.description") == "Kept description"
    assert field_value(page, "items.1.unit_price") == "1,23"
    assert field_value(page, "items.2.description") == "No price"
    assert form_error(page) == "Some fields need attention."
    assert snapshot(web.container) == before
    nothing = create(web, cid, {"include_unbilled": ""})
    assert nothing.status_code == 422
    assert field_error(parse(nothing.text), "items") == (
        "give at least one item, or include the unbilled lines"
    )


def test_more_rows_adds_empty_rows_and_keeps_the_typed_ones(web: Web) -> None:
    cid = web.book.customer("Many Items")
    before = snapshot(web.container)
    response = create(
        web, cid, {"items.2.description": "Third", "items.2.unit_price": "3", "more_rows": "1"}
    )
    assert response.status_code == 200
    page = parse(response.text)
    assert field_value(page, "items.5.description") == ""
    assert page.find(id="f-items.6.description") is None
    assert field_value(page, "items.2.description") == "Third"
    assert errors_shown(page) == {}
    assert snapshot(web.container) == before
    values = form_values(form_by_action(page, f"/customers/{cid}/invoices/new"))
    values.update({"items.5.description": "Sixth", "items.5.unit_price": "6"})
    values.pop("csrf_token")
    made = web.post(f"/customers/{cid}/invoices/new", values)
    assert made.status_code == 303
    doc = document(web, int(made.headers["location"].rsplit("/", 1)[1]))
    assert [i.description for i in doc.items] == ["Third", "Sixth"]


# -- the invoice page and its actions -------------------------------------------------------


def test_a_partly_paid_invoice_offers_what_its_status_allows(web: Web) -> None:
    cid = web.book.customer("Partly")
    doc_id = invoice(web, cid, "100.00")
    payment = web.book.pay(cid, "40.00", invoice_id=doc_id)
    page = parse(web.page(f"/invoices/{doc_id}"))
    assert page.testid("status").text == "partially paid"
    assert page.testid("invoice-balance").text == eur(60)
    links = page.testid("payments")
    assert links.one("a").get("href") == f"/transactions/{payment}"
    assert eur(40) in links.text
    toolbar = page.one(role="toolbar")
    names = [a.text for a in toolbar.find_all("a")] + [b.text for b in toolbar.find_all("button")]
    assert "Void" not in names
    assert {"Edit", "Issue a credit note", "Download PDF", "Mark as sent"} <= set(names)
    assert "has settled amounts" in page.testid("void-refusal").text
    customer = parse(web.page(f"/customers/{cid}"))
    assert customer.by_id(f"doc-{doc_id}").get("data-status") == "partially_paid"
    assert f"/transactions/{payment}" in str(customer.by_id(f"doc-{doc_id}").find_all("a")[1].attrs)


def test_an_edit_saves_what_changed_and_a_refused_one_names_what_may_change(web: Web) -> None:
    cid = web.book.customer("Editable")
    doc_id = invoice(web, cid, "100.00")
    path = f"/invoices/{doc_id}/edit"
    form = parse(web.page(path))
    assert field_value(form, "items.0.unit_price") == "100"
    saved = submit(web, path, path, {"items.0.unit_price": "120", "note": "Thanks"})
    page = parse(after_redirect(web, saved))
    assert page.testid("total").text == eur(120)
    assert document(web, doc_id).note == "Thanks"
    web.book.pay(cid, "20.00", invoice_id=doc_id)
    form = parse(web.page(path))
    assert form.find(id="f-items.0.unit_price") is None
    assert field_value(form, "due_date") == document(web, doc_id).due_date.isoformat()
    before = snapshot(web.container)
    stale = {"items.0.description": "Item 0", "items.0.unit_price": "150", "rows": "3"}
    refused = web.post(path, {**stale, "memo": "typed"})
    assert refused.status_code == 409
    page = parse(refused.text)
    assert form_error(page) == (
        "items can no longer change on this document; it may change: custom_fields, "
        "document_date, due_date, memo, note, number"
    )
    assert field_value(page, "memo") == "typed"
    assert snapshot(web.container) == before


def test_voiding_an_unpaid_invoice_puts_its_lines_back(web: Web) -> None:
    cid = web.book.customer("Voided")
    line = web.book.line(cid, unit_price="25.00")
    doc_id = invoice(web, cid, "10.00", include_unbilled=True)
    assert web.book.transaction(line).state is State.BILLED
    path = f"/invoices/{doc_id}/void"
    response = submit(web, path, path, {"reason": "wrong customer"})
    page = parse(after_redirect(web, response))
    assert page.testid("status").text == "void"
    assert "wrong customer" in page.testid("facts").text
    assert web.book.transaction(line).state is State.UNBILLED
    assert document(web, doc_id).state is DocState.VOID
    again = web.post(path, {"reason": "twice"})
    assert again.status_code == 409
    assert "already void" in (form_error(parse(again.text)) or "")


def test_a_paid_invoice_cannot_be_voided_even_when_asked(web: Web) -> None:
    cid = web.book.customer("Paid")
    doc_id = invoice(web, cid, "10.00")
    web.book.pay(cid, "10.00")
    page = parse(web.page(f"/invoices/{doc_id}/void"))
    assert "has settled amounts" in (form_error(page) or "")
    assert page.find("form", action=f"/invoices/{doc_id}/void") is None
    before = snapshot(web.container)
    refused = web.post(f"/invoices/{doc_id}/void", {"reason": "no"})
    assert refused.status_code == 409
    assert snapshot(web.container) == before


def test_a_credit_note_says_what_is_left_and_refuses_more(web: Web) -> None:
    cid = web.book.customer("Credited")
    doc_id = invoice(web, cid, "100.00")
    path = f"/invoices/{doc_id}/credit-notes/new"
    form = parse(web.page(path))
    assert form.testid("left-to-credit").text == f"Left to credit: {eur(100)}"
    before = snapshot(web.container)
    missing = submit(web, path, path, {"amount": "30"})
    assert missing.status_code == 422
    assert field_error(parse(missing.text), "reason") == "is required"
    both = submit(
        web,
        path,
        path,
        {"amount": "5", "reason": "r", "items.0.description": "x", "items.0.unit_price": "oops"},
    )
    page = parse(both.text)
    assert (
        field_error(
            page,
            "items.0.unit_price",
        )
        is not None
    )
    assert field_value(page, "items.0.unit_price") == "oops"
    too_much = submit(web, path, path, {"amount": "150", "reason": "goodwill"})
    assert too_much.status_code == 409
    assert "only 100.00 EUR" in (form_error(parse(too_much.text)) or "")
    assert field_value(parse(too_much.text), "amount") == "150"
    assert snapshot(web.container) == before
    made = submit(web, path, path, {"amount": "30", "reason": "late delivery"})
    note_id = int(made.headers["location"].rsplit("/", 1)[1])
    note_page = parse(after_redirect(web, made))
    note = document(web, note_id)
    assert flash(note_page) == f"Credit note {note.number} issued."
    assert note_page.testid("credit-of").get("href") == f"/invoices/{doc_id}"
    assert note_page.testid("total").text == eur(30)
    page = parse(web.page(f"/invoices/{doc_id}"))
    assert page.testid("credit-notes").one("a").get("href") == f"/credit-notes/{note_id}"
    assert page.testid("status").text == "partially paid"
    assert page.testid("creditable").text == eur(70)
    assert web.get(f"/invoices/{note_id}").headers["location"] == f"/credit-notes/{note_id}"
    assert web.get(f"/credit-notes/{doc_id}").status_code == 404


def test_a_proforma_is_converted_and_both_link_to_each_other(web: Web) -> None:
    cid = web.book.customer("Prepays")
    proforma = invoice(web, cid, "50.00", type="proforma")
    page = parse(web.page(f"/invoices/{proforma}"))
    assert "Convert to invoice" in page.one(role="toolbar").text
    assert card(parse(web.page(f"/customers/{cid}")))["balance"] == eur(0)
    path = f"/invoices/{proforma}/convert"
    response = submit(web, path, path)
    made = int(response.headers["location"].rsplit("/", 1)[1])
    page = parse(after_redirect(web, response))
    assert page.testid("converted").one("a").get("href") == f"/invoices/{proforma}"
    assert parse(web.page(f"/invoices/{proforma}")).testid("status").text == "converted"
    assert card(parse(web.page(f"/customers/{cid}")))["balance"] == eur(50)
    assert made != proforma


def test_mark_as_sent_and_the_pdfs(web: Web) -> None:
    cid = web.book.customer("Sent")
    doc_id = invoice(web, cid, "10.00")
    response = web.post(f"/invoices/{doc_id}/sent")
    page = parse(after_redirect(web, response))
    assert "marked as sent" in (flash(page) or "")
    assert document(web, doc_id).sent_at is not None
    assert "Mark as sent" not in page.one(role="toolbar").text
    pdf = web.get(f"/invoices/{doc_id}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert (
        f'filename="invoice-{document(web, doc_id).number}.pdf"'
        in (pdf.headers["content-disposition"])
    )
    assert web.get(f"/credit-notes/{doc_id}/pdf").status_code == 404
    assert web.get("/invoices/999999/pdf").status_code == 404


def test_cancel_last_recurring_invoice(web: Web) -> None:
    cid = web.book.customer("Subscriber")
    assert "Cancel last recurring invoice" not in parse(web.page(f"/customers/{cid}")).text
    doc_id = invoice(
        web,
        cid,
        "30.00",
        type="recurring",
        period_start="2026-01-01",
        period_end="2026-01-31",
    )
    page = parse(web.page(f"/customers/{cid}"))
    assert "Cancel last recurring invoice" in page.one(role="toolbar").text
    path = f"/customers/{cid}/invoices/cancel-recurring"
    response = submit(web, path, path, {"reason": "billed twice"})
    assert response.status_code == 303
    assert document(web, doc_id).state is DocState.VOID
    refused = submit(web, path, path)
    assert refused.status_code == 409


# -- who may do what ------------------------------------------------------------------------


def test_a_viewer_sees_the_pages_but_no_form(web: Web) -> None:
    cid = web.book.customer("Looked At")
    doc_id = invoice(web, cid, "10.00")
    viewer = web.as_role(Role.VIEWER)
    page = parse(viewer.page(f"/invoices/{doc_id}"))
    assert [a.text for a in page.one(role="toolbar").find_all("a")] == ["Download PDF"]
    assert page.find("form", action=f"/invoices/{doc_id}/sent") is None
    listing = parse(viewer.page("/invoices"))
    assert listing.find("input", type="checkbox") is None
    assert "Create invoice" not in viewer.page(f"/customers/{cid}")
    for path in (
        f"/customers/{cid}/invoices/new",
        f"/invoices/{doc_id}/edit",
        f"/invoices/{doc_id}/void",
        f"/invoices/{doc_id}/credit-notes/new",
    ):
        assert VIEWER_REFUSED in viewer.page(path, status=403)
    bodies = posts(web, cid, doc_id)
    before = snapshot(web.container)
    for path, body in bodies:
        response = viewer.post(path, body)
        assert response.status_code == 403, path
        assert VIEWER_REFUSED in response.text
    assert snapshot(web.container) == before


def posts(web: Web, cid: int, doc_id: int) -> list[tuple[str, dict[str, str]]]:
    """Every POST of invoices and credit notes, with a body it accepts."""
    proforma = invoice(web, cid, "5.00", type="proforma")
    other = invoice(web, cid, "7.00")
    return [
        (f"/customers/{cid}/invoices/new", {"items.0.description": "A", "items.0.unit_price": "1"}),
        (f"/invoices/{doc_id}/edit", {"note": "edited"}),
        (f"/invoices/{doc_id}/credit-notes/new", {"amount": "1", "reason": "r"}),
        ("/invoices/bulk", {"action": "mark_sent", f"select.{doc_id}": "1"}),
        (f"/invoices/{proforma}/sent", {}),
        (f"/invoices/{proforma}/convert", {}),
        ("/invoice-groups", {"name": "Q1"}),
        (f"/invoices/{other}/void", {"reason": "r"}),
        (f"/customers/{cid}/invoices/cancel-recurring", {}),
    ]


def test_every_post_needs_the_session_token(web: Web) -> None:
    cid = web.book.customer("Tokens")
    doc_id = invoice(web, cid, "10.00")
    web.book.run(
        billing.create_invoice,
        cid,
        {"type": "recurring", "items": [{"description": "Plan", "unit_price": "3"}]},
        on=web.book.today(),
    )
    for path, body in posts(web, cid, doc_id):
        before = snapshot(web.container)
        for token in ("", "wrong"):
            for htmx in (False, True):
                response = web.post(path, body, csrf=token, htmx=htmx)
                assert response.status_code == 403, (path, token)
                assert CSRF_REFUSED in response.text
        assert snapshot(web.container) == before, path
        worked = web.post(path, body)
        assert worked.status_code in (200, 303), (path, worked.text[:2000])
        assert snapshot(web.container) != before, path


def test_names_and_descriptions_are_shown_as_text(web: Web) -> None:
    cid = web.book.customer("<script>alert(1)</script>")
    doc_id = web.book.run(
        billing.create_invoice,
        cid,
        {"items": [{"description": "<b>&", "unit_price": "1"}], "note": "<i>note</i>"},
        on=web.book.today(),
    ).id
    for path in (f"/invoices/{doc_id}", "/invoices", f"/customers/{cid}"):
        html = web.page(path)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = web.page(f"/invoices/{doc_id}")
    assert "&lt;b&gt;&amp;" in html
    assert "<b>&" not in html
    assert "&lt;i&gt;note&lt;/i&gt;" in html


# -- settings: numbering and selling companies ----------------------------------------------


def test_numbering_and_partner_details_are_saved_by_an_admin(web: Web) -> None:
    form = parse(web.page("/settings"))
    assert field_value(form, "numbering.invoice") == "{year}{partner_id|2}{next|6}"
    response = submit(
        web,
        "/settings",
        "/settings",
        {
            "numbering.invoice": "INV-{year}-{next|4}",
            "partners.1.name": "Solde SAS",
            "partners.1.tax_id": "FR123",
            "partners.new.id": "2",
            "partners.new.name": "Second SARL",
        },
    )
    after_redirect(web, response)
    with web.container.uow(actor="test", write=False) as uow:
        settings = uow.settings.get()
    assert settings.numbering["invoice"] == "INV-{year}-{next|4}"
    assert (settings.partner(1).name, settings.partner(1).tax_id) == ("Solde SAS", "FR123")
    assert settings.partner(2).name == "Second SARL"
    cid = web.book.customer("Numbered")
    doc = document(web, invoice(web, cid, "1"))
    assert doc.number == f"INV-{web.book.today().year}-0001"
    before = snapshot(web.container)
    bad = submit(
        web,
        "/settings",
        "/settings",
        {"numbering.proforma": "PF-{nope}", "partners.2.email": "x" * 300},
    )
    assert bad.status_code == 422
    page = parse(bad.text)
    assert field_error(page, "numbering.proforma") is not None
    assert field_error(page, "partners.2.email") is not None
    assert field_value(page, "numbering.proforma") == "PF-{nope}"
    assert snapshot(web.container) == before


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_a_logo_upload_becomes_a_data_uri(web: Web) -> None:
    def upload(client: Web, content: bytes, token: str | None = None) -> Any:
        return client.client.post(
            "/settings/partners/1/logo",
            data={"csrf_token": client.csrf if token is None else token},
            files={"logo": ("logo.png", content, "image/png")},
            follow_redirects=False,
        )

    billing_user = web.as_role(Role.BILLING)
    before = snapshot(web.container)
    assert upload(web, PNG, token="wrong").status_code == 403
    assert upload(billing_user, PNG).status_code == 403
    refused = upload(web, b"GIF89a not a png")
    assert refused.status_code == 422
    assert field_error(parse(refused.text), "logo.1") == "must be a PNG or JPEG image"
    assert snapshot(web.container) == before
    assert upload(web, PNG).status_code == 303
    with web.container.uow(actor="test", write=False) as uow:
        logo = uow.settings.get().partner(1).logo
    assert logo == "data:image/png;base64," + base64.b64encode(PNG).decode()
    page = parse(web.page("/settings"))
    assert page.testid("logo-1").get("src") == logo
