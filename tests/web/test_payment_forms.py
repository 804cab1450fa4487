"""Payments and refunds (confirmed or awaiting the bank), the bank's answers (confirm, fail with
a fee, chargeback), allocating by hand and settling now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from webclient import Web
from webhtml import (
    NBSP,
    after_redirect,
    balance_class,
    card,
    errors_shown,
    eur,
    field_error,
    field_value,
    flash,
    form_by_action,
    form_error,
    parse,
    row,
    snapshot,
    submit,
)


def pay(web: Web, cid: int, changes: dict[str, str], refund: bool = False) -> Any:
    path = f"/customers/{cid}/payments/new"
    page = (
        f"{path}?direction=refund&next=/customers/{cid}"
        if refund
        else f"{path}?next=/customers/{cid}"
    )
    return submit(web, page, path, changes)


def test_a_payment_settles_what_is_owed(web: Web) -> None:
    cid = web.book.customer("Payer", payment_method="sepa_debit")
    charge = web.book.line(cid, label="Service", unit_price="100.00", bill_on_next_invoice=False)
    form = parse(web.page(f"/customers/{cid}/payments/new?next=/customers/{cid}"))
    assert field_value(form, "method") == "sepa_debit"
    assert field_value(form, "date") == web.book.today().isoformat()
    assert [
        i.get("value") for i in form.find_all("input", name="direction") if i.has("checked")
    ] == ["payment"]
    assert [i.get("value") for i in form.find_all("input", name="status") if i.has("checked")] == [
        "confirmed"
    ]
    assert f"available credit for refunds: {eur(0)}" in form.text
    response = pay(web, cid, {"amount": "60", "reference": "BANK-1"})
    assert response.headers["location"] == f"/customers/{cid}"
    payment = web.book.newest(cid)
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Payment #{payment.id} recorded."
    assert (card(doc)["balance"], card(doc)["debit"], card(doc)["credit"]) == (
        eur(40),
        eur(40),
        eur(0),
    )
    assert row(doc, charge)["open"] == eur(40)
    assert row(doc, charge)["links"] == f"#{payment.id}{NBSP}{eur(60)}"
    assert row(doc, payment.id)["section"] == "closed"
    assert row(doc, payment.id)["reference"] == "BANK-1"
    assert (payment.method.value if payment.method else None, payment.reference) == (
        "sepa_debit",
        "BANK-1",
    )


def test_a_refund_above_the_available_credit_needs_force(web: Web) -> None:
    cid = web.book.customer("Refunded")
    web.book.pay(cid, "50.00")
    form = parse(web.page(f"/customers/{cid}/payments/new?direction=refund"))
    assert form.one("h1").text == "Refund"
    assert f"available credit for refunds: {eur(50)}" in form.text
    response = pay(web, cid, {"amount": "30"}, refund=True)
    refund = web.book.newest(cid)
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Refund #{refund.id} recorded."
    assert (refund.kind.value, refund.type.value, str(refund.amount.amount)) == (
        "debit",
        "refund",
        "30.00",
    )
    assert card(doc)["balance"] == eur(-20)
    before = snapshot(web.container)
    refused = pay(web, cid, {"amount": "80", "reference": "R-2"}, refund=True)
    assert refused.status_code == 409
    page = parse(refused.text)
    assert "larger than the available credit of 20.00 EUR" in (form_error(page) or "")
    assert field_value(page, "amount") == "80"
    assert field_value(page, "reference") == "R-2"
    assert [
        i.get("value") for i in page.find_all("input", name="direction") if i.has("checked")
    ] == ["refund"]
    assert snapshot(web.container) == before
    forced = pay(web, cid, {"amount": "80", "force": "true"}, refund=True)
    assert forced.status_code == 303
    assert card(parse(after_redirect(web, forced)))["balance"] == eur(60)


def test_a_pending_payment_waits_apart_until_confirmed(web: Web) -> None:
    cid = web.book.customer("Direct Debit")
    web.book.line(cid, unit_price="100.00", bill_on_next_invoice=False)
    tomorrow = (web.book.today() + timedelta(days=1)).isoformat()
    refused = pay(web, cid, {"amount": "25", "date": tomorrow})
    assert refused.status_code == 422
    assert "record it as pending" in (field_error(parse(refused.text), "date") or "")
    response = pay(web, cid, {"amount": "25", "status": "pending"})
    pending = web.book.newest(cid)
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Payment #{pending.id} awaiting bank confirmation."
    figures = card(doc)
    assert (figures["balance"], figures["debit"], figures["awaiting"]) == (
        eur(100),
        eur(100),
        eur(-25),
    )
    assert doc.testid("awaiting").one("span").classes == {"amount", "pending"}
    pending_row = row(doc, pending.id)
    assert pending_row["section"] == "pending"
    assert doc.one(id="title-pending").text == "Awaiting bank confirmation"
    actions = [a.text for a in doc.by_id(f"tx-{pending.id}").find_all("a")]
    assert actions == [f"#{pending.id}", "Confirm", "Fail"]
    confirm = f"/payments/{pending.id}/confirm"
    form = parse(web.page(f"{confirm}?next=/customers/{cid}"))
    assert field_value(form, "date") == web.book.today().isoformat()
    for day, message in ((tomorrow, "cannot be after today"), ("2000-01-01", "cannot be before")):
        wrong = web.post(confirm, {"date": day})
        assert wrong.status_code == 422
        assert message in (field_error(parse(wrong.text), "date") or "")
    confirmed = submit(web, f"{confirm}?next=/customers/{cid}", confirm)
    doc = parse(after_redirect(web, confirmed))
    assert flash(doc) == f"Payment #{pending.id} confirmed."
    assert (card(doc)["balance"], card(doc)["awaiting"]) == (eur(75), eur(0))
    assert row(doc, pending.id)["section"] == "closed"
    again = web.post(confirm, {})
    assert again.status_code == 409
    assert "only a pending payment can be confirmed or failed" in (
        form_error(parse(again.text)) or ""
    )


def test_a_failed_payment_is_void_and_its_fee_is_owed(web: Web) -> None:
    cid = web.book.customer("Bounced")
    pending = web.book.pay(cid, "25.00", status="pending")
    fail = f"/payments/{pending}/fail"
    refused = submit(web, f"{fail}?next=/customers/{cid}", fail, {"fee": "-1", "reason": "NSF"})
    assert refused.status_code == 422
    refused_doc = parse(refused.text)
    assert errors_shown(refused_doc) == {"fee": "must be above zero"}
    assert field_value(refused_doc, "reason") == "NSF"
    response = submit(web, f"{fail}?next=/customers/{cid}", fail, {"fee": "3.50", "reason": "NSF"})
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Payment #{pending} marked as failed."
    assert (card(doc)["balance"], card(doc)["awaiting"], card(doc)["debit"]) == (
        eur("3.50"),
        eur(0),
        eur("3.50"),
    )
    failed_row = row(doc, pending)
    assert failed_row["section"] == "void"
    assert "failed" in failed_row["type"]
    fee = web.book.newest(cid)
    assert (fee.type.value, fee.label, fee.related_id) == (
        "collection_cost",
        f"Fee for failed payment #{pending}",
        pending,
    )
    assert row(doc, fee.id)["open"] == eur("3.50")


def test_a_chargeback_reopens_what_the_payment_paid(web: Web) -> None:
    cid = web.book.customer("Charged Back")
    charge = web.book.line(cid, unit_price="100.00", bill_on_next_invoice=False)
    payment = web.book.pay(cid, "100.00", reference="CARD-9")
    path = f"/payments/{payment}/chargeback"
    form = parse(web.page(f"{path}?next=/customers/{cid}"))
    assert field_value(form, "amount") == "100.00"
    response = submit(
        web,
        f"{path}?next=/customers/{cid}",
        path,
        {"amount": "40", "fee": "5", "reason": "disputed"},
    )
    chargeback = web.book.newest(cid)  # the fee is newer than the chargeback
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Payment #{payment} charged back."
    assert (card(doc)["balance"], card(doc)["debit"], card(doc)["credit"]) == (
        eur(45),
        eur(45),
        eur(0),
    )
    assert row(doc, charge)["open"] == eur(40)
    assert chargeback.type.value == "collection_cost"
    assert row(doc, chargeback.id)["open"] == eur(5)
    before = snapshot(web.container)
    too_much = web.post(path, {"amount": "60.01"})
    assert too_much.status_code == 409
    assert f"only 60.00 EUR of payment {payment} can still be charged back" in (
        form_error(parse(too_much.text)) or ""
    )
    assert snapshot(web.container) == before


def test_allocating_by_hand_and_settling_now(web: Web) -> None:
    cid = web.book.customer("By Hand", billing={"auto_settlement": False})
    other = web.book.customer("Someone Else")
    foreign = web.book.line(other, unit_price="1.00", bill_on_next_invoice=False)
    empty = parse(web.page(f"/customers/{cid}/allocations/new"))
    assert form_error(empty) == "There is no open credit to allocate."
    charge = web.book.line(cid, label="Charge", unit_price="100.00", bill_on_next_invoice=False)
    payment = web.book.pay(cid, "30.00")
    doc = parse(web.page(f"/customers/{cid}"))
    assert (card(doc)["balance"], card(doc)["debit"], card(doc)["credit"]) == (
        eur(70),
        eur(100),
        eur(-30),
    )
    assert "Allocate" in doc.text
    assert "Settle now" in doc.text
    path = f"/customers/{cid}/allocations/new"
    form = form_by_action(parse(web.page(f"{path}?next=/customers/{cid}")), path)
    assert [o.get("value") for o in form.one("select", name="credit_id").find_all("option")] == [
        str(payment)
    ]
    assert [o.get("value") for o in form.one("select", name="debit_id").find_all("option")] == [
        str(charge)
    ]
    before = snapshot(web.container)
    for changes, status, name, message in (
        (
            {"amount": "30.01"},
            409,
            "",
            f"the credit, transaction {payment}, has only 30.00 EUR open",
        ),
        ({"amount": "-1"}, 422, "amount", "must be above zero"),
        ({"debit_id": str(payment)}, 422, "debit_id", ""),
        ({"debit_id": str(foreign)}, 422, "debit_id", "belongs to another customer"),
        ({"credit_id": "99999"}, 422, "credit_id", "transaction 99999 does not exist"),
        ({"credit_id": "abc"}, 422, "credit_id", "must be a transaction id"),
    ):
        refused = submit(web, f"{path}?next=/customers/{cid}", path, changes)
        assert refused.status_code == status, (changes, refused.status_code)
        refused_doc = parse(refused.text)
        if name:
            assert set(errors_shown(refused_doc)) == {name}, (changes, errors_shown(refused_doc))
            assert message in (field_error(refused_doc, name) or ""), changes
        else:
            assert message in (form_error(refused_doc) or ""), changes
    assert snapshot(web.container) == before
    response = submit(web, f"{path}?next=/customers/{cid}", path, {"amount": "10"})
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"#{payment} settles {eur(10)} of #{charge}."
    assert (card(doc)["balance"], card(doc)["debit"], card(doc)["credit"]) == (
        eur(70),
        eur(90),
        eur(-20),
    )
    assert row(doc, charge)["links"] == f"#{payment}{NBSP}{eur(10)}"
    settle = f"/customers/{cid}/settle"
    response = web.post(settle, {"next": f"/customers/{cid}"})
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "1 allocation(s) made."
    assert (card(doc)["balance"], card(doc)["debit"], card(doc)["credit"]) == (
        eur(70),
        eur(70),
        eur(0),
    )
    assert balance_class(doc) == "debit"
    assert row(doc, charge)["links"] == f"#{payment}{NBSP}{eur(30)}"
    assert row(doc, charge)["open"] == eur(70)
    assert row(doc, payment)["section"] == "closed"
    again = parse(after_redirect(web, web.post(settle, {})))
    assert flash(again) == "Nothing was left to settle."


def test_customers_that_settle_automatically_have_no_settle_buttons(web: Web) -> None:
    cid = web.book.customer("Automatic")
    doc = parse(web.page(f"/customers/{cid}"))
    assert "Settle now" not in doc.text
    assert doc.find("a", href=f"/customers/{cid}/allocations/new?next=/customers/{cid}") is None


def test_the_direction_chosen_is_the_one_recorded(web: Web) -> None:
    cid = web.book.customer("Signs")
    web.book.pay(cid, "50.00")
    for direction, typed, wrong_kind in (("refund", "-30", "credit"), ("payment", "-30", "debit")):
        before = snapshot(web.container)
        path = f"/customers/{cid}/payments/new"
        response = web.post(path, {"direction": direction, "amount": typed, "status": "confirmed"})
        made = web.book.newest(cid)
        if response.status_code == 303:
            assert made.kind.value != wrong_kind, (
                f"{direction} of {typed} was recorded as a {made.type.value}"
            )
        else:
            assert response.status_code == 422
            assert set(errors_shown(parse(response.text))) == {"amount"}
            assert snapshot(web.container) == before


def test_a_payment_can_name_the_invoice_it_pays_first(web: Web) -> None:
    from solde.billing import usecases as billing

    cid = web.book.customer("Invoiced")
    charge = web.book.line(
        cid, label="Older charge", unit_price="80.00", bill_on_next_invoice=False
    )
    invoice = web.book.run(
        billing.create_invoice,
        cid,
        {"items": [{"description": "Fibre", "unit_price": "30.00"}]},
        on=web.book.today(),
    )
    form = parse(web.page(f"/customers/{cid}/payments/new?next=/customers/{cid}"))
    options = [o.get("value") for o in form.find("select", name="invoice_id").find_all("option")]
    assert options == ["", str(invoice.id)]
    pay(web, cid, {"amount": "30", "invoice_id": str(invoice.id)})
    # the invoice is paid although the older standalone charge comes first in the usual order
    assert web.book.transaction(invoice.transaction_id).open_amount.amount == 0
    assert web.book.transaction(charge).open_amount.amount == 80
    form = parse(web.page(f"/customers/{cid}/payments/new"))
    assert form.find("select", name="invoice_id") is None  # nothing left to pay
    # the payment's page says which invoice it paid; the invoice's ledger entry names it
    payment = web.book.newest(cid)
    page = parse(web.page(f"/transactions/{payment.id}"))
    link = page.find("a", href=f"/invoices/{invoice.id}")
    assert link is not None
    assert link.text == invoice.number
    assert f"Paid {eur(30)} of invoice {invoice.number}" in " ".join(page.text.split())
    entry = parse(web.page(f"/transactions/{invoice.transaction_id}"))
    assert f"The ledger entry of invoice {invoice.number}" in " ".join(entry.text.split())


def test_a_payment_naming_an_unknown_invoice_is_refused_in_place(web: Web) -> None:
    cid = web.book.customer("Nobody invoiced")
    response = pay(web, cid, {"amount": "30", "invoice_id": "999999"})
    assert response.status_code == 422
    doc = parse(response.text)
    assert "is not an issued invoice of this customer" in doc.text
    assert field_value(doc, "amount") == "30"
