"""Services through the API (SPEC §8, §15): add, list, read, change, end — and the days
given back when a service billed in advance ends early; a recurring invoice made by hand bills
the services as a run would."""

from __future__ import annotations

from typing import Any

from solde.storage.api_keys import Role

FUTURE = "2999-12-31"


def customer(books: Any, **billing: Any) -> int:
    """A customer billed on the 1st of every month (unless `billing` says otherwise)."""
    return int(books.customer(billing={"billing_day": 1, **billing})["id"])


def add(books: Any, cid: int, **fields: Any) -> dict[str, Any]:
    body = {"description": "Fibre", "unit_price": "60.00", **fields}
    r = books.api.post(f"/v1/customers/{cid}/services", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def service(books: Any, sid: int, **params: Any) -> dict[str, Any]:
    r = books.api.get(f"/v1/services/{sid}", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def change(books: Any, sid: int, **changes: Any) -> dict[str, Any]:
    r = books.api.patch(f"/v1/services/{sid}", json=changes)
    assert r.status_code == 200, r.text
    return dict(r.json())


def services(books: Any, cid: int, **params: Any) -> list[dict[str, Any]]:
    r = books.api.get(f"/v1/customers/{cid}/services", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["has_more"], page["next_cursor"]) == (False, None)
    return list(page["data"])


def run(books: Any, day: str, **options: Any) -> dict[str, Any]:
    """A billing run of `day`, billed before the test client returns."""
    r = books.api.post("/v1/billing-runs", json={"date": day, **options})
    assert r.status_code == 202, r.text
    done = books.api.get(f"/v1/billing-runs/{r.json()['id']}")
    assert done.status_code == 200, done.text
    return dict(done.json())


def invoice(books: Any, invoice_id: int) -> dict[str, Any]:
    r = books.api.get(f"/v1/invoices/{invoice_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


# -- adding, reading, listing --------------------------------------------------------------


def test_a_service_reads_back_with_its_price_and_status(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, unit_price="60", tax_rate="20", quantity="2", start_date="2025-04-21")
    assert made["customer_id"] == cid
    assert (made["description"], made["currency"]) == ("Fibre", "EUR")
    assert (made["unit_price"], made["quantity"], made["tax_rate"]) == ("60.00", "2", "20")
    assert (made["start_date"], made["end_date"], made["billed_through"]) == (
        "2025-04-21",
        None,
        None,
    )
    assert made["status"] == "active"
    assert made["created_at"]
    assert made["updated_at"]
    assert service(books, made["id"]) == made
    assert services(books, cid) == [made]
    assert service(books, made["id"], as_of="2025-04-20")["status"] == "scheduled"
    assert service(books, made["id"], as_of="2025-04-21")["status"] == "active"


def test_defaults_start_today_with_one_unit_and_no_tax(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, unit_price="9.990001")
    assert (made["quantity"], made["tax_rate"]) == ("1", "0")
    assert made["unit_price"] == "9.990001"  # unit prices keep up to 6 decimals
    assert made["start_date"] == made["as_of"]  # today, as the API sees it
    assert made["status"] == "active"


def test_services_list_ended_and_scheduled_ones_oldest_first(books: Any) -> None:
    cid = customer(books)
    ended = add(books, cid, description="Old line", start_date="2025-01-01", end_date="2025-01-31")
    later = add(books, cid, description="Next year", start_date=FUTURE)
    listed = services(books, cid)
    assert [(s["id"], s["status"]) for s in listed] == [
        (ended["id"], "ended"),
        (later["id"], "scheduled"),
    ]
    as_of = services(books, cid, as_of="2025-01-15")
    assert [s["status"] for s in as_of] == ["active", "scheduled"]
    other = customer(books)
    assert services(books, other) == []


def test_bad_services_are_refused_naming_the_fields_and_change_nothing(books: Any) -> None:
    cid = customer(books)
    url = f"/v1/customers/{cid}/services"
    r = books.api.post(url, json={})
    body = books.problem(r, 422, "invalid_input")
    assert {"description", "unit_price"} <= {e["field"] for e in body["errors"]}
    cases = [
        ({"unit_price": "sixty"}, "unit_price"),
        ({"unit_price": "0.1234567"}, "unit_price"),  # 7 decimals: 6 at most
        ({"quantity": "0"}, "quantity"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"start_date": "2025-02-30"}, "start_date"),
        ({"start_date": "2025-03-01", "end_date": "2025-02-28"}, "end_date"),
        ({"description": "   "}, "description"),
        ({"colour": "blue"}, "colour"),
        ({"billed_through": "2025-03-01"}, "billed_through"),
    ]
    for fields, field in cases:
        r = books.api.post(url, json={"description": "Fibre", "unit_price": "60", **fields})
        books.problem(r, 422, "invalid_input", field=field)
    assert services(books, cid) == []
    exact = add(books, cid, unit_price=60.5)
    assert exact["unit_price"] == "60.50"


def test_unknown_customers_and_services_are_404(books: Any) -> None:
    body = {"description": "Fibre", "unit_price": "60"}
    for cid in (999, 2**63, 2**64 + 5):
        books.problem(books.api.post(f"/v1/customers/{cid}/services", json=body), 404, "not_found")
        books.problem(books.api.get(f"/v1/customers/{cid}/services"), 404, "not_found")
    for sid in (999, 2**63, 2**64 + 5):
        books.problem(books.api.get(f"/v1/services/{sid}"), 404, "not_found")
        books.problem(books.api.patch(f"/v1/services/{sid}", json={}), 404, "not_found")
    books.problem(books.api.get("/v1/services/0"), 404, "not_found")


def test_a_viewer_reads_services_but_cannot_change_them(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid)
    viewer = books.api.key_for(Role.VIEWER)
    billing = books.api.key_for(Role.BILLING)
    assert books.api.get(f"/v1/services/{made['id']}", key=viewer).status_code == 200
    assert books.api.get(f"/v1/customers/{cid}/services", key=viewer).status_code == 200
    body = {"description": "TV", "unit_price": "10"}
    r = books.api.post(f"/v1/customers/{cid}/services", json=body, key=viewer)
    books.problem(r, 403, "forbidden")
    r = books.api.patch(f"/v1/services/{made['id']}", json={"description": "TV"}, key=viewer)
    books.problem(r, 403, "forbidden")
    assert (
        books.api.post(f"/v1/customers/{cid}/services", json=body, key=billing).status_code == 201
    )
    assert len(services(books, cid)) == 2


# -- changing and ending ---------------------------------------------------------------------


def test_a_service_not_billed_yet_changes_freely(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-04-21")
    changed = change(
        books,
        made["id"],
        description="Fibre 2G",
        unit_price="70",
        quantity="3",
        tax_rate="5.5",
        start_date="2025-04-25",
        end_date="2025-12-31",
    )
    assert (changed["description"], changed["unit_price"], changed["quantity"]) == (
        "Fibre 2G",
        "70.00",
        "3",
    )
    assert (changed["tax_rate"], changed["start_date"], changed["end_date"]) == (
        "5.5",
        "2025-04-25",
        "2025-12-31",
    )
    assert changed["credit_lines"] == []
    cleared = change(books, made["id"], end_date=None)
    assert cleared["end_date"] is None
    assert cleared["description"] == "Fibre 2G"  # what is not sent stays
    same = change(books, made["id"])
    assert same["unit_price"] == "70.00"


def test_a_refused_change_names_the_field_and_changes_nothing(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-04-21")
    before = service(books, made["id"])
    sid = made["id"]
    r = books.api.patch(f"/v1/services/{sid}", json={"end_date": "2025-04-01"})
    books.problem(r, 422, "invalid_input", field="end_date")
    r = books.api.patch(f"/v1/services/{sid}", json={"unit_price": "1e99", "quantity": "-1"})
    body = books.problem(r, 422, "invalid_input")
    assert {"unit_price", "quantity"} <= {e["field"] for e in body["errors"]}
    r = books.api.patch(f"/v1/services/{sid}", json={"customer_id": 7})
    books.problem(r, 422, "invalid_input", field="customer_id")
    assert service(books, sid) == before


def test_the_start_date_is_fixed_once_billed(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-04-21")
    run(books, "2025-05-01")
    billed = service(books, made["id"])
    assert billed["billed_through"] == "2025-05-31"
    r = books.api.patch(f"/v1/services/{made['id']}", json={"start_date": "2025-04-01"})
    books.problem(r, 422, "invalid_input", field="start_date")
    assert service(books, made["id"]) == billed


def test_ending_a_service_billed_in_advance_gives_the_unused_days_back(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, unit_price="60.00", tax_rate="20", start_date="2025-06-01")
    done = run(books, "2025-06-01")
    june = invoice(books, done["invoices"]["data"][0]["id"])
    # June is billed in advance: 60.00 + 20 % tax = 72.00
    assert (june["net"], june["tax"], june["total"]) == ("60.00", "12.00", "72.00")
    assert service(books, made["id"])["billed_through"] == "2025-06-30"

    ended = change(books, made["id"], end_date="2025-06-10")
    # 11-30 June are 20 of June's 30 days: 60.00 × 20 / 30 = 40.00 net, 8.00 tax, 48.00
    assert (ended["end_date"], ended["billed_through"]) == ("2025-06-10", "2025-06-10")
    assert ended["status"] == "ended"
    [line] = ended["credit_lines"]
    assert (line["kind"], line["type"], line["state"]) == ("credit", "adjustment", "unbilled")
    assert (line["net"], line["tax"], line["amount"]) == ("40.00", "8.00", "48.00")
    assert line["date"] == "2025-06-11"  # the day after the end
    assert line["label"] == "Unused days of Fibre (2025-06-11 to 2025-06-30)"
    assert line["reference"] == f"service {made['id']}"
    assert [t["id"] for t in books.txs(cid, state="unbilled")] == [line["id"]]

    # the next invoice takes the credit: 100.00 − 48.00 = 52.00
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={
            "date": "2025-06-15",
            "items": [{"description": "Installation", "unit_price": "100.00"}],
            "include_unbilled": True,
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["total"] == "52.00"
    assert books.tx(line["id"])["state"] == "billed"

    # ending it again on the same day gives nothing more back
    again = change(books, made["id"], end_date="2025-06-10")
    assert again["credit_lines"] == []


def test_an_end_date_after_the_billed_days_gives_nothing_back(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-06-01")
    run(books, "2025-06-01")
    ended = change(books, made["id"], end_date="2025-07-15")
    assert ended["credit_lines"] == []
    assert (ended["end_date"], ended["billed_through"]) == ("2025-07-15", "2025-06-30")
    assert books.txs(cid, state="unbilled") == []


# -- a recurring invoice made by hand --------------------------------------------------------


def test_a_recurring_invoice_by_hand_bills_the_services_as_a_run_would(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-04-21")
    r = books.api.post(
        f"/v1/customers/{cid}/invoices", json={"type": "recurring", "date": "2025-05-01"}
    )
    assert r.status_code == 201, r.text
    inv = r.json()
    # 21-30 April are 10 of April's 30 days, then May in full: 60 × 10/30 + 60 = 80.00
    [item] = inv["items"]
    assert (item["service_id"], item["transaction_id"]) == (made["id"], None)
    assert (item["period_start"], item["period_end"], item["net"]) == (
        "2025-04-21",
        "2025-05-31",
        "80.00",
    )
    assert (inv["type"], inv["total"]) == ("recurring", "80.00")
    assert service(books, made["id"])["billed_through"] == "2025-05-31"
    # a run of the same date finds nothing left to bill
    done = run(books, "2025-05-01")
    assert done["progress"]["invoiced"] == 0
    r = books.api.get("/v1/invoices", params={"customer_id": cid})
    assert [i["id"] for i in r.json()["data"]] == [inv["id"]]


def test_include_services_false_or_on_other_types(books: Any) -> None:
    cid = customer(books)
    made = add(books, cid, start_date="2025-04-21")
    url = f"/v1/customers/{cid}/invoices"
    body = {"type": "recurring", "date": "2025-05-01", "include_services": False}
    books.problem(books.api.post(url, json=body), 422, "invalid_input", field="items")
    items = [{"description": "Support", "unit_price": "15.00"}]
    r = books.api.post(url, json={**body, "items": items})
    assert r.status_code == 201, r.text
    assert [(i["description"], i["service_id"]) for i in r.json()["items"]] == [("Support", None)]
    assert service(books, made["id"])["billed_through"] is None
    one_time = {"date": "2025-05-01", "items": items, "include_services": True}
    r = books.api.post(url, json=one_time)
    books.problem(r, 422, "invalid_input", field="include_services")
    r = books.api.post(url, json={**one_time, "include_services": "yes"})
    books.problem(r, 422, "invalid_input", field="include_services")
