"""What a user meets at the edges: several sign-in tabs, a session that ended while a page
was open, a password guessed through the preferences, an unexpected error, a form too big,
a list part that fails while the page stays, rows that offer only what is allowed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient
from webclient import PASSWORD, Web
from webhtml import errors_shown, parse, set_locale, snapshot

from solde.settlement import usecases as settlement
from solde.storage.tables import web_sessions
from solde.web.routes import dashboard
from solde.web.routes.transactions import DEFAULT_MODES


def _login_token(html: str) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _end_sessions(web: Web) -> None:
    with web.container.engine.begin() as connection:
        connection.execute(update(web_sessions).values(expires_at=web_sessions.c.created_at))


def test_two_sign_in_tabs_both_work(web: Web) -> None:
    client = web.anonymous().client
    first = _login_token(client.get("/login").text)
    second = _login_token(client.get("/login").text)  # another tab, opened later

    response = client.post(
        "/login",
        data={"email": web.email, "password": PASSWORD, "login_token": first},
        follow_redirects=False,
    )

    assert first == second
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_form_sent_after_the_session_ended_returns_to_its_page(web: Web) -> None:
    cid = web.book.customer("Late Ltd")
    _end_sessions(web)

    response = web.client.post(
        f"/customers/{cid}/settle",
        data={"csrf_token": web.csrf},
        headers={"Referer": f"http://testserver/customers/{cid}"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/customers/{cid}"


def test_signing_out_of_an_ended_session_only_drops_the_cookie(web: Web) -> None:
    _end_sessions(web)

    response = web.post("/logout", {})

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert 'solde_session=""' in response.headers["set-cookie"]


def test_signing_out_needs_the_sessions_token(web: Web) -> None:
    assert web.post("/logout", {}, csrf="forged").status_code == 403
    assert web.get("/").status_code == 200  # still signed in


def test_guessing_the_password_in_the_preferences_is_limited(web: Web) -> None:
    wrong = {"current_password": "a wrong guess", "new_password": "new password 1"}
    wrong["confirm_password"] = wrong["new_password"]
    for _ in range(5):
        assert web.post("/account/password", wrong).status_code == 422

    right = {**wrong, "current_password": PASSWORD}
    response = web.post("/account/password", right)

    assert response.status_code == 429
    assert "try again in" in response.text
    assert web.get("/").status_code == 200  # nothing changed: still signed in


def test_an_unexpected_error_is_a_page_with_the_security_headers(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dashboard, "balance_report", broken)

    response = web.get("/")

    assert response.status_code == 500
    assert "a bug" not in response.text
    assert "Traceback" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_a_form_with_too_many_fields_says_so(web: Web) -> None:
    cid = web.book.customer("Fields Co")
    body = "&".join(f"f{i}=x" for i in range(300)) + f"&csrf_token={web.csrf}"
    before = snapshot(web.container)

    response = web.client.post(
        f"/customers/{cid}/lines/new",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert "more than 200 fields" in response.text
    assert snapshot(web.container) == before


def test_a_part_of_a_page_that_fails_stays_as_it_was_and_says_why(web: Web) -> None:
    web.book.customer("Anyone")
    anonymous = web.anonymous()
    # htmx refreshing the card of a customer that no longer exists, signed out and signed in
    response = anonymous.client.get(
        "/customers/999999",
        headers={"HX-Request": "true", "HX-Target": "customer-main"},
        follow_redirects=False,
    )
    assert response.headers.get("HX-Redirect", "").startswith("/login")

    response = web.client.get(
        "/customers/999999", headers={"HX-Request": "true", "HX-Target": "customer-main"}
    )

    assert response.status_code == 404
    assert response.headers["HX-Reswap"] == "none"
    flash = parse(response.text).one(id="flash")
    assert flash.get("hx-swap-oob") == "innerHTML"
    assert "There is no customer 999999." in flash.text


def test_page_numbers_out_of_range_show_real_pages(web: Web) -> None:
    web.book.customer("Only One")
    for page in ("0", "-3", "999999999", "40002"):
        html = web.page(f"/customers?page={page}")
        assert "No customer matches" not in html, page
    assert "1–1 of 1 customer" in web.page("/customers?page=0")
    assert "is past the last page" in web.page("/customers?page=40001")


def test_rows_offer_only_what_the_rules_allow(web: Web) -> None:
    cid = web.book.customer("Rows Ltd")
    charge = web.book.line(cid, bill_on_next_invoice=False, unit_price="20.00")
    payment = web.book.pay(cid, "20.00")
    reversal = web.book.run(settlement.reverse, charge, {}, on=web.book.today()).id

    doc = parse(web.page(f"/customers/{cid}"))

    def links(tx_id: int) -> set[str]:
        row = doc.by_id(f"tx-{tx_id}")
        return {a.text for a in row.find_all("a") if a.text not in (f"#{tx_id}",)} - {
            f"#{n}" for n in (charge, payment, reversal)
        }

    assert links(charge) == set()  # already reversed
    assert links(reversal) == set()  # a reversal is not reversed again
    assert links(payment) == {"Chargeback", "Reverse"}


def test_editing_a_line_empties_what_was_emptied(web: Web) -> None:
    cid = web.book.customer("Edits Ltd")
    line = web.book.line(cid, bill_on_next_invoice=True, reference="PO-7", label="Router")

    cleared = web.post(f"/transactions/{line}/edit", {"reference": ""})
    refused = web.post(f"/transactions/{line}/edit", {"label": "", "reference": "PO-8"})

    assert cleared.status_code == 303
    assert refused.status_code == 422
    assert set(errors_shown(parse(refused.text))) == {"label"}
    saved = web.book.transaction(line)
    assert saved.reference is None
    assert saved.label == "Router"


@pytest.mark.parametrize("typed", ["1.500", "12.345,5", "1.000.000"])
def test_a_dot_that_may_group_thousands_is_refused_in_french(web: Web, typed: str) -> None:
    cid = web.book.customer("Point Virgule")
    set_locale(web, "fr_FR")
    before = snapshot(web.container)

    response = web.post(
        f"/customers/{cid}/lines/new",
        {"line_type": "debit:charge", "label": "Ambiguous", "unit_price": "10", "quantity": typed},
    )

    assert response.status_code == 422
    assert "quantity" in errors_shown(parse(response.text))
    assert snapshot(web.container) == before


def test_the_mode_of_a_new_line_follows_the_domains_default() -> None:
    assert DEFAULT_MODES == {
        "debit:charge": "next_invoice",
        "debit:collection_cost": "post",
        "debit:adjustment": "post",
        "credit:adjustment": "next_invoice",
        "credit:gift": "next_invoice",
    }


def test_the_sign_in_page_is_not_kept_by_the_browser(web: Web) -> None:
    client: TestClient = web.anonymous().client
    assert client.get("/login").headers["cache-control"] == "no-store"
