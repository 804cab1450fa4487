"""What users type is shown as text, never run as markup: names, labels, references, search
terms, messages; and every answer carries the security headers."""

from __future__ import annotations

from webclient import Web
from webhtml import Node, field_value, flash, parse, submit

NAME = "<script>alert(1)</script>"
LABEL = "<b>&\"'"
REFERENCE = '"><img src=x onerror=alert(2)>'


def assert_inert(html: str, where: str) -> Node:
    """Nothing typed became an element; the page is returned parsed."""
    for raw in (NAME, LABEL, REFERENCE, "<img src=x"):
        assert raw not in html, (where, raw)
    doc = parse(html)
    scripts = [n for n in doc.find_all("script") if "alert" in n.raw_text or not n.get("src")]
    assert not scripts, where
    assert not doc.find_all("b"), where
    assert not doc.find_all("img"), where
    assert not [n for n in doc.iter() if any(a.startswith("on") for a in n.attrs)], where
    return doc


def test_names_and_labels_are_shown_as_text_everywhere(web: Web) -> None:
    response = submit(
        web, "/customers/new", "/customers/new", {"name": NAME, "external_ref": REFERENCE}
    )
    assert response.status_code == 303
    cid = int(response.headers["location"].rsplit("/", 1)[1])
    doc = assert_inert(web.page(response.headers["location"]), "flash")
    assert flash(doc) == f"Customer {NAME} created."
    line = web.book.line(cid, label=LABEL, reference=REFERENCE, bill_on_next_invoice=True)
    charge = web.book.line(cid, label=LABEL, unit_price="50.00", bill_on_next_invoice=False)
    payment = web.book.pay(cid, "20.00", reference=REFERENCE)
    pending = web.book.pay(cid, "5.00", status="pending", label=LABEL)
    shown_name = [
        "/customers",
        f"/customers?q={NAME}",
        f"/customers/{cid}",
        f"/customers/{cid}/edit",
        f"/customers/{cid}/transactions",
        f"/customers/{cid}/lines/new",
        f"/customers/{cid}/payments/new",
        f"/customers/{cid}/allocations/new",
        f"/transactions/{line}",
        f"/transactions/{line}/edit",
        f"/transactions/{line}/cancel",
        f"/transactions/{charge}",
        f"/transactions/{charge}/reverse",
        f"/payments/{payment}/chargeback",
        f"/payments/{pending}/confirm",
        f"/payments/{pending}/fail",
    ]
    for path in shown_name:
        doc = assert_inert(web.page(path), path)
        assert NAME in doc.text, path
    for path in (f"/customers/{cid}", f"/transactions/{line}", f"/transactions/{line}/cancel"):
        assert LABEL in parse(web.page(path)).text, path
    edit = parse(web.page(f"/customers/{cid}/edit"))
    assert field_value(edit, "name") == NAME
    assert field_value(edit, "external_ref") == REFERENCE
    line_form = parse(web.page(f"/transactions/{line}/edit"))
    assert field_value(line_form, "label") == LABEL
    assert field_value(line_form, "reference") == REFERENCE
    search = parse(web.page(f"/customers?q={NAME}"))
    assert field_value(search, "q") == NAME


def test_refused_forms_and_messages_escape_what_was_typed(web: Web) -> None:
    cid = web.book.customer(NAME)
    refused = submit(web, "/customers/new", "/customers/new", {"name": NAME, "email": LABEL})
    assert refused.status_code == 422
    doc = assert_inert(refused.text, "refused customer")
    assert field_value(doc, "email") == LABEL
    assert f"{LABEL!r} is not an e-mail address" in doc.text
    listed = web.get(f"/customers?currency={LABEL}")
    assert listed.status_code == 200
    assert_inert(listed.text, "currency filter")
    as_of = web.get(f"/customers/{cid}?as_of={NAME}")
    assert as_of.status_code == 200
    assert_inert(as_of.text, "as of")
    line = web.post(
        f"/customers/{cid}/lines/new",
        {"line_type": "debit:charge", "label": LABEL, "unit_price": "1"},
        htmx=True,
    )
    assert line.status_code == 200
    assert_inert(line.text, "htmx flash")
    assert flash(parse(line.text)) == f"Line added to the next invoice: {LABEL}."
    # a flash cookie is text too, whoever wrote it
    web.client.cookies.set("solde_flash", "%3Cscript%3Ealert(3)%3C%2Fscript%3E")
    page = web.page("/customers")
    assert "<script>alert(3)" not in page
    assert flash(parse(page)) == "<script>alert(3)</script>"


def test_every_answer_carries_the_security_headers(web: Web) -> None:
    cid = web.book.customer("Headers")
    guest = web.anonymous()
    answers = [
        web.get("/"),
        web.get(f"/customers/{cid}"),
        web.get("/customers/999999"),
        web.client.get(
            "/customers", headers={"HX-Request": "true", "HX-Target": "customer-results"}
        ),
        web.post("/settings", csrf="wrong"),
        guest.get("/login"),
        guest.get("/customers"),
        web.get("/static/solde.css"),
        web.get("/no/such/page"),
    ]
    for response in answers:
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, response.url
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    # pages load scripts from this server only, and no inline script runs
    doc = parse(web.page("/"))
    for script in doc.find_all("script"):
        assert script.get("src").startswith("/static/")
        assert script.raw_text.strip() == ""
    assert not [n for n in doc.iter() if n.has("style")]
