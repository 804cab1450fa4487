"""A customer ledger of every transaction type, written through the API, for the statement
tests: invoices, a void, a credit note, charges and collection costs posted at once, payments,
a chargeback, a refund, gifts and adjustments, a reversal, pending payments (confirmed, failed
with a fee, still pending), unbilled lines, and a charge posted late with an earlier date.

`posted_rows` reads the raw `transactions` table, so that tests compute what a statement must
say without the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from solde.bootstrap import Container
from solde.storage.tables import transactions

FUTURE = "2999-12-31"


@dataclass(frozen=True)
class Raw:
    """One posted transaction as stored: signed amount in major units."""

    id: int
    date: date
    kind: str
    type: str
    signed: Decimal


def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


class StatementBook:
    """Writes a customer's history through the API."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def customer(self, **fields: Any) -> int:
        body = {"name": "Statement Ltd", "currency": "EUR", **fields}
        return int(_ok(self.api.post("/v1/customers", json=body))["id"])

    def invoice(self, cid: int, price: str, day: str) -> dict[str, Any]:
        body = {
            "date": day,
            "due_date": FUTURE,
            "items": [{"description": "Service", "unit_price": price, "tax_rate": "20"}],
        }
        return _ok(self.api.post(f"/v1/customers/{cid}/invoices", json=body))

    def posted(self, cid: int, kind: str, type_: str, price: str, day: str) -> dict[str, Any]:
        body = {
            "kind": kind,
            "type": type_,
            "label": f"{type_} {day}",
            "unit_price": price,
            "date": day,
            "bill_on_next_invoice": False,
        }
        return _ok(self.api.post(f"/v1/customers/{cid}/transactions", json=body))

    def unbilled(self, cid: int, price: str, day: str) -> dict[str, Any]:
        body = {"kind": "debit", "type": "charge", "label": "Waiting", "unit_price": price,
                "date": day, "bill_on_next_invoice": True}  # fmt: skip
        return _ok(self.api.post(f"/v1/customers/{cid}/transactions", json=body))

    def pay(self, cid: int, amount: str, day: str, **fields: Any) -> dict[str, Any]:
        body = {"amount": amount, "date": day, **fields}
        return _ok(self.api.post(f"/v1/customers/{cid}/payments", json=body))

    def act(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.api.post(path, json=body or {})
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def every_type(self, cid: int) -> dict[str, Any]:
        """The history of one customer over January to March 2025; the objects made."""
        made: dict[str, Any] = {}
        made["invoice"] = self.invoice(cid, "100.00", "2025-01-05")  # 120.00 gross
        self.posted(cid, "debit", "charge", "20.00", "2025-01-10")
        self.posted(cid, "debit", "collection_cost", "5.00", "2025-01-10")
        made["payment"] = self.pay(cid, "50.00", "2025-01-15", reference="BANK-1")
        self.act(f"/v1/payments/{made['payment']['id']}/chargeback", {"date": "2025-01-20"})
        made["voided"] = self.invoice(cid, "50.00", "2025-02-01")
        self.act(f"/v1/invoices/{made['voided']['id']}/void", {"date": "2025-02-03"})
        made["note"] = self.act(
            f"/v1/invoices/{made['invoice']['id']}/credit-notes",
            {"amount": "12.00", "reason": "outage", "date": "2025-02-05"},
        )
        self.posted(cid, "credit", "gift", "7.00", "2025-02-10")
        self.posted(cid, "credit", "adjustment", "3.00", "2025-02-10")
        self.pay(cid, "300.00", "2025-02-11", reference="BANK-2")
        self.pay(cid, "-15.00", "2025-02-12", reference="REFUND-1")
        self.unbilled(cid, "9.00", "2025-02-15")
        made["pending"] = self.pay(cid, "30.00", "2025-02-20", status="pending")
        confirmed = self.pay(cid, "25.00", "2025-02-21", status="pending", reference="DD-7")
        self.act(f"/v1/payments/{confirmed['id']}/confirm", {"date": "2025-02-25"})
        failed = self.pay(cid, "40.00", "2025-02-22", status="pending")
        self.act(f"/v1/payments/{failed['id']}/fail", {"fee": "4.00", "date": "2025-02-26"})
        adjustment = self.posted(cid, "debit", "adjustment", "11.00", "2025-03-01")
        self.act(f"/v1/transactions/{adjustment['id']}/reverse", {"date": "2025-03-02"})
        self.posted(cid, "debit", "charge", "2.50", "2025-01-02")  # entered last, dated first
        return made


def posted_rows(container: Container, cid: int) -> list[Raw]:
    """The customer's posted transactions from the raw table, by (date, id)."""
    t = transactions.c
    query = (
        select(t.id, t.date, t.kind, t.type, t.amount, t.currency)
        .where(t.customer_id == cid, t.state.in_(["open", "closed"]))
        .order_by(t.date, t.id)
    )
    with container.engine.connect() as connection:
        rows = connection.execute(query).all()
    found = []
    for row in rows:
        assert row.currency == "EUR"
        amount = Decimal(row.amount) / 100
        found.append(
            Raw(row.id, row.date, row.kind, row.type, amount if row.kind == "debit" else -amount)
        )
    return found
