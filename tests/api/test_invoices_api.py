"""Invoices and proformas through the API: issue, read, status, edit, void, convert, send,
numbering, PDF (SPEC §5, §15)."""

from __future__ import annotations

from typing import Any

import pytest

from solde.storage.api_keys import Role

FUTURE = "2999-12-31"
#: A due date that today never reaches, with a day after it that `as_of` may name.
DUE = "2999-12-30"


def item(
    price: str, *, quantity: str = "1", tax: str = "0", text: str = "Service"
) -> dict[str, str]:
    return {"description": text, "quantity": quantity, "unit_price": price, "tax_rate": tax}


def issue(books: Any, cid: int, **body: Any) -> dict[str, Any]:
    """Issue an invoice (201); unpaid for ever unless a due date is given."""
    body.setdefault("due_date", FUTURE)
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def invoice(books: Any, invoice_id: int, **params: Any) -> dict[str, Any]:
    r = books.api.get(f"/v1/invoices/{invoice_id}", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def unbilled(books: Any, cid: int, kind: str, price: str, day: str) -> dict[str, Any]:
    """A line waiting for the next invoice."""
    return dict(
        books.line(
            cid,
            kind=kind,
            type="charge" if kind == "debit" else "adjustment",
            label=f"{kind} line",
            unit_price=price,
            date=day,
            bill_on_next_invoice=True,
        )
    )


# -- issuing --------------------------------------------------------------------------------


def test_an_invoice_with_items_is_numbered_posted_and_owed(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(
        books,
        cid,
        date="2025-03-05",
        items=[item("100.00", tax="20", text="Fibre"), item("7.50", quantity="2", text="Router")],
        note="Thank you",
        memo="called on Monday",
        custom_fields={"po": "PO-7"},
    )
    assert inv["number"] == "202501000001"  # {year}{partner_id|2}{next|6}
    assert (inv["type"], inv["status"], inv["customer_id"]) == ("one_time", "unpaid", cid)
    assert (inv["net"], inv["tax"], inv["total"]) == ("115.00", "20.00", "135.00")
    assert [(i["net"], i["tax"], i["gross"]) for i in inv["items"]] == [
        ("100.00", "20.00", "120.00"),
        ("15.00", "0.00", "15.00"),
    ]
    assert inv["items"][1]["quantity"] == "2"
    assert inv["items"][1]["unit_price"] == "7.50"
    assert inv["open_amount"] == "135.00"
    assert inv["account_balance"] == "135.00"
    assert inv["paid_from_balance"] is False
    assert inv["payments"] == []
    assert inv["credit_notes"] == []
    assert (inv["note"], inv["memo"], inv["custom_fields"]) == (
        "Thank you",
        "called on Monday",
        {"po": "PO-7"},
    )
    assert (inv["document_date"], inv["due_date"]) == ("2025-03-05", FUTURE)
    assert "items" in inv["editable_fields"]
    assert inv["sent_at"] is None
    tx = books.tx(inv["transaction_id"])
    assert (tx["type"], tx["kind"], tx["amount"], tx["invoice_id"]) == (
        "invoice",
        "debit",
        "135.00",
        inv["id"],
    )
    assert books.amounts(cid) == ("135.00", "135.00", "0.00", "0.00")
    assert invoice(books, inv["id"]) == inv


def test_the_due_date_follows_the_payment_terms_when_not_given(books: Any) -> None:
    cid = books.customer(billing={"payment_due_days": 14})["id"]
    r = books.api.post(
        f"/v1/customers/{cid}/invoices", json={"date": "2025-03-01", "items": [item("10.00")]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["due_date"] == "2025-03-15"


def test_unbilled_lines_are_billed_and_a_credit_line_is_split_at_zero(books: Any) -> None:
    cid = books.customer()["id"]
    debit = unbilled(books, cid, "debit", "100.00", "2025-02-01")
    credit = unbilled(books, cid, "credit", "150.00", "2025-02-02")
    unbilled(books, cid, "debit", "30.00", "2025-02-20")  # dated after the invoice: stays
    inv = issue(books, cid, date="2025-02-10", include_unbilled=True)
    assert inv["total"] == "0.00"
    assert inv["status"] == "paid"  # nothing to pay
    assert sorted((i["transaction_id"], i["gross"]) for i in inv["items"]) == sorted(
        [(debit["id"], "100.00"), (credit["id"], "-100.00")]
    )
    card = books.balance(cid)
    assert card["balance"] == "0.00"
    assert card["unbilled"]["count"] == 2  # the 50.00 left of the credit and the later debit
    assert card["unbilled"]["gross"] == "-20.00"  # -50.00 + 30.00
    # the remainder of the credit lowers the next invoice
    later = issue(books, cid, date="2025-02-25", include_unbilled=True, items=[item("80.00")])
    assert later["total"] == "60.00"  # 80.00 + 30.00 - 50.00
    assert books.balance(cid)["unbilled"]["count"] == 0
    assert books.amounts(cid)[0] == "60.00"


def test_existing_credit_pays_a_new_invoice_from_the_balance(books: Any) -> None:
    cid = books.customer()["id"]
    payment = books.pay(cid, "200.00", "2025-01-05")
    inv = issue(books, cid, date="2025-01-10", items=[item("120.00")])
    assert inv["status"] == "paid"
    assert inv["paid_from_balance"] is True
    assert inv["open_amount"] == "0.00"
    assert inv["account_balance"] == "-80.00"
    assert inv["payments"] == [
        {
            "transaction_id": payment["id"],
            "type": "payment",
            "date": "2025-01-05",
            "amount": "120.00",
            "status": "confirmed",
        }
    ]
    assert inv["editable_fields"] == ["custom_fields", "memo", "note"]


def test_a_payment_naming_the_invoice_pays_it_before_older_debits(books: Any) -> None:
    cid = books.customer()["id"]
    charge = books.charge(cid, "80.00", "2025-01-02")
    inv = issue(books, cid, date="2025-01-10", due_date=DUE, items=[item("100.00")])
    payment = books.pay(cid, "30.00", "2025-01-12", invoice_id=inv["id"])
    seen = invoice(books, inv["id"])
    assert seen["status"] == "partially_paid"
    assert seen["open_amount"] == "70.00"
    assert seen["payments"][0]["transaction_id"] == payment["id"]
    assert seen["payments"][0]["amount"] == "30.00"
    assert books.tx(charge["id"])["open_amount"] == "80.00"
    # once partly paid, only note, memo, dates, number and custom fields may change
    assert seen["editable_fields"] == [
        "custom_fields", "document_date", "due_date", "memo", "note", "number",
    ]  # fmt: skip
    r = books.api.get(f"/v1/payments/{payment['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["invoices"] == [
        {"invoice_id": inv["id"], "number": inv["number"], "amount": "30.00"}
    ]
    # overdue wins over partially paid after the due date
    assert invoice(books, inv["id"], as_of=FUTURE)["status"] == "overdue"
    books.pay(cid, "70.00", "2025-01-20", invoice_id=inv["id"])
    paid = invoice(books, inv["id"], as_of=FUTURE)
    assert (paid["status"], paid["open_amount"]) == ("paid", "0.00")
    assert books.amounts(cid)[0] == "80.00"  # the charge is still owed


def test_a_pending_payment_makes_the_invoice_pending(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("50.00")])
    pending = books.pay(cid, "50.00", "2025-01-11", status="pending", invoice_id=inv["id"])
    seen = invoice(books, inv["id"])
    assert seen["status"] == "pending"
    assert seen["open_amount"] == "50.00"
    assert seen["payments"] == [
        {
            "transaction_id": pending["id"],
            "type": "payment",
            "date": "2025-01-11",
            "amount": "50.00",
            "status": "pending",
        }
    ]
    r = books.api.post(f"/v1/payments/{pending['id']}/confirm", json={"date": "2025-01-12"})
    assert r.status_code == 200, r.text
    r = books.api.get(f"/v1/payments/{pending['id']}")
    assert r.json()["invoices"] == [
        {"invoice_id": inv["id"], "number": inv["number"], "amount": "50.00"}
    ]
    assert invoice(books, inv["id"])["status"] == "paid"


def test_an_invoice_is_overdue_after_its_due_date(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", due_date="2025-01-20", items=[item("10.00")])
    assert invoice(books, inv["id"], as_of="2025-01-20")["status"] == "unpaid"
    assert invoice(books, inv["id"], as_of="2025-01-21")["status"] == "overdue"
    assert invoice(books, inv["id"])["status"] == "overdue"  # today is later


# -- proformas ------------------------------------------------------------------------------


def test_a_proforma_has_its_own_numbering_no_balance_effect_and_converts(books: Any) -> None:
    cid = books.customer()["id"]
    proforma = issue(books, cid, type="proforma", date="2025-04-01", items=[item("300.00")])
    assert proforma["number"] == "PF2025-00001"
    assert (proforma["type"], proforma["status"]) == ("proforma", "unpaid")
    assert proforma["transaction_id"] is None
    assert books.amounts(cid) == ("0.00", "0.00", "0.00", "0.00")
    second = issue(books, cid, type="proforma", date="2025-04-02", items=[item("1.00")])
    assert second["number"] == "PF2025-00002"

    books.pay(cid, "300.00", "2025-04-03")
    r = books.api.post(f"/v1/invoices/{proforma['id']}/convert", json={"date": "2025-04-04"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["type"], made["number"], made["total"]) == ("one_time", "202501000001", "300.00")
    assert made["converted_from"] == proforma["id"]
    assert (made["status"], made["paid_from_balance"]) == ("paid", True)
    before = invoice(books, proforma["id"])
    assert (before["status"], before["converted_to"]) == ("converted", made["id"])
    assert before["open_amount"] == "0.00"
    assert books.amounts(cid)[0] == "0.00"

    again = books.api.post(f"/v1/invoices/{proforma['id']}/convert", json={})
    body = books.problem(again, 409, "invalid_state")
    assert "converted" in body["detail"]
    not_proforma = books.api.post(f"/v1/invoices/{made['id']}/convert", json={})
    assert "not a proforma" in books.problem(not_proforma, 409, "invalid_state")["detail"]


def test_a_proforma_does_not_load_unbilled_lines(books: Any) -> None:
    cid = books.customer()["id"]
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={"type": "proforma", "include_unbilled": True, "items": [item("1.00")]},
    )
    books.problem(r, 422, "invalid_input", field="include_unbilled")


# -- void and cancel ------------------------------------------------------------------------


def test_void_puts_lines_back_and_keeps_the_number_used(books: Any) -> None:
    cid = books.customer()["id"]
    unbilled(books, cid, "debit", "40.00", "2025-05-01")
    first = issue(books, cid, date="2025-05-02", include_unbilled=True)
    assert books.balance(cid)["unbilled"]["count"] == 0
    r = books.api.post(
        f"/v1/invoices/{first['id']}/void", json={"reason": "wrong customer", "date": "2025-05-03"}
    )
    assert r.status_code == 200, r.text
    void = r.json()
    assert (void["status"], void["voided_on"], void["void_reason"]) == (
        "void",
        "2025-05-03",
        "wrong customer",
    )
    assert void["open_amount"] == "0.00"
    assert void["number"] == first["number"]
    assert void["editable_fields"] == []
    card = books.balance(cid)
    assert (card["balance"], card["unbilled"]["count"], card["unbilled"]["gross"]) == (
        "0.00",
        1,
        "40.00",
    )
    # what the past showed does not change: the day of issue still shows it owed
    assert books.balance(cid, "2025-05-02")["balance"] == "40.00"
    second = issue(books, cid, date="2025-05-04", include_unbilled=True)
    assert second["number"] == "202501000002"
    assert second["total"] == "40.00"

    again = books.api.post(f"/v1/invoices/{first['id']}/void", json={})
    assert "already void" in books.problem(again, 409, "invalid_state")["detail"]
    edit = books.api.patch(f"/v1/invoices/{first['id']}", json={"note": "x"})
    body = books.problem(edit, 409, "not_editable")
    assert body["editable_fields"] == []
    assert body["refused_fields"] == ["note"]


def test_void_is_refused_once_part_is_paid(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("100.00")])
    books.pay(cid, "10.00", "2025-01-11")
    before = books.snapshot(cid)
    r = books.api.post(f"/v1/invoices/{inv['id']}/void", json={"reason": "oops"})
    body = books.problem(r, 409, "invalid_state")
    assert "credit note" in body["detail"]
    assert books.snapshot(cid) == before
    assert invoice(books, inv["id"])["status"] == "partially_paid"


def test_void_refuses_a_bad_date(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("100.00")])
    r = books.api.post(f"/v1/invoices/{inv['id']}/void", json={"date": "2025-01-09"})
    books.problem(r, 422, "invalid_input", field="date")
    r = books.api.post(f"/v1/invoices/{inv['id']}/void", json={"date": FUTURE})
    books.problem(r, 422, "invalid_input", field="date")


def test_cancel_last_recurring_invoice(books: Any) -> None:
    cid = books.customer()["id"]
    none_yet = books.api.post(f"/v1/customers/{cid}/cancel-last-recurring-invoice", json={})
    assert "no recurring invoice" in books.problem(none_yet, 409, "invalid_state")["detail"]
    old = issue(
        books,
        cid,
        type="recurring",
        date="2025-01-01",
        items=[item("20.00")],
        period_start="2025-01-01",
        period_end="2025-01-31",
    )
    last = issue(
        books,
        cid,
        type="recurring",
        date="2025-02-01",
        items=[item("20.00")],
        period_start="2025-02-01",
        period_end="2025-02-28",
    )
    assert (last["type"], last["period_start"], last["period_end"]) == (
        "recurring",
        "2025-02-01",
        "2025-02-28",
    )
    r = books.api.post(f"/v1/customers/{cid}/cancel-last-recurring-invoice", json={})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["status"]) == (last["id"], "void")
    assert invoice(books, old["id"])["status"] != "void"
    assert books.amounts(cid)[0] == "20.00"
    r = books.api.post(f"/v1/customers/{cid}/cancel-last-recurring-invoice", json={"x": 1})
    books.problem(r, 422, "invalid_input", field="x")


# -- edits ----------------------------------------------------------------------------------


def test_an_unpaid_invoice_may_change_everything_and_is_reposted(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("100.00")])
    r = books.api.patch(
        f"/v1/invoices/{inv['id']}",
        json={"items": [item("60.00", tax="10")], "document_date": "2025-01-12", "note": "new"},
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["total"], edited["document_date"], edited["note"]) == (
        "66.00",
        "2025-01-12",
        "new",
    )
    assert edited["transaction_id"] != inv["transaction_id"]
    assert edited["number"] == inv["number"]
    assert books.amounts(cid)[0] == "66.00"
    assert books.tx(inv["transaction_id"])["state"] != "open"


def test_a_partly_paid_invoice_refuses_item_changes_and_names_what_may_change(
    books: Any,
) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("100.00")])
    books.pay(cid, "40.00", "2025-01-11")
    r = books.api.patch(f"/v1/invoices/{inv['id']}", json={"items": [item("1.00")], "note": "fine"})
    body = books.problem(r, 409, "not_editable")
    assert body["refused_fields"] == ["items"]
    assert body["editable_fields"] == [
        "custom_fields", "document_date", "due_date", "memo", "note", "number",
    ]  # fmt: skip
    assert "items" in body["detail"]
    assert invoice(books, inv["id"])["note"] is None
    r = books.api.patch(
        f"/v1/invoices/{inv['id']}", json={"note": "fine", "due_date": "2025-03-01"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["note"], r.json()["due_date"]) == ("fine", "2025-03-01")


def test_a_number_edited_by_hand_must_stay_unique(books: Any) -> None:
    cid = books.customer()["id"]
    first = issue(books, cid, date="2025-01-10", items=[item("1.00")])
    second = issue(books, cid, date="2025-01-11", items=[item("2.00")])
    r = books.api.patch(f"/v1/invoices/{second['id']}", json={"number": first["number"]})
    body = books.problem(r, 409, "duplicate_value", field="number")
    assert first["number"] in body["detail"]
    r = books.api.patch(f"/v1/invoices/{second['id']}", json={"number": "HAND-1"})
    assert r.status_code == 200, r.text
    assert invoice(books, second["id"])["number"] == "HAND-1"


def test_edits_refuse_bad_input(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("1.00")])
    path = f"/v1/invoices/{inv['id']}"
    books.problem(books.api.patch(path, json={"due_date": "2025-01-01"}), 422, "invalid_input",
                  field="due_date")  # fmt: skip
    books.problem(books.api.patch(path, json={"document_date": None}), 422, "invalid_input",
                  field="document_date")  # fmt: skip
    books.problem(books.api.patch(path, json={"items": []}), 422, "invalid_input", field="items")
    books.problem(books.api.patch(path, json={"total": "5"}), 422, "invalid_input", field="total")
    books.problem(books.api.patch(path, json={"number": " "}), 422, "invalid_input",
                  field="number")  # fmt: skip
    assert invoice(books, inv["id"]) == inv


# -- numbering and settings ----------------------------------------------------------------


def test_numbering_formats_set_in_settings_are_used(books: Any) -> None:
    settings = books.settings(
        numbering={"invoice": "INV-{year}-{next|4}", "credit_note": "AV-{customer_id}-{next|3}"}
    )
    assert settings["numbering"] == {
        "invoice": "INV-{year}-{next|4}",
        "credit_note": "AV-{customer_id}-{next|3}",
        "proforma": "PF{year}-{next|5}",
    }
    cid = books.customer()["id"]
    first = issue(books, cid, date="2025-06-01", items=[item("10.00")])
    second = issue(books, cid, date="2025-06-02", items=[item("10.00")])
    next_year = issue(books, cid, date="2026-01-02", items=[item("10.00")])
    assert [first["number"], second["number"], next_year["number"]] == [
        "INV-2025-0001",
        "INV-2025-0002",
        "INV-2026-0001",
    ]
    r = books.api.post(
        f"/v1/invoices/{first['id']}/credit-notes", json={"amount": "1.00", "reason": "goodwill"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["number"] == f"AV-{cid}-001"
    back = books.settings(numbering={"invoice": None})
    assert back["numbering"]["invoice"] == "{year}{partner_id|2}{next|6}"


def test_settings_refuse_a_bad_numbering_format(books: Any) -> None:
    r = books.api.put("/v1/settings", json={"numbering": {"invoice": "INV-{year}"}})
    books.problem(r, 422, "invalid_input", field="numbering.invoice")
    r = books.api.put("/v1/settings", json={"numbering": {"receipt": "R{next|3}"}})
    books.problem(r, 422, "invalid_input", field="numbering.receipt")


def test_partners_are_kept_in_settings(books: Any) -> None:
    settings = books.settings(partners=[{"id": 2, "name": "Acme North", "tax_id": "FR123"}])
    assert settings["partners"][0]["id"] == 2
    assert settings["partners"][0]["name"] == "Acme North"
    assert settings["partners"][0]["tax_id"] == "FR123"
    assert settings["partners"][0]["logo"] == ""
    r = books.api.get("/v1/settings")
    assert r.json()["partners"] == settings["partners"]
    r = books.api.put("/v1/settings", json={"partners": [{"id": 3, "logo": "http://x/logo.png"}]})
    books.problem(r, 422, "invalid_input", field="partners.0.logo")
    r = books.api.put("/v1/settings", json={"partners": [{"name": "no id"}]})
    books.problem(r, 422, "invalid_input", field="partners.0.id")


def test_a_partner_has_its_own_invoice_sequence(books: Any) -> None:
    one = books.customer("One")["id"]
    three = books.customer("Three", partner_id=3)["id"]
    a = issue(books, one, date="2025-01-05", items=[item("1.00")])
    b = issue(books, three, date="2025-01-05", items=[item("1.00")])
    assert (a["number"], b["number"]) == ("202501000001", "202503000001")
    assert b["partner_id"] == 3


# -- refusals -------------------------------------------------------------------------------


def test_issuing_refuses_bad_input_naming_the_field(books: Any) -> None:
    cid = books.customer()["id"]
    path = f"/v1/customers/{cid}/invoices"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"date": "2025-01-10"}, "items"),
        ({"items": [item("1.00")], "date": "2025-01-10", "due_date": "2025-01-01"}, "due_date"),
        ({"items": [{"description": "x", "unit_price": "1,5"}]}, "items.0.unit_price"),
        ({"items": [{"description": "x", "unit_price": True}]}, "items.0.unit_price"),
        ({"items": [{"unit_price": "1.00"}]}, "items.0.description"),
        ({"items": [item("1.00")], "type": "credit_note"}, "type"),
        ({"items": [item("1.00")], "date": FUTURE}, "date"),
        ({"include_unbilled": True, "date": "2025-01-10"}, "include_unbilled"),
        ({"items": [item("1.00")], "period_start": "2025-01-01"}, "period_end"),
        ({"items": [item("1.00")], "colour": "red"}, "colour"),
        ({"items": [item("1.00")], "include_unbilled": "yes"}, "include_unbilled"),
    ]
    for body, field in cases:
        books.problem(books.api.post(path, json=body), 422, "invalid_input", field=field)
    assert books.balance(cid)["balance"] == "0.00"
    assert books.api.get("/v1/invoices").json()["data"] == []


def test_an_invoice_total_cannot_be_negative(books: Any) -> None:
    cid = books.customer()["id"]
    r = books.api.post(
        f"/v1/customers/{cid}/invoices",
        json={"date": "2025-01-10", "items": [item("10.00"), item("-20.00", text="Discount")]},
    )
    body = books.problem(r, 422, "invalid_input", field="items")
    assert "below zero" in body["detail"]
    assert books.balance(cid)["balance"] == "0.00"


def test_unknown_ids_are_404_and_documents_keep_to_their_routes(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("10.00")])
    r = books.api.post(
        f"/v1/invoices/{inv['id']}/credit-notes", json={"amount": "1.00", "reason": "r"}
    )
    note = r.json()
    for path in ("/v1/invoices/999999", f"/v1/invoices/{note['id']}", "/v1/invoices/0"):
        books.problem(books.api.get(path), 404, "not_found")
    books.problem(books.api.get(f"/v1/invoices/{note['id']}/pdf"), 404, "not_found")
    books.problem(books.api.patch(f"/v1/invoices/{note['id']}", json={"note": "x"}), 404,
                  "not_found")  # fmt: skip
    books.problem(books.api.post(f"/v1/invoices/{note['id']}/void", json={}), 404, "not_found")
    books.problem(books.api.post(f"/v1/invoices/{note['id']}/send"), 404, "not_found")
    r = books.api.post("/v1/customers/999999/invoices", json={"items": [item("1.00")]})
    books.problem(r, 404, "not_found")
    books.problem(books.api.get("/v1/invoices/abc"), 422, "invalid_input", field="invoice_id")


# -- sending, PDF, roles, idempotency -------------------------------------------------------


def test_send_records_the_first_sending(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("10.00")])
    r = books.api.post(f"/v1/invoices/{inv['id']}/send")
    assert r.status_code == 200, r.text
    sent_at = r.json()["sent_at"]
    assert sent_at is not None
    again = books.api.post(f"/v1/invoices/{inv['id']}/send")
    assert again.json()["sent_at"] == sent_at
    void = issue(books, cid, date="2025-01-11", items=[item("1.00")])
    books.api.post(f"/v1/invoices/{void['id']}/void", json={})
    r = books.api.post(f"/v1/invoices/{void['id']}/send")
    assert "void" in books.problem(r, 409, "invalid_state")["detail"]


def test_an_invoice_downloads_as_pdf(books: Any) -> None:
    pytest.importorskip("solde.documents")
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("10.00")])
    r = books.api.get(f"/v1/invoices/{inv['id']}/pdf")
    assert r.status_code == 200, r.text[:200]
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == f'attachment; filename="invoice-{inv["number"]}.pdf"'
    books.problem(books.api.get("/v1/invoices/424242/pdf"), 404, "not_found")


def test_roles_viewer_reads_billing_writes_admin_sets(books: Any) -> None:
    cid = books.customer()["id"]
    inv = issue(books, cid, date="2025-01-10", items=[item("10.00")])
    viewer = books.api.key_for(Role.VIEWER)
    billing = books.api.key_for(Role.BILLING)
    assert books.api.get(f"/v1/invoices/{inv['id']}", key=viewer).status_code == 200
    assert books.api.get("/v1/invoices", key=viewer).status_code == 200
    body = {"date": "2025-01-11", "items": [item("1.00")]}
    books.problem(books.api.post(f"/v1/customers/{cid}/invoices", json=body, key=viewer), 403,
                  "forbidden")  # fmt: skip
    books.problem(books.api.patch(f"/v1/invoices/{inv['id']}", json={"note": "x"}, key=viewer),
                  403, "forbidden")  # fmt: skip
    books.problem(books.api.post(f"/v1/invoices/{inv['id']}/void", json={}, key=viewer), 403,
                  "forbidden")  # fmt: skip
    r = books.api.post(f"/v1/customers/{cid}/invoices", json=body, key=billing)
    assert r.status_code == 201, r.text
    numbering = {"numbering": {"invoice": "X{next|3}"}}
    books.problem(books.api.put("/v1/settings", json=numbering, key=billing), 403, "forbidden")
    assert books.api.get("/v1/settings", key=viewer).json()["numbering"]["invoice"] == (
        "{year}{partner_id|2}{next|6}"
    )
    assert books.api.get("/v1/invoices/1").status_code == 200
    books.problem(books.api.get("/v1/invoices", key="sk_nope"), 401, "unauthenticated")


def test_an_idempotency_key_issues_one_invoice(books: Any) -> None:
    cid = books.customer()["id"]
    body = {"date": "2025-01-10", "items": [item("10.00")]}
    headers = {"Idempotency-Key": "inv-1"}
    first = books.api.post(f"/v1/customers/{cid}/invoices", json=body, headers=headers)
    again = books.api.post(f"/v1/customers/{cid}/invoices", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = books.api.post(
        f"/v1/customers/{cid}/invoices", json={**body, "note": "x"}, headers=headers
    )
    books.problem(other, 409, "idempotency_key_reused")
    assert books.amounts(cid)[0] == "10.00"
