"""Billing runs through the API (SPEC §8, §15): a run answers at once and bills after, the
same date twice is the same run, a preview is compared then confirmed or discarded, parked
customers are billed again once fixed."""

from __future__ import annotations

from typing import Any

from solde.api.routes import billing_runs
from solde.storage.api_keys import Role


def subscriber(books: Any, start: str, price: str = "60.00", **fields: Any) -> tuple[int, int]:
    """A customer billed on the 1st of every month with one service: (customer, service)."""
    cid = books.customer(billing={"billing_day": 1})["id"]
    body = {"description": "Fibre", "unit_price": price, "start_date": start, **fields}
    r = books.api.post(f"/v1/customers/{cid}/services", json=body)
    assert r.status_code == 201, r.text
    return int(cid), int(r.json()["id"])


def start(books: Any, day: str, **options: Any) -> dict[str, Any]:
    """POST a run (202) and return the answer, written before the run billed anyone."""
    r = books.api.post("/v1/billing-runs", json={"date": day, **options})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/billing-runs/{r.json()['id']}"
    return dict(r.json())


def get_run(books: Any, run_id: int) -> dict[str, Any]:
    r = books.api.get(f"/v1/billing-runs/{run_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def run(books: Any, day: str, **options: Any) -> dict[str, Any]:
    """A run as it stands once billed (the test client returns after the background work)."""
    return get_run(books, start(books, day, **options)["id"])


def customers(books: Any, run_id: int, **params: Any) -> dict[str, Any]:
    r = books.api.get(f"/v1/billing-runs/{run_id}/customers", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def invoices_of(books: Any, cid: int) -> list[dict[str, Any]]:
    r = books.api.get("/v1/invoices", params={"customer_id": cid})
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


def service(books: Any, sid: int) -> dict[str, Any]:
    r = books.api.get(f"/v1/services/{sid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def post(books: Any, path: str, status: int) -> dict[str, Any]:
    r = books.api.post(path)
    assert r.status_code == status, r.text
    return dict(r.json())


# -- a run ----------------------------------------------------------------------------------


def test_a_run_answers_at_once_then_invoices_the_spec_example(books: Any) -> None:
    cid, sid = subscriber(books, "2025-04-21")
    answer = start(books, "2025-05-01")
    assert (answer["date"], answer["status"], answer["preview"]) == ("2025-05-01", "running", False)
    assert (answer["skip_zero_invoices"], answer["balance_only_accounts"]) == (True, False)
    assert answer["progress"] == {
        "total": 1,
        "done": 0,
        "invoiced": 0,
        "drafted": 0,
        "skipped": 0,
        "parked": 0,
        "discarded": 0,
        "percent": 0,
    }
    assert answer["invoices"]["data"] == []
    assert answer["finished_at"] is None

    done = get_run(books, answer["id"])
    assert done["status"] == "completed"
    assert done["finished_at"] is not None
    assert (done["progress"]["invoiced"], done["progress"]["percent"]) == (1, 100)
    [made] = done["invoices"]["data"]
    assert (made["customer_id"], made["document_date"], made["currency"]) == (
        cid,
        "2025-05-01",
        "EUR",
    )
    # SPEC §8: 60.00 a month from 21 April, billed on 1 May for 21 April-31 May:
    # 60 × 10/30 + 60 = 80.00
    assert made["total"] == "80.00"
    assert made["number"] == "202501000001"
    assert made["status"] == "overdue"  # due 15 May 2025, long past
    assert done["parked"] == {"data": [], "has_more": False, "next_cursor": None}

    r = books.api.get(f"/v1/invoices/{made['id']}")
    inv = r.json()
    assert inv["type"] == "recurring"
    assert (inv["period_start"], inv["period_end"]) == ("2025-04-21", "2025-05-31")
    [item] = inv["items"]
    assert (item["service_id"], item["net"], item["period_start"], item["period_end"]) == (
        sid,
        "80.00",
        "2025-04-21",
        "2025-05-31",
    )
    assert service(books, sid)["billed_through"] == "2025-05-31"
    assert books.balance(cid)["balance"] == "80.00"
    assert customers(books, answer["id"])["data"] == [
        {
            "customer_id": cid,
            "outcome": "invoiced",
            "document_id": made["id"],
            "total": "80.00",
            "currency": "EUR",
            "reason": None,
        }
    ]


def test_the_same_date_twice_is_the_same_run_and_one_invoice(books: Any) -> None:
    cid, sid = subscriber(books, "2025-04-21")
    first = run(books, "2025-05-01")
    again = start(books, "2025-05-01")
    assert again["id"] == first["id"]
    done = get_run(books, first["id"])
    assert done["status"] == "completed"
    assert done["progress"]["invoiced"] == 1
    assert [i["total"] for i in invoices_of(books, cid)] == ["80.00"]
    assert service(books, sid)["billed_through"] == "2025-05-31"
    later = run(books, "2025-06-01")
    assert later["id"] != first["id"]
    assert [i["total"] for i in invoices_of(books, cid)] == ["60.00", "80.00"]


def test_an_idempotency_key_replays_the_first_answer(books: Any) -> None:
    subscriber(books, "2025-04-21")
    headers = {"Idempotency-Key": "run-2025-05"}
    body = {"date": "2025-05-01"}
    first = books.api.post("/v1/billing-runs", json=body, headers=headers)
    assert first.status_code == 202, first.text
    replay = books.api.post("/v1/billing-runs", json=body, headers=headers)
    assert replay.status_code == 202
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    other = books.api.post("/v1/billing-runs", json={"date": "2025-05-02"}, headers=headers)
    books.problem(other, 409, "idempotency_key_reused")
    assert len(books.api.get("/v1/billing-runs").json()["data"]) == 1


def test_customers_of_a_run_are_paged_and_filtered_by_outcome(books: Any) -> None:
    ids = [subscriber(books, "2025-06-01")[0] for _ in range(3)]
    idle = books.customer("No service", billing={"billing_day": 1})["id"]
    done = run(books, "2025-06-01")
    assert done["progress"] == {
        "total": 4,
        "done": 4,
        "invoiced": 3,
        "drafted": 0,
        "skipped": 1,
        "parked": 0,
        "discarded": 0,
        "percent": 100,
    }
    first = customers(books, done["id"], limit=2)
    assert [c["customer_id"] for c in first["data"]] == ids[:2]
    assert first["has_more"] is True
    rest = customers(books, done["id"], limit=2, starting_after=first["next_cursor"])
    assert [c["customer_id"] for c in rest["data"]] == [ids[2], idle]
    assert (rest["has_more"], rest["next_cursor"]) == (False, None)
    skipped = customers(books, done["id"], outcome="skipped")["data"]
    assert [(c["customer_id"], c["reason"], c["document_id"]) for c in skipped] == [
        (idle, "no active service", None)
    ]
    invoiced = customers(books, done["id"], outcome="invoiced")["data"]
    assert [c["total"] for c in invoiced] == ["60.00"] * 3


def test_runs_are_listed_newest_first_and_paged(books: Any) -> None:
    subscriber(books, "2025-04-21")
    may = run(books, "2025-05-01")
    preview = run(books, "2025-06-01", preview=True)
    june = run(books, "2025-06-01")
    r = books.api.get("/v1/billing-runs", params={"limit": 2})
    page = r.json()
    assert [x["id"] for x in page["data"]] == [june["id"], preview["id"]]
    assert page["has_more"] is True
    assert "invoices" not in page["data"][0]
    assert page["data"][0]["progress"]["invoiced"] == 1
    r = books.api.get("/v1/billing-runs", params={"starting_after": page["next_cursor"]})
    assert [x["id"] for x in r.json()["data"]] == [may["id"]]
    assert r.json()["has_more"] is False
    r = books.api.get("/v1/billing-runs", params={"status": "preview"})
    assert [(x["id"], x["preview"]) for x in r.json()["data"]] == [(preview["id"], True)]


# -- previews -------------------------------------------------------------------------------


def test_a_preview_is_compared_with_the_previous_period_then_confirmed(books: Any) -> None:
    dearer, dearer_service = subscriber(books, "2025-04-21")
    leaving, _ = subscriber(books, "2025-04-21", end_date="2025-05-31")
    may = run(books, "2025-05-01")
    previous = {i["customer_id"]: i for i in may["invoices"]["data"]}
    assert [(c, i["total"]) for c, i in previous.items()] == [(dearer, "80.00"), (leaving, "80.00")]
    r = books.api.patch(f"/v1/services/{dearer_service}", json={"unit_price": "66.00"})
    assert r.status_code == 200, r.text
    newcomer, _ = subscriber(books, "2025-06-01")

    preview = run(books, "2025-06-01", preview=True)
    assert (preview["status"], preview["preview"]) == ("preview", True)
    assert (preview["progress"]["drafted"], preview["progress"]["skipped"]) == (2, 1)
    drafts = preview["invoices"]["data"]
    assert [(d["customer_id"], d["number"], d["status"], d["total"]) for d in drafts] == [
        (dearer, None, "draft", "66.00"),
        (newcomer, None, "draft", "60.00"),
    ]
    assert books.balance(dearer)["balance"] == "80.00"  # a draft does not touch the balance

    r = books.api.get(f"/v1/billing-runs/{preview['id']}/comparison")
    assert r.status_code == 200, r.text
    compared = r.json()
    assert compared["threshold"] == "10"
    assert compared["data"] == [
        {
            # 66.00 − 80.00 = −14.00: 17.5 % of 80.00, more than 10 %
            "customer_id": dearer,
            "change": "changed",
            "currency": "EUR",
            "draft_id": drafts[0]["id"],
            "draft_total": "66.00",
            "previous_id": previous[dearer]["id"],
            "previous_number": previous[dearer]["number"],
            "previous_total": "80.00",
            "difference": "-14.00",
        },
        {
            "customer_id": leaving,
            "change": "missing",
            "currency": "EUR",
            "draft_id": None,
            "draft_total": None,
            "previous_id": previous[leaving]["id"],
            "previous_number": previous[leaving]["number"],
            "previous_total": "80.00",
            "difference": None,
        },
        {
            "customer_id": newcomer,
            "change": "new",
            "currency": "EUR",
            "draft_id": drafts[1]["id"],
            "draft_total": "60.00",
            "previous_id": None,
            "previous_number": None,
            "previous_total": None,
            "difference": None,
        },
    ]
    url = f"/v1/billing-runs/{preview['id']}/comparison"
    r = books.api.get(url, params={"threshold": "20"})
    assert [c["change"] for c in r.json()["data"]] == ["same", "missing", "new"]
    r = books.api.get(url, params={"change": "new"})
    assert [c["customer_id"] for c in r.json()["data"]] == [newcomer]
    r = books.api.get(url, params={"limit": 1})
    assert (r.json()["has_more"], r.json()["next_cursor"]) == (True, str(dearer))

    confirmed = post(books, f"/v1/billing-runs/{preview['id']}/confirm", 200)
    assert confirmed["status"] == "completed"
    assert (confirmed["progress"]["invoiced"], confirmed["progress"]["drafted"]) == (2, 0)
    issued = confirmed["invoices"]["data"]
    assert [(i["customer_id"], i["total"]) for i in issued] == [
        (dearer, "66.00"),
        (newcomer, "60.00"),
    ]
    assert all(i["number"] and i["status"] != "draft" for i in issued)
    assert books.balance(dearer)["balance"] == "146.00"  # 80.00 + 66.00
    assert service(books, dearer_service)["billed_through"] == "2025-06-30"

    for method, path in (
        ("post", f"/v1/billing-runs/{preview['id']}/confirm"),
        ("delete", f"/v1/billing-runs/{preview['id']}"),
        ("get", f"/v1/billing-runs/{preview['id']}/comparison"),
    ):
        books.problem(getattr(books.api, method)(path), 409, "invalid_state")
    # the run of the date, later, finds the confirmed customers billed
    june = run(books, "2025-06-01")
    assert june["progress"]["invoiced"] == 0
    assert len(invoices_of(books, dearer)) == 2


def test_a_discarded_preview_leaves_nothing_behind(books: Any) -> None:
    cid, sid = subscriber(books, "2025-06-01")
    preview = run(books, "2025-06-01", preview=True)
    [draft] = preview["invoices"]["data"]
    assert books.api.get(f"/v1/invoices/{draft['id']}").json()["status"] == "draft"

    r = books.api.delete(f"/v1/billing-runs/{preview['id']}")
    assert r.status_code == 200, r.text
    discarded = r.json()
    assert discarded["status"] == "discarded"
    assert discarded["finished_at"] is not None
    assert discarded["invoices"]["data"] == []
    assert discarded["progress"]["discarded"] == 1
    books.problem(books.api.get(f"/v1/invoices/{draft['id']}"), 404, "not_found")
    assert [c["outcome"] for c in customers(books, preview["id"])["data"]] == ["discarded"]
    assert service(books, sid)["billed_through"] is None
    assert invoices_of(books, cid) == []
    assert books.balance(cid)["balance"] == "0.00"
    books.problem(books.api.delete(f"/v1/billing-runs/{preview['id']}"), 409, "invalid_state")
    books.problem(books.api.post(f"/v1/billing-runs/{preview['id']}/retry"), 409, "invalid_state")

    june = run(books, "2025-06-01")
    assert [i["total"] for i in june["invoices"]["data"]] == ["60.00"]
    books.problem(books.api.delete(f"/v1/billing-runs/{june['id']}"), 409, "invalid_state")


# -- parked customers -----------------------------------------------------------------------


def test_a_parked_customer_is_billed_again_once_fixed(books: Any) -> None:
    # a typo in the quantity: 999,999,999 × 999,999,999,999.00 is beyond any amount
    cid, sid = subscriber(books, "2025-04-21", price="999999999999", quantity="999999999")
    fine, _ = subscriber(books, "2025-04-21")
    done = run(books, "2025-05-01")
    assert done["status"] == "completed"
    assert (done["progress"]["parked"], done["progress"]["invoiced"]) == (1, 1)
    [parked] = done["parked"]["data"]
    assert (parked["customer_id"], parked["outcome"], parked["document_id"]) == (
        cid,
        "parked",
        None,
    )
    assert "too large" in parked["reason"]
    assert [i["customer_id"] for i in done["invoices"]["data"]] == [fine]
    assert invoices_of(books, cid) == []

    r = books.api.patch(f"/v1/services/{sid}", json={"quantity": "1", "unit_price": "60"})
    assert r.status_code == 200, r.text
    retried = post(books, f"/v1/billing-runs/{done['id']}/retry", 200)
    assert retried["id"] == done["id"]
    assert retried["status"] == "completed"
    assert (retried["progress"]["parked"], retried["progress"]["invoiced"]) == (0, 2)
    assert retried["parked"]["data"] == []
    assert [i["total"] for i in invoices_of(books, cid)] == ["80.00"]
    assert [i["total"] for i in invoices_of(books, fine)] == ["80.00"]  # not billed twice
    again = post(books, f"/v1/billing-runs/{done['id']}/retry", 200)
    assert again["progress"] == retried["progress"]


def test_a_bill_changed_since_the_preview_is_parked_then_invoiced_by_a_retry(
    books: Any,
) -> None:
    cid, _ = subscriber(books, "2025-06-01")
    preview = run(books, "2025-06-01", preview=True)
    assert [d["total"] for d in preview["invoices"]["data"]] == ["60.00"]
    books.line(
        cid, kind="debit", type="charge", label="Router", unit_price="10.00", date="2025-05-20"
    )
    confirmed = post(books, f"/v1/billing-runs/{preview['id']}/confirm", 200)
    assert confirmed["status"] == "completed"
    assert (confirmed["progress"]["parked"], confirmed["progress"]["invoiced"]) == (1, 0)
    [parked] = confirmed["parked"]["data"]
    assert "changed since the preview" in parked["reason"]
    assert invoices_of(books, cid) == []  # the draft is gone, nothing issued

    retried = post(books, f"/v1/billing-runs/{preview['id']}/retry", 200)
    assert retried["status"] == "completed"
    assert (retried["progress"]["parked"], retried["progress"]["invoiced"]) == (0, 1)
    # from current data: June 60.00 and the router 10.00
    [issued] = retried["invoices"]["data"]
    assert (issued["total"], issued["status"]) == ("70.00", "overdue")
    assert issued["number"] is not None
    assert [i["total"] for i in invoices_of(books, cid)] == ["70.00"]


# -- refusals -------------------------------------------------------------------------------


def test_bad_runs_are_refused_naming_the_field(books: Any) -> None:
    subscriber(books, "2025-04-21")
    cases = [
        ({"date": "2999-12-31"}, "date"),  # not in the future
        ({"date": "2025-02-30"}, "date"),
        ({"date": 20250501}, "date"),
        ({"preview": "yes"}, "preview"),
        ({"skip_zero_invoices": 1}, "skip_zero_invoices"),
        ({"balance_only_accounts": None, "workers": 4}, "workers"),
    ]
    for body, field in cases:
        r = books.api.post("/v1/billing-runs", json=body)
        books.problem(r, 422, "invalid_input", field=field)
    r = books.api.post(
        "/v1/billing-runs", content=b"[1]", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert books.api.get("/v1/billing-runs").json()["data"] == []
    books.settings(lock_date="2025-05-31")
    r = books.api.post("/v1/billing-runs", json={"date": "2025-05-01"})
    books.problem(r, 409, "period_locked")
    assert books.api.get("/v1/billing-runs").json()["data"] == []


def test_unknown_runs_are_404_and_bad_parameters_422(books: Any) -> None:
    for rid in (999, 0, 2**63, 2**64 + 1):
        for method, path in (
            ("get", f"/v1/billing-runs/{rid}"),
            ("get", f"/v1/billing-runs/{rid}/customers"),
            ("get", f"/v1/billing-runs/{rid}/comparison"),
            ("post", f"/v1/billing-runs/{rid}/confirm"),
            ("post", f"/v1/billing-runs/{rid}/retry"),
            ("delete", f"/v1/billing-runs/{rid}"),
        ):
            books.problem(getattr(books.api, method)(path), 404, "not_found")
    subscriber(books, "2025-06-01")
    preview = run(books, "2025-06-01", preview=True)
    url = f"/v1/billing-runs/{preview['id']}"
    for params, field in (
        ({"threshold": "ten"}, "threshold"),
        ({"threshold": "-5"}, "threshold"),
        ({"threshold": "NaN"}, "threshold"),
        ({"change": "bigger"}, "change"),
        ({"starting_after": "x"}, "starting_after"),
    ):
        r = books.api.get(f"{url}/comparison", params=params)
        books.problem(r, 422, "invalid_input", field=field)
    for params, field in (
        ({"outcome": "lost"}, "outcome"),
        ({"limit": 0}, "limit"),
        ({"starting_after": "-1"}, "starting_after"),
    ):
        r = books.api.get(f"{url}/customers", params=params)
        books.problem(r, 422, "invalid_input", field=field)
    r = books.api.get("/v1/billing-runs", params={"status": "paused"})
    books.problem(r, 422, "invalid_input", field="status")


def test_a_viewer_follows_runs_but_cannot_start_or_change_them(books: Any) -> None:
    subscriber(books, "2025-06-01")
    preview = run(books, "2025-06-01", preview=True)
    viewer = books.api.key_for(Role.VIEWER)
    base = f"/v1/billing-runs/{preview['id']}"
    for path in ("/v1/billing-runs", base, f"{base}/customers", f"{base}/comparison"):
        assert books.api.get(path, key=viewer).status_code == 200, path
    refused = [
        books.api.post("/v1/billing-runs", json={"date": "2025-06-01"}, key=viewer),
        books.api.post(f"{base}/confirm", key=viewer),
        books.api.post(f"{base}/retry", key=viewer),
        books.api.delete(base, key=viewer),
    ]
    for r in refused:
        books.problem(r, 403, "forbidden")
    assert get_run(books, preview["id"])["status"] == "preview"
    billing = books.api.key_for(Role.BILLING)
    r = books.api.post(f"{base}/confirm", key=billing)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed"


def test_a_run_this_server_is_still_billing_cannot_be_confirmed_or_discarded(
    books: Any,
) -> None:
    subscriber(books, "2025-06-01")
    preview = run(books, "2025-06-01", preview=True)
    base = f"/v1/billing-runs/{preview['id']}"
    # as while the background task of `POST /v1/billing-runs` still bills the run
    with billing_runs._claimed(books.api.container, preview["id"]) as free:
        assert free
        for r in (
            books.api.post(f"{base}/confirm"),
            books.api.post(f"{base}/retry"),
            books.api.delete(base),
        ):
            body = books.problem(r, 409, "invalid_state")
            assert "still being billed" in body["detail"]
    assert post(books, f"{base}/confirm", 200)["status"] == "completed"
