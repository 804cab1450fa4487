"""The daily cycle through the API (SPEC §10, §15): `POST /v1/jobs/daily` runs each date
once, catches missed dates up oldest first, and reports what it did."""

from __future__ import annotations

from typing import Any

from solde.storage.api_keys import Role


def subscriber(books: Any, start: str) -> int:
    """A customer billed on the 1st of every month with a service of 60.00 a month."""
    cid = int(books.customer(billing={"billing_day": 1})["id"])
    body = {"description": "Fibre", "unit_price": "60.00", "start_date": start}
    r = books.api.post(f"/v1/customers/{cid}/services", json=body)
    assert r.status_code == 201, r.text
    return cid


def daily(books: Any, day: str | None = None, **kwargs: Any) -> dict[str, Any]:
    body = None if day is None else {"date": day}
    r = books.api.post("/v1/jobs/daily", json=body, **kwargs)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_date_runs_once_and_the_second_call_says_it_is_done(books: Any) -> None:
    cid = subscriber(books, "2025-04-21")
    first = daily(books, "2025-05-01")
    assert first["date"] == "2025-05-01"
    [day] = first["days"]
    assert day["run_id"] is not None
    assert {k: v for k, v in day.items() if k != "run_id"} == {
        "date": "2025-05-01",
        "invoiced": 1,
        "skipped": 0,
        "parked": 0,
        "settled_customers": 0,
        "overdue_invoices": 0,
        "reminders": 0,
        "reminder_fees": 0,
        "blocked": [],
        "unblocked": [],
        "deactivated": [],
        "failed": {},
        "already_done": False,
    }
    r = books.api.get(f"/v1/billing-runs/{day['run_id']}")
    assert (r.json()["date"], r.json()["status"]) == ("2025-05-01", "completed")
    # 21 April-31 May: 60 × 10/30 + 60 = 80.00
    assert [i["total"] for i in r.json()["invoices"]["data"]] == ["80.00"]

    again = daily(books, "2025-05-01")
    assert again["days"] == [
        {
            "date": "2025-05-01",
            "run_id": None,
            "invoiced": 0,
            "skipped": 0,
            "parked": 0,
            "settled_customers": 0,
            "overdue_invoices": 0,
            "reminders": 0,
            "reminder_fees": 0,
            "blocked": [],
            "unblocked": [],
            "deactivated": [],
            "failed": {},
            "already_done": True,
        }
    ]
    r = books.api.get("/v1/invoices", params={"customer_id": cid})
    assert len(r.json()["data"]) == 1


def test_missed_dates_are_caught_up_oldest_first(books: Any) -> None:
    subscriber(books, "2025-04-21")
    daily(books, "2025-05-01")
    # the invoice of 1 May is due 15 May (14 days): overdue from 16 May
    caught = daily(books, "2025-05-16")
    days = caught["days"]
    assert [d["date"] for d in days] == [f"2025-05-{n:02d}" for n in range(2, 17)]
    assert [d["overdue_invoices"] for d in days] == [0] * 14 + [1]
    assert not any(d["already_done"] for d in days)
    assert sum(d["invoiced"] for d in days) == 0  # 2-16 May is nobody's billing day
    assert len({d["run_id"] for d in days}) == 15
    june = daily(books, "2025-06-01")
    assert [d["invoiced"] for d in june["days"]][-1] == 1  # June, 60.00
    assert len(june["days"]) == 16  # 17 May to 1 June


def test_credit_left_beside_debts_is_settled_by_the_cycle(books: Any) -> None:
    cid = int(books.customer(billing={"auto_settlement": False})["id"])
    books.charge(cid, "30.00", "2025-04-02")
    books.pay(cid, "30.00", "2025-04-03")
    assert books.amounts(cid)[1:3] == ("30.00", "-30.00")  # debit and credit side by side
    r = books.api.patch(f"/v1/customers/{cid}", json={"billing": {"auto_settlement": True}})
    assert r.status_code == 200, r.text
    [day] = daily(books, "2025-04-05")["days"]
    assert day["settled_customers"] == 1
    assert books.amounts(cid) == ("0.00", "0.00", "0.00", "0.00")


def test_without_a_date_the_cycle_runs_today(books: Any) -> None:
    done = daily(books)
    assert [d["date"] for d in done["days"]] == [done["date"]]
    again = daily(books, done["date"])
    assert again["days"][0]["already_done"] is True


def test_bad_dates_are_refused_and_run_nothing(books: Any) -> None:
    subscriber(books, "2025-04-21")
    for body, field in (
        ({"date": "2999-12-31"}, "date"),  # not in the future
        ({"date": "2025-13-01"}, "date"),
        ({"date": 20250501}, "date"),
        ({"day": "2025-05-01"}, "day"),
    ):
        r = books.api.post("/v1/jobs/daily", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    assert books.api.get("/v1/billing-runs").json()["data"] == []


def test_only_billing_and_admin_keys_run_the_cycle(books: Any) -> None:
    viewer = books.api.key_for(Role.VIEWER)
    r = books.api.post("/v1/jobs/daily", json={"date": "2025-05-01"}, key=viewer)
    books.problem(r, 403, "forbidden")
    assert books.api.get("/v1/billing-runs").json()["data"] == []
    billing = books.api.key_for(Role.BILLING)
    assert daily(books, "2025-05-01", key=billing)["days"][0]["already_done"] is False


def test_each_day_reports_the_reminders_and_the_customers_dunning_blocked(books: Any) -> None:
    # an invoice of 1 June due in 10 days: reminders on 4, 8 and 15 June (3/7/14 days), due
    # 11 June, blocked on Friday 12 June while unpaid
    cid = int(books.customer(billing={"payment_due_days": 10})["id"])
    body = {
        "type": "one_time",
        "date": "2026-06-01",
        "items": [{"description": "Installation", "unit_price": "50.00"}],
    }
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    daily(books, "2026-06-03")

    days = {d["date"]: d for d in daily(books, "2026-06-12")["days"]}

    assert [d for d, v in days.items() if v["reminders"]] == ["2026-06-04", "2026-06-08"]
    assert [d for d, v in days.items() if v["blocked"]] == ["2026-06-12"]
    assert days["2026-06-12"]["blocked"] == [cid]
    assert all(v["reminder_fees"] == 0 and v["failed"] == {} for v in days.values())
    assert books.api.get(f"/v1/customers/{cid}").json()["status"] == "blocked"
