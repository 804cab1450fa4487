"""Dunning through the API (SPEC §9, §15): a customer's calendar, moving the next block date,
the preview of a date's dunning, the reminders recorded, and the dunning settings.

Invoices are dated in June 2026, in the past of the API's "today"; the next block date, which
must lie between today and a year later, is counted from the API's today (UTC by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solde.domain.periods import add_months
from solde.storage.api_keys import Role

ABSURD_IDS = ["0", "-1", str(10**30), "424242"]


def utc_today() -> date:
    """The API's "today": the business time zone is UTC by default."""
    return datetime.now(ZoneInfo("UTC")).date()


def weekday(after_days: int, *, saturday: bool = False) -> date:
    """The first Monday-to-Friday (or Saturday) at least `after_days` after the API's today."""
    day = utc_today() + timedelta(days=after_days)
    while day.weekday() != 5 if saturday else day.weekday() > 4:
        day += timedelta(days=1)
    return day


def owing(
    books: Any, day: str = "2026-06-01", price: str = "50.00", name: str = "Ada", **billing: Any
) -> tuple[int, dict[str, Any]]:
    """A customer paying in 10 days, with one invoice of `price` dated `day`."""
    cid = int(books.customer(name, billing={"payment_due_days": 10, **billing})["id"])
    body = {"date": day, "items": [{"description": "Fibre", "unit_price": price}]}
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    return cid, dict(r.json())


def calendar(books: Any, cid: int, as_of: str | None = None, **kwargs: Any) -> dict[str, Any]:
    params = {} if as_of is None else {"as_of": as_of}
    r = books.api.get(f"/v1/customers/{cid}/dunning", params=params, **kwargs)
    assert r.status_code == 200, r.text
    return dict(r.json())


def plan(books: Any, day: str | None = None, **kwargs: Any) -> dict[str, Any]:
    params = {} if day is None else {"date": day}
    r = books.api.get("/v1/dunning", params=params, **kwargs)
    assert r.status_code == 200, r.text
    return dict(r.json())


def daily(books: Any, day: str) -> None:
    r = books.api.post("/v1/jobs/daily", json={"date": day})
    assert r.status_code == 200, r.text


def move(books: Any, cid: int, body: Any, **kwargs: Any) -> Any:
    return books.api.put(f"/v1/customers/{cid}/next-block-date", json=body, **kwargs)


def reminder(inv: dict[str, Any], level: int, day: str, days_left: int) -> dict[str, Any]:
    return {
        "invoice_id": inv["id"],
        "number": inv["number"],
        "level": level,
        "date": day,
        "days_left": days_left,
        "open_amount": "50.00",
        "sent_on": None,
        "fee": None,
    }


# -- the calendar ---------------------------------------------------------------------------


def test_the_calendar_of_spec_9(books: Any) -> None:
    """Document date 1 June, payment_due_days 10: due 11 June, blocked from 12 June; the
    deactivation date (12 June + 30 = Sunday 12 July) moves to Monday."""
    cid, inv = owing(books)
    assert calendar(books, cid, "2026-06-05") == {
        "customer_id": cid,
        "as_of": "2026-06-05",
        "status": "active",
        "status_by": None,
        "exempt": False,
        "currency": "EUR",
        "balance": "50.00",
        "pending_payments": "0.00",
        "credit_limit": "0.00",
        "over_limit": True,
        "billing_due_date": "2026-06-11",
        "billing_due_invoice": {"id": inv["id"], "number": inv["number"], "open_amount": "50.00"},
        "computed_block_date": "2026-06-12",
        "next_block_date": "2026-06-12",
        "next_block_date_override": None,
        "next_deactivation_date": "2026-07-13",
        "blocked_on": None,
        "action": None,
        "reminders": [
            reminder(inv, 1, "2026-06-04", -1),
            reminder(inv, 2, "2026-06-08", 3),
            reminder(inv, 3, "2026-06-15", 10),
        ],
    }
    assert calendar(books, cid, "2026-06-11")["action"] is None
    assert calendar(books, cid, "2026-06-12")["action"] == "block"


def test_the_calendar_counts_the_balance_of_its_date(books: Any) -> None:
    cid, _inv = owing(books)
    books.pay(cid, "50.00", "2026-06-20")
    before = calendar(books, cid, "2026-06-19")
    assert (before["balance"], before["billing_due_date"], before["action"]) == (
        "50.00",
        "2026-06-11",
        "block",
    )
    after = calendar(books, cid, "2026-06-20")
    assert (after["balance"], after["over_limit"], after["action"]) == ("0.00", False, None)
    # the payment settled the invoice the day it was recorded (today): from then on, no dates
    now = calendar(books, cid)
    assert (now["billing_due_date"], now["next_block_date"], now["reminders"]) == (None, None, [])


def test_the_calendar_defaults_to_today(books: Any) -> None:
    cid, _inv = owing(books)
    assert calendar(books, cid)["as_of"] == utc_today().isoformat()


def test_a_customer_without_invoices_has_no_dates(books: Any) -> None:
    cid = books.customer("Nobody")["id"]
    cal = calendar(books, cid, "2026-06-05")
    assert (cal["balance"], cal["billing_due_date"], cal["next_block_date"]) == ("0.00", None, None)
    assert (cal["next_deactivation_date"], cal["reminders"], cal["action"]) == (None, [], None)


def test_a_customer_exempt_from_dunning_has_no_block_date_nor_reminders(books: Any) -> None:
    cid, _inv = owing(books, dunning_enabled=False)
    cal = calendar(books, cid, "2026-06-12")
    assert (cal["exempt"], cal["billing_due_date"], cal["next_block_date"]) == (
        True,
        "2026-06-11",
        None,
    )
    assert (cal["reminders"], cal["action"]) == ([], None)


@pytest.mark.parametrize(
    ("dunning", "expected"),
    [
        ({}, "2026-06-15"),  # Saturday 13 June moves to Monday
        ({"block_on_weekends": True}, "2026-06-13"),
        ({"holidays": ["2026-06-15"]}, "2026-06-16"),  # a holiday on the Monday too
        ({"holidays": ["2026-06-15", "2026-06-16"]}, "2026-06-17"),
        ({"holidays": ["2026-06-15"], "block_on_holidays": True}, "2026-06-15"),
        ({"block_on_weekends": True, "holidays": ["2026-06-13"]}, "2026-06-14"),
    ],
)
def test_a_block_date_on_a_non_working_day_moves_to_the_next_working_day(
    books: Any, dunning: dict[str, Any], expected: str
) -> None:
    """Document date 2 June, due 12 June: the block date is Saturday 13 June."""
    books.settings(dunning=dunning)
    cid, _inv = owing(books, day="2026-06-02")
    cal = calendar(books, cid, "2026-06-05")
    assert (cal["billing_due_date"], cal["computed_block_date"], cal["next_block_date"]) == (
        "2026-06-12",
        expected,
        expected,
    )


def test_a_country_calendar_adds_its_public_holidays(books: Any) -> None:
    """Due Monday 13 July 2026: the block date, 14 July, is France's national day."""
    cid, _inv = owing(books, day="2026-07-03")
    assert calendar(books, cid, "2026-07-05")["next_block_date"] == "2026-07-14"
    books.settings(dunning={"holiday_country": "fr"})
    assert calendar(books, cid, "2026-07-05")["next_block_date"] == "2026-07-15"


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        ("2026-02-30", "date_from_datetime_parsing"),
        ("tomorrow", "value_error"),
        ("20260601", "value_error"),
        ("1800-01-01", "out_of_range"),
        ("", "value_error"),
    ],
)
def test_a_bad_as_of_is_refused_naming_it(books: Any, as_of: str, code: str) -> None:
    cid, _inv = owing(books)
    r = books.api.get(f"/v1/customers/{cid}/dunning", params={"as_of": as_of})
    body = books.problem(r, 422, "invalid_input", field="as_of")
    assert body["errors"][0]["code"] == code


@pytest.mark.parametrize("bad", ABSURD_IDS)
def test_unknown_customers_are_not_found(books: Any, bad: str) -> None:
    for r in (
        books.api.get(f"/v1/customers/{bad}/dunning"),
        books.api.get(f"/v1/customers/{bad}/reminders"),
        move(books, bad, {"date": (utc_today() + timedelta(days=3)).isoformat()}),
    ):
        books.problem(r, 404, "not_found")


def test_a_customer_id_that_is_not_a_number_is_refused_naming_it(books: Any) -> None:
    r = books.api.get("/v1/customers/ada/dunning")
    books.problem(r, 422, "invalid_input", field="customer_id")


# -- moving the next block date -------------------------------------------------------------


def test_the_next_block_date_moves_once_per_billing_period(books: Any) -> None:
    today = utc_today()
    chosen = weekday(10).isoformat()
    cid, _inv = owing(books)
    r = move(books, cid, {"date": chosen, "reason": "promised a transfer"})
    assert r.status_code == 200, r.text
    cal = r.json()
    assert cal == calendar(books, cid)
    assert (cal["as_of"], cal["computed_block_date"], cal["next_block_date"]) == (
        today.isoformat(),
        "2026-06-12",
        chosen,
    )
    assert cal["next_block_date_override"] == {
        "date": chosen,
        "set_on": today.isoformat(),
        "applies": True,
    }
    assert cal["action"] is None  # today is before the chosen date: no block today
    # past the chosen date, the computed dates apply again
    after = calendar(books, cid, (weekday(10) + timedelta(days=1)).isoformat())
    assert after["next_block_date"] == "2026-06-12"
    assert after["next_block_date_override"]["applies"] is False
    assert after["action"] == "block"

    again = move(books, cid, {"date": (today + timedelta(days=12)).isoformat()})
    body = books.problem(again, 409, "invalid_state")
    assert "once per billing period" in body["detail"]
    assert calendar(books, cid)["next_block_date"] == chosen

    [event] = books.api.get("/v1/events", params={"customer_id": cid}).json()["data"]
    assert (event["type"], event["occurred_on"]) == (
        "customer.next_block_date_set",
        today.isoformat(),
    )
    assert event["data"] == {
        "customer_id": cid,
        "date": chosen,
        "was": "2026-06-12",
        "reason": "promised a transfer",
    }


def test_withdrawing_the_next_block_date_still_counts_as_the_periods_move(books: Any) -> None:
    today = utc_today()
    cid, _inv = owing(books)
    books.problem(move(books, cid, {"date": None}), 409, "invalid_state")  # nothing to withdraw
    r = move(books, cid, {"date": (today + timedelta(days=5)).isoformat()})
    assert r.status_code == 200, r.text
    r = move(books, cid, {"date": None, "reason": "paid nothing after all"})
    assert r.status_code == 200, r.text
    cal = r.json()
    assert (cal["next_block_date"], cal["next_block_date_override"]) == ("2026-06-12", None)
    assert cal["action"] == "block"  # the daily cycle of today would block
    r = move(books, cid, {"date": (today + timedelta(days=5)).isoformat()})
    books.problem(r, 409, "invalid_state")
    types = [e["type"] for e in books.api.get("/v1/events").json()["data"]]
    assert types == ["customer.next_block_date_withdrawn", "customer.next_block_date_set"]


def test_the_next_block_date_of_a_blocked_customer_stays(books: Any) -> None:
    cid, _inv = owing(books)
    daily(books, "2026-06-12")
    assert books.get_customer(cid)["status"] == "blocked"
    r = move(books, cid, {"date": (utc_today() + timedelta(days=3)).isoformat()})
    body = books.problem(r, 409, "invalid_state")
    assert "blocked" in body["detail"]
    # blocked by hand: the same
    other = books.customer("Bob")["id"]
    assert books.api.patch(f"/v1/customers/{other}", json={"status": "blocked"}).status_code == 200
    books.problem(move(books, other, {"date": None}), 409, "invalid_state")


def test_a_next_block_date_on_a_weekend_moves_to_the_next_working_day(books: Any) -> None:
    saturday = weekday(3, saturday=True)
    cid, _inv = owing(books)
    r = move(books, cid, {"date": saturday.isoformat()})
    assert r.status_code == 200, r.text
    cal = r.json()
    assert cal["next_block_date_override"]["date"] == saturday.isoformat()
    assert cal["next_block_date"] == (saturday + timedelta(days=2)).isoformat()
    sunday = calendar(books, cid, (saturday + timedelta(days=1)).isoformat())
    assert (sunday["next_block_date"], sunday["action"]) == (cal["next_block_date"], None)


def test_the_next_block_date_lies_between_today_and_a_year_later(books: Any) -> None:
    today = utc_today()
    cid, _inv = owing(books)
    latest = add_months(today, 12)
    for day in (today - timedelta(days=1), latest + timedelta(days=1)):
        r = move(books, cid, {"date": day.isoformat()})
        body = books.problem(r, 422, "invalid_input", field="date")
        assert body["errors"][0]["code"] == "out_of_range"
    r = move(books, cid, {"date": latest.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["next_block_date_override"]["date"] == latest.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "next friday"}, "date"),
        ({"date": 20261231}, "date"),
        ({"date": ["2026-12-31"]}, "date"),
        ({"reason": "no date"}, "date"),
        ({}, "date"),
        ({"date": None, "colour": "red"}, "colour"),
        ({"date": None, "reason": "x" * 501}, "reason"),
        ({"date": None, "reason": 7}, "reason"),
        ([], "body"),
        ("2026-12-31", "body"),
        (None, "body"),
    ],
)
def test_a_bad_next_block_date_is_refused_naming_the_field(
    books: Any, body: Any, field: str
) -> None:
    cid, _inv = owing(books)
    before = calendar(books, cid)
    books.problem(move(books, cid, body), 422, "invalid_input", field=field)
    assert calendar(books, cid) == before
    assert books.api.get("/v1/events").json()["data"] == []


def test_only_billing_and_admin_keys_move_the_next_block_date(books: Any) -> None:
    cid, _inv = owing(books)
    chosen = weekday(4).isoformat()
    viewer = books.api.key_for(Role.VIEWER)
    books.problem(move(books, cid, {"date": chosen}, key=viewer), 403, "forbidden")
    assert calendar(books, cid, key=viewer)["next_block_date_override"] is None
    r = move(books, cid, {"date": chosen}, key=books.api.key_for(Role.BILLING))
    assert r.status_code == 200, r.text
    assert r.json()["next_block_date"] == chosen


def test_the_next_block_date_takes_no_idempotency_key_but_ignores_one(books: Any) -> None:
    """Idempotency keys are for POSTs; a PUT sent with one is simply a PUT."""
    cid, _inv = owing(books)
    chosen = (utc_today() + timedelta(days=4)).isoformat()
    r = books.api.client.put(
        f"/v1/customers/{cid}/next-block-date",
        json={"date": chosen},
        headers={**books.api.headers(), "Idempotency-Key": "move-1"},
    )
    assert r.status_code == 200, r.text
    assert "Idempotent-Replayed" not in r.headers


# -- a date's dunning -----------------------------------------------------------------------


def test_the_dunning_of_a_date_lists_who_would_be_blocked_and_reminded(books: Any) -> None:
    ada, inv = owing(books)
    bob, bob_invoice = owing(books, day="2026-06-04", name="Bob")  # due 14 June
    owing(books, day="2026-06-01", name="Cyd", dunning_enabled=False)
    assert plan(books, "2026-06-11") == {
        "date": "2026-06-11",
        "to_block": [],
        "to_unblock": [],
        "to_deactivate": [],
        "reminders": [
            {
                "name": "Bob",
                "customer_id": bob,
                "date": "2026-06-11",
                "currency": "EUR",
                "level": 2,
                "fee": None,
                "reminders": [reminder(bob_invoice, 2, "2026-06-11", 0)],
            }
        ],
    }
    day = plan(books, "2026-06-12")
    assert [(c["name"], c["customer_id"], c["action"]) for c in day["to_block"]] == [
        ("Ada", ada, "block")
    ]
    assert day["to_block"][0] == {"name": "Ada", **calendar(books, ada, "2026-06-12")}
    assert day["reminders"] == []
    # a preview changes nothing
    assert books.get_customer(ada)["status"] == "active"
    assert books.api.get(f"/v1/customers/{ada}/reminders").json() == {"data": []}
    assert books.api.get("/v1/events").json()["data"] == []
    assert inv["due_date"] == "2026-06-11"


def test_the_dunning_of_a_date_lists_blocks_to_lift_and_to_turn_into_deactivations(
    books: Any,
) -> None:
    ada, _ = owing(books)
    bob, _ = owing(books, name="Bob")
    daily(books, "2026-06-12")
    assert [books.get_customer(c)["status"] for c in (ada, bob)] == ["blocked", "blocked"]
    # Bob may now owe up to 100: his block no longer holds
    r = books.api.patch(f"/v1/customers/{bob}", json={"billing": {"credit_limit": "100"}})
    assert r.status_code == 200, r.text
    day = plan(books, "2026-06-13")
    assert [(c["name"], c["action"]) for c in day["to_unblock"]] == [("Bob", "unblock")]
    assert (day["to_block"], day["to_deactivate"]) == ([], [])
    # blocked on 12 June + 30 days = Sunday 12 July: deactivated on Monday 13 July
    assert plan(books, "2026-07-10")["to_deactivate"] == []
    [ada_then] = plan(books, "2026-07-13")["to_deactivate"]
    assert (ada_then["name"], ada_then["blocked_on"], ada_then["next_deactivation_date"]) == (
        "Ada",
        "2026-06-12",
        "2026-07-13",
    )
    assert ada_then["action"] == "deactivate"


def test_the_dunning_of_a_date_defaults_to_today(books: Any) -> None:
    assert plan(books) == {
        "date": utc_today().isoformat(),
        "to_block": [],
        "to_unblock": [],
        "to_deactivate": [],
        "reminders": [],
    }


@pytest.mark.parametrize("bad", ["2026-06-31", "soon", "06/12/2026", "3000-01-01", "12"])
def test_a_bad_dunning_date_is_refused_naming_it(books: Any, bad: str) -> None:
    books.problem(
        books.api.get("/v1/dunning", params={"date": bad}), 422, "invalid_input", field="date"
    )


# -- reminders ------------------------------------------------------------------------------


def test_reminders_recorded_by_the_daily_cycle_are_listed_newest_first(books: Any) -> None:
    books.settings(dunning={"reminder_fees": {"EUR": ["0", "5.00", "10.00"]}})
    cid, inv = owing(books)
    assert books.api.get(f"/v1/customers/{cid}/reminders").json() == {"data": []}
    daily(books, "2026-06-04")  # reminder 1: no fee
    daily(books, "2026-06-08")  # reminder 2: 5.00
    found = books.api.get(f"/v1/customers/{cid}/reminders").json()["data"]
    fee_id = found[0]["fee_transaction_id"]
    line = {
        "invoice_id": inv["id"],
        "number": inv["number"],
        "open_amount": "50.00",
        "currency": "EUR",
    }
    assert found == [
        {
            "id": found[0]["id"],
            "customer_id": cid,
            "date": "2026-06-08",
            "level": 2,
            "status": "recorded",
            "fee_transaction_id": fee_id,
            "invoices": [{**line, "level": 2, "date": "2026-06-08"}],
        },
        {
            "id": found[1]["id"],
            "customer_id": cid,
            "date": "2026-06-04",
            "level": 1,
            "status": "recorded",
            "fee_transaction_id": None,
            "invoices": [{**line, "level": 1, "date": "2026-06-04"}],
        },
    ]
    fee = books.tx(fee_id)
    assert (fee["type"], fee["label"], fee["amount"], fee["date"]) == (
        "collection_cost",
        "Reminder fee (level 2)",
        "5.00",
        "2026-06-08",
    )
    assert books.balance(cid)["balance"] == "55.00"
    # the calendar shows when each was sent, and the fee of each level
    sent = [
        (r["level"], r["sent_on"], r["fee"])
        for r in calendar(books, cid, "2026-06-09")["reminders"]
    ]
    assert sent == [(1, "2026-06-04", None), (2, "2026-06-08", "5.00"), (3, None, "10.00")]
    limited = books.api.get(f"/v1/customers/{cid}/reminders", params={"limit": 1}).json()
    assert [r["level"] for r in limited["data"]] == [2]


@pytest.mark.parametrize("limit", ["0", "501", "many"])
def test_a_bad_reminders_limit_is_refused_naming_it(books: Any, limit: str) -> None:
    cid, _inv = owing(books)
    r = books.api.get(f"/v1/customers/{cid}/reminders", params={"limit": limit})
    books.problem(r, 422, "invalid_input", field="limit")


# -- blocking and unblocking through the API ------------------------------------------------


def test_a_payment_through_the_api_unblocks_at_once(books: Any) -> None:
    cid, _inv = owing(books)
    daily(books, "2026-06-12")
    assert books.get_customer(cid)["status"] == "blocked"
    cal = calendar(books, cid, "2026-06-12")
    assert (cal["status"], cal["status_by"], cal["blocked_on"]) == (
        "blocked",
        "dunning",
        "2026-06-12",
    )
    assert (cal["next_block_date"], cal["next_deactivation_date"]) == (None, "2026-07-13")

    books.pay(cid, "20.00", "2026-06-13")  # still 30.00 over the limit
    assert books.get_customer(cid)["status"] == "blocked"
    books.pay(cid, "30.00", "2026-06-13")
    assert books.get_customer(cid)["status"] == "active"
    types = [
        e["type"] for e in books.api.get("/v1/events", params={"customer_id": cid}).json()["data"]
    ]
    assert types == ["customer.unblocked", "customer.blocked", "invoice.overdue"]


def test_a_pending_payment_unblocks_until_it_fails(books: Any) -> None:
    cid, inv = owing(books)
    daily(books, "2026-06-12")
    pending = books.pay(cid, "50.00", "2026-06-13", status="pending", invoice_id=inv["id"])
    assert books.get_customer(cid)["status"] == "active"
    cal = calendar(books, cid)
    assert (cal["pending_payments"], cal["over_limit"], cal["action"]) == ("50.00", False, None)
    assert cal["reminders"] == []  # the pending payment names the invoice
    r = books.api.post(f"/v1/payments/{pending['id']}/fail", json={"reason": "refused"})
    assert r.status_code == 200, r.text
    cal = calendar(books, cid)
    # the failure brings the dates back into force: blocked since 12 June, the deactivation
    # date (13 July) has passed, so the next cycle deactivates
    assert (cal["pending_payments"], cal["over_limit"], cal["action"]) == (
        "0.00",
        True,
        "deactivate",
    )
    assert cal["next_deactivation_date"] == "2026-07-13"
    assert [r["level"] for r in cal["reminders"]] == [1, 2, 3]


def test_a_block_by_hand_is_not_lifted_by_a_payment(books: Any) -> None:
    cid, _inv = owing(books)
    r = books.api.patch(f"/v1/customers/{cid}", json={"status": "blocked"})
    assert r.status_code == 200, r.text
    books.pay(cid, "50.00", "2026-06-13")
    assert books.get_customer(cid)["status"] == "blocked"
    cal = calendar(books, cid, "2026-06-14")
    assert (cal["status_by"], cal["action"], cal["next_deactivation_date"]) == ("hand", None, None)


# -- every role reads -----------------------------------------------------------------------


def test_every_role_reads_dunning(books: Any) -> None:
    cid, _inv = owing(books)
    for role in (Role.VIEWER, Role.BILLING):
        key = books.api.key_for(role)
        assert calendar(books, cid, "2026-06-05", key=key)["next_block_date"] == "2026-06-12"
        assert plan(books, "2026-06-12", key=key)["to_block"][0]["customer_id"] == cid
        r = books.api.get(f"/v1/customers/{cid}/reminders", key=key)
        assert r.status_code == 200, r.text
    r = books.api.client.get(f"/v1/customers/{cid}/dunning")
    books.problem(r, 401, "unauthenticated")


# -- settings -------------------------------------------------------------------------------

DEFAULT_DUNNING = {
    "block_on_weekends": False,
    "block_on_holidays": False,
    "holidays": [],
    "holiday_country": None,
    "holiday_subdivision": None,
    "reminder_offsets": [3, 7, 14],
    "reminder_fees": {},
}


def test_dunning_settings_read_and_change(books: Any) -> None:
    assert books.api.get("/v1/settings").json()["dunning"] == DEFAULT_DUNNING
    changed = books.settings(
        dunning={
            "block_on_weekends": True,
            "holidays": ["2026-12-25", "2026-01-01", "2026-12-25"],
            "holiday_country": "de",
            "holiday_subdivision": "by",
            "reminder_offsets": [5, 10],
            "reminder_fees": {"eur": ["0", "2.5"], "JPY": [None, 300]},
        }
    )
    expected = {
        "block_on_weekends": True,
        "block_on_holidays": False,
        "holidays": ["2026-01-01", "2026-12-25"],
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "reminder_offsets": [5, 10],
        "reminder_fees": {"EUR": ["0.00", "2.50"], "JPY": ["0", "300"]},
    }
    assert changed["dunning"] == expected
    assert books.api.get("/v1/settings").json()["dunning"] == expected
    # omitted settings keep their value; null clears the country calendar
    again = books.settings(dunning={"holiday_subdivision": None, "holiday_country": None})
    assert again["dunning"] == {**expected, "holiday_country": None, "holiday_subdivision": None}


@pytest.mark.parametrize(
    ("dunning", "field"),
    [
        ({"holiday_country": "Atlantis"}, "dunning.holiday_country"),
        ({"holiday_country": "ZZ"}, "dunning.holiday_country"),
        ({"holiday_country": 33}, "dunning.holiday_country"),
        ({"holiday_country": "FR", "holiday_subdivision": "XX"}, "dunning.holiday_subdivision"),
        ({"holiday_subdivision": "BY"}, "dunning.holiday_subdivision"),
        ({"block_on_weekends": "yes"}, "dunning.block_on_weekends"),
        ({"block_on_holidays": None}, "dunning.block_on_holidays"),
        ({"holidays": ["2026-02-30"]}, "dunning.holidays.0"),
        ({"holidays": "2026-12-25"}, "dunning.holidays"),
        ({"holidays": None}, "dunning.holidays"),
        ({"reminder_offsets": [7, 3]}, "dunning.reminder_offsets"),
        ({"reminder_offsets": [3, -1]}, "dunning.reminder_offsets.1"),
        ({"reminder_offsets": list(range(11))}, "dunning.reminder_offsets"),
        ({"reminder_offsets": ["3"]}, "dunning.reminder_offsets.0"),
        ({"reminder_fees": {"EUR": ["5.001"]}}, "dunning.reminder_fees.EUR.0"),
        ({"reminder_fees": {"EUR": ["-5"]}}, "dunning.reminder_fees.EUR.0"),
        ({"reminder_fees": {"EUR": ["1", "2", "3", "4"]}}, "dunning.reminder_fees.EUR"),
        ({"reminder_fees": {"EURO": ["1"]}}, "dunning.reminder_fees.EURO"),
        ({"reminder_fees": {"EUR": "5.00"}}, "dunning.reminder_fees.EUR"),
        ({"reminder_fees": ["5.00"]}, "dunning.reminder_fees"),
        ({"grace": 3}, "dunning.grace"),
    ],
)
def test_bad_dunning_settings_are_refused_naming_the_field(
    books: Any, dunning: dict[str, Any], field: str
) -> None:
    before = books.api.get("/v1/settings").json()
    r = books.api.put("/v1/settings", json={"default_locale": "de_DE", "dunning": dunning})
    books.problem(r, 422, "invalid_input", field=field)
    assert books.api.get("/v1/settings").json() == before


def test_only_an_admin_changes_dunning_settings(books: Any) -> None:
    for role in (Role.BILLING, Role.VIEWER):
        key = books.api.key_for(role)
        r = books.api.put("/v1/settings", json={"dunning": {"block_on_weekends": True}}, key=key)
        books.problem(r, 403, "forbidden")
        assert books.api.get("/v1/settings", key=key).json()["dunning"] == DEFAULT_DUNNING


def test_the_openapi_document_describes_every_dunning_field(books: Any) -> None:
    document = books.api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in (
        "CalendarOut",
        "ReminderOut",
        "DayPlanOut",
        "SentReminderOut",
        "SentLineOut",
        "DunningOut",
        "EventOut",
    ):
        undescribed = [
            field
            for field, spec in schemas[name]["properties"].items()
            if not spec.get("description")
        ]
        assert undescribed == [], (name, undescribed)
    paths = document["paths"]
    assert paths["/v1/customers/{customer_id}/dunning"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/CalendarOut"}
    assert "put" in paths["/v1/customers/{customer_id}/next-block-date"]
    assert schemas["SettingsOut"]["properties"]["dunning"] == {
        "$ref": "#/components/schemas/DunningOut"
    }
