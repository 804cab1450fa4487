"""GET/PUT /v1/settings: defaults, validation, who may change them, and the lock date that
closes past periods (SPEC §3, §15, §17)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from solde.storage.api_keys import Role

SPEC_BILLING_DEFAULTS = {
    "billing_enabled": True,
    "period_months": 1,
    "billing_day": 1,
    "timing": "advance",
    "auto_invoice": True,
    "auto_settlement": True,
    "payment_due_days": 14,
    "credit_limit": "0",
    "blocking_period_days": 0,
    "deactivation_period_days": 30,
    "reminders": True,
    "bill_on_activation": False,
    "proration": "daily",
    "dunning_enabled": True,
}


def _get(books: Any, key: str | None = None) -> dict[str, Any]:
    r = books.api.get("/v1/settings", key=key)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_defaults(books: Any) -> None:
    assert _get(books) == {
        "timezone": "UTC",
        "default_locale": "en_US",
        "default_currency": "EUR",
        "lock_date": None,
        "billing": SPEC_BILLING_DEFAULTS,
        "dunning": {
            "block_on_weekends": False,
            "block_on_holidays": False,
            "holidays": [],
            "holiday_country": None,
            "holiday_subdivision": None,
            "reminder_offsets": [3, 7, 14],
            "reminder_fees": {},
        },
        "numbering": {
            "invoice": "{year}{partner_id|2}{next|6}",
            "credit_note": "CN{year}-{next|5}",
            "proforma": "PF{year}-{next|5}",
        },
        "partners": [],
    }


def test_put_changes_only_what_is_sent(books: Any) -> None:
    before = _get(books)
    updated = books.settings(timezone="Europe/Paris", billing={"payment_due_days": 30})
    assert updated == {
        **before,
        "timezone": "Europe/Paris",
        "billing": {**SPEC_BILLING_DEFAULTS, "payment_due_days": 30},
    }
    assert _get(books) == updated
    updated = books.settings(default_locale="fr_FR", default_currency="usd", lock_date="2025-01-31")
    assert updated["default_locale"] == "fr_FR"
    assert updated["default_currency"] == "USD"
    assert updated["lock_date"] == "2025-01-31"
    assert updated["timezone"] == "Europe/Paris"
    assert books.settings(lock_date=None)["lock_date"] is None


def test_invalid_settings_change_nothing(books: Any) -> None:
    before = _get(books)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "Europe/Paris\x00"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": 1}, "timezone"),
        ({"default_currency": "EURO"}, "default_currency"),
        ({"default_currency": "XXX"}, "default_currency"),
        ({"default_currency": 978}, "default_currency"),
        ({"default_locale": "French"}, "default_locale"),
        ({"lock_date": "2025-02-30"}, "lock_date"),
        ({"lock_date": "1800-01-01"}, "lock_date"),
        ({"lock_date": 20250101}, "lock_date"),
        ({"billing": {"billing_day": 29}}, "billing.billing_day"),
        ({"billing": {"period_months": 5}}, "billing.period_months"),
        ({"billing": {"period_months": None}}, "billing.period_months"),
        ({"billing": {"credit_limit": "10.50"}}, "billing.credit_limit"),
        ({"billing": {"timing": "never"}}, "billing.timing"),
        ({"billing": {"colour": "red"}}, "billing.colour"),
        ({"billing": "monthly"}, "billing"),
        ({"company_name": "Acme"}, "company_name"),
    ]
    for body, field in cases:
        # a valid change next to the invalid one must not be applied either
        r = books.api.put("/v1/settings", json={"default_locale": "de_DE", **body})
        books.problem(r, 422, "invalid_input", field=field)
    assert _get(books) == before


def test_only_an_admin_may_change_settings(books: Any) -> None:
    before = _get(books)
    for role in (Role.BILLING, Role.VIEWER):
        key = books.api.key_for(role)
        r = books.api.put("/v1/settings", json={"timezone": "Europe/Paris"}, key=key)
        books.problem(r, 403, "forbidden")
        # reading is open to every role (solde.api.context: readers need any role)
        assert _get(books, key=key) == before
    assert _get(books) == before


def test_billing_defaults_apply_to_customers_that_inherit_them(books: Any) -> None:
    own = books.customer("Own terms", billing={"payment_due_days": 7})
    inherits = books.customer("Inherits")
    books.settings(billing={"payment_due_days": 30, "auto_settlement": False, "credit_limit": "5"})
    own_now = books.get_customer(own["id"])["billing"]
    assert own_now["payment_due_days"] == 7
    assert own_now["auto_settlement"] is False
    inherited_now = books.get_customer(inherits["id"])["billing"]
    assert inherited_now["payment_due_days"] == 30
    assert inherited_now["credit_limit"] == "5.00"
    new = books.customer("New")["billing"]
    assert (new["payment_due_days"], new["auto_settlement"]) == (30, False)
    # the inherited default really applies: payments now stay unallocated
    cid = inherits["id"]
    books.charge(cid, "10.00", "2025-01-10")
    assert books.pay(cid, "10.00", "2025-01-11")["open_amount"] == "10.00"


def test_default_currency_and_locale_apply_to_new_customers(books: Any) -> None:
    before = books.customer("Before")
    books.settings(default_currency="CHF", default_locale="de_CH")
    after = books.customer("After")
    assert (after["currency"], after["locale"]) == ("CHF", "de_CH")
    assert books.get_customer(before["id"])["currency"] == "EUR"
    assert books.get_customer(before["id"])["locale"] == "de_CH"  # follows the default
    assert books.customer("Own", locale="it_IT")["locale"] == "it_IT"


def test_the_business_time_zone_gives_today(books: Any) -> None:
    """Dates left out default to today in the time zone of settings. Kiritimati (UTC+14) and
    Pago Pago (UTC-11) never share a date."""
    cid = books.customer()["id"]
    dates = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        books.settings(timezone=zone)
        today = datetime.now(ZoneInfo(zone)).date().isoformat()
        line = books.line(cid)
        assert line["date"] == today
        assert books.balance(cid)["as_of"] == today
        dates[zone] = today
    assert dates["Pacific/Kiritimati"] > dates["Pacific/Pago_Pago"]


# -- the lock date -------------------------------------------------------------------------


def test_nothing_is_posted_on_or_before_the_lock_date(books: Any) -> None:
    cid = books.customer()["id"]
    books.pay(cid, "500.00", "2025-01-05")
    books.settings(lock_date="2025-01-31")
    before = books.snapshot(cid)
    posted = {"label": "x", "unit_price": "10", "bill_on_next_invoice": False}
    attempts = [
        ("transactions", {"kind": "debit", "date": "2025-01-31", **posted}),
        ("transactions", {"kind": "credit", "type": "gift", "date": "2024-12-31", **posted}),
        ("payments", {"amount": "10.00", "date": "2025-01-31"}),
        ("payments", {"amount": "-10.00", "date": "2025-01-15"}),
    ]
    for resource, body in attempts:
        r = books.api.post(f"/v1/customers/{cid}/{resource}", json=body)
        books.problem(r, 409, "period_locked")
    assert books.snapshot(cid) == before
    books.charge(cid, "10.00", "2025-02-01")  # the day after is open
    assert books.balance(cid)["balance"] == "-490.00"


def test_reversals_go_into_the_open_period(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "40.00", "2025-01-10")
    books.settings(lock_date="2025-01-31")
    before = books.snapshot(cid)
    r = books.api.post(f"/v1/transactions/{charge['id']}/reverse", json={"date": "2025-01-20"})
    books.problem(r, 409, "period_locked")
    assert books.snapshot(cid) == before
    r = books.api.post(f"/v1/transactions/{charge['id']}/reverse", json={"date": "2025-02-01"})
    assert r.status_code == 201, r.text
    assert books.balance(cid)["balance"] == "0.00"
    assert books.balance(cid, "2025-01-31")["balance"] == "40.00"


def test_pending_payments_cannot_be_answered_in_a_closed_period(books: Any) -> None:
    cid = books.customer()["id"]
    books.charge(cid, "80.00", "2025-01-05")
    pending = books.pay(cid, "50.00", "2025-01-06", status="pending")
    books.settings(lock_date="2025-01-31")
    before = books.snapshot(cid)
    for action, body in [
        ("confirm", {"date": "2025-01-20"}),
        ("fail", {"date": "2025-01-20"}),
        ("fail", {"date": "2025-01-20", "fee": "5.00"}),
    ]:
        r = books.api.post(f"/v1/payments/{pending['id']}/{action}", json=body)
        books.problem(r, 409, "period_locked")
    assert books.snapshot(cid) == before
    assert books.api.get(f"/v1/payments/{pending['id']}").json()["status"] == "pending"
    r = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={"date": "2025-02-03"})
    assert r.status_code == 200, r.text
    assert books.amounts(cid) == ("30.00", "30.00", "0.00", "0.00")


def test_a_chargeback_in_a_closed_period_is_refused(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "50.00", "2025-01-06")
    books.settings(lock_date="2025-01-31")
    before = books.snapshot(cid)
    r = books.api.post(f"/v1/payments/{payment['id']}/chargeback", json={"date": "2025-01-20"})
    books.problem(r, 409, "period_locked")
    assert books.snapshot(cid) == before


def test_settling_old_items_later_never_changes_a_closed_period(books: Any) -> None:
    cid = books.customer(billing={"auto_settlement": False})["id"]
    books.charge(cid, "100.00", "2025-01-10")
    books.pay(cid, "60.00", "2025-01-15")
    books.settings(lock_date="2025-01-31")
    closed = books.balance(cid, "2025-01-31")
    assert (closed["balance"], closed["debit"], closed["credit"]) == ("40.00", "100.00", "-60.00")
    r = books.api.post(f"/v1/customers/{cid}/settle")
    assert r.status_code == 200, r.text
    (made,) = r.json()["allocations"]
    assert made["amount"] == "60.00"
    assert made["date"] > "2025-01-31"
    assert books.balance(cid, "2025-01-31") == closed
    assert books.amounts(cid) == ("40.00", "40.00", "0.00", "0.00")


def test_clearing_the_lock_date_opens_every_period(books: Any) -> None:
    cid = books.customer()["id"]
    books.settings(lock_date="2025-01-31")
    r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": "1", "date": "2025-01-02"})
    books.problem(r, 409, "period_locked")
    books.settings(lock_date=None)
    books.pay(cid, "1.00", "2025-01-02")
    assert books.balance(cid)["balance"] == "-1.00"
