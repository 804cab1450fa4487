"""Lines: adding one (unbilled or posted now, each line type, amounts that cannot be), editing
and cancelling an unbilled one, reversing a posted one."""

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
    form_values,
    parse,
    row,
    snapshot,
    submit,
    us_date,
)


def add_line(web: Web, cid: int, changes: dict[str, str], **kwargs: Any) -> Any:
    path = f"/customers/{cid}/lines/new"
    return submit(web, f"{path}?next=/customers/{cid}", path, changes, **kwargs)


# -- adding ---------------------------------------------------------------------------------


def test_the_add_line_form(web: Web) -> None:
    cid = web.book.customer("Form Co")
    doc = parse(web.page(f"/customers/{cid}/lines/new?next=/customers/{cid}"))
    options = [
        (o.get("value"), o.text) for o in doc.one("select", name="line_type").find_all("option")
    ]
    assert options == [
        ("debit:charge", "Charge"),
        ("debit:collection_cost", "Collection cost"),
        ("debit:adjustment", "Debit adjustment"),
        ("credit:adjustment", "Credit adjustment"),
        ("credit:gift", "Goodwill credit"),
    ]
    assert field_value(doc, "line_type") == "debit:charge"
    assert field_value(doc, "date") == web.book.today().isoformat()
    assert field_value(doc, "quantity") == "1"
    assert field_value(doc, "tax_rate") == "0"
    checked = [i.get("value") for i in doc.find_all("input", name="mode") if i.has("checked")]
    assert checked == ["next_invoice"]
    assert doc.one("input", name="next").get("value") == f"/customers/{cid}"


def test_an_unbilled_line_leaves_the_balance_alone(web: Web) -> None:
    cid = web.book.customer("Unbilled Co")
    today = web.book.today()
    typed = {"label": "Setup fee", "unit_price": "40", "quantity": "2", "tax_rate": "20"}
    response = add_line(web, cid, {**typed, "mode": "next_invoice"})
    assert response.headers["location"] == f"/customers/{cid}"
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Line added to the next invoice: Setup fee."
    figures = card(doc)
    assert figures["balance"] == eur("0")
    assert balance_class(doc) == "zero"
    assert (figures["debit"], figures["credit"], figures["awaiting"]) == (eur(0), eur(0), eur(0))
    assert figures["unbilled"] == (
        f"Unbilled lines 1 line waiting for the next invoice: {eur(80)} excl. tax, "
        f"{eur(96)} incl. tax, dated {us_date(today)}."
    )
    line = web.book.newest(cid).id
    shown = row(doc, line)
    assert shown["section"] == "unbilled"
    assert shown["debit"] == eur(96)
    assert shown["open"] == ""


def test_a_posted_line_changes_the_balance_at_once(web: Web) -> None:
    cid = web.book.customer("Posted Co")
    response = add_line(
        web,
        cid,
        {
            "line_type": "debit:collection_cost",
            "label": "Bank fee",
            "unit_price": "25",
            "mode": "post",
        },
    )
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Line posted: Bank fee."
    assert card(doc)["balance"] == eur(25)
    assert card(doc)["debit"] == eur(25)
    assert balance_class(doc) == "debit"
    assert "None." in card(doc)["unbilled"]
    cost = web.book.newest(cid).id
    # a goodwill credit posted now settles the cost at once (automatic settlement)
    response = add_line(
        web, cid, {"line_type": "credit:gift", "label": "Sorry", "unit_price": "10", "mode": "post"}
    )
    doc = parse(after_redirect(web, response))
    gift = web.book.newest(cid).id
    assert card(doc)["balance"] == eur(15)
    assert (card(doc)["debit"], card(doc)["credit"]) == (eur(15), eur(0))
    assert row(doc, cost)["open"] == eur(15)
    assert row(doc, cost)["section"] == "open"
    assert row(doc, cost)["links"] == f"#{gift}{NBSP}{eur(10)}"
    assert row(doc, gift)["section"] == "closed"
    assert row(doc, gift)["open"] == eur(0)
    assert row(doc, gift)["credit"] == eur(10)
    assert row(doc, gift)["links"] == f"#{cost}{NBSP}{eur(10)}"
    credit = add_line(
        web,
        cid,
        {"line_type": "credit:adjustment", "label": "Big", "unit_price": "40", "mode": "post"},
    )
    doc = parse(after_redirect(web, credit))
    assert card(doc)["balance"] == eur(-25)
    assert (card(doc)["debit"], card(doc)["credit"]) == (eur(0), eur(-25))
    assert balance_class(doc) == "credit"


def test_each_line_type_makes_its_kind_and_type(web: Web) -> None:
    cid = web.book.customer("Types Co")
    expected = {
        "debit:charge": ("debit", "charge"),
        "debit:collection_cost": ("debit", "collection_cost"),
        "debit:adjustment": ("debit", "adjustment"),
        "credit:adjustment": ("credit", "adjustment"),
        "credit:gift": ("credit", "gift"),
    }
    for line_type, (kind, tx_type) in expected.items():
        response = add_line(
            web, cid, {"line_type": line_type, "label": line_type, "unit_price": "1"}
        )
        assert response.status_code == 303, line_type
        made = web.book.transaction(web.book.newest(cid).id)
        assert (made.kind.value, made.type.value, made.label) == (kind, tx_type, line_type)
        assert made.state.value == "unbilled"
    before = snapshot(web.container)
    for forged, message in (
        ("credit:charge", "a credit line is one of: adjustment, gift"),
        ("debit:payment", "record payments and refunds with the payments endpoint"),
        ("sideways:charge", "must be one of: debit, credit"),
    ):
        response = add_line(web, cid, {"line_type": forged, "label": "x", "unit_price": "1"})
        assert response.status_code == 422, forged
        doc = parse(response.text)
        assert set(errors_shown(doc)) == {"line_type"}, (forged, errors_shown(doc))
        assert message in (field_error(doc, "line_type") or ""), field_error(doc, "line_type")
    assert snapshot(web.container) == before


BAD = (
    ({"unit_price": ""}, "unit_price", "is required"),
    ({"unit_price": "abc"}, "unit_price", "is not a number"),
    ({"unit_price": "0"}, "unit_price", "must be above zero"),
    ({"unit_price": "-5"}, "unit_price", "must be above zero"),
    ({"unit_price": "1e3"}, "unit_price", "is not a number"),
    ({"unit_price": "1,23"}, "unit_price", "is not a number; write it like 1,234.56"),
    ({"quantity": "0"}, "quantity", "must be above 0"),
    ({"quantity": "lots"}, "quantity", "is not a number"),
    ({"tax_rate": "150"}, "tax_rate", "must be between 0 and 100"),
    ({"label": ""}, "label", "is required"),
    ({"label": "x" * 201}, "label", "at most 200 characters"),
    ({"date": "31/12/2026"}, "date", "must be a date (YYYY-MM-DD)"),
    ({"mode": "post", "date": "+1"}, "date", "a posted line cannot be dated after today"),
)


def test_a_refused_line_names_its_field_and_adds_nothing(web: Web) -> None:
    cid = web.book.customer("Bad Co")
    tomorrow = (web.book.today() + timedelta(days=1)).isoformat()
    base = {"label": "Fine", "unit_price": "10", "quantity": "1", "tax_rate": "0"}
    before = snapshot(web.container)
    for changes, name, message in BAD:
        typed = {**base, **{k: tomorrow if v == "+1" else v for k, v in changes.items()}}
        response = add_line(web, cid, typed)
        assert response.status_code == 422, (changes, response.text[:2000])
        doc = parse(response.text)
        assert set(errors_shown(doc)) == {name}, (changes, errors_shown(doc))
        assert message in (field_error(doc, name) or ""), (changes, field_error(doc, name))
        for field, value in typed.items():
            if field != "mode":
                assert field_value(doc, field) == value, (changes, field)
    assert snapshot(web.container) == before
    # dated tomorrow on the next invoice: that is allowed
    response = add_line(web, cid, {**base, "date": tomorrow, "mode": "next_invoice"})
    assert response.status_code == 303


def test_every_fault_of_a_line_is_shown_at_once(web: Web) -> None:
    cid = web.book.customer("Faults Co")
    response = add_line(web, cid, {"label": "", "unit_price": "ten", "tax_rate": "150"})
    assert response.status_code == 422
    assert set(errors_shown(parse(response.text))) == {
        "label",
        "unit_price",
        "tax_rate",
    }


# -- editing and cancelling an unbilled line ------------------------------------------------


def test_an_unbilled_line_is_edited(web: Web) -> None:
    cid = web.book.customer("Edit Line Co")
    line = web.book.line(
        cid,
        label="Old label",
        unit_price="12.50",
        quantity="3",
        tax_rate="5.5",
        bill_on_next_invoice=True,
    )
    path = f"/transactions/{line}/edit"
    doc = parse(web.page(f"{path}?next=/customers/{cid}"))
    assert field_value(doc, "label") == "Old label"
    assert field_value(doc, "unit_price") == "12.50"
    assert field_value(doc, "quantity") == "3"
    assert field_value(doc, "tax_rate") == "5.5"
    assert field_value(doc, "type") == "charge"
    types = [o.get("value") for o in doc.one("select", name="type").find_all("option")]
    assert types == ["adjustment", "charge", "collection_cost"]
    refused = submit(
        web, f"{path}?next=/customers/{cid}", path, {"unit_price": "x", "label": "Kept"}
    )
    assert refused.status_code == 422
    refused_doc = parse(refused.text)
    assert set(errors_shown(refused_doc)) == {"unit_price"}
    assert field_value(refused_doc, "label") == "Kept"
    assert web.book.transaction(line).label == "Old label"
    response = submit(
        web,
        f"{path}?next=/customers/{cid}",
        path,
        {"label": "New label", "unit_price": "20", "quantity": "2", "tax_rate": "10"},
    )
    assert response.headers["location"] == f"/customers/{cid}"
    page = parse(after_redirect(web, response))
    assert flash(page) == "Line saved."
    saved = web.book.transaction(line)
    assert (saved.label, str(saved.amount.amount), saved.state.value) == (
        "New label",
        "44.00",
        "unbilled",
    )
    assert f"{eur(40)} excl. tax, {eur(44)} incl. tax" in card(page)["unbilled"]
    assert card(page)["balance"] == eur(0)


def test_an_unbilled_line_is_cancelled_with_its_reason(web: Web) -> None:
    cid = web.book.customer("Cancel Co")
    line = web.book.line(cid, label="Not due", bill_on_next_invoice=True)
    page = parse(web.page(f"/transactions/{line}/cancel?next=/customers/{cid}"))
    assert "Cancel line #" in page.text
    response = submit(
        web,
        f"/transactions/{line}/cancel?next=/customers/{cid}",
        f"/transactions/{line}/cancel",
        {"reason": "Ordered by mistake"},
    )
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Line cancelled."
    assert "None." in card(doc)["unbilled"]
    assert row(doc, line)["section"] == "void"
    assert "Ordered by mistake" in row(doc, line)["label"]
    cancelled = web.book.transaction(line)
    assert (cancelled.state.value, cancelled.note) == ("void", "Ordered by mistake")
    before = snapshot(web.container)
    again = web.post(f"/transactions/{line}/cancel", {"reason": "twice"})
    assert again.status_code == 409
    assert "only unbilled lines can be changed or cancelled" in (
        form_error(parse(again.text)) or ""
    )
    edit = web.post(f"/transactions/{line}/edit", {"label": "Revived", "unit_price": "1"})
    assert edit.status_code == 409
    assert snapshot(web.container) == before


# -- reversing a posted transaction ---------------------------------------------------------


def test_a_posted_charge_is_reversed_and_what_it_settled_reopens(web: Web) -> None:
    cid = web.book.customer("Reverse Co")
    charge = web.book.line(
        cid, label="Wrong charge", unit_price="100.00", bill_on_next_invoice=False
    )
    payment = web.book.pay(cid, "100.00")
    doc = parse(web.page(f"/customers/{cid}"))
    assert card(doc)["balance"] == eur(0)
    assert row(doc, charge)["links"] == f"#{payment}{NBSP}{eur(100)}"
    path = f"/transactions/{charge}/reverse"
    response = submit(web, f"{path}?next=/customers/{cid}", path, {"reason": "Charged twice"})
    assert response.status_code == 303
    reversal = web.book.newest(cid).id
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Transaction #{charge} reversed by #{reversal}."
    assert card(doc)["balance"] == eur(-100)
    assert (card(doc)["debit"], card(doc)["credit"]) == (eur(0), eur(-100))
    assert balance_class(doc) == "credit"
    assert row(doc, payment)["open"] == eur(100)
    assert row(doc, payment)["section"] == "open"
    assert row(doc, charge)["links"] == f"#{reversal}{NBSP}{eur(100)}"
    made = web.book.transaction(reversal)
    assert (made.kind.value, made.reverses_id, made.note) == ("credit", charge, "Charged twice")
    # the transaction page links the two
    assert f"Reversed by #{reversal}" in parse(web.page(f"/transactions/{charge}")).text
    assert f"Reverses #{charge}" in parse(web.page(f"/transactions/{reversal}")).text


def test_what_cannot_be_reversed_is_refused_and_changes_nothing(web: Web) -> None:
    cid = web.book.customer("No Reverse Co")
    charge = web.book.line(cid, label="Charge", unit_price="10.00", bill_on_next_invoice=False)
    line = web.book.line(cid, label="Line", bill_on_next_invoice=True)
    reversal = web.post(f"/transactions/{charge}/reverse", {"reason": "first"})
    assert reversal.status_code == 303
    reversal_id = web.book.newest(cid).id
    before = snapshot(web.container)
    for tx_id, why in (
        (reversal_id, f"transaction {reversal_id} is itself a reversal"),
        (charge, f"transaction {charge} is already reversed"),
        (line, f"transaction {line} is unbilled: cancel the unbilled line instead"),
    ):
        page = parse(web.page(f"/transactions/{tx_id}/reverse"))
        assert form_error(page) == f"This transaction cannot be reversed: {why}."
        assert not [f for f in page.find_all("form") if f.get("action").endswith("/reverse")]
        response = web.post(f"/transactions/{tx_id}/reverse", {"reason": "again"})
        assert response.status_code == 409, tx_id
        assert form_error(parse(response.text)) == why
        assert (
            "Reverse"
            not in parse(web.page(f"/transactions/{tx_id}"))
            .one(id="transaction-main")
            .find("div", class_="toolbar")
            .text
        )
    assert snapshot(web.container) == before


def test_a_reversal_cannot_be_dated_before_the_original_or_after_today(web: Web) -> None:
    cid = web.book.customer("Dates Co")
    today = web.book.today()
    charge = web.book.line(
        cid,
        unit_price="10.00",
        bill_on_next_invoice=False,
        date=(today - timedelta(days=3)).isoformat(),
    )
    before = snapshot(web.container)
    for day, message in (
        (today - timedelta(days=4), "cannot be before the original transaction"),
        (today + timedelta(days=1), "cannot be after today"),
    ):
        response = web.post(f"/transactions/{charge}/reverse", {"date": day.isoformat()})
        assert response.status_code == 422
        doc = parse(response.text)
        assert message in (field_error(doc, "date") or "")
        assert field_value(doc, "date") == day.isoformat()
    assert snapshot(web.container) == before


def test_after_a_refused_form_the_user_still_goes_back_where_they_came_from(web: Web) -> None:
    cid = web.book.customer("Round Trip")
    charge = web.book.line(cid, unit_price="10.00", bill_on_next_invoice=False)
    came_from = f"/transactions/{charge}"
    path = f"/transactions/{charge}/reverse"
    tomorrow = (web.book.today() + timedelta(days=1)).isoformat()
    refused = submit(web, f"{path}?next={came_from}", path, {"date": tomorrow})
    assert refused.status_code == 422
    form = form_by_action(parse(refused.text), path)
    values = form_values(form)
    values.pop("csrf_token")
    values["date"] = web.book.today().isoformat()
    response = web.post(path, values)
    assert response.status_code == 303
    assert response.headers["location"] == came_from
