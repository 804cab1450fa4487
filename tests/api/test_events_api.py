"""/v1/events (SPEC §15): what dunning and the daily cycle did, newest first, filtered by type
and customer, paginated like every list."""

from __future__ import annotations

from typing import Any

import pytest

from solde.storage.api_keys import Role


def owing(books: Any, name: str, day: str = "2026-06-01") -> tuple[int, dict[str, Any]]:
    """A customer paying in 10 days, with an invoice of 50.00 dated `day`."""
    cid = int(books.customer(name, billing={"payment_due_days": 10})["id"])
    body = {"date": day, "items": [{"description": "Fibre", "unit_price": "50.00"}]}
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    return cid, dict(r.json())


def events(books: Any, **params: Any) -> dict[str, Any]:
    r = books.api.get("/v1/events", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def daily(books: Any, day: str) -> None:
    r = books.api.post("/v1/jobs/daily", json={"date": day})
    assert r.status_code == 200, r.text


def test_no_events_yet(books: Any) -> None:
    assert events(books) == {"data": [], "has_more": False, "next_cursor": None}


def test_the_daily_cycle_that_blocks_a_customer_tells_it(books: Any) -> None:
    ada, inv = owing(books, "Ada")
    daily(books, "2026-06-12")  # due 11 June: overdue and blocked on the 12th
    found = events(books)
    assert [e["type"] for e in found["data"]] == ["customer.blocked", "invoice.overdue"]
    blocked, overdue = found["data"]
    assert blocked["id"] > overdue["id"]
    assert {k: v for k, v in blocked.items() if k != "created_at"} == {
        "id": blocked["id"],
        "type": "customer.blocked",
        "customer_id": ada,
        "object_type": "customer",
        "object_id": ada,
        "occurred_on": "2026-06-12",
        "data": {
            "customer_id": ada,
            "date": "2026-06-12",
            "balance": "50.00",
            "pending_payments": "0.00",
            "credit_limit": "0.00",
            "currency": "EUR",
            "invoice_id": inv["id"],
            "invoice_number": inv["number"],
            "due_date": "2026-06-11",
        },
    }
    assert blocked["created_at"] is not None
    assert (overdue["object_type"], overdue["object_id"], overdue["occurred_on"]) == (
        "invoice",
        inv["id"],
        "2026-06-12",
    )
    assert overdue["data"] == {
        "invoice_id": inv["id"],
        "customer_id": ada,
        "number": inv["number"],
        "due_date": "2026-06-11",
    }


def test_a_payment_that_unblocks_is_told_at_once(books: Any) -> None:
    ada, _inv = owing(books, "Ada")
    daily(books, "2026-06-12")
    books.pay(ada, "50.00", "2026-06-13")
    assert books.get_customer(ada)["status"] == "active"
    [unblocked] = events(books, type="customer.unblocked")["data"]
    assert (unblocked["customer_id"], unblocked["object_id"]) == (ada, ada)
    assert (unblocked["data"]["balance"], unblocked["data"]["invoice_id"]) == ("0.00", None)


def test_reminders_due_are_events(books: Any) -> None:
    ada, inv = owing(books, "Ada")
    daily(books, "2026-06-04")
    [due] = events(books)["data"]
    [sent] = books.api.get(f"/v1/customers/{ada}/reminders").json()["data"]
    assert (due["type"], due["object_type"], due["object_id"], due["occurred_on"]) == (
        "reminder.due",
        "reminder",
        sent["id"],
        "2026-06-04",
    )
    assert due["data"] == {
        "customer_id": ada,
        "reminder_id": sent["id"],
        "date": "2026-06-04",
        "level": 1,
        "fee": None,
        "invoices": sent["invoices"],
    }
    assert sent["invoices"][0]["invoice_id"] == inv["id"]


def test_events_filter_by_type_and_customer_and_page_newest_first(books: Any) -> None:
    ada, _ = owing(books, "Ada")
    bob, _ = owing(books, "Bob")
    cyd = books.customer("Cyd")["id"]
    daily(books, "2026-06-12")
    every = events(books, limit=100)["data"]
    assert [(e["type"], e["customer_id"]) for e in every] == [
        ("customer.blocked", bob),
        ("customer.blocked", ada),
        ("invoice.overdue", bob),
        ("invoice.overdue", ada),
    ]
    assert [e["customer_id"] for e in events(books, type="customer.blocked")["data"]] == [bob, ada]
    assert [e["type"] for e in events(books, customer_id=ada)["data"]] == [
        "customer.blocked",
        "invoice.overdue",
    ]
    mine = events(books, customer_id=bob, type="invoice.overdue")["data"]
    assert [(e["type"], e["customer_id"]) for e in mine] == [("invoice.overdue", bob)]
    assert events(books, customer_id=cyd) == {"data": [], "has_more": False, "next_cursor": None}
    assert events(books, type="invoice.paid")["data"] == []

    pages, cursor = [], None
    while True:
        page = events(books, limit=3, **({} if cursor is None else {"starting_after": cursor}))
        pages.append([e["id"] for e in page["data"]])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
        assert cursor == str(page["data"][-1]["id"])
    assert pages == [[e["id"] for e in every[:3]], [every[3]["id"]]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"starting_after": "abc"}, "starting_after"),
        ({"starting_after": "-1"}, "starting_after"),
        ({"starting_after": "9" * 21}, "starting_after"),
        ({"type": "blocked"}, "type"),
        ({"type": "Customer.Blocked"}, "type"),
        ({"type": "customer.blocked; drop table events"}, "type"),
        ({"type": "a." + "b" * 100}, "type"),
        ({"customer_id": "ada"}, "customer_id"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(books: Any, params: dict[str, str], field: str) -> None:
    r = books.api.get("/v1/events", params=params)
    books.problem(r, 422, "invalid_input", field=field)


@pytest.mark.parametrize("bad", ["424242", "0", "-5", str(10**30)])
def test_an_unknown_customer_is_not_found(books: Any, bad: str) -> None:
    books.problem(books.api.get("/v1/events", params={"customer_id": bad}), 404, "not_found")


def test_every_role_reads_events_and_a_key_is_needed(books: Any) -> None:
    owing(books, "Ada")
    daily(books, "2026-06-12")
    for role in (Role.VIEWER, Role.BILLING):
        r = books.api.get("/v1/events", key=books.api.key_for(role))
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) == 2
    books.problem(books.api.client.get("/v1/events"), 401, "unauthenticated")
