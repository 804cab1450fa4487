"""Whatever a browser (or anyone) sends, the answer is a page with a 4xx status, never a
traceback, and nothing is changed: unknown ids, impossible ids, unknown pages, wrong methods,
malformed form bodies. The API keeps its own errors (problem+json) behind the same server."""

from __future__ import annotations

from typing import Any

from webclient import Web
from webhtml import errors_shown, is_whole_page, parse, snapshot

ACTION_PAGES = (
    "/customers/{id}",
    "/customers/{id}/edit",
    "/customers/{id}/lines/new",
    "/customers/{id}/payments/new",
    "/customers/{id}/allocations/new",
    "/customers/{id}/transactions",
    "/transactions/{id}",
    "/transactions/{id}/edit",
    "/transactions/{id}/cancel",
    "/transactions/{id}/reverse",
    "/payments/{id}/confirm",
    "/payments/{id}/fail",
    "/payments/{id}/chargeback",
)
POSTS = (
    "/customers/{id}/edit",
    "/customers/{id}/lines/new",
    "/customers/{id}/payments/new",
    "/customers/{id}/allocations/new",
    "/customers/{id}/settle",
    "/transactions/{id}/edit",
    "/transactions/{id}/cancel",
    "/transactions/{id}/reverse",
    "/payments/{id}/confirm",
    "/payments/{id}/fail",
    "/payments/{id}/chargeback",
)


def error_of(response: Any) -> tuple[int, str, str]:
    """The status, title and message of an error page."""
    doc = parse(response.text)
    section = doc.one("section", class_="error-page")
    return response.status_code, section.one("h1").text, section.find_all("p")[1].text


def test_unknown_ids_are_not_found(web: Web) -> None:
    cid = web.book.customer("Known")
    web.book.line(cid, bill_on_next_invoice=True)
    for template in ACTION_PAGES:
        path = template.format(id=999_999)
        status, title, message = error_of(web.get(path))
        assert (status, title) == (404, "Not found"), path
        kind = "customer" if path.startswith("/customers") else "transaction"
        assert message == f"There is no {kind} 999999.", path
    before = snapshot(web.container)
    for template in POSTS:
        path = template.format(id=999_999)
        response = web.post(path, {"label": "x", "unit_price": "1", "amount": "1"})
        assert response.status_code == 404, path
    assert snapshot(web.container) == before


def test_ids_that_cannot_exist_are_not_found(web: Web) -> None:
    cid = web.book.customer("Possible")
    before = snapshot(web.container)
    impossible = (
        "0",
        "-1",
        "9223372036854775808",  # 2^63
        "99999999999999999999999999999999",
        "abc",
        "1e3",
        "١",  # an Arabic-Indic one
        "%00",
        "1;DROP TABLE customers",
    )
    for ident in impossible:
        for template in ACTION_PAGES:
            response = web.get(template.format(id=ident))
            assert response.status_code == 404, (template, ident, response.status_code)
            assert "There is no" in response.text or "This page does not exist." in response.text
        for template in POSTS:
            response = web.post(template.format(id=ident), {"reason": "x"})
            assert response.status_code == 404, (template, ident, response.status_code)
    web.page(f"/customers/{cid}")
    assert web.get("/payments/1/refund").status_code == 404  # an answer the bank never gives
    assert web.post("/payments/1/refund", {}).status_code == 404
    assert snapshot(web.container) == before


def test_unknown_pages_and_wrong_methods(web: Web) -> None:
    cid = web.book.customer("Methods")
    before = snapshot(web.container)
    for path in ("/nope", "/customers/1/nope", "/static/nope.js", "/transactions", "/payments"):
        status, title, message = error_of(web.get(path))
        assert (status, message) == (404, "This page does not exist."), path
        assert title == "Not found"
    for method, path in (
        ("PUT", "/customers"),
        ("DELETE", f"/customers/{cid}"),
        ("PATCH", f"/customers/{cid}/edit"),
        ("GET", "/logout"),
        ("GET", f"/customers/{cid}/settle"),
        ("POST", "/"),
        ("POST", f"/customers/{cid}"),
    ):
        response = web.client.request(method, path, follow_redirects=False)
        status, _title, message = error_of(response)
        assert (status, message) == (405, "This page cannot be used that way."), (method, path)
    assert snapshot(web.container) == before


def raw_post(web: Web, path: str, body: bytes, content_type: str) -> Any:
    return web.client.post(
        path, content=body, headers={"content-type": content_type}, follow_redirects=False
    )


def test_malformed_form_bodies_are_refused_and_change_nothing(web: Web) -> None:
    cid = web.book.customer("Malformed")
    path = f"/customers/{cid}/lines/new"
    before = snapshot(web.container)
    cases: list[tuple[str, Any]] = [
        ("10,000 fields", web.post(path, {f"f{i}": "x" for i in range(10_000)})),
        ("a huge value", web.post(path, {"label": "x" * 3_000_000, "unit_price": "1"})),
        (
            "a file",
            web.client.post(
                path,
                data={"csrf_token": web.csrf, "label": "x", "unit_price": "1"},
                files={"upload": ("invoice.pdf", b"%PDF-1.4", "application/pdf")},
                follow_redirects=False,
            ),
        ),
        ("multipart without boundary", raw_post(web, path, b"x", "multipart/form-data")),
        ("a JSON body", web.client.post(path, json={"label": "x"}, follow_redirects=False)),
    ]
    for name, response in cases:
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert is_whole_page(response.text), name
        assert "<h1>" in response.text, name
    assert snapshot(web.container) == before


def test_invalid_utf8_is_refused_rather_than_stored_as_something_else(web: Web) -> None:
    cid = web.book.customer("Bytes")
    path = f"/customers/{cid}/lines/new"
    start = b"csrf_token=" + web.csrf.encode() + b"&line_type=debit:charge&unit_price=1&label="
    before = snapshot(web.container)
    for label in (b"%FF%FE", b"\xff\xfe", b"%ED%A0%80", b"caf%E9"):
        response = raw_post(web, path, start + label, "application/x-www-form-urlencoded")
        assert 400 <= response.status_code < 500, (label, response.status_code)
    assert snapshot(web.container) == before


def test_text_no_database_can_store_is_refused_with_its_field(web: Web) -> None:
    cid = web.book.customer("Control Characters")
    before = snapshot(web.container)
    response = web.post(
        f"/customers/{cid}/lines/new",
        {"line_type": "debit:charge", "label": "a\x00b", "unit_price": "1", "mode": "post"},
    )
    assert response.status_code == 422
    assert errors_shown(parse(response.text)) == {"label": "contains a control character"}
    search = web.get("/customers?q=%00")
    assert search.status_code == 200
    assert errors_shown(parse(search.text)) == {"q": "contains a control character"}
    login = web.anonymous().client.post(
        "/login", data={"email": "a\x00@example.com", "password": "x"}, follow_redirects=False
    )
    assert login.status_code == 403
    for as_of in ("0001-01-01", "31/12/2026", "9" * 50):
        page = web.get(f"/customers/{cid}?as_of={as_of}")
        assert page.status_code == 200, as_of
        assert parse(page.text).find(id="as-of-error") is not None, as_of
    huge = web.post(
        f"/customers/{cid}/lines/new",
        {
            "line_type": "debit:charge",
            "label": "x",
            "unit_price": "999999999999",
            "quantity": "999999999",
            "mode": "post",
        },
    )
    assert huge.status_code == 422
    assert errors_shown(parse(huge.text)) == {
        "unit_price": "quantity × unit price, with tax, is too large"
    }
    assert snapshot(web.container) == before


def test_htmx_errors_are_fragments(web: Web) -> None:
    response = web.client.get(
        "/transactions/424242/edit", headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert response.status_code == 404
    assert not is_whole_page(response.text)
    doc = parse(response.text)
    assert doc.one("div", class_="form-error").text == "There is no transaction 424242."
    assert doc.find("button", **{"data-close-panel": True}) is not None


def test_the_api_keeps_its_own_errors(web: Web) -> None:
    for path, status in (("/v1/nope", 404), ("/v1/customers", 401), ("/v1/customers/1", 401)):
        response = web.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status
        assert "type" in body
    assert web.get("/health").json()["status"] == "ok"
    assert web.get("/openapi.json").status_code == 200
    # the back office's pages are not part of the API's document
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/v1") and p != "/health"]
