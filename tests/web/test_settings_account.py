"""The company's settings (an administrator's) and the user's own preferences: locale and
password."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient
from webclient import PASSWORD, Web
from webhtml import (
    after_redirect,
    audit,
    errors_shown,
    field_error,
    field_value,
    flash,
    form_error,
    parse,
    snapshot,
    submit,
    user_id,
)

from solde.ledger import usecases
from solde.ledger.settings import Settings


def settings(web: Web) -> Settings:
    with web.container.uow(actor="test", write=False) as uow:
        return usecases.get_settings(uow)


def save(web: Web, changes: dict[str, str]) -> Any:
    return submit(web, "/settings", "/settings", changes)


def test_an_administrator_saves_only_what_changed(web: Web) -> None:
    doc = parse(web.page("/settings"))
    assert field_value(doc, "timezone") == "UTC"
    assert field_value(doc, "default_currency") == "EUR"
    assert field_value(doc, "lock_date") == ""
    assert field_value(doc, "billing.auto_settlement") == "true"
    lock = (web.book.today() - timedelta(days=5)).isoformat()
    response = save(
        web,
        {
            "timezone": "Europe/Paris",
            "default_currency": "usd",
            "lock_date": lock,
            "billing.payment_due_days": "30",
            "billing.auto_settlement": "false",
        },
    )
    page = parse(after_redirect(web, response))
    assert flash(page) == "Settings saved."
    saved = settings(web)
    assert (saved.timezone, saved.default_currency, saved.lock_date.isoformat()) == (
        "Europe/Paris",
        "USD",
        lock,
    )
    assert (saved.billing.payment_due_days, saved.billing.auto_settlement) == (30, False)
    changes = audit(web.container, "settings.updated")[-1]["changes"]
    assert set(changes) == {"timezone", "default_currency", "lock_date", "billing"}
    assert changes["billing"] == {"payment_due_days": 30, "auto_settlement": False}
    assert field_value(page, "default_currency") == "USD"
    assert field_value(parse(web.page("/customers/new")), "currency") == "USD"
    # untouched, the form changes nothing
    again = parse(after_redirect(web, save(web, {})))
    assert flash(again) == "Nothing changed."
    assert len(audit(web.container, "settings.updated")) == 1


def test_the_lock_date_closes_past_days_only(web: Web) -> None:
    today = web.book.today()
    before = snapshot(web.container)
    for day in (today, today + timedelta(days=1)):
        response = save(web, {"lock_date": day.isoformat(), "timezone": "Europe/Paris"})
        assert response.status_code == 422
        doc = parse(response.text)
        assert errors_shown(doc) == {
            "lock_date": f"must be before today ({today.isoformat()}): it closes past days"
        }
        assert field_value(doc, "lock_date") == day.isoformat()
        assert field_value(doc, "timezone") == "Europe/Paris"
    assert snapshot(web.container) == before
    # a lock date in the past holds: nothing may be posted on or before it
    lock = today - timedelta(days=5)
    assert save(web, {"lock_date": lock.isoformat()}).status_code == 303
    cid = web.book.customer("Locked")
    response = web.post(
        f"/customers/{cid}/lines/new",
        {
            "line_type": "debit:charge",
            "label": "Too old",
            "unit_price": "5",
            "mode": "post",
            "date": lock.isoformat(),
        },
    )
    assert response.status_code == 409
    assert "is in a closed period" in (form_error(parse(response.text)) or "")


def test_refused_settings_name_their_field_and_save_nothing(web: Web) -> None:
    before = snapshot(web.container)
    for changes, name, message in (
        ({"timezone": "Mars/Olympus"}, "timezone", "is not a time zone"),
        ({"default_currency": "ZZZ"}, "default_currency", "is not an ISO 4217 currency code"),
        ({"default_locale": "french"}, "default_locale", "is not a locale like fr_FR"),
        ({"billing.credit_limit": "10.5"}, "billing.credit_limit", "must be a whole number"),
        ({"billing.billing_day": "29"}, "billing.billing_day", "must be between 1 and 28"),
        ({"billing.payment_due_days": "soon"}, "billing.payment_due_days", "whole number"),
        ({"lock_date": "yesterday"}, "lock_date", "must be a date (YYYY-MM-DD)"),
    ):
        response = save(web, changes)
        assert response.status_code == 422, changes
        doc = parse(response.text)
        assert set(errors_shown(doc)) == {name}, (changes, errors_shown(doc))
        assert message in (field_error(doc, name) or ""), (changes, field_error(doc, name))
        assert field_value(doc, name) == changes[name]
    assert snapshot(web.container) == before


def test_a_number_typed_in_settings_is_read_whole(web: Web) -> None:
    response = save(web, {"billing.payment_due_days": "0000000030"})
    assert response.status_code in (303, 422)
    saved = settings(web).billing.payment_due_days
    assert saved in (14, 30), f"typed 0000000030 days, saved {saved}"


# -- the user's preferences -----------------------------------------------------------------


def test_the_locale_is_the_users_own(web: Web) -> None:
    doc = parse(web.page("/account"))
    assert field_value(doc, "locale") == ""
    assert doc.one("select", name="locale").find_all("option")[0].text == "Company default (en_US)"
    response = submit(web, "/account", "/account/locale", {"locale": "fr_FR"})
    page = after_redirect(web, response)
    assert flash(parse(page)) == "Your language and formats are saved."
    assert "1\u202f234,56" in parse(page).text
    user = web.container.users.get(user_id(web))
    assert user.locale == "fr_FR"
    before = snapshot(web.container)
    refused = web.post("/account/locale", {"locale": "xx-YY!"})
    assert refused.status_code == 422
    assert errors_shown(parse(refused.text)) == {"locale": "'xx-YY!' is not a locale like fr_FR"}
    assert snapshot(web.container) == before
    back = web.post("/account/locale", {"locale": ""})
    assert back.status_code == 303
    assert web.container.users.get(user_id(web)).locale is None


NEW = "a brand new passphrase"


def test_changing_the_password(web: Web) -> None:
    elsewhere = Web(TestClient(web.client.app), web.container)
    page = elsewhere.client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    elsewhere.client.post(
        "/login", data={"email": web.email, "password": PASSWORD, "login_token": token.group(1)}
    )
    assert elsewhere.get("/").status_code == 200
    before = snapshot(web.container)
    for typed, name, message in (
        (
            {"current_password": "not it at all", "new_password": NEW, "confirm_password": NEW},
            "current_password",
            "is not the current password",
        ),
        (
            {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW + "!"},
            "confirm_password",
            "does not match the new password",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
            "new_password",
            "at least 10 characters",
        ),
    ):
        response = web.post("/account/password", typed)
        assert response.status_code == 422, typed
        doc = parse(response.text)
        assert set(errors_shown(doc)) == {name}, errors_shown(doc)
        assert message in (field_error(doc, name) or "")
        for secret in set(typed.values()):
            assert secret not in response.text
    assert snapshot(web.container) == before
    assert web.get("/").status_code == 200
    response = web.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert web.get("/").status_code == 303
    assert elsewhere.get("/").status_code == 303  # every session of the user ended
    assert web.container.users.authenticate(web.email, PASSWORD, ip="t").user is None
    assert web.container.users.authenticate(web.email, NEW, ip="t").user is not None
