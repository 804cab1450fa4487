"""Helpers for the REST API tests: a `books` fixture that drives the API like an integrator.

Every helper asserts the status of the call it makes, so that a test reads as the business story
it tells. Dates are fixed days of 2025 (always in the past) or 2999-12-31 (always in the future),
so that no test depends on the wall clock the API reads for "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

PROBLEM_JSON = "application/problem+json"
FUTURE = "2999-12-31"


def problem(response: Any, status: int, code: str, *, field: str | None = None) -> dict[str, Any]:
    """Assert that `response` is an RFC 9457 problem of `status` and stable `code` (and, when
    given, that its `errors` name `field`). Returns the problem body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:solde:problem:{code}", body
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, body
    return body


@dataclass
class Books:
    """The API seen by an integrating developer, with one-line helpers for common steps."""

    api: Any
    problem = staticmethod(problem)

    # -- customers ------------------------------------------------------------------------
    def customer(self, name: str = "Acme SARL", **fields: Any) -> dict[str, Any]:
        """Create a customer (201) and return it."""
        r = self.api.post("/v1/customers", json={"name": name, **fields})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def get_customer(self, customer_id: int) -> dict[str, Any]:
        r = self.api.get(f"/v1/customers/{customer_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    # -- lines and transactions -----------------------------------------------------------
    def line(self, customer_id: int, **fields: Any) -> dict[str, Any]:
        """Add a line (201) with sensible defaults for the fields not given."""
        body = {"kind": "debit", "label": "Line", "unit_price": "10.00", **fields}
        r = self.api.post(f"/v1/customers/{customer_id}/transactions", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def charge(self, customer_id: int, amount: str, day: str, **fields: Any) -> dict[str, Any]:
        """A debit posted now (not waiting for an invoice)."""
        return self.line(
            customer_id,
            kind="debit",
            type=fields.pop("type", "charge"),
            label=fields.pop("label", "Charge"),
            unit_price=amount,
            date=day,
            bill_on_next_invoice=False,
            **fields,
        )

    def credit(self, customer_id: int, amount: str, day: str, **fields: Any) -> dict[str, Any]:
        """A credit adjustment posted now."""
        return self.line(
            customer_id,
            kind="credit",
            type=fields.pop("type", "adjustment"),
            label=fields.pop("label", "Credit"),
            unit_price=amount,
            date=day,
            bill_on_next_invoice=False,
            **fields,
        )

    def tx(self, transaction_id: int) -> dict[str, Any]:
        r = self.api.get(f"/v1/transactions/{transaction_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def txs(self, customer_id: int, **params: Any) -> list[dict[str, Any]]:
        """Every transaction of the customer matching `params`, walking all pages."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = dict(params, limit=params.get("limit", 100))
            if cursor is not None:
                query["starting_after"] = cursor
            r = self.api.get(f"/v1/customers/{customer_id}/transactions", params=query)
            assert r.status_code == 200, r.text
            page = r.json()
            found.extend(page["data"])
            if not page["has_more"]:
                assert page["next_cursor"] is None
                return found
            cursor = page["next_cursor"]

    # -- payments -------------------------------------------------------------------------
    def pay(self, customer_id: int, amount: str, day: str, **fields: Any) -> dict[str, Any]:
        """Record a payment (or, with a negative amount, a refund)."""
        r = self.api.post(
            f"/v1/customers/{customer_id}/payments", json={"amount": amount, "date": day, **fields}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    # -- balance --------------------------------------------------------------------------
    def balance(self, customer_id: int, as_of: str | None = None) -> dict[str, Any]:
        params = {} if as_of is None else {"as_of": as_of}
        r = self.api.get(f"/v1/customers/{customer_id}/balance", params=params)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def amounts(self, customer_id: int, as_of: str | None = None) -> tuple[str, str, str, str]:
        """(balance, debit, credit, awaiting_confirmation) as the API writes them."""
        b = self.balance(customer_id, as_of)
        return b["balance"], b["debit"], b["credit"], b["awaiting_confirmation"]

    def snapshot(self, customer_id: int) -> tuple[Any, ...]:
        """Everything a failed request must leave unchanged for one customer."""
        return (
            self.get_customer(customer_id),
            self.balance(customer_id),
            self.txs(customer_id),
        )

    # -- settings -------------------------------------------------------------------------
    def settings(self, **changes: Any) -> dict[str, Any]:
        r = self.api.put("/v1/settings", json=changes)
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
def books(api: Any) -> Books:
    """The API over an empty database (SQLite and PostgreSQL), with helpers."""
    return Books(api)
