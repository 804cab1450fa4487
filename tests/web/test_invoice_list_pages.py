"""The invoices list: filters (balances compared, types, statuses, dates, numbers), pages, the
totals panel, bulk actions on ticked rows or on all that match, and invoice groups."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from webclient import Web
from webhtml import after_redirect, flash, parse

from solde.billing import groups
from solde.billing import usecases as billing
from solde.billing.documents import DocState
from solde.storage.api_keys import Role


def invoice(web: Web, cid: int, price: str, **values: Any) -> int:
    body = {"items": [{"description": "Service", "unit_price": price}], **values}
    return int(web.book.run(billing.create_invoice, cid, body, on=web.book.today()).id)


def listed(web: Web, query: str, base: str = "/invoices") -> list[int]:
    """The documents a list page shows, by id, in order."""
    page = parse(web.page(f"{base}?{query}"))
    return [int(tr.get("id").removeprefix("doc-")) for tr in page.find_all("tr", id=True)]


def state(web: Web, doc_id: int) -> Any:
    with web.container.uow(actor="test", write=False) as uow:
        return billing.get_document(uow, doc_id)


def story(web: Web) -> dict[str, int]:
    """A paid invoice of a customer in credit, a partly paid one, an unpaid one, a proforma."""
    rich = web.book.customer("Rich")
    poor = web.book.customer("Poor")
    paid = invoice(web, rich, "10.00")
    web.book.pay(rich, "25.00")  # pays it and leaves 15.00 of credit: balance -15
    part = invoice(web, poor, "100.00")
    web.book.pay(poor, "40.00")
    unpaid = invoice(web, poor, "30.00")
    proforma = invoice(web, poor, "99.00", type="proforma")
    return {
        "rich": rich,
        "poor": poor,
        "paid": paid,
        "part": part,
        "unpaid": unpaid,
        "proforma": proforma,
    }


def test_filters_compare_balances_and_narrow_the_list(web: Web) -> None:
    s = story(web)
    assert listed(web, "") == [s["proforma"], s["unpaid"], s["part"], s["paid"]]
    assert listed(web, "invoice_balance_op=eq&invoice_balance=0") == [s["paid"]]
    assert listed(
        web, "invoice_balance_op=gt&invoice_balance=0&account_balance_op=gt&account_balance=0"
    ) == [
        s["proforma"],
        s["unpaid"],
        s["part"],
    ]
    assert listed(web, "account_balance_op=lt&account_balance=0") == [s["paid"]]
    assert listed(web, "invoice_balance_op=lte&invoice_balance=60") == [
        s["unpaid"],
        s["part"],
        s["paid"],
    ]
    assert listed(web, "status=partially_paid") == [s["part"]]
    assert listed(web, "type=proforma") == [s["proforma"]]
    assert listed(web, f"customer={s['rich']}") == [s["paid"]]
    number = state(web, s["part"]).number
    assert listed(web, f"number={number}") == [s["part"]]
    today = web.book.today().isoformat()
    assert len(listed(web, f"date_from={today}&date_to={today}")) == 4
    page = parse(web.page("/invoices?invoice_balance_op=eq&invoice_balance=0"))
    row = page.by_id(f"doc-{s['paid']}")
    assert row.one("span", class_="badge").text == "paid"
    assert [c.text for c in row.find_all("td", class_="num")] == ["€10.00", "€0.00", "-€15.00"]


def test_unreadable_filters_are_named_and_nothing_is_listed(web: Web) -> None:
    story(web)
    page = parse(web.page("/invoices?invoice_balance=1,23&date_from=yesterday&customer=abc"))
    errors = {n.get("id"): n.text for n in page.find_all("p", class_="error")}
    assert errors["e-invoice_balance"].startswith("is not a number")
    assert "e-date_from" in errors
    assert errors["e-customer"] == "must be a number like 12"
    assert page.find_all("tr", id=True) == []
    assert page.one(id="f-invoice_balance").get("value") == "1,23"


def test_pages_of_twenty_five(web: Web) -> None:
    cid = web.book.customer("Busy")
    ids = [invoice(web, cid, "1.00") for _ in range(27)]
    first = parse(web.page("/invoices"))
    assert first.testid("count").text == "1–25 of 27 documents"
    assert len(first.find_all("tr", id=True)) == 25
    assert listed(web, "page=2") == [ids[1], ids[0]]


def totals(web: Web, query: str = "") -> list[list[str]]:
    panel = parse(web.page(f"/invoices?{query}")).testid("totals")
    return [[c.text for c in tr.find_all()] for tr in panel.find_all("tr")]


def test_the_totals_panel_counts_per_currency_and_method(web: Web) -> None:
    s = story(web)
    assert totals(web) == [
        ["Invoiced", "3", "€140.00"],
        ["Paid (part paid included)", "2", "€50.00"],
        ["Unpaid (part paid and overdue included)", "2", "€90.00"],
        ["Overdue", "0", "€0.00"],
        ["Void", "0", "€0.00"],
        ["Paid by method"],
        ["Bank transfer", "2", "€65.00"],
    ]
    assert totals(web, f"customer={s['rich']}")[:3] == [
        ["Invoiced", "1", "€10.00"],
        ["Paid (part paid included)", "1", "€10.00"],
        ["Unpaid (part paid and overdue included)", "0", "€0.00"],
    ]


def test_bulk_void_lists_the_refusals(web: Web) -> None:
    s = story(web)
    body = {
        "action": "void",
        "reason": "cleanup",
        f"select.{s['paid']}": "1",
        f"select.{s['unpaid']}": "1",
    }
    response = web.post("/invoices/bulk", body)
    assert response.status_code == 200
    page = parse(response.text)
    assert page.testid("bulk-result").text == "1 invoice(s) voided, 1 refused."
    refused = page.testid("refused")
    assert refused.one("a").get("href") == f"/invoices/{s['paid']}"
    assert "settled amounts" in refused.text
    assert state(web, s["unpaid"]).state is DocState.VOID
    assert state(web, s["paid"]).state is DocState.ISSUED


def test_bulk_mark_sent_on_all_that_match(web: Web) -> None:
    s = story(web)
    body = {"action": "mark_sent", "scope": "all", "filters": f"customer={s['poor']}&type=one_time"}
    response = web.post("/invoices/bulk", body)
    assert response.headers["location"] == f"/invoices?customer={s['poor']}&type=one_time"
    assert flash(parse(after_redirect(web, response))) == "2 invoice(s) marked as sent."
    assert state(web, s["part"]).sent_at is not None
    assert state(web, s["unpaid"]).sent_at is not None
    assert state(web, s["paid"]).sent_at is None
    nothing = web.post("/invoices/bulk", {"action": "mark_sent"})
    assert nothing.status_code == 303
    assert flash(parse(after_redirect(web, nothing))) == "No invoice was selected."


def test_bulk_pdfs_come_as_one_zip(web: Web) -> None:
    s = story(web)
    body = {"action": "pdf", f"select.{s['paid']}": "1", f"select.{s['part']}": "1"}
    response = web.post("/invoices/bulk", body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(
        f"invoice-{state(web, i).number}.pdf" for i in (s["paid"], s["part"])
    )


def test_groups_collect_invoices_and_their_page_is_the_filtered_list(web: Web) -> None:
    s = story(web)
    made = web.post(
        "/invoices/bulk",
        {
            "action": "group",
            "group_id": "new",
            "group_name": "Q1 <dunning>",
            f"select.{s['part']}": "1",
        },
    )
    assert (
        flash(parse(after_redirect(web, made))) == "Group Q1 <dunning> created with 1 invoice(s)."
    )
    with web.container.uow(actor="test", write=False) as uow:
        group = groups.list_groups(uow)[0]
    added = web.post(
        "/invoices/bulk",
        {"action": "group", "group_id": str(group.id), f"select.{s['unpaid']}": "1"},
    )
    assert flash(parse(after_redirect(web, added))) == "1 invoice(s) added to Q1 <dunning>."
    base = f"/invoice-groups/{group.id}"
    assert listed(web, "", base=base) == [s["unpaid"], s["part"]]
    assert listed(web, "status=partially_paid", base=base) == [s["part"]]
    assert listed(web, f"group={group.id}") == [s["unpaid"], s["part"]]
    groups_page = web.page("/invoice-groups")
    assert "Q1 &lt;dunning&gt;" in groups_page
    page = parse(web.page(base))
    bulk = page.one("form", action="/invoices/bulk")
    assert bulk.one("input", name="base").get("value") == base
    voided = web.post(
        "/invoices/bulk", {"action": "void", "scope": "all", "base": base, "filters": ""}
    )
    assert parse(voided.text).testid("bulk-result").text == "1 invoice(s) voided, 1 refused."
    assert state(web, s["unpaid"]).state is DocState.VOID
    assert state(web, s["proforma"]).state is DocState.ISSUED
    unnamed = web.post("/invoice-groups", {"name": " "})
    assert unnamed.status_code == 422
    assert parse(unnamed.text).one(id="e-name").text == "must not be empty"


def test_a_viewer_sees_the_list_without_bulk_actions(web: Web) -> None:
    story(web)
    viewer = web.as_role(Role.VIEWER)
    page = parse(viewer.page("/invoices"))
    assert len(page.find_all("tr", id=True)) == 4
    assert page.find("select", name="action") is None
    assert page.find("input", type="checkbox") is None
    assert parse(viewer.page("/invoice-groups")).find("form", action="/invoice-groups") is None
