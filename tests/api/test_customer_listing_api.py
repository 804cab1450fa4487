"""GET /v1/customers by what customers owe (`balance`), in five orders (`sort`), paged by
`offset` as well as by cursor; the page keeps the shape of SPEC §15. Expectations are computed
from the customers each test makes, never read back from the API."""

from __future__ import annotations

from typing import Any

import pytest

DAY = "2025-01-10"
ORDERS = ["newest", "oldest", "name", "balance_desc", "balance_asc"]


@pytest.fixture
def crowd(books: Any) -> list[dict[str, Any]]:
    """Customers in EUR and USD owing, in credit and settled, with ties of name and balance;
    each with the balance the test expects (in cents), in creation (id) order."""
    plan = [
        ("Harbour Ltd", "EUR", "40.00", None),
        ("anne martin", "EUR", None, "15.50"),
        ("Nordwind", "EUR", None, None),
        ("Anne Martin", "EUR", "40.00", None),
        ("Maple", "USD", "99.99", None),
        ("zed", "USD", "10.00", "10.00"),
        ("Baker", "USD", None, "15.50"),
        ("ANNE MARTIN", "EUR", "0.01", None),
    ]
    made = []
    for name, currency, charge, payment in plan:
        customer = books.customer(name, currency=currency)
        cents = 0
        if charge is not None:
            books.charge(customer["id"], charge, DAY)
            cents += int(charge.replace(".", ""))
        if payment is not None:
            books.pay(customer["id"], payment, DAY)
            cents -= int(payment.replace(".", ""))
        made.append({"id": customer["id"], "name": name, "currency": currency, "cents": cents})
    return made


def expected(people: list[dict[str, Any]], sort: str) -> list[int]:
    keys: dict[str, Any] = {
        "newest": lambda p: -p["id"],
        "oldest": lambda p: p["id"],
        "name": lambda p: (p["name"].lower(), p["id"]),
        "balance_desc": lambda p: (-p["cents"], p["id"]),
        "balance_asc": lambda p: (p["cents"], p["id"]),
    }
    return [p["id"] for p in sorted(people, key=keys[sort])]


def page(books: Any, **params: Any) -> dict[str, Any]:
    r = books.api.get("/v1/customers", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"data", "has_more", "next_cursor"}  # SPEC §15: no total
    return body


def ids(books: Any, **params: Any) -> list[int]:
    return [c["id"] for c in page(books, limit=500, **params)["data"]]


def test_balance_filters(books: Any, crowd: list[dict[str, Any]]) -> None:
    for balance, keep in [
        ("owes", lambda p: p["cents"] > 0),
        ("credit", lambda p: p["cents"] < 0),
        ("settled", lambda p: p["cents"] == 0),
    ]:
        kept = [p for p in crowd if keep(p)]
        assert ids(books, balance=balance) == expected(kept, "newest"), balance
        eur = [p for p in kept if p["currency"] == "EUR"]
        assert ids(books, balance=balance, currency="eur") == expected(eur, "newest"), balance
    balances = {c["id"]: c["balance"] for c in page(books, balance="credit")["data"]}
    assert set(balances.values()) == {"-15.50"}


def test_every_order_breaks_ties_by_id(books: Any, crowd: list[dict[str, Any]]) -> None:
    for sort in ORDERS:
        assert ids(books, sort=sort) == expected(crowd, sort), sort
        owing = [p for p in crowd if p["cents"] > 0]
        assert ids(books, sort=sort, balance="owes") == expected(owing, sort), sort
    names = [c["name"] for c in page(books, sort="name", limit=4)["data"]]
    assert names == ["anne martin", "Anne Martin", "ANNE MARTIN", "Baker"]
    top = page(books, sort="balance_desc", currency="EUR", limit=2)["data"]
    assert [(c["name"], c["balance"]) for c in top] == [
        ("Harbour Ltd", "40.00"),
        ("Anne Martin", "40.00"),
    ]


def test_sorted_lists_page_by_offset_without_a_cursor(
    books: Any, crowd: list[dict[str, Any]]
) -> None:
    for sort in ORDERS[1:]:
        walked: list[int] = []
        offset = 0
        while True:
            body = page(books, sort=sort, limit=3, offset=offset)
            assert body["next_cursor"] is None, sort
            walked.extend(c["id"] for c in body["data"])
            if not body["has_more"]:
                break
            offset += 3
        assert walked == expected(crowd, sort), sort
        assert offset == 6  # 8 customers: pages of 3, 3 and 2
    full = page(books, sort="name", limit=len(crowd))
    assert full["has_more"] is False
    assert page(books, sort="name", limit=len(crowd) - 1)["has_more"] is True
    assert page(books, sort="name", offset=len(crowd)) == {
        "data": [],
        "has_more": False,
        "next_cursor": None,
    }


def test_newest_first_pages_by_cursor_or_by_offset(books: Any, crowd: list[dict[str, Any]]) -> None:
    newest = expected(crowd, "newest")
    first = page(books, limit=3)
    assert first["next_cursor"] == str(newest[2])
    by_cursor = page(books, limit=3, starting_after=first["next_cursor"])
    by_offset = page(books, limit=3, offset=3, sort="newest")
    assert by_cursor == by_offset
    assert [c["id"] for c in by_offset["data"]] == newest[3:6]
    assert by_offset["next_cursor"] == str(newest[5])  # the cursor goes on from an offset page
    last = page(books, limit=3, starting_after=by_offset["next_cursor"])
    assert [c["id"] for c in last["data"]] == newest[6:]
    assert (last["has_more"], last["next_cursor"]) == (False, None)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"balance": "debt"}, "balance"),
    ({"balance": "OWES"}, "balance"),
    ({"sort": "size"}, "sort"),
    ({"sort": "name,id"}, "sort"),
    ({"offset": -1}, "offset"),
    ({"offset": 1_000_001}, "offset"),
    ({"offset": "ten"}, "offset"),
    ({"offset": str(10**30)}, "offset"),
    ({"offset": "1.5"}, "offset"),
    ({"sort": "name", "starting_after": "5"}, "starting_after"),
    ({"sort": "balance_asc", "starting_after": "5"}, "starting_after"),
    ({"offset": 20, "starting_after": "5"}, "starting_after"),
]


def test_invalid_parameters_name_the_parameter(books: Any) -> None:
    for params, field in BAD:
        r = books.api.get("/v1/customers", params=params)
        body = books.problem(r, 422, "invalid_input", field=field)
        assert field in body["detail"], body


def test_limits_of_offset_are_accepted(books: Any) -> None:
    books.customer("Only")
    assert page(books, offset=1_000_000, sort="oldest")["data"] == []
    assert len(page(books, offset=0, sort="oldest")["data"]) == 1


def test_openapi_describes_the_new_parameters(books: Any) -> None:
    document = books.api.client.get("/openapi.json").json()
    params = {p["name"]: p for p in document["paths"]["/v1/customers"]["get"]["parameters"]}
    schemas = document["components"]["schemas"]

    def enum_of(schema: dict[str, Any]) -> list[str]:
        for option in schema.get("anyOf", [schema]):
            if "$ref" in option:
                return list(schemas[option["$ref"].rsplit("/", 1)[1]]["enum"])
        raise AssertionError(schema)

    assert enum_of(params["balance"]["schema"]) == ["owes", "credit", "settled"]
    assert params["balance"]["required"] is False
    assert enum_of(params["sort"]["schema"]) == ORDERS
    assert params["sort"]["schema"]["default"] == "newest"
    offset = params["offset"]["schema"]
    assert (offset["type"], offset["minimum"], offset["maximum"], offset["default"]) == (
        "integer",
        0,
        1_000_000,
        0,
    )
    for name in ("balance", "sort", "offset"):
        assert params[name]["in"] == "query"
        assert params[name]["description"]
