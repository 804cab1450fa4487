"""Signing in and out: the sign-in form, its errors, the session cookie, where the user goes
next, the rate limit, and sessions that end (sign-out, idle, 24 hours, disabled user)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from starlette.testclient import TestClient
from webclient import PASSWORD, Web
from webhtml import field_value, form_error, parse

from solde.storage.api_keys import Role
from solde.storage.tables import web_sessions

WRONG = "not the password at all"


def login_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=False)
    assert page.status_code == 200, page.text
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str, **extra: str) -> Any:
    data = {"email": email, "password": password, "login_token": login_token(client), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def cookie_header(response: Any, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return str(header)
    return None


def session_count(web: Web) -> int:
    with web.container.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(web_sessions)).scalar_one())


# -- the sign-in form -----------------------------------------------------------------------


def test_wrong_password_keeps_the_email_and_never_echoes_the_password(web: Web) -> None:
    guest = web.anonymous()
    before = session_count(web)
    response = sign_in(guest.client, "  Admin@Example.com ", WRONG)
    assert response.status_code == 401
    doc = parse(response.text)
    assert form_error(doc) == "The e-mail or the password is wrong."
    assert field_value(doc, "email") == "  Admin@Example.com "
    assert WRONG not in response.text
    assert doc.one("input", name="password").get("value") == ""
    assert cookie_header(response, "solde_session") is None
    assert session_count(web) == before
    assert guest.get("/customers").status_code == 303


def test_unknown_email_gets_the_same_answer(web: Web) -> None:
    guest = web.anonymous()
    response = sign_in(guest.client, "nobody@example.com", PASSWORD)
    assert response.status_code == 401
    assert form_error(parse(response.text)) == "The e-mail or the password is wrong."
    assert cookie_header(response, "solde_session") is None


def test_the_email_is_not_case_sensitive_and_the_login_token_cookie_is_strict(web: Web) -> None:
    guest = web.anonymous()
    page = guest.client.get("/login")
    token_cookie = cookie_header(page, "solde_login")
    assert token_cookie is not None
    assert "httponly" in token_cookie.lower()
    assert "samesite=strict" in token_cookie.lower()
    response = sign_in(guest.client, "ADMIN@example.com", PASSWORD)
    assert response.status_code == 303


def test_sign_in_without_the_forms_token_is_refused(web: Web) -> None:
    before = session_count(web)
    for token in ("missing", "forged", "token of another browser"):
        guest = web.anonymous()
        data = {"email": web.email, "password": PASSWORD}
        if token == "forged":
            data["login_token"] = "forged-token-forged-token-forged-token"
        elif token == "token of another browser":
            data["login_token"] = login_token(web.anonymous().client)
        login_token(guest.client)
        response = guest.client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403, token
        assert form_error(parse(response.text)) == "The sign-in form expired. Please try again."
        assert field_value(parse(response.text), "email") == web.email
        assert cookie_header(response, "solde_session") is None, token
        assert guest.get("/").status_code == 303, token
    assert session_count(web) == before


def test_sign_in_without_the_token_cookie_is_refused(web: Web) -> None:
    token = login_token(web.anonymous().client)
    fresh = web.anonymous()
    response = fresh.client.post(
        "/login",
        data={"email": web.email, "password": PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert cookie_header(response, "solde_session") is None


# -- the session cookie ---------------------------------------------------------------------


def test_success_goes_to_next_with_an_httponly_lax_cookie(web: Web) -> None:
    guest = web.anonymous()
    response = sign_in(guest.client, web.email, PASSWORD, next="/customers?q=acme&sort=name")
    assert response.status_code == 303
    assert response.headers["location"] == "/customers?q=acme&sort=name"
    cookie = cookie_header(response, "solde_session")
    assert cookie is not None
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes
    max_age = next(int(a.split("=")[1]) for a in attributes if a.startswith("max-age="))
    assert 24 * 3600 - 120 <= max_age <= 24 * 3600  # the session's absolute end
    assert guest.get("/customers?q=acme&sort=name").status_code == 200


def test_over_https_the_cookie_is_secure(web: Web) -> None:
    client = TestClient(web.client.app, base_url="https://testserver")
    response = sign_in(client, web.email, PASSWORD)
    assert response.status_code == 303
    cookie = cookie_header(response, "solde_session")
    assert cookie is not None
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert client.get("/", follow_redirects=False).status_code == 200


def test_signing_in_again_replaces_the_session_the_browser_had(web: Web) -> None:
    before = web.client.cookies.get("solde_session")
    assert before
    # a sign-in form left open in another tab of the same browser
    browser = web.anonymous()
    token = login_token(browser.client)
    browser.client.cookies.set("solde_session", before)
    response = browser.client.post(
        "/login",
        data={"email": web.email, "password": PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = cookie_header(response, "solde_session")
    assert cookie is not None
    assert before not in cookie
    assert web.get("/").status_code == 303  # the old session ended
    # a token chosen before signing in (session fixation) is never the session's
    guest = web.anonymous()
    guest.client.cookies.set("solde_session", "chosen-by-an-attacker")
    assert guest.get("/").status_code == 303
    cookie = cookie_header(sign_in(guest.client, web.email, PASSWORD), "solde_session")
    assert cookie is not None
    assert "chosen-by-an-attacker" not in cookie


OTHER_SITES = (
    "//evil.example",
    "//evil.example/customers",
    "https://evil.example",
    "https://evil.example/customers",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "customers",
)


def test_next_never_leaves_the_site(web: Web) -> None:
    for target in OTHER_SITES:
        guest = web.anonymous()
        form = guest.client.get("/login", params={"next": target})
        assert form.status_code == 200
        assert "evil.example" not in form.text, target
        response = sign_in(guest.client, web.email, PASSWORD, next=target)
        assert response.status_code == 303
        assert response.headers["location"] == "/", target
        # already signed in: the form sends the user on, still not to the other site
        again = guest.client.get("/login", params={"next": target}, follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] == "/", target


def test_signed_in_users_skip_the_form(web: Web) -> None:
    response = web.get("/login?next=/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/settings"


# -- the rate limit -------------------------------------------------------------------------


def test_four_failures_still_let_the_right_password_in(web: Web) -> None:
    guest = web.anonymous()
    for _ in range(4):
        assert sign_in(guest.client, web.email, WRONG).status_code == 401
    assert sign_in(guest.client, web.email, PASSWORD).status_code == 303


def test_after_five_failures_even_the_right_password_waits(web: Web) -> None:
    guest = web.anonymous()
    for _ in range(5):
        assert sign_in(guest.client, web.email, WRONG).status_code == 401
    response = sign_in(guest.client, web.email, PASSWORD)
    assert response.status_code == 429
    message = form_error(parse(response.text)) or ""
    found = re.fullmatch(r"Too many failed sign-ins\. Try again in (\d+) minute\(s\)\.", message)
    assert found is not None, message
    assert 14 <= int(found.group(1)) <= 15
    assert cookie_header(response, "solde_session") is None
    assert guest.get("/").status_code == 303
    # the limit is the e-mail's: another user signs in from the same address
    other = web.anonymous()
    web.container.users.create(email="billing@example.com", role=Role.BILLING, password=PASSWORD)
    assert sign_in(other.client, "billing@example.com", PASSWORD).status_code == 303


def test_after_thirty_failures_from_one_address_every_email_waits(web: Web) -> None:
    guest = web.anonymous()
    for i in range(30):
        assert sign_in(guest.client, f"guess{i}@example.com", WRONG).status_code == 401
    response = sign_in(guest.client, web.email, PASSWORD)
    assert response.status_code == 429
    assert cookie_header(response, "solde_session") is None


def test_action_forms_never_send_the_user_to_another_site(web: Web) -> None:
    cid = web.book.customer("Stay Here")
    for target in OTHER_SITES:
        form = web.get(f"/customers/{cid}/lines/new", params={"next": target})
        assert form.status_code == 200
        assert "evil.example" not in form.text, target
        response = web.post(
            f"/customers/{cid}/lines/new",
            {"line_type": "debit:charge", "label": "x", "unit_price": "1", "next": target},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/customers/{cid}", target


# -- sessions that end ----------------------------------------------------------------------


def test_sign_out_ends_the_session_everywhere(web: Web) -> None:
    stolen = web.client.cookies.get("solde_session")
    assert stolen
    response = web.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cleared = cookie_header(response, "solde_session")
    assert cleared is not None
    assert 'solde_session=""' in cleared or "max-age=0" in cleared.lower()
    replay = web.anonymous()
    replay.client.cookies.set("solde_session", stolen)
    assert replay.get("/").status_code == 303
    assert replay.get("/").headers["location"] == "/login"


def test_sign_out_needs_the_csrf_token(web: Web) -> None:
    assert web.post("/logout", csrf="").status_code == 403
    assert web.post("/logout", csrf="x" * 43).status_code == 403
    assert web.get("/").status_code == 200


def expire(web: Web, **changes: datetime) -> None:
    with web.container.engine.begin() as connection:
        connection.execute(update(web_sessions).values(**changes))


def test_an_idle_session_sends_the_user_to_sign_in_and_back(web: Web) -> None:
    cid = web.book.customer("Idle Corp")
    expire(web, last_seen_at=datetime.now(UTC) - timedelta(hours=4, minutes=1))
    response = web.get(f"/customers/{cid}?as_of=2026-01-31")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/login?next=/customers/{cid}%3Fas_of%3D2026-01-31"
    doc = parse(web.page(location))
    next_path = doc.one("input", name="next").get("value")
    assert next_path == f"/customers/{cid}?as_of=2026-01-31"
    back = sign_in(web.client, web.email, PASSWORD, next=next_path)
    assert back.status_code == 303
    assert back.headers["location"] == next_path


def test_a_session_ends_after_24_hours_even_when_used(web: Web) -> None:
    token = web.client.cookies.get("solde_session")
    assert token
    start = datetime.now(UTC)
    for hours in (3, 6, 9, 12, 15, 18, 21, 23):
        assert web.container.users.session(token, now=start + timedelta(hours=hours)) is not None
    assert web.container.users.session(token, now=start + timedelta(hours=24, minutes=1)) is None
    assert web.get("/").status_code == 303


def test_a_session_past_its_end_in_the_table_is_refused(web: Web) -> None:
    expire(web, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = web.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings"


def test_a_disabled_user_is_signed_out_at_once(web: Web) -> None:
    billing = web.as_role(Role.BILLING)
    assert billing.get("/").status_code == 200
    web.container.users.disable(billing.email)
    assert billing.get("/").status_code == 303
    assert sign_in(billing.anonymous().client, billing.email, PASSWORD).status_code == 401


def test_htmx_requests_without_a_session_are_told_where_to_sign_in(web: Web) -> None:
    guest = web.anonymous()
    response = guest.client.get(
        "/customers?q=a",
        headers={
            "HX-Request": "true",
            "HX-Target": "customer-results",
            "HX-Current-URL": "http://testserver/customers?q=a&sort=name",
        },
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/customers%3Fq%3Da%26sort%3Dname"
    assert "<table" not in response.text
    # a posted htmx form without a session changes nothing and sends to sign in
    cid = web.book.customer("Htmx Ltd")
    posted = guest.client.post(
        f"/customers/{cid}/lines/new",
        data={"label": "x", "unit_price": "1"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/customers/{cid}"},
        follow_redirects=False,
    )
    assert posted.status_code == 200
    assert posted.headers["HX-Redirect"] == f"/login?next=/customers/{cid}"
    # a current URL of another site is not followed
    foreign = guest.client.get(
        "/customers",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example//evil.example/"},
        follow_redirects=False,
    )
    assert foreign.headers["HX-Redirect"].startswith("/login")
    assert "evil" not in foreign.headers["HX-Redirect"]


def test_pages_without_a_session_redirect_to_sign_in(web: Web) -> None:
    guest = web.anonymous()
    for path in ("/", "/customers", "/settings", "/account", "/customers/new"):
        response = guest.get(path)
        assert response.status_code == 303, path
        expected = "/login" if path == "/" else f"/login?next={path}"
        assert response.headers["location"] == expected
