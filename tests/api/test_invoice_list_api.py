"""The invoices list with the filters of SPEC §12, and the totals report (SPEC §12, §15)."""

from __future__ import annotations

from typing import Any

FUTURE = "2999-12-31"
DUE = "2999-12-30"


def _issue(books: Any, cid: int, total: str, day: str, **body: Any) -> Any:
    body.setdefault("due_date", DUE)
    items = [{"description": "Service", "unit_price": total}]
    r = books.api.post(f"/v1/customers/{cid}/invoices", json={"date": day, "items": items, **body})
    assert r.status_code == 201, r.text
    return r.json()


def _ids(books: Any, **params: Any) -> list[int]:
    """Ids of every invoice matching `params`, walking all pages."""
    found: list[int] = []
    query = dict(params)
    while True:
        r = books.api.get("/v1/invoices", params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        found.extend(row["id"] for row in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return found
        query["starting_after"] = page["next_cursor"]


def test_paid_invoices_of_customers_who_owe(books: Any) -> None:
    """`invoice_balance[eq]=0&account_balance[gt]=0`: invoices settled while their customer
    still owes something."""
    owes = books.customer("Owes")["id"]
    owes_paid = _issue(books, owes, "50.00", "2025-01-10")
    books.pay(owes, "50.00", "2025-01-11", invoice_id=owes_paid["id"])
    owes_open = _issue(books, owes, "20.00", "2025-01-12")
    books.charge(owes, "30.00", "2025-01-13")
    in_credit = books.customer("In credit")["id"]
    credit_paid = _issue(books, in_credit, "40.00", "2025-01-10")
    books.pay(in_credit, "100.00", "2025-01-11")
    unpaid = books.customer("Unpaid")["id"]
    unpaid_open = _issue(books, unpaid, "70.00", "2025-01-10")
    voided = books.customer("Voided")["id"]
    void = _issue(books, voided, "15.00", "2025-01-10")
    assert books.api.post(f"/v1/invoices/{void['id']}/void", json={}).status_code == 200
    books.charge(voided, "10.00", "2025-01-13")
    assert [books.amounts(c)[0] for c in (owes, in_credit, unpaid, voided)] == [
        "50.00",
        "-60.00",
        "70.00",
        "10.00",
    ]

    both = {"invoice_balance[eq]": "0", "account_balance[gt]": "0"}
    # a void invoice has nothing left to pay either
    assert _ids(books, **both) == [void["id"], owes_paid["id"]]
    assert _ids(books, **both, status="paid") == [owes_paid["id"]]
    assert sorted(_ids(books, **{"invoice_balance[eq]": "0"}, status="paid")) == sorted(
        [owes_paid["id"], credit_paid["id"]]
    )
    assert _ids(books, **{"account_balance[lt]": "0"}) == [credit_paid["id"]]
    assert _ids(books, **{"invoice_balance[gte]": "20", "invoice_balance[lt]": "70.00"}) == [
        owes_open["id"]
    ]
    assert _ids(books, **{"invoice_balance[gt]": "20.0001"}) == [unpaid_open["id"]]
    assert _ids(books, **{"invoice_balance[lte]": "-1"}) == []


def test_bad_comparisons_are_invalid_input_naming_the_parameter(books: Any) -> None:
    cases = [
        ({"invoice_balance[foo]": "1"}, "invoice_balance[foo]"),
        ({"invoice_balance[gt]": "abc"}, "invoice_balance[gt]"),
        ({"account_balance[eq]": "1.00001"}, "account_balance[eq]"),
        ({"account_balance[lt]": "1" * 15}, "account_balance[lt]"),
        ({"invoice_balance": "5"}, "invoice_balance"),
        ({"account_balance[]": "5"}, "account_balance[]"),
    ]
    for params, field in cases:
        r = books.api.get("/v1/invoices", params=params)
        books.problem(r, 422, "invalid_input", field=field)


def test_filters_by_customer_type_status_dates_number_and_currency(books: Any) -> None:
    eur = books.customer("Euro")["id"]
    usd = books.customer("Dollar", currency="USD")["id"]
    one = _issue(books, eur, "10.00", "2025-01-05")
    recurring = _issue(
        books,
        eur,
        "20.00",
        "2025-02-05",
        type="recurring",
        period_start="2025-02-01",
        period_end="2025-02-28",
    )
    proforma = _issue(books, eur, "30.00", "2025-03-05", type="proforma")
    late = _issue(books, usd, "40.00", "2025-04-05", due_date="2025-04-20")
    everything = [late["id"], proforma["id"], recurring["id"], one["id"]]
    assert _ids(books) == everything
    assert _ids(books, customer_id=usd) == [late["id"]]
    assert _ids(books, type="proforma") == [proforma["id"]]
    assert _ids(books, type="one_time,recurring", customer_id=eur) == [recurring["id"], one["id"]]
    assert _ids(books, type=["one_time", "proforma"], customer_id=eur) == [
        proforma["id"],
        one["id"],
    ]
    assert _ids(books, date_from="2025-02-01", date_to="2025-03-31") == [
        proforma["id"],
        recurring["id"],
    ]
    assert _ids(books, currency="usd") == [late["id"]]
    assert _ids(books, number="PF") == [proforma["id"]]
    assert _ids(books, number=one["number"]) == [one["id"]]
    assert _ids(books, number="2025010") == [late["id"], recurring["id"], one["id"]]
    # statuses are as of `as_of`: the USD invoice is late after its due date only
    assert _ids(books, status="overdue") == [late["id"]]
    assert _ids(books, status="overdue", as_of="2025-04-20") == []
    assert _ids(books, status="unpaid,overdue", as_of="2025-04-21") == everything
    assert _ids(books, limit=1) == everything  # walked one page at a time
    row = books.api.get("/v1/invoices", params={"customer_id": usd}).json()["data"][0]
    assert (row["status"], row["total"], row["currency"]) == ("overdue", "40.00", "USD")
    assert row == books.api.get(f"/v1/invoices/{late['id']}").json()


def test_credit_notes_are_not_in_the_invoices_list(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _issue(books, cid, "10.00", "2025-01-05")
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    assert r.status_code == 201, r.text
    assert _ids(books) == [inv["id"]]
    r = books.api.get("/v1/invoices", params={"type": "credit_note"})
    books.problem(r, 422, "invalid_input", field="type")


def test_bad_filters_are_refused(books: Any) -> None:
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        ({"status": "lost"}, 422, "invalid_input", "status"),
        ({"type": "weekly"}, 422, "invalid_input", "type"),
        ({"date_from": "2025-13-01"}, 422, "invalid_input", "date_from"),
        ({"date_to": "0"}, 422, "invalid_input", "date_to"),  # not seconds since 1970
        ({"as_of": "1800-01-01"}, 422, "invalid_input", "as_of"),
        ({"limit": "0"}, 422, "invalid_input", "limit"),
        ({"starting_after": "x"}, 422, "invalid_input", "starting_after"),
        ({"customer_id": "424242"}, 404, "not_found", None),
        ({"group_id": "424242"}, 404, "not_found", None),
    ]
    for params, status, code, field in cases:
        books.problem(books.api.get("/v1/invoices", params=params), status, code, field=field)


# -- totals ---------------------------------------------------------------------------------


def _totals(books: Any, **params: Any) -> dict[str, Any]:
    r = books.api.get("/v1/reports/totals", params=params)
    assert r.status_code == 200, r.text
    return {c["currency"]: c for c in r.json()["currencies"]}


def _pair(count: int, amount: str) -> dict[str, Any]:
    return {"count": count, "amount": amount}


def test_totals_of_invoices_and_payments_per_currency(books: Any) -> None:
    eur = books.customer("Euro")["id"]
    paid = _issue(books, eur, "100.00", "2025-01-10")
    late = _issue(books, eur, "200.00", "2025-01-15", due_date="2025-02-01")
    _issue(books, eur, "30.00", "2025-03-01")
    void = _issue(books, eur, "10.00", "2025-03-02")
    _issue(books, eur, "999.00", "2025-03-03", type="proforma")  # not an invoice yet
    assert books.api.post(f"/v1/invoices/{void['id']}/void", json={}).status_code == 200
    books.pay(eur, "100.00", "2025-02-10", method="card", invoice_id=paid["id"])
    books.pay(eur, "50.00", "2025-02-11", method="bank_transfer", invoice_id=late["id"])
    books.pay(eur, "20.00", "2025-02-12", method="card", status="pending")  # not confirmed
    usd = books.customer("Dollar", currency="USD")["id"]
    _issue(books, usd, "70.00", "2025-01-20")
    books.pay(usd, "70.00", "2025-01-21", method="cash")
    books.pay(usd, "5.00", "2025-01-22", method="cash")

    found = _totals(books)
    assert list(found) == ["EUR", "USD"]
    e = found["EUR"]
    assert e["invoiced"] == _pair(3, "330.00")  # 100 + 200 + 30
    assert e["paid"] == _pair(2, "150.00")  # 100 on the first, 50 on the late one
    assert e["unpaid"] == _pair(2, "180.00")  # 150 left on the late one + 30
    assert e["overdue"] == _pair(1, "150.00")
    assert e["void"] == _pair(1, "10.00")
    assert e["payments"] == _pair(2, "150.00")
    assert e["paid_by_method"] == [
        {"method": "bank_transfer", "count": 1, "amount": "50.00"},
        {"method": "card", "count": 1, "amount": "100.00"},
    ]
    u = found["USD"]
    assert (u["invoiced"], u["paid"], u["unpaid"]) == (
        _pair(1, "70.00"),
        _pair(1, "70.00"),
        _pair(0, "0.00"),
    )
    assert u["payments"] == _pair(2, "75.00")
    assert u["paid_by_method"] == [{"method": "cash", "count": 2, "amount": "75.00"}]

    only = books.api.get("/v1/reports/totals", params={"customer_id": usd}).json()
    assert only["customer_id"] == usd
    assert [c["currency"] for c in only["currencies"]] == ["USD"]
    # as of the end of January: the March invoices and the February payments do not count
    january = _totals(books, as_of="2025-01-31")
    assert january["EUR"]["invoiced"] == _pair(2, "300.00")
    assert january["EUR"]["payments"] == _pair(0, "0.00")
    assert january["EUR"]["paid_by_method"] == []
    assert january["USD"]["payments"] == _pair(2, "75.00")


def test_totals_refuse_an_unknown_customer_and_a_bad_day(books: Any) -> None:
    books.problem(books.api.get("/v1/reports/totals", params={"customer_id": 4242}), 404,
                  "not_found")  # fmt: skip
    for day in ("3000-01-01", "0", "2025-02-30"):
        r = books.api.get("/v1/reports/totals", params={"as_of": day})
        books.problem(r, 422, "invalid_input", field="as_of")
    assert books.api.get("/v1/reports/totals").json()["currencies"] == []
