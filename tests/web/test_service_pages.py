"""A customer's services in the back office: the Services section of the customer page, adding,
editing and ending a service (unused days given back as an unbilled credit line), the
"Bill the services" box of a recurring invoice, roles, and malformed input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from webclient import Web, row_count
from webhtml import (
    after_redirect,
    errors_shown,
    eur,
    field_error,
    field_value,
    flash,
    form_error,
    htmx_get,
    is_whole_page,
    parse,
    row,
    snapshot,
    submit,
    us_date,
)

from solde.billing import subscriptions
from solde.billing import usecases as billing
from solde.billing.services import Service
from solde.storage import tables
from solde.storage.api_keys import Role

CSRF_REFUSED = "This form has expired or did not come from solde. Reload the page and try again."
VIEWER_REFUSED = "Your role (viewer) may look at everything but change nothing."
#: Customers bill on the 1st (the default billing day), monthly, in advance.
APRIL = "2026-04-01"


def service(web: Web, cid: int, **values: Any) -> int:
    """A service added through the use case; its id."""
    body = {"description": "Fibre", "unit_price": "30.00", "start_date": APRIL, **values}
    return int(web.book.run(subscriptions.add_service, cid, body, on=web.book.today()).id)


def stored(web: Web, service_id: int) -> Service:
    with web.container.uow(actor="test", write=False) as uow:
        return subscriptions.get_service(uow, service_id)


def recurring(web: Web, cid: int, day: str = APRIL) -> Any:
    """A recurring invoice dated `day`, billing the services as a run would."""
    body = {"type": "recurring", "date": day}
    return web.book.run(billing.create_invoice, cid, body, on=web.book.today())


def services_table(doc: Any) -> dict[int, dict[str, str]]:
    """The Services section of a customer page: each row by service id, by column."""
    columns = ("description", "quantity", "unit_price", "tax_rate", "start", "end", "billed")
    found = {}
    for tr in doc.by_id("section-services").find_all("tr"):
        if not tr.get("id").startswith("service-"):
            continue
        cells = [c.text for c in tr.find_all("td")]
        values = dict(zip(columns, cells, strict=False))
        values["status"] = cells[7]
        values["actions"] = " ".join(a.text for a in tr.find_all("a"))
        found[int(tr.get("id").removeprefix("service-"))] = values
    return found


# -- add ------------------------------------------------------------------------------------


def test_a_service_added_on_the_customer_page_is_listed_with_its_status(web: Web) -> None:
    cid = web.book.customer("Ada Lovelace")
    page = parse(web.page(f"/customers/{cid}"))
    section = page.by_id("section-services")
    assert "No service" in section.text
    add = section.one("a", href=f"/customers/{cid}/services/new?next=/customers/{cid}")
    assert add.text == "Add service"
    assert add.get("hx-target") == "#panel"
    form = parse(web.page(add.get("href")))
    today = web.book.today()
    assert form.one("h1").text == "Add a service"
    assert (field_value(form, "quantity"), field_value(form, "tax_rate")) == ("1", "0")
    assert field_value(form, "start_date") == today.isoformat()
    response = submit(
        web,
        add.get("href"),
        f"/customers/{cid}/services/new",
        {"description": "Fibre 1G", "unit_price": "1,234.5", "tax_rate": "20", "start_date": APRIL},
    )
    assert response.headers["location"] == f"/customers/{cid}"
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Service Fibre 1G added."
    [(sid, shown)] = services_table(doc).items()
    assert shown == {
        "description": "Fibre 1G",
        "quantity": "1",
        "unit_price": eur("1234.50"),
        "tax_rate": "20%",
        "start": "Apr 1, 2026",
        "end": "",
        "billed": "Not yet",
        "status": "Active",
        "actions": "Edit End",
    }
    kept = stored(web, sid)
    assert (str(kept.unit_price), str(kept.quantity), str(kept.tax_rate)) == ("1234.5", "1", "20")
    assert kept.end_date is None


def test_scheduled_and_ended_services(web: Web) -> None:
    cid = web.book.customer("Statuses")
    today = web.book.today()
    later = service(web, cid, description="Later", start_date=str(today + timedelta(days=3)))
    over = service(web, cid, description="Over", end_date=str(today - timedelta(days=1)))
    running = service(web, cid, description="Running", end_date=today.isoformat())
    shown = services_table(parse(web.page(f"/customers/{cid}")))
    assert {sid: (r["status"], r["actions"]) for sid, r in shown.items()} == {
        later: ("Scheduled", "Edit End"),
        over: ("Ended", "Edit"),  # over: nothing left to end
        running: ("Active", "Edit End"),  # its last day is today
    }
    assert shown[over]["end"] == us_date(today - timedelta(days=1))


def test_a_refused_service_keeps_what_was_typed_and_adds_nothing(web: Web) -> None:
    cid = web.book.customer("Refused")
    before = snapshot(web.container)
    response = web.post(
        f"/customers/{cid}/services/new",
        {
            "description": "",
            "unit_price": "12,5",  # en_US: a comma groups thousands, so this is misread
            "quantity": "0",
            "start_date": "2026-04-10",
            "end_date": "2026-04-01",
        },
    )
    assert response.status_code == 422
    doc = parse(response.text)
    assert set(errors_shown(doc)) == {"description", "unit_price", "quantity", "end_date"}
    assert field_error(doc, "end_date") == "cannot be before start_date"
    assert field_value(doc, "unit_price") == "12,5"
    assert field_value(doc, "start_date") == "2026-04-10"
    assert snapshot(web.container) == before
    # and from the panel, the refused form comes back in the panel
    panel = web.post(f"/customers/{cid}/services/new", {"description": "X"}, htmx=True)
    assert panel.status_code == 422
    assert not is_whole_page(panel.text)
    assert field_error(parse(panel.text), "unit_price") == "is required"
    assert snapshot(web.container) == before


def test_the_service_forms_open_in_the_panel(web: Web) -> None:
    cid = web.book.customer("Panel")
    sid = service(web, cid)
    back = f"?next=/customers/{cid}"
    forms = {
        f"/customers/{cid}/services/new{back}": f"/customers/{cid}/services/new",
        f"/services/{sid}/edit{back}": f"/services/{sid}/edit",
        f"/services/{sid}/end{back}": f"/services/{sid}/end",
    }
    row_links = parse(web.page(f"/customers/{cid}")).by_id(f"service-{sid}").find_all("a")
    assert [a.get("hx-get") for a in row_links] == list(forms)[1:]
    for page, action in forms.items():
        response = htmx_get(web, page, target="panel")
        assert response.status_code == 200, page
        assert not is_whole_page(response.text)
        form = parse(response.text).one("form")
        assert (form.get("action"), form.get("hx-post")) == (action, action)
    sent = web.post(
        f"/customers/{cid}/services/new", {"description": "IP", "unit_price": "5"}, htmx=True
    )
    assert sent.headers["HX-Trigger"] == "solde-changed"
    assert parse(sent.text).one(id="flash").text == "Service IP added."


# -- edit -----------------------------------------------------------------------------------


def test_an_edit_sends_only_what_changed(web: Web) -> None:
    cid = web.book.customer("Editor")
    sid = service(web, cid, quantity="2", tax_rate="5.5")
    path = f"/services/{sid}/edit"
    form = parse(web.page(path))
    assert form.one("h1").text == "Edit service Fibre"
    assert [field_value(form, n) for n in ("unit_price", "quantity", "tax_rate", "end_date")] == [
        "30.00",
        "2",
        "5.5",
        "",
    ]
    unchanged = submit(web, path, path)
    assert flash(parse(after_redirect(web, unchanged))) == "Nothing changed."
    response = submit(
        web, path, path, {"unit_price": "35", "quantity": "", "end_date": "2026-06-30"}
    )
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Service saved."
    kept = stored(web, sid)
    # an emptied quantity is 1, as for a new service
    assert (kept.unit_price, kept.quantity, kept.tax_rate) == (
        Decimal("35"),
        Decimal("1"),
        Decimal("5.5"),
    )
    assert str(kept.end_date) == "2026-06-30"
    assert services_table(doc)[sid]["end"] == "Jun 30, 2026"
    cleared = submit(web, path, path, {"end_date": ""})
    assert cleared.status_code == 303
    assert stored(web, sid).end_date is None


def test_a_billed_service_keeps_its_start_date_and_its_price_is_required(web: Web) -> None:
    cid = web.book.customer("Billed")
    sid = service(web, cid)
    recurring(web, cid)  # bills 1–30 April
    path = f"/services/{sid}/edit"
    before = snapshot(web.container)
    response = submit(
        web, path, path, {"start_date": "2026-04-02", "unit_price": "", "tax_rate": ""}
    )
    assert response.status_code == 422
    doc = parse(response.text)
    assert field_error(doc, "start_date") == (
        "the service is billed through 2026-04-30: its start date can no longer change"
    )
    assert field_error(doc, "unit_price") == "is required"
    assert field_value(doc, "start_date") == "2026-04-02"
    assert snapshot(web.container) == before


# -- end ------------------------------------------------------------------------------------


def test_ending_a_billed_service_gives_the_unused_days_back(web: Web) -> None:
    cid = web.book.customer("Leaver")
    sid = service(web, cid)
    doc = recurring(web, cid)  # April in advance: 30.00
    assert str(doc.total.amount) == "30.00"
    page = parse(web.page(f"/customers/{cid}"))
    assert services_table(page)[sid]["billed"] == "Apr 30, 2026"
    path = f"/services/{sid}/end"
    form = parse(web.page(f"{path}?next=/customers/{cid}"))
    assert form.one("h1").text == "End service Fibre"
    assert field_value(form, "end_date") == web.book.today().isoformat()
    response = submit(web, f"{path}?next=/customers/{cid}", path, {"end_date": "2026-04-10"})
    page = parse(after_redirect(web, response))
    # 11–30 April come back: 20 of April's 30 days × 30.00 = 20.00
    assert flash(page) == (
        "Service Fibre ends on Apr 10, 2026. The unused days already billed came back as an "
        f"unbilled credit line of {eur(20)}: it goes on the next invoice."
    )
    line = web.book.newest(cid)
    assert row(page, line.id)["section"] == "unbilled"
    assert row(page, line.id)["label"] == "Unused days of Fibre (2026-04-11 to 2026-04-30)"
    assert row(page, line.id)["credit"] == eur(20)
    assert services_table(page)[sid]["billed"] == "Apr 10, 2026"
    assert services_table(page)[sid]["status"] == "Ended"
    assert "1 line waiting for the next invoice" in page.testid("unbilled").text


def test_ending_a_service_not_billed_yet_gives_nothing_back(web: Web) -> None:
    cid = web.book.customer("Unbilled")
    sid = service(web, cid)
    lines = row_count(web.container)["transactions"]
    response = web.post(f"/services/{sid}/end", {"end_date": "2026-05-31"})
    assert flash(parse(after_redirect(web, response))) == "Service Fibre ends on May 31, 2026."
    assert row_count(web.container)["transactions"] == lines
    missing = web.post(f"/services/{sid}/end", {"end_date": ""})
    assert missing.status_code == 422
    assert field_error(parse(missing.text), "end_date") == "give the service's last day"
    early = web.post(f"/services/{sid}/end", {"end_date": "2026-03-31"})
    assert field_error(parse(early.text), "end_date") == "cannot be before start_date"
    assert str(stored(web, sid).end_date) == "2026-05-31"


# -- the recurring invoice form -------------------------------------------------------------


def test_a_recurring_invoice_bills_the_services_when_the_box_is_ticked(web: Web) -> None:
    cid = web.book.customer("By hand")
    service(web, cid, unit_price="60.00", tax_rate="20")
    path = f"/customers/{cid}/invoices/new"
    form = parse(web.page(path))
    assert form.one(id="f-include_services").has("checked")
    assert "(1 service)" in (form.one(id="h-include_services").text)
    # a one-time invoice bills no service, box or not
    one_time = submit(
        web, path, path, {"items.0.description": "Setup", "items.0.unit_price": "10", "date": APRIL}
    )
    invoice = parse(after_redirect(web, one_time))
    assert invoice.testid("total").text == eur(10)
    # unticked, a recurring invoice holds the typed items only
    plain = web.post(
        path,
        {
            "type": "recurring",
            "date": APRIL,
            "items.0.description": "Extra",
            "items.0.unit_price": "5",
            "rows": "3",
        },
    )
    assert parse(after_redirect(web, plain)).testid("total").text == eur(5)
    ticked = submit(web, path, path, {"type": "recurring", "date": APRIL})
    page = parse(after_redirect(web, ticked))
    # April in full: 60.00 + 20 % tax = 72.00
    assert page.testid("total").text == eur(72)
    assert "Fibre" in page.testid("items").text
    assert "Apr 1, 2026 – Apr 30, 2026" in page.testid("items").text


def test_a_customer_without_services_has_the_box_unticked(web: Web) -> None:
    cid = web.book.customer("No services")
    form = parse(web.page(f"/customers/{cid}/invoices/new"))
    assert not form.one(id="f-include_services").has("checked")
    assert form.one(id="h-include_services").text == (
        "Recurring invoices only. The customer has no service."
    )
    before = snapshot(web.container)
    refused = web.post(
        f"/customers/{cid}/invoices/new",
        {"type": "recurring", "include_services": "on", "rows": "3"},
    )
    assert refused.status_code == 422
    assert "no service to bill" in (field_error(parse(refused.text), "include_services") or "")
    assert snapshot(web.container) == before


# -- roles and malformed input --------------------------------------------------------------


def test_a_viewer_sees_the_services_but_no_form(web: Web) -> None:
    cid = web.book.customer("Watched")
    sid = service(web, cid)
    viewer = web.as_role(Role.VIEWER)
    page = parse(viewer.page(f"/customers/{cid}"))
    section = page.by_id("section-services")
    assert services_table(page)[sid]["description"] == "Fibre"
    assert section.find_all("a") == []
    assert "Actions" not in section.text
    before = snapshot(web.container)
    for path in (f"/customers/{cid}/services/new", f"/services/{sid}/edit", f"/services/{sid}/end"):
        assert viewer.get(path).status_code == 403
        refused = viewer.post(path, {"description": "X", "unit_price": "1", "end_date": APRIL})
        assert refused.status_code == 403
        assert VIEWER_REFUSED in refused.text
    assert snapshot(web.container) == before


def test_a_form_without_the_session_token_changes_nothing(web: Web) -> None:
    cid = web.book.customer("Forged")
    sid = service(web, cid)
    before = snapshot(web.container)
    bodies = {
        f"/customers/{cid}/services/new": {"description": "X", "unit_price": "1"},
        f"/services/{sid}/edit": {"unit_price": "99"},
        f"/services/{sid}/end": {"end_date": APRIL},
    }
    for path, body in bodies.items():
        for token in ("", "wrong"):
            response = web.post(path, body, csrf=token)
            assert response.status_code == 403, path
            assert CSRF_REFUSED in response.text
    assert snapshot(web.container) == before
    assert web.post(f"/services/{sid}/edit", {"unit_price": "99"}).status_code == 303


GARBAGE = ["", "-1", "0", "abc", "1e9", "1,5", "99999999999999999999", "\x00", "é" * 600,
           "2026-02-30", "NaN"]  # fmt: skip
FIELDS = ["description", "unit_price", "quantity", "tax_rate", "start_date", "end_date", "next"]


def _services_state(web: Web) -> list[Any]:
    """What a service form may change: services, their charges, lines and the audit log."""
    with web.container.engine.connect() as connection:
        return [
            sorted(tuple(r) for r in connection.execute(table.select()).all())
            for table in (tables.services, tables.service_charges, tables.transactions)
        ] + [connection.execute(select(func.count()).select_from(tables.audit_log)).scalar()]


def _below_500(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])


def test_unknown_ids_are_not_found(web: Web) -> None:
    cid = web.book.customer("Known")
    sid = service(web, cid)
    for bad in ("0", "-1", "99999999999999999999", "abc", "1.5", str(sid + 1000)):
        for path in ("/services/{}/edit", "/services/{}/end", "/customers/{}/services/new"):
            response = web.client.get(path.format(bad))
            assert response.status_code == 404, path.format(bad)
            posted = web.post(path.format(bad), {"description": "X", "unit_price": "1"})
            assert posted.status_code == 404, path.format(bad)
    assert row_count(web.container)["services"] == 1


def test_posted_garbage_never_fails_and_changes_nothing_when_refused(web: Web) -> None:
    cid = web.book.customer("Garbage")
    sid = service(web, cid)
    good = {
        f"/customers/{cid}/services/new": {"description": "IP", "unit_price": "5"},
        f"/services/{sid}/edit": {"description": "Fibre", "unit_price": "31"},
        f"/services/{sid}/end": {"end_date": "2026-12-31"},
    }
    for path, body in good.items():
        for field in FIELDS:
            for value in GARBAGE:
                before = len(_services_state(web)[0])
                kept = _services_state(web)
                response = web.post(path, {**body, field: value})
                _below_500(response, f"{path} {field}={value!r}")
                if response.status_code >= 400:
                    assert _services_state(web) == kept, (path, field, value)
                    assert form_error(parse(response.text)), (path, field, value)
                elif path.endswith("/new"):
                    assert len(_services_state(web)[0]) == before + 1
