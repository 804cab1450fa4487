"""The Export buttons of the invoices and customers lists (SPEC §12, §16): each carries the
filters the page shows, downloads every matching row (not the page) as CSV, JSON or XLSX, and
works for every role, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from webclient import Web
from webhtml import parse

import exportfiles as files
from solde.billing import groups
from solde.billing import usecases as billing
from solde.storage.api_keys import Role


def invoice(web: Web, cid: int, price: str, **values: Any) -> int:
    body = {"items": [{"description": "Service", "unit_price": price}], **values}
    return int(web.book.run(billing.create_invoice, cid, body, on=web.book.today()).id)


def export_links(html: str) -> dict[str, str]:
    """The Export buttons of a page, by their label."""
    box = parse(html).testid("export")
    return {a.text: a.get("href") for a in box.find_all("a")}


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def story(web: Web) -> dict[str, int]:
    rich = web.book.customer("Rich", segment="pro", currency="EUR")
    poor = web.book.customer("-Poor", segment="pro", currency="EUR")
    web.book.customer("Other", segment="home", currency="JPY")
    paid = invoice(web, rich, "10.00")
    web.book.pay(rich, "25.00")
    part = invoice(web, poor, "100.00")
    web.book.pay(poor, "40.00")
    unpaid = invoice(web, poor, "30.00")
    return {"rich": rich, "poor": poor, "paid": paid, "part": part, "unpaid": unpaid}


def download(web: Web, url: str, fmt: str) -> list[dict[str, Any]]:
    r = web.get(url)
    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f".{fmt}" in disposition
    return files.read(r.content, fmt)


def test_the_invoices_buttons_carry_the_filters_and_download_every_match(web: Web) -> None:
    s = story(web)
    query = "invoice_balance_op=gt&invoice_balance=0&customer=" + str(s["poor"])
    links = export_links(web.page(f"/invoices?{query}&page=1"))
    assert set(links) == {"CSV", "JSON", "XLSX"}
    for label, url in links.items():
        fmt = label.lower()
        assert url.startswith("/invoices/export?")
        params = params_of(url)
        assert params["format"] == [fmt]
        assert params["customer"] == [str(s["poor"])]
        assert params["invoice_balance_op"] == ["gt"]
        assert "page" not in params
        rows = download(web, url, fmt)
        assert [files.integer(r["id"]) for r in rows] == [s["unpaid"], s["part"]]
        assert [files.amount(r["open_amount"]) for r in rows] == [
            files.amount("30.00"),
            files.amount("60.00"),
        ]
        assert {files.text(r["customer_name"]) for r in rows} == {"-Poor"}


def test_the_invoices_file_is_every_page_not_the_one_shown(web: Web) -> None:
    cid = web.book.customer("Many")
    made = [invoice(web, cid, f"{n}.00") for n in range(1, 28)]  # more than a page of 25
    links = export_links(web.page("/invoices?page=2"))
    rows = download(web, links["CSV"], "csv")
    assert [int(r["id"]) for r in rows] == sorted(made, reverse=True)


def test_a_groups_page_exports_its_group(web: Web) -> None:
    s = story(web)
    group = web.book.run(groups.create_group, {"name": "Chase"}).id
    web.book.run(groups.add_to_group, group, [s["paid"]])
    links = export_links(web.page(f"/invoice-groups/{group}"))
    assert params_of(links["JSON"])["group"] == [str(group)]
    rows = download(web, links["JSON"], "json")
    assert [(r["id"], r["groups"]) for r in rows] == [(s["paid"], "Chase")]


def test_the_customers_buttons_follow_the_filters_and_the_order(web: Web) -> None:
    s = story(web)
    html = web.page("/customers?segment=pro&sort=name&page=1")
    links = export_links(html)
    for label, url in links.items():
        fmt = label.lower()
        assert url.startswith("/customers/export?")
        params = params_of(url)
        assert (params["segment"], params["sort"], params["format"]) == (["pro"], ["name"], [fmt])
        assert "page" not in params
        rows = download(web, url, fmt)
        assert [files.integer(r["id"]) for r in rows] == [s["poor"], s["rich"]]
        assert [files.amount(r["balance"]) for r in rows] == [
            files.amount("90.00"),
            files.amount("-15.00"),
        ]


def test_the_htmx_results_carry_the_new_filters(web: Web) -> None:
    story(web)
    fragment = {"HX-Request": "true", "HX-Target": "customer-results"}
    r = web.get("/customers?currency=JPY", headers=fragment)
    assert r.status_code == 200
    links = export_links(r.text)
    assert params_of(links["CSV"])["currency"] == ["JPY"]
    rows = download(web, links["CSV"], "csv")
    assert [r["name"] for r in rows] == ["Other"]


def test_a_viewer_may_export(web: Web) -> None:
    story(web)
    viewer = web.as_role(Role.VIEWER)
    for page in ("/invoices", "/customers"):
        links = export_links(viewer.page(page))
        assert len(download(viewer, links["XLSX"], "xlsx")) == 3


def test_signed_out_is_sent_to_sign_in(web: Web) -> None:
    anonymous = web.anonymous()
    for url in ("/invoices/export?format=csv", "/customers/export?format=csv"):
        r = anonymous.get(url)
        assert r.status_code in (302, 303), r.status_code
        assert "/login" in r.headers["location"]


def test_unreadable_filters_go_back_to_the_list_which_names_them(web: Web) -> None:
    r = web.get("/invoices/export?format=csv&date_from=2025-02-30&number=A1")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/invoices?")
    assert params_of(r.headers["location"])["number"] == ["A1"]
    page = parse(web.page(r.headers["location"]))
    assert "Date from" in page.text or "date_from" in page.text.lower()
    r = web.get("/customers/export?format=json&currency=EURO&segment=x")
    assert r.status_code == 303
    assert params_of(r.headers["location"]) == {"currency": ["EURO"], "segment": ["x"]}


def test_an_unknown_format_is_refused(web: Web) -> None:
    for url in ("/invoices/export?format=pdf", "/customers/export?format=exe"):
        assert web.get(url).status_code == 422


def test_no_buttons_when_nothing_matches(web: Web) -> None:
    assert 'data-testid="export"' not in web.page("/invoices")
    assert 'data-testid="export"' not in web.page("/customers")
