"""Invoice groups and their bulk actions through the API (SPEC §12, §15)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from solde.storage.api_keys import Role

DUE = "2999-12-30"


def _issue(books: Any, cid: int, total: str, day: str = "2025-01-10") -> Any:
    items = [{"description": "Service", "unit_price": total}]
    r = books.api.post(
        f"/v1/customers/{cid}/invoices", json={"date": day, "due_date": DUE, "items": items}
    )
    assert r.status_code == 201, r.text
    return r.json()


def _group(books: Any, name: str, **body: Any) -> Any:
    r = books.api.post("/v1/invoice-groups", json={"name": name, **body})
    assert r.status_code == 201, r.text
    return r.json()


def _members(books: Any, group_id: int) -> list[int]:
    r = books.api.get("/v1/invoices", params={"group_id": group_id, "limit": 500})
    assert r.status_code == 200, r.text
    return [row["id"] for row in r.json()["data"]]


def _act(books: Any, group_id: int, **body: Any) -> Any:
    return books.api.post(f"/v1/invoice-groups/{group_id}/actions", json=body)


def test_a_group_holds_invoices_by_id_and_by_filters(books: Any) -> None:
    ada = books.customer("Ada")["id"]
    bob = books.customer("Bob")["id"]
    a1 = _issue(books, ada, "10.00")
    a2 = _issue(books, ada, "20.00", "2025-02-10")
    b1 = _issue(books, bob, "30.00")
    books.pay(bob, "30.00", "2025-01-11")
    group = _group(books, "January run", invoice_ids=[a1["id"]])
    assert (group["name"], group["count"]) == ("January run", 1)
    assert _members(books, group["id"]) == [a1["id"]]

    path = f"/v1/invoice-groups/{group['id']}/invoices"
    r = books.api.post(
        path, json={"filters": {"invoice_balance[gt]": "0", "date_to": "2025-01-31"}}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["count"]) == (0, 1)  # a1 is already in; b1 is paid
    r = books.api.post(path, json={"filters": {"customer_id": ada, "type": "one_time"}})
    assert (r.json()["added"], r.json()["count"]) == (1, 2)
    r = books.api.post(path, json={"invoice_ids": [b1["id"], a1["id"]]})
    assert (r.json()["added"], r.json()["count"]) == (1, 3)
    assert _members(books, group["id"]) == [b1["id"], a2["id"], a1["id"]]
    # filters by status as of a day, the statuses listed with commas
    r = books.api.post(path, json={"filters": {"status": "paid,unpaid", "as_of": "2025-06-01"}})
    assert (r.json()["added"], r.json()["count"]) == (0, 3)

    got = books.api.get(f"/v1/invoice-groups/{group['id']}").json()
    assert got == {"id": group["id"], "name": "January run", "count": 3}
    other = _group(books, "Empty")
    listed = books.api.get("/v1/invoice-groups").json()
    assert [g["id"] for g in listed["data"]] == [other["id"], group["id"]]
    page = books.api.get("/v1/invoice-groups", params={"limit": 1}).json()
    assert (page["has_more"], page["next_cursor"]) == (True, str(other["id"]))
    rest = books.api.get("/v1/invoice-groups", params={"starting_after": page["next_cursor"]})
    assert [g["id"] for g in rest.json()["data"]] == [group["id"]]


def test_group_refusals_name_the_field(books: Any) -> None:
    cid = books.customer()["id"]
    inv = _issue(books, cid, "10.00")
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    note_id = r.json()["id"]
    books.problem(books.api.post("/v1/invoice-groups", json={}), 422, "invalid_input",
                  field="name")  # fmt: skip
    r = books.api.post("/v1/invoice-groups", json={"name": "x", "invoice_ids": [inv["id"], 4242]})
    books.problem(r, 422, "invalid_input", field="invoice_ids.1")
    assert books.api.get("/v1/invoice-groups").json()["data"] == []  # nothing half made
    group = _group(books, "G")
    path = f"/v1/invoice-groups/{group['id']}/invoices"
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "invoice_ids"),
        ({"invoice_ids": [note_id]}, "invoice_ids.0"),
        ({"invoice_ids": [0]}, "invoice_ids.0"),
        ({"filters": {"invoice_balance[xx]": "0"}}, "filters.invoice_balance[xx]"),
        ({"filters": {"account_balance[gt]": "zero"}}, "filters.account_balance[gt]"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"status": ["lost"]}}, "filters.status"),
        ({"filters": {"date_from": "yesterday"}}, "filters.date_from"),
        ({"filters": {"as_of": "3000-01-01"}}, "filters.as_of"),
        ({"filters": {"customer_id": "1"}}, "filters.customer_id"),
    ]
    for body, field in cases:
        books.problem(books.api.post(path, json=body), 422, "invalid_input", field=field)
    assert books.api.get(f"/v1/invoice-groups/{group['id']}").json()["count"] == 0
    books.problem(books.api.get("/v1/invoice-groups/4242"), 404, "not_found")
    r = books.api.post("/v1/invoice-groups/4242/invoices", json={"invoice_ids": [inv["id"]]})
    books.problem(r, 404, "not_found")
    books.problem(_act(books, 4242, action="mark_sent"), 404, "not_found")
    books.problem(_act(books, group["id"], action="email"), 422, "invalid_input", field="action")
    r = _act(books, group["id"], action="mark_sent", reason="why")
    books.problem(r, 422, "invalid_input", field="reason")


def test_bulk_void_does_what_it_may_and_says_why_for_the_rest(books: Any) -> None:
    cid = books.customer()["id"]
    free = _issue(books, cid, "10.00")
    partly = _issue(books, cid, "20.00", "2025-01-11")
    books.pay(cid, "5.00", "2025-01-12", invoice_id=partly["id"])
    other = _issue(books, cid, "30.00", "2025-01-13")
    group = _group(books, "To void", invoice_ids=[free["id"], partly["id"], other["id"]])
    r = _act(books, group["id"], action="void", reason="duplicate run")
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["action"] == "void"
    assert sorted(result["done"]) == sorted([free["id"], other["id"]])
    assert [x["invoice_id"] for x in result["refused"]] == [partly["id"]]
    assert "credit note" in result["refused"][0]["message"]
    voided = books.api.get(f"/v1/invoices/{free['id']}").json()
    assert (voided["status"], voided["void_reason"]) == ("void", "duplicate run")
    assert books.api.get(f"/v1/invoices/{partly['id']}").json()["status"] == "partially_paid"
    assert books.amounts(cid)[0] == "15.00"
    again = _act(books, group["id"], action="void").json()
    assert again["done"] == []
    assert len(again["refused"]) == 3


def test_bulk_mark_sent_and_pdf_archive(books: Any) -> None:
    cid = books.customer()["id"]
    first = _issue(books, cid, "10.00")
    second = _issue(books, cid, "20.00", "2025-01-11")
    group = _group(books, "Send", invoice_ids=[first["id"], second["id"]])
    viewer = books.api.key_for(Role.VIEWER)
    r = books.api.post(
        f"/v1/invoice-groups/{group['id']}/actions", json={"action": "mark_sent"}, key=viewer
    )
    books.problem(r, 403, "forbidden")
    result = _act(books, group["id"], action="mark_sent").json()
    assert (sorted(result["done"]), result["refused"]) == (sorted([first["id"], second["id"]]), [])
    for inv in (first, second):
        assert books.api.get(f"/v1/invoices/{inv['id']}").json()["sent_at"] is not None

    pytest.importorskip("solde.documents")
    r = books.api.post(
        f"/v1/invoice-groups/{group['id']}/actions", json={"action": "pdf"}, key=viewer
    )
    assert r.status_code == 200, r.text[:200]
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="invoice-group-{group["id"]}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"invoice-{i['number']}.pdf" for i in (first, second))
        assert all(archive.read(n).startswith(b"%PDF") for n in names)
