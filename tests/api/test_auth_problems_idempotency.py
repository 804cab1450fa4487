"""What every endpoint shares (SPEC §2, §15): API keys and roles, errors as problem+json,
bad input answered with a 4xx that changes nothing, exact decimals, and Idempotency-Key."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from solde.storage.api_keys import Role

PROBLEM_JSON = "application/problem+json"


@dataclass
class World:
    """One customer with something of every kind, and ids to put in every path."""

    customer_id: int
    charge_id: int
    line_id: int
    payment_id: int
    pending_id: int
    invoice_id: int
    proforma_id: int
    recurring_id: int
    void_id: int
    credit_note_id: int
    group_id: int
    service_id: int
    run_id: int


def _document(books: Any, cid: int, **body: Any) -> int:
    items = [{"description": "Service", "unit_price": "5.00"}]
    r = books.api.post(f"/v1/customers/{cid}/invoices", json={"items": items, **body})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
def world(books: Any) -> World:
    cid = books.customer("World", billing={"auto_settlement": False})["id"]
    charge = books.charge(cid, "100.00", "2025-01-10")
    line = books.line(cid, unit_price="12.00", date="2025-01-11")
    payment = books.pay(cid, "60.00", "2025-01-12")
    pending = books.pay(cid, "25.00", "2025-01-13", status="pending")
    invoice = _document(books, cid, date="2025-01-14")
    proforma = _document(books, cid, date="2025-01-14", type="proforma")
    recurring = _document(books, cid, date="2025-01-14", type="recurring")
    void = _document(books, cid, date="2025-01-14")
    r = books.api.post(
        f"/v1/invoices/{invoice}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    assert r.status_code == 201, r.text
    group = books.api.post("/v1/invoice-groups", json={"name": "World"}).json()
    service = books.api.post(
        f"/v1/customers/{cid}/services",
        json={"description": "Fibre", "unit_price": "30.00", "start_date": "2025-02-01"},
    )
    assert service.status_code == 201, service.text
    # a preview of a day that is nobody's billing day: a run to read, confirm or discard
    run = books.api.post("/v1/billing-runs", json={"date": "2025-01-15", "preview": True})
    assert run.status_code == 202, run.text
    return World(
        cid,
        charge["id"],
        line["id"],
        payment["id"],
        pending["id"],
        invoice,
        proforma,
        recurring,
        void,
        r.json()["id"],
        group["id"],
        service.json()["id"],
        run.json()["id"],
    )


def _snapshot(books: Any, world: World) -> tuple[Any, ...]:
    customers = books.api.get("/v1/customers", params={"limit": 500}).json()
    settings = books.api.get("/v1/settings").json()
    services = books.api.get(f"/v1/customers/{world.customer_id}/services").json()
    runs = books.api.get("/v1/billing-runs").json()
    return (customers, settings, services, runs, books.snapshot(world.customer_id))


def _reads(w: World) -> list[tuple[str, str]]:
    return [
        ("GET", "/v1/customers"),
        ("GET", f"/v1/customers/{w.customer_id}"),
        ("GET", f"/v1/customers/{w.customer_id}/balance"),
        ("GET", f"/v1/customers/{w.customer_id}/transactions"),
        ("GET", f"/v1/transactions/{w.charge_id}"),
        ("GET", f"/v1/payments/{w.payment_id}"),
        ("GET", "/v1/settings"),
        ("GET", "/v1/invoices"),
        ("GET", f"/v1/invoices/{w.invoice_id}"),
        ("GET", f"/v1/credit-notes/{w.credit_note_id}"),
        ("GET", "/v1/invoice-groups"),
        ("GET", f"/v1/invoice-groups/{w.group_id}"),
        ("GET", "/v1/reports/totals"),
        ("GET", f"/v1/customers/{w.customer_id}/services"),
        ("GET", f"/v1/services/{w.service_id}"),
        ("GET", "/v1/billing-runs"),
        ("GET", f"/v1/billing-runs/{w.run_id}"),
        ("GET", f"/v1/billing-runs/{w.run_id}/customers"),
        ("GET", f"/v1/billing-runs/{w.run_id}/comparison"),
        ("GET", f"/v1/customers/{w.customer_id}/dunning"),
        ("GET", f"/v1/customers/{w.customer_id}/reminders"),
        ("GET", "/v1/dunning"),
        ("GET", "/v1/events"),
        ("GET", "/v1/lists/balance-by-customer"),
        ("GET", "/v1/lists/receivables?scope=all"),
        ("GET", f"/v1/customers/{w.customer_id}/statement"),
    ]


def _finance_writes(w: World) -> list[tuple[str, str, Any, int]]:
    """Every write of finance data with a valid body, in an order in which each succeeds."""
    c = w.customer_id
    line = {"kind": "debit", "label": "Extra", "unit_price": "5.00"}
    item = {"description": "Service", "unit_price": "5.00"}
    return [
        ("POST", "/v1/customers", {"name": "New"}, 201),
        ("PATCH", f"/v1/customers/{c}", {"segment": "vip"}, 200),
        ("POST", f"/v1/customers/{c}/invoices", {"date": "2025-01-15", "items": [item]}, 201),
        ("PATCH", f"/v1/invoices/{w.invoice_id}", {"note": "Thanks"}, 200),
        ("POST", f"/v1/invoices/{w.invoice_id}/send", None, 200),
        (
            "POST",
            f"/v1/invoices/{w.invoice_id}/credit-notes",
            {"amount": "1.00", "reason": "goodwill"},
            201,
        ),
        ("POST", f"/v1/credit-notes/{w.credit_note_id}/send", None, 200),
        ("POST", f"/v1/invoices/{w.proforma_id}/convert", {}, 201),
        ("POST", f"/v1/invoices/{w.void_id}/void", {"reason": "duplicate"}, 200),
        ("POST", f"/v1/customers/{c}/cancel-last-recurring-invoice", {}, 200),
        ("POST", "/v1/invoice-groups", {"name": "Run"}, 201),
        ("POST", f"/v1/invoice-groups/{w.group_id}/invoices", {"invoice_ids": [w.invoice_id]}, 200),
        ("POST", f"/v1/invoice-groups/{w.group_id}/actions", {"action": "mark_sent"}, 200),
        ("POST", f"/v1/customers/{c}/transactions", line, 201),
        ("PATCH", f"/v1/transactions/{w.line_id}", {"label": "Edited"}, 200),
        ("DELETE", f"/v1/transactions/{w.line_id}", None, 200),
        (
            "POST",
            f"/v1/customers/{c}/allocations",
            {"credit_id": w.payment_id, "debit_id": w.charge_id, "amount": "10"},
            201,
        ),
        ("POST", f"/v1/customers/{c}/settle", None, 200),
        ("POST", f"/v1/payments/{w.payment_id}/chargeback", {"amount": "5.00"}, 201),
        ("POST", f"/v1/transactions/{w.charge_id}/reverse", {}, 201),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "1.00"}, 201),
        ("POST", f"/v1/payments/{w.pending_id}/confirm", {}, 200),
        ("POST", f"/v1/customers/{c}/services", {"description": "TV", "unit_price": "9"}, 201),
        ("PATCH", f"/v1/services/{w.service_id}", {"unit_price": "35.00"}, 200),
        ("PUT", f"/v1/customers/{c}/next-block-date", {"date": _in_a_week()}, 200),
    ]


def _in_a_week() -> str:
    """A next block date the API accepts: from its today (UTC by default) to a year later."""
    return (datetime.now(UTC).date() + timedelta(days=7)).isoformat()


#: Every operation of the API; a new endpoint must be added here (and to the role tests).
OPERATIONS = {
    ("GET", "/health"),
    ("GET", "/v1/customers"),
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/{customer_id}"),
    ("PATCH", "/v1/customers/{customer_id}"),
    ("GET", "/v1/customers/{customer_id}/balance"),
    ("GET", "/v1/customers/{customer_id}/transactions"),
    ("POST", "/v1/customers/{customer_id}/transactions"),
    ("GET", "/v1/transactions/{transaction_id}"),
    ("PATCH", "/v1/transactions/{transaction_id}"),
    ("DELETE", "/v1/transactions/{transaction_id}"),
    ("POST", "/v1/transactions/{transaction_id}/reverse"),
    ("POST", "/v1/customers/{customer_id}/payments"),
    ("GET", "/v1/payments/{payment_id}"),
    ("POST", "/v1/payments/{payment_id}/confirm"),
    ("POST", "/v1/payments/{payment_id}/fail"),
    ("POST", "/v1/payments/{payment_id}/chargeback"),
    ("POST", "/v1/customers/{customer_id}/allocations"),
    ("POST", "/v1/customers/{customer_id}/settle"),
    ("GET", "/v1/settings"),
    ("PUT", "/v1/settings"),
    ("GET", "/v1/reports/balances"),
    ("GET", "/v1/reports/totals"),
    ("POST", "/v1/customers/{customer_id}/invoices"),
    ("POST", "/v1/customers/{customer_id}/cancel-last-recurring-invoice"),
    ("GET", "/v1/invoices"),
    ("GET", "/v1/invoices/{invoice_id}"),
    ("PATCH", "/v1/invoices/{invoice_id}"),
    ("GET", "/v1/invoices/{invoice_id}/pdf"),
    ("POST", "/v1/invoices/{invoice_id}/void"),
    ("POST", "/v1/invoices/{invoice_id}/send"),
    ("POST", "/v1/invoices/{invoice_id}/convert"),
    ("POST", "/v1/invoices/{invoice_id}/credit-notes"),
    ("GET", "/v1/credit-notes/{credit_note_id}"),
    ("GET", "/v1/credit-notes/{credit_note_id}/pdf"),
    ("POST", "/v1/credit-notes/{credit_note_id}/send"),
    ("POST", "/v1/invoice-groups"),
    ("GET", "/v1/invoice-groups"),
    ("GET", "/v1/invoice-groups/{group_id}"),
    ("POST", "/v1/invoice-groups/{group_id}/invoices"),
    ("POST", "/v1/invoice-groups/{group_id}/actions"),
    ("POST", "/v1/customers/{customer_id}/services"),
    ("GET", "/v1/customers/{customer_id}/services"),
    ("GET", "/v1/services/{service_id}"),
    ("PATCH", "/v1/services/{service_id}"),
    ("POST", "/v1/billing-runs"),
    ("GET", "/v1/billing-runs"),
    ("GET", "/v1/billing-runs/{run_id}"),
    ("DELETE", "/v1/billing-runs/{run_id}"),
    ("GET", "/v1/billing-runs/{run_id}/customers"),
    ("GET", "/v1/billing-runs/{run_id}/comparison"),
    ("POST", "/v1/billing-runs/{run_id}/confirm"),
    ("POST", "/v1/billing-runs/{run_id}/retry"),
    ("POST", "/v1/jobs/daily"),
    ("GET", "/v1/customers/{customer_id}/dunning"),
    ("PUT", "/v1/customers/{customer_id}/next-block-date"),
    ("GET", "/v1/customers/{customer_id}/reminders"),
    ("GET", "/v1/dunning"),
    ("GET", "/v1/events"),
    ("GET", "/v1/lists/balance-by-customer"),
    ("GET", "/v1/lists/receivables"),
    ("GET", "/v1/customers/{customer_id}/statement"),
    ("POST", "/v1/imports/{kind}"),
    ("GET", "/v1/exports/journal"),
}


def _operations(books: Any) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document, ids filled in with 1."""
    spec = books.api.client.get("/openapi.json").json()
    found = []
    for path, item in spec["paths"].items():
        for method in item:
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


def test_the_openapi_document_lists_exactly_the_tested_operations(books: Any) -> None:
    spec = books.api.client.get("/openapi.json").json()
    listed = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert listed == OPERATIONS


# -- authentication ------------------------------------------------------------------------


def test_health_answers_without_a_key(books: Any) -> None:
    r = books.api.client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def _unauthenticated(books: Any, headers: dict[str, str]) -> None:
    body = json.dumps({"name": "x"})
    for method, path in _operations(books):
        if path == "/health":
            continue
        r = books.api.client.request(
            method,
            path,
            content=None if method in ("GET", "DELETE") else body,
            headers={"content-type": "application/json", **headers},
        )
        books.problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"].startswith("Bearer"), (method, path)


def test_every_endpoint_answers_401_without_a_key(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    _unauthenticated(books, {})
    _unauthenticated(books, {"Idempotency-Key": "no-key"})
    assert _snapshot(books, world) == before


def test_every_endpoint_answers_401_with_a_wrong_key(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    for authorization in (
        "Bearer sk_not_a_key",
        "Bearer " + "x" * 500,
        "Bearer ",
        "Basic dXNlcjpwYXNzd29yZA==",
        "sk_without_scheme",
        f"Bearer {books.api.key}x",
    ):
        _unauthenticated(books, {"Authorization": authorization})
    assert _snapshot(books, world) == before


def test_every_endpoint_answers_401_with_a_revoked_key(books: Any, world: World) -> None:
    key, secret = books.api.container.api_keys.create(name="leaked", role=Role.ADMIN)
    assert books.api.get("/v1/customers", key=secret).status_code == 200
    books.api.container.api_keys.revoke(key.id)
    before = _snapshot(books, world)
    _unauthenticated(books, {"Authorization": f"Bearer {secret}"})
    assert _snapshot(books, world) == before


# -- roles ---------------------------------------------------------------------------------


def test_a_viewer_reads_everything(books: Any, world: World) -> None:
    key = books.api.key_for(Role.VIEWER)
    for method, path in _reads(world):
        as_viewer = books.api.client.request(method, path, headers=books.api.headers(key))
        as_admin = books.api.client.request(method, path, headers=books.api.headers())
        assert as_viewer.status_code == 200, (path, as_viewer.text)
        assert as_viewer.json() == as_admin.json()


def test_a_viewer_gets_403_on_every_write(books: Any, world: World) -> None:
    key = books.api.key_for(Role.VIEWER)
    before = _snapshot(books, world)
    writes = [(m, p, b) for m, p, b, _ in _finance_writes(world)]
    writes += [
        ("POST", f"/v1/payments/{world.pending_id}/fail", {}),
        ("PUT", "/v1/settings", {"timezone": "Europe/Paris"}),
        ("POST", "/v1/billing-runs", {"date": "2025-01-16"}),
        ("POST", f"/v1/billing-runs/{world.run_id}/confirm", None),
        ("POST", f"/v1/billing-runs/{world.run_id}/retry", None),
        ("DELETE", f"/v1/billing-runs/{world.run_id}", None),
        ("POST", "/v1/jobs/daily", {"date": "2025-01-16"}),
        ("POST", "/v1/imports/customers", None),
    ]
    # one request for every operation that is not a read
    assert len({(m, p) for m, p, _ in writes}) == len([o for o in OPERATIONS if o[0] != "GET"])
    for method, path, body in writes:
        r = books.api.client.request(method, path, json=body, headers=books.api.headers(key))
        books.problem(r, 403, "forbidden")
        r = books.api.client.request(
            method, path, json=body, headers={**books.api.headers(key), "Idempotency-Key": "v"}
        )
        books.problem(r, 403, "forbidden")
    assert _snapshot(books, world) == before


def test_billing_writes_finance_data_but_not_settings(books: Any, world: World) -> None:
    key = books.api.key_for(Role.BILLING)
    for method, path, body, status in _finance_writes(world):
        r = books.api.client.request(method, path, json=body, headers=books.api.headers(key))
        assert r.status_code == status, (method, path, r.text)
    pending = books.pay(world.customer_id, "3.00", "2025-01-20", status="pending")
    r = books.api.post(f"/v1/payments/{pending['id']}/fail", json={}, key=key)
    assert r.status_code == 200, r.text
    before = books.api.get("/v1/settings").json()
    r = books.api.put("/v1/settings", json={"lock_date": "2025-01-31"}, key=key)
    books.problem(r, 403, "forbidden")
    assert books.api.get("/v1/settings").json() == before
    (extra,) = [t for t in books.txs(world.customer_id) if t["label"] == "Extra"]
    assert extra["created_by"].startswith("api:billing test")  # the audit names the key


# -- problem+json --------------------------------------------------------------------------


def test_every_kind_of_error_is_a_problem(books: Any, world: World) -> None:
    api = books.api
    viewer = api.key_for(Role.VIEWER)
    cases = [
        (api.client.get("/v1/customers"), 401, "unauthenticated"),
        (api.post("/v1/customers", json={"name": "x"}, key=viewer), 403, "forbidden"),
        (api.get("/v1/customers/999"), 404, "not_found"),
        (api.get("/v1/no-such-thing"), 404, "not_found"),
        (api.put("/v1/customers", json={}), 405, "method_not_allowed"),
        (api.post(f"/v1/transactions/{world.line_id}/reverse"), 409, "invalid_state"),
        (api.post("/v1/customers", json={"name": 5}), 422, "invalid_input"),
        (api.post("/v1/customers", json={"name": "x", "currency": "ABC"}), 422, "invalid_input"),
    ]
    for response, status, code in cases:
        body = books.problem(response, status, code)
        assert body["code"] == code
        assert set(body) <= {"type", "title", "status", "detail", "code", "errors"}


def test_validation_problems_list_every_field_at_fault(books: Any, world: World) -> None:
    r = books.api.post(
        f"/v1/customers/{world.customer_id}/transactions",
        json={"kind": "debit", "label": "", "unit_price": "1.0000001", "tax_rate": "200"},
    )
    body = books.problem(r, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == {"label", "unit_price", "tax_rate"}
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}
        assert all(isinstance(v, str) and v for v in error.values())
    for field in ("label", "unit_price", "tax_rate"):
        assert field in body["detail"]


# -- malformed input -----------------------------------------------------------------------


MALFORMED_BODIES: list[tuple[str | None, bytes]] = [
    ("application/json", b"{bad"),
    ("application/json", b""),
    ("application/json", b"[]"),
    ("application/json", b'"amount"'),
    ("application/json", b"12"),
    ("application/json", b"null"),
    ("application/json", b'{"amount": NaN}'),
    ("application/json", b'{"amount": Infinity}'),
    ("application/json", b'{"amount": -Infinity}'),
    ("application/json", b"[" * 5000 + b"]" * 5000),
    ("application/json", b'{"amount": "1", "reference": "\xe9t\xe9"}'),  # latin-1, not UTF-8
    ("application/json", b'{"amount": "1"'),
    ("text/plain", b'{"amount": "1"}'),
    ("application/x-www-form-urlencoded", b"amount=1"),
    (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="amount"\r\n\r\n1\r\n--xyz--',
    ),
    ("application/xml", b"<payment><amount>1</amount></payment>"),
    (None, b"amount=1"),
]


def test_malformed_bodies_answer_4xx_and_change_nothing(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    c = world.customer_id
    targets = [
        ("POST", f"/v1/customers/{c}/payments"),
        ("POST", f"/v1/customers/{c}/transactions"),
        ("POST", "/v1/customers"),
        ("PATCH", f"/v1/customers/{c}"),
        ("PUT", "/v1/settings"),
    ]
    for method, path in targets:
        for content_type, content in MALFORMED_BODIES:
            headers = books.api.headers()
            if content_type is not None:
                headers["content-type"] = content_type
            r = books.api.client.request(method, path, content=content, headers=headers)
            assert 400 <= r.status_code < 500, (method, path, content[:30], r.status_code)
            assert r.headers["content-type"].startswith(PROBLEM_JSON)
            assert r.json()["status"] == r.status_code
    assert _snapshot(books, world) == before


def test_json_numbers_are_read_as_exact_decimals(books: Any) -> None:
    """SPEC §2: a JSON number is accepted only if it parses exactly as a decimal from its
    text. 1.005 and 0.105 are not exact binary floats: read as floats they would round down."""
    cid = books.customer(billing={"credit_limit": 12.5})["id"]
    assert books.get_customer(cid)["billing"]["credit_limit"] == "12.50"
    payment = books.pay(cid, 0.1, "2025-01-02")
    assert payment["amount"] == "0.10"
    assert books.balance(cid)["balance"] == "-0.10"
    for unit_price, net in [(0.105, "0.11"), (1.005, "1.01"), (2.675, "2.68")]:
        line = books.line(cid, unit_price=unit_price, quantity=1)
        assert line["net"] == net, unit_price
        assert line["unit_price"] == str(unit_price)
    line = books.line(cid, unit_price=19.99, quantity=3, tax_rate=5.5)
    assert (line["net"], line["tax"], line["amount"]) == ("59.97", "3.30", "63.27")
    assert books.pay(cid, 1e2, "2025-01-02")["amount"] == "100.00"
    r = books.api.post(
        f"/v1/customers/{cid}/payments",
        content=b'{"amount": 0.30000000000000004}',
        headers={**books.api.headers(), "content-type": "application/json"},
    )
    books.problem(r, 422, "invalid_input", field="amount")
    r = books.api.post(
        f"/v1/customers/{cid}/payments",
        content=b'{"amount": 1E-2, "date": "2025-01-03"}',
        headers={**books.api.headers(), "content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "0.01"


def test_text_that_is_not_a_plain_decimal_is_refused(books: Any) -> None:
    cid = books.customer()["id"]
    before = books.snapshot(cid)
    for amount in ("1e2", "NaN", "Infinity", "0x10", "1,50", "1 000", "€10", "", " ", "--1"):
        r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": amount})
        assert r.status_code == 422, (amount, r.text)
        books.problem(r, 422, "invalid_input", field="amount")
    assert books.snapshot(cid) == before


def test_unknown_fields_are_refused_naming_them(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    c = world.customer_id
    cases = [
        ("POST", "/v1/customers", {"name": "x", "nmae": "y"}, "nmae"),
        (
            "POST",
            "/v1/customers",
            {"name": "x", "billing": {"biling_day": 3}},
            "billing.biling_day",
        ),
        (
            "POST",
            "/v1/customers",
            {"name": "x", "billing_address": {"zip": "1"}},
            "billing_address.zip",
        ),
        ("PATCH", f"/v1/customers/{c}", {"balance": "0"}, "balance"),
        (
            "POST",
            f"/v1/customers/{c}/transactions",
            {"kind": "debit", "label": "x", "unit_price": "1", "state": "closed"},
            "state",
        ),
        ("PATCH", f"/v1/transactions/{world.line_id}", {"open_amount": "0"}, "open_amount"),
        ("POST", f"/v1/transactions/{world.charge_id}/reverse", {"amount": "1"}, "amount"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "1", "currency": "USD"}, "currency"),
        ("POST", f"/v1/payments/{world.pending_id}/confirm", {"fee": "1"}, "fee"),
        ("POST", f"/v1/payments/{world.pending_id}/fail", {"status": "failed"}, "status"),
        ("POST", f"/v1/payments/{world.payment_id}/chargeback", {"force": True}, "force"),
        (
            "POST",
            f"/v1/customers/{c}/allocations",
            {"credit_id": world.payment_id, "debit_id": world.charge_id, "force": True},
            "force",
        ),
        ("PUT", "/v1/settings", {"lock": "2025-01-01"}, "lock"),
    ]
    for method, path, body, field in cases:
        r = books.api.client.request(method, path, json=body, headers=books.api.headers())
        err = books.problem(r, 422, "invalid_input", field=field)
        codes = {e["code"] for e in err["errors"] if e["field"] == field}
        assert codes == {"extra_forbidden"}, (path, err)
    assert _snapshot(books, world) == before


def test_huge_numbers_answer_4xx_and_change_nothing(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    c, huge = world.customer_id, 10**30
    line = {"kind": "debit", "label": "x", "unit_price": "1"}
    cases = [
        ("POST", f"/v1/customers/{c}/payments", {"amount": huge}, "amount"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": -huge}, "amount"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "9" * 39}, "amount"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "9" * 1000}, "amount"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "1000000000000.00"}, "amount"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "unit_price": huge}, "unit_price"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "quantity": huge}, "quantity"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "tax_rate": huge}, "tax_rate"),
        (
            "POST",
            f"/v1/customers/{c}/transactions",
            {
                **line,
                "unit_price": "999999999999",
                "quantity": "999999999",
                "bill_on_next_invoice": False,
            },
            "unit_price",
        ),
        (
            "POST",
            f"/v1/customers/{c}/allocations",
            {"credit_id": huge, "debit_id": huge},
            "credit_id",
        ),
        (
            "POST",
            f"/v1/customers/{c}/allocations",
            {"credit_id": 2**63, "debit_id": 1},
            "credit_id",
        ),
        ("POST", "/v1/customers", {"name": "x", "partner_id": 2**64}, "partner_id"),
        (
            "POST",
            "/v1/customers",
            {"name": "x", "billing": {"payment_due_days": huge}},
            "billing.payment_due_days",
        ),
        (
            "POST",
            "/v1/customers",
            {"name": "x", "billing": {"credit_limit": huge}},
            "billing.credit_limit",
        ),
        ("POST", f"/v1/payments/{world.pending_id}/fail", {"fee": huge}, "fee"),
        ("POST", f"/v1/payments/{world.payment_id}/chargeback", {"fee": huge}, "fee"),
    ]
    for method, path, body, field in cases:
        r = books.api.client.request(method, path, json=body, headers=books.api.headers())
        books.problem(r, 422, "invalid_input", field=field)
    for params, field in [({"limit": huge}, "limit"), ({"starting_after": huge}, "starting_after")]:
        r = books.api.get(f"/v1/customers/{c}/transactions", params=params)
        books.problem(r, 422, "invalid_input", field=field)
    r = books.api.get(f"/v1/customers/{c}/balance", params={"as_of": "99999-01-01"})
    books.problem(r, 422, "invalid_input", field="as_of")
    assert _snapshot(books, world) == before


def test_a_refused_amount_is_not_also_called_zero(books: Any) -> None:
    """An amount that is too large or has too many decimals is reported for what it is, not
    also as "must not be zero" (a value the client never sent)."""
    cid = books.customer()["id"]
    for amount, code in [(10**30, "out_of_range"), ("1.234", "too_many_decimals")]:
        r = books.api.post(f"/v1/customers/{cid}/payments", json={"amount": amount})
        body = books.problem(r, 422, "invalid_input", field="amount")
        assert [e["code"] for e in body["errors"]] == [code], body


def test_nul_bytes_and_control_characters_are_refused(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    c = world.customer_id
    line = {"kind": "debit", "label": "x", "unit_price": "1"}
    cases = [
        ("POST", "/v1/customers", {"name": "Acme\x00Corp"}, "name"),
        ("POST", "/v1/customers", {"name": "x", "email": "a\x00@b.example"}, "email"),
        ("POST", "/v1/customers", {"name": "x", "external_ref": "\x00"}, "external_ref"),
        (
            "POST",
            "/v1/customers",
            {"name": "x", "billing_address": {"city": "Pa\x00ris"}},
            "billing_address.city",
        ),
        ("POST", "/v1/customers", {"name": "Bell\x07"}, "name"),
        ("PATCH", f"/v1/customers/{c}", {"segment": "\x00"}, "segment"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "label": "a\x00"}, "label"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "reference": "\x00"}, "reference"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "unit_price": "1\x00"}, "unit_price"),
        ("POST", f"/v1/customers/{c}/transactions", {**line, "date": "2025-01-01\x00"}, "date"),
        ("PATCH", f"/v1/transactions/{world.line_id}", {"label": "\x00"}, "label"),
        ("POST", f"/v1/customers/{c}/payments", {"amount": "1", "reference": "\x00"}, "reference"),
        ("POST", f"/v1/transactions/{world.charge_id}/reverse", {"reason": "\x00"}, "reason"),
        ("POST", f"/v1/payments/{world.pending_id}/fail", {"reason": "\x00"}, "reason"),
        ("POST", f"/v1/payments/{world.payment_id}/chargeback", {"reason": "\x00"}, "reason"),
        ("PUT", "/v1/settings", {"default_locale": "fr_FR\x00"}, "default_locale"),
        ("PUT", "/v1/settings", {"default_currency": "EUR\x00"}, "default_currency"),
    ]
    for method, path, body, field in cases:
        r = books.api.client.request(method, path, json=body, headers=books.api.headers())
        books.problem(r, 422, "invalid_input", field=field)
    for params, field in [({"q": "\x00"}, "q"), ({"segment": "a\x00"}, "segment")]:
        books.problem(
            books.api.get("/v1/customers", params=params), 422, "invalid_input", field=field
        )
    r = books.api.delete(f"/v1/transactions/{world.line_id}", params={"reason": "\x00"})
    books.problem(r, 422, "invalid_input", field="reason")
    assert _snapshot(books, world) == before


def test_a_failed_request_changes_nothing(books: Any, world: World) -> None:
    """Refusals of every kind (404, 409, 422, 403) leave balances, transactions, customers and
    settings exactly as they were."""
    c = world.customer_id
    viewer = books.api.key_for(Role.VIEWER)
    books.settings(lock_date="2025-01-05")
    before = _snapshot(books, world)
    api = books.api
    refusals = [
        api.post(f"/v1/customers/{c}/payments", json={"amount": "-1000.00"}),  # no credit
        api.post(f"/v1/customers/{c}/payments", json={"amount": "5", "date": "2025-01-01"}),
        api.post(
            f"/v1/customers/{c}/allocations",
            json={"credit_id": world.payment_id, "debit_id": world.charge_id, "amount": "61"},
        ),
        api.post(f"/v1/transactions/{world.line_id}/reverse", json={}),
        api.post(f"/v1/payments/{world.payment_id}/confirm", json={}),
        api.post(f"/v1/payments/{world.payment_id}/chargeback", json={"amount": "61"}),
        api.patch(f"/v1/transactions/{world.charge_id}", json={"label": "x"}),
        api.delete(f"/v1/transactions/{world.payment_id}"),
        api.patch(f"/v1/customers/{c}", json={"currency": "USD", "name": "Renamed"}),
        api.post(
            f"/v1/customers/{c}/transactions",
            json={"kind": "debit", "label": "x", "unit_price": "1", "quantity": "0"},
        ),
        api.post("/v1/customers", json={"name": "x", "billing": {"billing_day": 30}}),
        api.put("/v1/settings", json={"timezone": "Nowhere/Land", "lock_date": None}),
        api.post(f"/v1/customers/{c}/payments", json={"amount": "1"}, key=viewer),
        api.post("/v1/customers/999/payments", json={"amount": "1"}),
    ]
    for r in refusals:
        assert 400 <= r.status_code < 500, r.text
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert _snapshot(books, world) == before


# -- Idempotency-Key -----------------------------------------------------------------------


def _post(books: Any, path: str, body: Any, key: str | None, api_key: str | None = None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return books.api.post(path, json=body, headers=headers, key=api_key)


@dataclass
class Creation:
    """A creating POST: where, two different valid bodies, and how to count what exists."""

    path: str
    body: Any
    other_body: Any
    repeatable: bool  # a second request with another key creates a second resource


def _creations(books: Any, world: World) -> dict[str, Creation]:
    c = world.customer_id
    line = {"kind": "debit", "label": "Extra", "unit_price": "5.00"}
    return {
        "customer": Creation("/v1/customers", {"name": "Idem"}, {"name": "Other"}, repeatable=True),
        "line": Creation(
            f"/v1/customers/{c}/transactions", line, {**line, "unit_price": "6.00"}, True
        ),
        "payment": Creation(
            f"/v1/customers/{c}/payments", {"amount": "7.00"}, {"amount": "8.00"}, True
        ),
        "allocation": Creation(
            f"/v1/customers/{c}/allocations",
            {"credit_id": world.payment_id, "debit_id": world.charge_id, "amount": "10.00"},
            {"credit_id": world.payment_id, "debit_id": world.charge_id, "amount": "11.00"},
            True,
        ),
        "chargeback": Creation(
            f"/v1/payments/{world.payment_id}/chargeback",
            {"amount": "5.00"},
            {"amount": "6.00"},
            True,
        ),
        "reversal": Creation(
            f"/v1/transactions/{world.charge_id}/reverse",
            {"reason": "first"},
            {"reason": "second"},
            False,
        ),
    }


@pytest.mark.parametrize(
    "kind", ["customer", "line", "payment", "allocation", "chargeback", "reversal"]
)
def test_idempotency_key_on_every_creating_post(books: Any, world: World, kind: str) -> None:
    creation = _creations(books, world)[kind]
    first = _post(books, creation.path, creation.body, "key-1")
    assert first.status_code == 201, first.text
    after_first = _snapshot(books, world)

    replay = _post(books, creation.path, creation.body, "key-1")
    assert replay.status_code == 201
    assert replay.content == first.content  # the same id: nothing new was created
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert replay.headers.get("idempotent-replayed") == "true"
    assert _snapshot(books, world) == after_first

    other = _post(books, creation.path, creation.other_body, "key-1")
    books.problem(other, 409, "idempotency_key_reused")
    assert _snapshot(books, world) == after_first

    second = _post(books, creation.path, creation.body, "key-2")
    if creation.repeatable:
        assert second.status_code == 201, second.text
        assert second.json()["id"] != first.json()["id"]
        assert "idempotent-replayed" not in second.headers
    else:
        books.problem(second, 409, "invalid_state")  # really ran again, and was refused


def test_idempotency_key_on_other_posts_replays_the_answer(books: Any, world: World) -> None:
    path = f"/v1/payments/{world.pending_id}/confirm"
    first = _post(books, path, {}, "confirm-1")
    assert first.status_code == 200, first.text
    replay = _post(books, path, {}, "confirm-1")
    assert replay.status_code == 200
    assert replay.content == first.content
    assert replay.headers.get("idempotent-replayed") == "true"
    books.problem(_post(books, path, {}, None), 409, "invalid_state")  # without the key: runs
    settle = f"/v1/customers/{world.customer_id}/settle"
    first = _post(books, settle, None, "settle-1")
    assert first.status_code == 200, first.text
    assert len(first.json()["allocations"]) == 2
    replay = _post(books, settle, None, "settle-1")
    assert replay.content == first.content


def test_a_failed_request_does_not_keep_its_idempotency_key(books: Any, world: World) -> None:
    c = world.customer_id
    path = f"/v1/customers/{c}/payments"
    bad = _post(books, path, {"amount": "abc"}, "retry-me")
    books.problem(bad, 422, "invalid_input", field="amount")
    again = _post(books, path, {"amount": "abc"}, "retry-me")
    books.problem(again, 422, "invalid_input", field="amount")
    assert "idempotent-replayed" not in again.headers
    fixed = _post(books, path, {"amount": "9.00"}, "retry-me")
    assert fixed.status_code == 201, fixed.text
    replay = _post(books, path, {"amount": "9.00"}, "retry-me")
    assert replay.content == fixed.content
    payments = books.txs(c, type="payment")
    assert [t["amount"] for t in payments].count("9.00") == 1


def test_idempotency_keys_belong_to_their_api_key(books: Any, world: World) -> None:
    path = f"/v1/customers/{world.customer_id}/payments"
    billing = books.api.key_for(Role.BILLING)
    mine = _post(books, path, {"amount": "4.00"}, "shared")
    theirs = _post(books, path, {"amount": "4.00"}, "shared", api_key=billing)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


def test_an_idempotency_key_is_bound_to_its_path(books: Any, world: World) -> None:
    first = _post(books, f"/v1/customers/{world.customer_id}/payments", {"amount": "1"}, "k")
    assert first.status_code == 201, first.text
    other = books.customer("Other")["id"]
    before = books.snapshot(other)
    r = _post(books, f"/v1/customers/{other}/payments", {"amount": "1"}, "k")
    books.problem(r, 409, "idempotency_key_reused")
    assert books.snapshot(other) == before


def test_invalid_idempotency_keys_are_refused(books: Any, world: World) -> None:
    before = _snapshot(books, world)
    path = f"/v1/customers/{world.customer_id}/payments"
    for key in ("k" * 256, "tab\there", ""):
        r = _post(books, path, {"amount": "1.00"}, key)
        books.problem(r, 400, "invalid_idempotency_key")
    assert _snapshot(books, world) == before
    assert _post(books, path, {"amount": "1.00"}, "k" * 255).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/customers", "GET, HEAD, POST"),
        ("PUT", "/v1/customers/1", "GET, HEAD, PATCH"),
        ("POST", "/v1/settings", "GET, HEAD, PUT"),
        ("PATCH", "/v1/customers/1/transactions", "GET, HEAD, POST"),
    ],
)
def test_a_wrong_method_answers_405_listing_every_allowed_method(
    api: Any, method: str, path: str, allowed: str
) -> None:
    r = api.client.request(method, path, headers=api.headers())
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["allow"] == allowed


def test_a_revoked_key_gets_no_replay_of_its_earlier_answers(api: Any) -> None:
    """Revoking a key stops it at once, idempotent retries included."""
    key_obj, secret = api.container.api_keys.create(name="leaving", role=Role.BILLING)
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "retry-1"}
    first = api.client.post("/v1/customers", json={"name": "Kept"}, headers=headers)
    assert first.status_code == 201
    api.container.api_keys.revoke(key_obj.id)
    again = api.client.post("/v1/customers", json={"name": "Kept"}, headers=headers)
    assert again.status_code == 401
    assert "idempotent-replayed" not in again.headers


def test_the_same_key_written_another_way_is_the_same_owner_of_idempotency_keys(
    api: Any,
) -> None:
    """`bearer` or `Bearer`: one API key, one request, one customer."""
    body = {"name": "Once"}
    for scheme in ("Bearer", "bearer", "BEARER"):
        r = api.client.post(
            "/v1/customers",
            json=body,
            headers={"Authorization": f"{scheme} {api.key}", "Idempotency-Key": "once"},
        )
        assert r.status_code == 201
    listed = api.get("/v1/customers").json()["data"]
    assert [c["name"] for c in listed] == ["Once"]


@pytest.mark.parametrize("number", ["1E+999999999", "-1e999999999", "1E-999999999", "1e400"])
def test_json_numbers_with_extreme_exponents_are_refused_by_field(api: Any, number: str) -> None:
    customer = api.post("/v1/customers", json={"name": "Exponent"}).json()["id"]
    for path, template in [
        (f"/v1/customers/{customer}/payments", '{"amount": %s}'),
        (
            f"/v1/customers/{customer}/transactions",
            '{"label": "x", "unit_price": "1", "quantity": %s}',
        ),
        (
            f"/v1/customers/{customer}/transactions",
            '{"label": "x", "unit_price": "1", "tax_rate": %s}',
        ),
    ]:
        r = api.client.post(
            path,
            content=(template % number).encode(),
            headers={**api.headers(), "content-type": "application/json"},
        )
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert api.get(f"/v1/customers/{customer}/transactions").json()["data"] == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_total_beyond_what_the_database_stores_is_refused_not_a_500(api: Any) -> None:
    """PostgreSQL refuses a BIGINT overflow of a customer's totals: a clean 422, nothing kept."""
    from sqlalchemy import text

    customer = api.post("/v1/customers", json={"name": "Huge"}).json()["id"]
    with api.container.engine.begin() as connection:
        connection.execute(
            text("UPDATE customer_balances SET balance = :b, debit = :b WHERE customer_id = :c"),
            {"b": 2**63 - 100, "c": customer},
        )
    line = {
        "kind": "debit",
        "type": "charge",
        "label": "x",
        "unit_price": "5.00",
        "bill_on_next_invoice": False,
    }
    r = api.post(f"/v1/customers/{customer}/transactions", json=line)
    assert r.status_code == 422
    assert r.json()["code"] == "out_of_range"
    assert api.get(f"/v1/customers/{customer}/transactions").json()["data"] == []
