"""Malformed input on every invoice page and form of the back office: an answer below 500 each
time, whatever is typed into the address bar or posted, and nothing changed by a refusal."""

from __future__ import annotations

from typing import Any

from webclient import Web, row_count

from solde.billing import usecases as billing

GARBAGE = ["", " ", "-1", "0", "1e9", "99999999999999999999", "abc", "1,5", "1.2.3", "\x00",
           "<script>", "é" * 600, "2026-02-30", "NaN", "Infinity", "[]", "{}"]  # fmt: skip
LIST_FIELDS = ["customer", "type", "status", "date_from", "date_to", "group", "number",
               "invoice_balance", "invoice_balance_op", "account_balance", "account_balance_op",
               "page", "as_of", "q"]  # fmt: skip
FORM_FIELDS = ["type", "date", "due_date", "include_unbilled", "note", "memo",
               "period_start", "period_end", "items.0.description", "items.0.quantity",
               "items.0.unit_price", "items.0.tax_rate", "items.9999.unit_price", "rows",
               "more_rows", "amount", "reason", "number", "document_date", "action", "scope",
               "select.1", "select.abc", "filters", "group_id", "group_name",
               "numbering.invoice", "partners.new.id", "partners.1.name", "lock_date"]  # fmt: skip


def _invoice(web: Web) -> tuple[int, int]:
    cid = web.book.customer("Garbage SARL")
    items = [{"description": "Fibre", "unit_price": "30.00", "tax_rate": "20"}]
    doc = web.book.run(billing.create_invoice, cid, {"items": items}, on=web.book.today())
    return cid, int(doc.id)


def _below_500(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])


def test_list_filters_never_fail(web: Web) -> None:
    _invoice(web)
    for field in LIST_FIELDS:
        for value in GARBAGE:
            _below_500(web.client.get("/invoices", params={field: value}), f"{field}={value!r}")
            _below_500(web.client.get("/invoice-groups/1", params={field: value}), field)


def test_ids_in_paths_never_fail(web: Web) -> None:
    _, invoice = _invoice(web)
    paths = ["/invoices/{}", "/invoices/{}/pdf", "/invoices/{}/edit", "/invoices/{}/void",
             "/invoices/{}/convert", "/credit-notes/{}", "/credit-notes/{}/pdf",
             "/invoice-groups/{}", "/invoices/{}/credit-notes/new",
             "/customers/{}/invoices/new", "/customers/{}/invoices/cancel-recurring"]  # fmt: skip
    for bad in ["0", "-1", "99999999999999999999", "abc", "1.5", str(invoice + 1000)]:
        for path in paths:
            _below_500(web.client.get(path.format(bad)), path.format(bad))


def test_posted_garbage_never_fails_and_changes_nothing_when_refused(web: Web) -> None:
    cid, invoice = _invoice(web)
    targets = [f"/customers/{cid}/invoices/new", f"/invoices/{invoice}/edit",
               f"/invoices/{invoice}/void", f"/invoices/{invoice}/convert",
               f"/invoices/{invoice}/credit-notes/new", f"/invoices/{invoice}/sent",
               f"/customers/{cid}/invoices/cancel-recurring", "/invoices/bulk",
               "/invoice-groups", "/settings"]  # fmt: skip
    for path in targets:
        for field in FORM_FIELDS:
            for value in ("", "abc", "-1", "99999999999999999999", "\x00", "1,5", "é" * 600):
                before = row_count(web.container)
                response = web.post(path, {field: value})
                _below_500(response, f"{path} {field}={value!r}")
                if response.status_code >= 400:
                    assert row_count(web.container) == before, (path, field, value)


def test_one_bad_field_in_an_otherwise_good_form_is_refused_in_place(web: Web) -> None:
    cid, invoice = _invoice(web)
    forms = {
        f"/customers/{cid}/invoices/new": {
            "type": "one_time",
            "items.0.description": "Fibre",
            "items.0.quantity": "1",
            "items.0.unit_price": "10",
            "items.0.tax_rate": "20",
            "rows": "3",
        },
        f"/invoices/{invoice}/credit-notes/new": {"amount": "5", "reason": "Outage"},
        f"/invoices/{invoice}/edit": {"note": "Thanks", "due_date": "2999-12-31"},
    }
    for path, good in forms.items():
        for field in good:
            for value in ("abc", "-1", "99999999999999999999", "1,5", "\x00", "é" * 600, ""):
                before = row_count(web.container)
                response = web.post(path, {**good, field: value})
                _below_500(response, f"{path} {field}={value!r}")
                if response.status_code >= 400:
                    assert row_count(web.container) == before, (path, field, value)
