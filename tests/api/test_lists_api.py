"""The lists of SPEC §12 over the API: `GET /v1/lists/balance-by-customer` and
`GET /v1/lists/receivables` — figures of a small ledger worked out by hand, pages and cursors,
totals per currency, the whole filtered list as CSV, JSON and XLSX read back as a user's tools
read it, roles, and problems that name the parameter at fault.

Every day is a fixed day of 2025 given as `as_of`, so that no figure depends on the API's
"today"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import exportfiles as files
from solde.storage.api_keys import Role

BALANCE = "/v1/lists/balance-by-customer"
RECEIVABLES = "/v1/lists/receivables"
TODAY = datetime.now(UTC).date()  # the API's today (UTC by default)


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def _invoice(books: Any, cid: int, day: str, price: str, due: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"date": day, "items": [{"description": "Fibre", "unit_price": price}]}
    if due is not None:
        body["due_date"] = due
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def ledger(books: Any) -> dict[str, int]:
    """Four customers, their stories dated days ago:

    - Ada (EUR, pro, card, billing day 5): a line of 10.00 + 20 % tax dated 60 days ago,
      never billed; an invoice of 100.00 of 70 days ago due 65 days ago, of which she paid
      40.00 today (a payment dated 50 days ago).
    - bob (EUR, retail, SEPA, billing day 20): a charge of 30.00 posted 45 days ago, a
      payment of 30.00 awaiting the bank; a line of 5.00 dated today.
    - Cy (USD): paid 50.00 100 days ago with nothing to pay: 50.00 of credit.
    - Dee (JPY, due at once): an invoice of 1000 JPY of 120 days ago, unpaid.
    """
    ada = books.customer(
        "Ada", currency="EUR", segment="pro", payment_method="card", external_ref="A-1",
        billing={"billing_day": 5},
    )["id"]  # fmt: skip
    bob = books.customer(
        "bob", currency="EUR", segment="retail", payment_method="sepa_debit",
        billing={"billing_day": 20},
    )["id"]  # fmt: skip
    cy = books.customer("Cy", currency="USD")["id"]
    dee = books.customer("Dee", currency="JPY", billing={"payment_due_days": 0})["id"]
    books.line(ada, unit_price="10.00", tax_rate="20", date=ago(60), bill_on_next_invoice=True)
    _invoice(books, ada, ago(70), "100.00", due=ago(65))
    books.pay(ada, "40.00", ago(50))
    books.line(bob, type="charge", unit_price="30.00", date=ago(45), bill_on_next_invoice=False)
    books.pay(bob, "30.00", ago(44), status="pending")
    books.line(bob, unit_price="5.00", date=ago(0), bill_on_next_invoice=True)
    books.pay(cy, "50.00", ago(100))
    _invoice(books, dee, ago(120), "1000")
    return {"ada": ada, "bob": bob, "cy": cy, "dee": dee}


Z = "0.00"

# -- balance by customer -----------------------------------------------------------------------


def test_balance_by_customer_rows(books: Any, ledger: dict[str, int]) -> None:
    body = _ok(books.api.get(BALANCE))
    assert body["as_of"] == TODAY.isoformat()
    assert body["has_more"] is False
    assert body["next_cursor"] is None
    rows = {row["id"]: row for row in body["data"]}
    assert rows[ledger["ada"]] == {
        "id": ledger["ada"], "external_ref": "A-1", "name": "Ada", "currency": "EUR",
        "segment": "pro", "payment_method": "card", "status": "active",
        "unbilled_count": 1, "unbilled_net": "10.00", "unbilled_gross": "12.00",
        "first_line_date": ago(60), "last_line_date": ago(60),
        "balance": "60.00", "stale": True,
    }  # fmt: skip
    bob = rows[ledger["bob"]]
    assert (bob["unbilled_count"], bob["unbilled_gross"], bob["balance"], bob["stale"]) == (
        1, "5.00", "30.00", False,
    )  # fmt: skip
    dee = rows[ledger["dee"]]
    assert (dee["balance"], dee["unbilled_net"], dee["first_line_date"]) == ("1000", "0", None)
    # names sort without regard to case: Ada, bob, Cy, Dee
    assert [row["id"] for row in body["data"]] == [
        ledger["ada"], ledger["bob"], ledger["cy"], ledger["dee"]
    ]  # fmt: skip


def test_stale_depends_on_the_day(books: Any, ledger: dict[str, int]) -> None:
    """Ada's line is stale from her first billing day (the 5th) after its date on."""
    billing_day = TODAY - timedelta(days=59)
    while billing_day.day != 5:
        billing_day += timedelta(days=1)
    day_before = (billing_day - timedelta(days=1)).isoformat()
    before = _ok(books.api.get(BALANCE, params={"as_of": day_before, "stale_only": "true"}))
    after = _ok(books.api.get(BALANCE, params={"as_of": billing_day, "stale_only": "1"}))
    assert before["data"] == []
    assert [row["id"] for row in after["data"]] == [ledger["ada"]]
    assert after["as_of"] == billing_day.isoformat()


def test_balance_filters_and_sort(books: Any, ledger: dict[str, int]) -> None:
    def ids(**params: Any) -> list[int]:
        return [r["id"] for r in _ok(books.api.get(BALANCE, params=params))["data"]]

    assert ids(segment="retail") == [ledger["bob"]]
    assert ids(currency="eur") == [ledger["ada"], ledger["bob"]]
    assert ids(payment_method="card") == [ledger["ada"]]
    assert ids(min_lines=1) == [ledger["ada"], ledger["bob"]]
    assert ids(q="a-1") == [ledger["ada"]]
    assert ids(sort="balance", desc="true", currency="EUR") == [ledger["ada"], ledger["bob"]]
    # without lines last, then by id in the same direction
    assert ids(sort="last_line_date", desc="true") == [
        ledger["bob"], ledger["ada"], ledger["dee"], ledger["cy"]
    ]  # fmt: skip
    assert ids(sort="first_line_date") == [
        ledger["ada"], ledger["bob"], ledger["cy"], ledger["dee"]
    ]  # fmt: skip


def test_pages_follow_the_cursor(books: Any, ledger: dict[str, int]) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 1, "sort": "unbilled_gross", "desc": "true"}
    while True:
        body = _ok(books.api.get(BALANCE, params=params))
        seen += [row["id"] for row in body["data"]]
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        params["starting_after"] = body["next_cursor"]
    assert seen == [ledger["ada"], ledger["bob"], ledger["dee"], ledger["cy"]]


# -- receivables -----------------------------------------------------------------------------


def test_receivables_rows_and_totals(books: Any, ledger: dict[str, int]) -> None:
    body = _ok(books.api.get(RECEIVABLES))
    assert body["as_of"] == TODAY.isoformat()
    rows = {row["id"]: row for row in body["data"]}
    assert set(rows) == {ledger["ada"], ledger["bob"], ledger["dee"]}  # Cy owes nothing
    assert rows[ledger["ada"]] == {
        "id": ledger["ada"], "external_ref": "A-1", "name": "Ada", "currency": "EUR",
        "segment": "pro", "payment_method": "card", "status": "active",
        "balance": "60.00", "debit": "60.00", "credit": Z, "awaiting_confirmation": Z,
        "not_due": Z, "d1_30": Z, "d31_60": Z, "d61_90": "60.00", "over_90": Z,
    }  # fmt: skip
    bob = rows[ledger["bob"]]
    assert (bob["balance"], bob["awaiting_confirmation"], bob["d31_60"]) == (
        "30.00", "-30.00", "30.00",
    )  # fmt: skip
    assert rows[ledger["dee"]]["over_90"] == "1000"
    assert body["totals"] == [
        {"currency": "EUR", "customers": 2, "balance": "90.00", "debit": "90.00", "credit": Z,
         "awaiting_confirmation": "-30.00", "not_due": Z, "d1_30": Z, "d31_60": "30.00",
         "d61_90": "60.00", "over_90": Z},
        {"currency": "JPY", "customers": 1, "balance": "1000", "debit": "1000", "credit": "0",
         "awaiting_confirmation": "0", "not_due": "0", "d1_30": "0", "d31_60": "0",
         "d61_90": "0", "over_90": "1000"},
    ]  # fmt: skip


def test_receivables_as_of_a_past_day(books: Any, ledger: dict[str, int]) -> None:
    """66 days ago Ada owed her whole invoice, due the next day; Cy's payment was credit
    already; Bob had nothing yet; Dee's invoice was 54 days late. The payments recorded
    today (even dated earlier) settled nothing then."""
    body = _ok(books.api.get(RECEIVABLES, params={"as_of": ago(66), "scope": "all"}))
    rows = {row["id"]: row for row in body["data"]}
    assert (rows[ledger["ada"]]["balance"], rows[ledger["ada"]]["not_due"]) == ("100.00", "100.00")
    assert rows[ledger["bob"]]["balance"] == Z
    assert (rows[ledger["cy"]]["balance"], rows[ledger["cy"]]["credit"]) == ("-50.00", "-50.00")
    assert rows[ledger["dee"]]["d31_60"] == "1000"
    usd = [t for t in body["totals"] if t["currency"] == "USD"]
    assert usd == [
        {"currency": "USD", "customers": 1, "balance": "-50.00", "debit": Z,
         "credit": "-50.00", "awaiting_confirmation": Z, "not_due": Z,
         "d1_30": Z, "d31_60": Z, "d61_90": Z, "over_90": Z}
    ]  # fmt: skip


def test_receivables_filters(books: Any, ledger: dict[str, int]) -> None:
    def ids(**params: Any) -> list[int]:
        return [r["id"] for r in _ok(books.api.get(RECEIVABLES, params=params))["data"]]

    assert ids(scope="nonzero") == [ledger["ada"], ledger["bob"], ledger["cy"], ledger["dee"]]
    assert ids(min_overdue="d61_90") == [ledger["ada"], ledger["dee"]]
    assert ids(min_overdue="over_90") == [ledger["dee"]]
    assert ids(sort="over_90", desc="true", limit=1) == [ledger["dee"]]
    assert ids(currency="JPY", scope="all") == [ledger["dee"]]
    assert ids(sort="credit", scope="all") == [ledger["cy"], ledger["ada"], ledger["bob"],
                                               ledger["dee"]]  # fmt: skip


# -- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BALANCE, RECEIVABLES])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_whole_list_as_a_file(books: Any, ledger: dict[str, int], path: str, fmt: str) -> None:
    """The file holds every row of the filtered list (not a page), in its order, with the same
    values as the JSON page: amounts exact, dates, flags."""
    params = {"scope": "all", "sort": "balance", "desc": "true"}
    page = _ok(books.api.get(path, params={**params, "limit": 500}))["data"]
    r = books.api.get(path, params={**params, "format": fmt, "limit": 1, "starting_after": 1})
    assert r.status_code == 200, r.text
    stem = path.rsplit("/", 1)[1]
    assert r.headers["content-disposition"] == f'attachment; filename="{stem}-{TODAY}.{fmt}"'
    rows = files.read(r.content, fmt)
    assert files.header(r.content, fmt) == list(page[0])
    assert len(rows) == len(page) == 4
    for got, want in zip(rows, page, strict=True):
        for key, value in want.items():
            cell = got[key]
            if key in ("id", "unbilled_count"):
                assert files.integer(cell) == value
            elif key == "stale":
                assert files.flag(cell) is value
            elif key.endswith("_date"):
                assert files.day(cell) == (None if value is None else files.day(value))
            elif (
                isinstance(value, str)
                and key not in ("name", "currency", "status")
                and (value[:1].isdigit() or value.startswith("-"))
            ):
                assert files.amount(cell) == Decimal(value), key
                if fmt != "xlsx":
                    assert cell == value, key  # the exact text, decimals kept
            else:
                assert files.text(cell) == value, key


def test_the_file_keeps_the_filters(books: Any, ledger: dict[str, int]) -> None:
    r = books.api.get(BALANCE, params={"format": "csv", "stale_only": "true"})
    assert [row["id"] for row in files.read(r.content, "csv")] == [str(ledger["ada"])]
    r = books.api.get(RECEIVABLES, params={"format": "json", "currency": "JPY"})
    assert [row["id"] for row in files.read(r.content, "json")] == [ledger["dee"]]
    assert r.headers["content-type"] == "application/json"


# -- roles and problems ----------------------------------------------------------------------


def test_any_key_reads_the_lists_and_none_is_refused(books: Any, ledger: dict[str, int]) -> None:
    viewer = books.api.key_for(Role.VIEWER)
    for path in (BALANCE, RECEIVABLES):
        assert books.api.get(path, key=viewer).status_code == 200
        r = books.api.client.get(path)
        assert r.status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (BALANCE, {"as_of": "2025-13-01"}, "as_of"),
        (BALANCE, {"currency": "XXQ"}, "currency"),
        (BALANCE, {"payment_method": "barter"}, "payment_method"),
        (BALANCE, {"min_lines": "-1"}, "min_lines"),
        (BALANCE, {"sort": "mood"}, "sort"),
        (BALANCE, {"limit": "0"}, "limit"),
        (BALANCE, {"limit": "501"}, "limit"),
        (BALANCE, {"starting_after": "abc"}, "starting_after"),
        (BALANCE, {"starting_after": "424242"}, "starting_after"),
        (BALANCE, {"stale_only": "maybe"}, "stale_only"),
        (BALANCE, {"q": "x\x00y"}, "q"),
        (BALANCE, {"format": "pdf"}, "format"),
        (RECEIVABLES, {"scope": "everyone"}, "scope"),
        (RECEIVABLES, {"min_overdue": "not_due"}, "min_overdue"),
        (RECEIVABLES, {"min_overdue": "d0"}, "min_overdue"),
        (RECEIVABLES, {"sort": "stale"}, "sort"),
        (RECEIVABLES, {"as_of": "1800-01-01"}, "as_of"),
        (RECEIVABLES, {"starting_after": "99999999999999999999"}, "starting_after"),
    ],
)
def test_bad_parameters_are_problems_naming_them(
    books: Any, ledger: dict[str, int], path: str, params: dict[str, str], field: str
) -> None:
    books.problem(books.api.get(path, params=params), 422, "invalid_input", field=field)


def test_the_openapi_document_describes_both_lists(books: Any) -> None:
    document = _ok(books.api.client.get("/openapi.json"))
    for path in (BALANCE, RECEIVABLES):
        operation = document["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"as_of", "currency", "segment", "payment_method", "sort", "desc", "limit",
                "starting_after", "format"} <= names  # fmt: skip
        content = operation["responses"]["200"]["content"]
        assert {"application/json", "text/csv", files_xlsx()} <= set(content)
    schemas = document["components"]["schemas"]
    assert {"stale", "unbilled_gross", "first_line_date"} <= set(
        schemas["BalanceRowOut"]["properties"]
    )
    assert {"totals", "as_of"} <= set(schemas["ReceivablesOut"]["properties"])


def files_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
