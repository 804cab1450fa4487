"""Every form that changes something: refused without the session's CSRF token, refused to the
roles that may not use it, and nothing changed when refused; accepted otherwise."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.routing import Route
from starlette.testclient import TestClient
from webclient import PASSWORD, Web
from webhtml import form_by_action, form_values, parse, snapshot

from solde import runs
from solde.billing import subscriptions
from solde.billing import usecases as billing
from solde.storage.api_keys import Role

CSRF_REFUSED = "This form has expired or did not come from solde. Reload the page and try again."
VIEWER_REFUSED = "Your role (viewer) may look at everything but change nothing."
ADMIN_ONLY = "Only an administrator may change settings."
#: A customers file as the Import page keeps it after a check (base64).
IMPORT_FILE = base64.b64encode(b"external_ref;name\nIMP-1;Imported Ltd\n").decode("ascii")


@dataclass
class Story:
    """A customer that settles by hand, with one of each thing a form acts on."""

    customer: int
    line: int
    charge: int
    payment: int
    pending: int
    pending_too: int
    invoice: int
    proforma: int
    recurring: int
    to_void: int
    service: int
    to_confirm: int
    to_discard: int
    with_parked: int


def _issue(web: Web, cid: int, kind: str) -> int:
    body = {"type": kind, "items": [{"description": "Plan", "unit_price": "8.00"}]}
    return int(web.book.run(billing.create_invoice, cid, body, on=web.book.today()).id)


def story(web: Web) -> Story:
    book = web.book
    cid = book.customer("Roles & Co", currency="EUR", billing={"auto_settlement": False})
    return Story(
        customer=cid,
        line=book.line(cid, label="Unbilled", bill_on_next_invoice=True),
        charge=book.line(cid, label="Posted", unit_price="100.00", bill_on_next_invoice=False),
        payment=book.pay(cid, "30.00"),
        pending=book.pay(cid, "20.00", status="pending"),
        pending_too=book.pay(cid, "15.00", status="pending"),
        invoice=_issue(web, cid, "one_time"),
        proforma=_issue(web, cid, "proforma"),
        recurring=_issue(web, cid, "recurring"),
        to_void=_issue(web, cid, "one_time"),
        service=_service(web, cid, "20"),
        to_confirm=_run(web, "2026-04-15", "Confirmed Co", "40", preview=True),
        to_discard=_run(web, "2026-04-20", "Discarded Co", "50", preview=True),
        with_parked=_run(web, "2026-04-25", "Parked Co", "999999999", quantity="999999999"),
    )


def _service(web: Web, cid: int, price: str, **values: str) -> int:
    body = {"description": "Fibre", "unit_price": price, "start_date": "2026-04-01", **values}
    return int(web.book.run(subscriptions.add_service, cid, body, on=web.book.today()).id)


def _run(web: Web, day: str, name: str, price: str, preview: bool = False, **values: str) -> int:
    """A run of `day` for one new customer billed on that day of the month (no other is): a
    preview drafts its invoice; a run parks it when its price is too large to invoice."""
    cid = web.book.customer(name, currency="EUR", billing={"billing_day": int(day[-2:])})
    _service(web, cid, price, start_date=day, **values)
    body = {"date": day, "preview": preview}
    run = runs.run_billing(web.container, body, actor="test", on=web.book.today())
    _run, progress = runs.progress_of(web.container, run.id)
    outcome = "drafted" if preview else "parked"
    assert {k: n for k, n in progress.counts.items() if n} == {outcome: 1}, progress
    return run.id


@dataclass(frozen=True)
class Action:
    """A POST route, who may use it, and a body that it accepts."""

    route: str  # the route's path as declared
    who: str  # "anyone", "writer" or "admin"
    path: Callable[[Story], str]
    body: Callable[[Web, Story], dict[str, str]]


def shown_form(web: Web, page: str, action: str) -> dict[str, str]:
    values = form_values(form_by_action(parse(web.page(page)), action))
    values.pop("csrf_token", None)
    return values


def edit_body(web: Web, s: Story) -> dict[str, str]:
    path = f"/customers/{s.customer}/edit"
    return {**shown_form(web, path, path), "email": "billing@roles.example"}


def settings_body(web: Web, s: Story) -> dict[str, str]:
    return {**shown_form(web, "/settings", "/settings"), "default_locale": "en_GB"}


NEW_PASSWORD = "another long password"

#: In the order their bodies succeed one after the other on the same story.
ACTIONS = (
    Action(
        "/customers/new",
        "writer",
        lambda s: "/customers/new",
        lambda w, s: {"name": "Created Co", "currency": "EUR"},
    ),
    Action(
        "/customers/{customer_id}/edit",
        "writer",
        lambda s: f"/customers/{s.customer}/edit",
        edit_body,
    ),
    Action(
        "/customers/{customer_id}/lines/new",
        "writer",
        lambda s: f"/customers/{s.customer}/lines/new",
        lambda w, s: {
            "line_type": "debit:charge",
            "label": "Extra",
            "unit_price": "5",
            "mode": "post",
        },
    ),
    Action(
        "/transactions/{transaction_id}/edit",
        "writer",
        lambda s: f"/transactions/{s.line}/edit",
        lambda w, s: {"type": "charge", "label": "Renamed", "unit_price": "12"},
    ),
    Action(
        "/customers/{customer_id}/payments/new",
        "writer",
        lambda s: f"/customers/{s.customer}/payments/new",
        lambda w, s: {"direction": "payment", "amount": "5", "status": "confirmed"},
    ),
    Action(
        "/payments/{payment_id}/{answer}",
        "writer",
        lambda s: f"/payments/{s.pending}/confirm",
        lambda w, s: {},
    ),
    Action(
        "/payments/{payment_id}/{answer}",
        "writer",
        lambda s: f"/payments/{s.pending_too}/fail",
        lambda w, s: {"fee": "2", "reason": "insufficient funds"},
    ),
    Action(
        "/customers/{customer_id}/allocations/new",
        "writer",
        lambda s: f"/customers/{s.customer}/allocations/new",
        lambda w, s: {"credit_id": str(s.payment), "debit_id": str(s.charge), "amount": "5"},
    ),
    Action(
        "/customers/{customer_id}/settle",
        "writer",
        lambda s: f"/customers/{s.customer}/settle",
        lambda w, s: {},
    ),
    Action(
        "/payments/{payment_id}/{answer}",
        "writer",
        lambda s: f"/payments/{s.payment}/chargeback",
        lambda w, s: {"amount": "10"},
    ),
    Action(
        "/transactions/{transaction_id}/reverse",
        "writer",
        lambda s: f"/transactions/{s.charge}/reverse",
        lambda w, s: {"reason": "entered twice"},
    ),
    Action(
        "/transactions/{transaction_id}/cancel",
        "writer",
        lambda s: f"/transactions/{s.line}/cancel",
        lambda w, s: {"reason": "not due"},
    ),
    Action(
        "/customers/{customer_id}/invoices/new",
        "writer",
        lambda s: f"/customers/{s.customer}/invoices/new",
        lambda w, s: {"items.0.description": "Setup", "items.0.unit_price": "3"},
    ),
    Action(
        "/invoices/{invoice_id}/edit",
        "writer",
        lambda s: f"/invoices/{s.invoice}/edit",
        lambda w, s: {"note": "Edited"},
    ),
    Action(
        "/invoices/bulk",
        "writer",
        lambda s: "/invoices/bulk",
        lambda w, s: {"action": "mark_sent", f"select.{s.invoice}": "1"},
    ),
    Action(
        "/invoices/{invoice_id}/sent",
        "writer",
        lambda s: f"/invoices/{s.proforma}/sent",
        lambda w, s: {},
    ),
    Action(
        "/invoices/{invoice_id}/convert",
        "writer",
        lambda s: f"/invoices/{s.proforma}/convert",
        lambda w, s: {},
    ),
    Action(
        "/invoices/{invoice_id}/credit-notes/new",
        "writer",
        lambda s: f"/invoices/{s.invoice}/credit-notes/new",
        lambda w, s: {"amount": "2", "reason": "goodwill"},
    ),
    Action("/invoice-groups", "writer", lambda s: "/invoice-groups", lambda w, s: {"name": "Q1"}),
    Action(
        "/customers/{customer_id}/invoices/cancel-recurring",
        "writer",
        lambda s: f"/customers/{s.customer}/invoices/cancel-recurring",
        lambda w, s: {"reason": "billed twice"},
    ),
    Action(
        "/invoices/{invoice_id}/void",
        "writer",
        lambda s: f"/invoices/{s.to_void}/void",
        lambda w, s: {"reason": "not needed"},
    ),
    Action(
        "/customers/{customer_id}/services/new",
        "writer",
        lambda s: f"/customers/{s.customer}/services/new",
        lambda w, s: {"description": "Fibre", "unit_price": "30", "start_date": "2026-04-01"},
    ),
    Action(
        "/services/{service_id}/edit",
        "writer",
        lambda s: f"/services/{s.service}/edit",
        lambda w, s: {"unit_price": "35"},
    ),
    Action(
        "/services/{service_id}/end",
        "writer",
        lambda s: f"/services/{s.service}/end",
        lambda w, s: {"end_date": "2026-12-31"},
    ),
    Action(
        "/billing-runs",
        "writer",
        lambda s: "/billing-runs",
        lambda w, s: {"date": "2026-04-01", "preview": "on"},
    ),
    Action(
        "/billing-runs/{run_id}/confirm",
        "writer",
        lambda s: f"/billing-runs/{s.to_confirm}/confirm",
        lambda w, s: {},
    ),
    Action(
        "/billing-runs/{run_id}/discard",
        "writer",
        lambda s: f"/billing-runs/{s.to_discard}/discard",
        lambda w, s: {},
    ),
    Action(
        "/billing-runs/{run_id}/retry",
        "writer",
        lambda s: f"/billing-runs/{s.with_parked}/retry",
        lambda w, s: {},
    ),
    Action(
        "/customers/{customer_id}/next-block-date",
        "writer",
        lambda s: f"/customers/{s.customer}/next-block-date",
        lambda w, s: {"date": str(w.book.today() + timedelta(days=5)), "reason": "promised"},
    ),
    Action(
        "/customers/{customer_id}/next-block-date/withdraw",
        "writer",
        lambda s: f"/customers/{s.customer}/next-block-date/withdraw",
        lambda w, s: {},
    ),
    Action("/settings", "admin", lambda s: "/settings", settings_body),
    Action(
        "/imports",
        "writer",
        lambda s: "/imports",
        lambda w, s: {"kind": "customers", "content": IMPORT_FILE},
    ),
    Action(
        "/settings/partners/{partner_id}/logo",
        "admin",
        lambda s: "/settings/partners/1/logo",
        lambda w, s: {"remove": "1"},
    ),
    Action(
        "/account/locale", "anyone", lambda s: "/account/locale", lambda w, s: {"locale": "fr_FR"}
    ),
    Action("/logout", "anyone", lambda s: "/logout", lambda w, s: {}),
    Action(
        "/account/password",
        "anyone",
        lambda s: "/account/password",
        lambda w, s: {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    ),
)


def post_routes(web: Web) -> set[str]:
    app: Any = web.client.app

    def walk(routes: list[Any]) -> set[str]:
        found: set[str] = set()
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                found |= walk(inner.routes)
            elif isinstance(route, Route) and "POST" in (route.methods or ()):
                found.add(route.path)
        return found

    return walk(app.web.routes)


def another_admin(web: Web, email: str) -> Web:
    other = Web(TestClient(web.client.app, raise_server_exceptions=False), web.container)
    return other.sign_in(Role.ADMIN, email=email)


def test_every_post_route_is_in_the_table(web: Web) -> None:
    assert post_routes(web) == {a.route for a in ACTIONS} | {"/login"}


def test_a_missing_or_wrong_token_changes_nothing_then_the_right_one_works(web: Web) -> None:
    s = story(web)
    viewer = web.as_role(Role.VIEWER)
    for action in ACTIONS:
        actor = another_admin(web, "second@example.com") if action.route == "/logout" else web
        path, body = action.path(s), action.body(actor, s)
        before = snapshot(web.container)
        for token in ("", "wrong", actor.csrf[:-1], viewer.csrf):
            for htmx in (False, True):
                response = actor.post(path, body, csrf=token, htmx=htmx)
                assert response.status_code == 403, (path, token, htmx, response.text[:500])
                assert CSRF_REFUSED in response.text
                assert ("<html" in response.text) is not htmx
        headers = {"X-CSRF-Token": "wrong", "HX-Request": "true"}
        response = actor.client.post(path, data=body, headers=headers, follow_redirects=False)
        assert response.status_code == 403, path
        assert snapshot(web.container) == before, path
        assert actor.get("/account").status_code == 200, path
        worked = actor.post(path, body)
        assert worked.status_code == 303, (path, worked.text[:3000])
        if action.route == "/logout":
            assert actor.get("/").status_code == 303
        else:
            assert snapshot(web.container) != before, path
    # the new password is the one that works now
    assert web.get("/").status_code == 303
    assert web.container.users.by_email(web.email) is not None
    again = web.anonymous()
    page = again.client.get("/login")
    token = page.text.split('name="login_token" value="', 1)[1].split('"', 1)[0]
    signed = again.client.post(
        "/login",
        data={"email": web.email, "password": NEW_PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303


def test_the_htmx_header_token_is_accepted(web: Web) -> None:
    cid = web.book.customer("Header Ltd")
    response = web.client.post(
        f"/customers/{cid}/lines/new",
        data={"line_type": "debit:charge", "label": "By htmx", "unit_price": "3", "mode": "post"},
        headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "solde-changed"


def test_a_viewer_may_not_change_anything(web: Web) -> None:
    s = story(web)
    viewer = web.as_role(Role.VIEWER)
    bodies = [(a, a.path(s), a.body(web, s)) for a in ACTIONS if a.who != "anyone"]
    before = snapshot(web.container)
    for action, path, body in bodies:
        for htmx in (False, True):
            response = viewer.post(path, body, htmx=htmx)
            assert response.status_code == 403, (path, response.text[:500])
            expected = ADMIN_ONLY if action.who == "admin" else VIEWER_REFUSED
            assert expected in response.text, path
    assert snapshot(web.container) == before
    # their own preferences are theirs to change
    assert viewer.post("/account/locale", {"locale": "de_DE"}).status_code == 303
    user = web.container.users.by_email(viewer.email)
    assert user is not None
    assert user.locale == "de_DE"


def test_a_billing_user_changes_finance_data_but_not_settings(web: Web) -> None:
    s = story(web)
    billing = web.as_role(Role.BILLING)
    body = settings_body(web, s)
    before = snapshot(web.container)
    response = billing.post("/settings", body)
    assert response.status_code == 403
    assert ADMIN_ONLY in response.text
    assert snapshot(web.container) == before
    doc = parse(billing.page("/settings"))
    assert doc.find_all("fieldset")
    assert all(f.has("disabled") for f in doc.find_all("fieldset"))
    assert "Save settings" not in doc.text
    for action in ACTIONS[:12]:
        response = billing.post(action.path(s), action.body(billing, s))
        assert response.status_code == 303, (action.path(s), response.text[:2000])
    assert snapshot(web.container) != before


def test_a_new_role_applies_to_open_sessions(web: Web) -> None:
    cid = web.book.customer("Promoted")
    viewer = web.as_role(Role.VIEWER)
    body = {"line_type": "debit:charge", "label": "Now allowed", "unit_price": "1", "mode": "post"}
    assert viewer.post(f"/customers/{cid}/lines/new", body).status_code == 403
    web.container.users.set_role(viewer.email, Role.BILLING)
    assert viewer.post(f"/customers/{cid}/lines/new", body).status_code == 303
    assert "Add line" in viewer.page(f"/customers/{cid}")


def test_a_viewer_sees_every_page_without_actions(web: Web) -> None:
    s = story(web)
    viewer = web.as_role(Role.VIEWER)
    pages = [
        "/",
        "/customers",
        f"/customers/{s.customer}",
        f"/customers/{s.customer}/transactions",
        f"/transactions/{s.line}",
        f"/transactions/{s.charge}",
        f"/transactions/{s.payment}",
        f"/transactions/{s.pending}",
        "/settings",
    ]
    for path in pages:
        doc = parse(viewer.page(path))
        actions = [f.get("action") for f in doc.find_all("form") if f.get("method") == "post"]
        expected = ["/logout", "/settings"] if path == "/settings" else ["/logout"]
        assert actions == expected, (path, actions)
        links = {a.get("href").split("?")[0] for a in doc.find_all("a")}
        forbidden = {
            "/customers/new",
            f"/customers/{s.customer}/edit",
            f"/customers/{s.customer}/lines/new",
            f"/customers/{s.customer}/payments/new",
            f"/customers/{s.customer}/allocations/new",
            f"/transactions/{s.line}/edit",
            f"/transactions/{s.line}/cancel",
            f"/transactions/{s.charge}/reverse",
            f"/payments/{s.payment}/chargeback",
            f"/payments/{s.pending}/confirm",
            f"/payments/{s.pending}/fail",
        }
        assert not links & forbidden, (path, links & forbidden)
        for word in ("Add line", "Record payment", "Settle now", "New customer", "Reverse"):
            assert word not in doc.text, (path, word)
        assert not [n.tag for n in doc.iter() if n.has("hx-post")], path
    settings = parse(viewer.page("/settings"))
    fieldsets = settings.find_all("fieldset")
    assert fieldsets
    assert all(f.has("disabled") for f in fieldsets)
    form = form_by_action(settings, "/settings")
    assert set(form_values(form)) == {"csrf_token"}  # every field is disabled
    assert not form.find_all("button")
    assert "Only an administrator may change the settings." in settings.text
    # the same pages show the actions to an admin
    admin = parse(web.page(f"/customers/{s.customer}"))
    assert "Add line" in admin.text
    assert admin.find("a", href=f"/customers/{s.customer}/edit") is not None
