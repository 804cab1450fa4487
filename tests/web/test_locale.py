"""The user's locale through the pages: amounts and dates written as in French or German, and
numbers typed as those users type them (refused where they could be misread)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from webclient import Web
from webhtml import (
    NBSP,
    NNBSP,
    after_redirect,
    card,
    errors_shown,
    field_error,
    field_value,
    flash,
    parse,
    row,
    set_locale,
    snapshot,
    submit,
)

from solde.ledger import usecases

FRENCH_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def french(day: date) -> str:
    return f"{day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def post_line(web: Web, cid: int, unit_price: str) -> Any:
    path = f"/customers/{cid}/lines/new"
    body = {"line_type": "debit:charge", "label": "Typed", "unit_price": unit_price, "mode": "post"}
    return submit(web, path, path, body)


def test_french_amounts_and_dates(web: Web) -> None:
    set_locale(web, "fr_FR")
    cid = web.book.customer("Société Générale de Test")
    day = web.book.today() - timedelta(days=400)
    charge = web.book.line(
        cid, unit_price="1234.50", bill_on_next_invoice=False, date=day.isoformat()
    )
    payment = web.book.pay(cid, "2000.00")
    doc = parse(web.page(f"/customers/{cid}"))
    assert card(doc)["balance"] == f"-765,50{NBSP}€"
    assert card(doc)["credit"] == f"-765,50{NBSP}€"
    shown = row(doc, charge)
    assert shown["debit"] == f"1{NNBSP}234,50{NBSP}€"
    assert shown["date"] == french(day)
    assert shown["links"] == f"#{payment}{NBSP}1{NNBSP}234,50{NBSP}€"
    assert row(doc, payment)["credit"] == f"2{NNBSP}000,00{NBSP}€"
    assert row(doc, payment)["open"] == f"765,50{NBSP}€"
    assert doc.one("html").get("lang") == "en"  # the words are English; only formats change
    # the customer list and the dashboard too
    listed = parse(web.page("/customers"))
    assert f"-765,50{NBSP}€" in listed.one("tbody").text
    assert f"-765,50{NBSP}€" in parse(web.page("/")).text


def test_french_users_type_french_numbers(web: Web) -> None:
    set_locale(web, "fr_FR")
    cid = web.book.customer("Saisie")
    for typed in ("1 234,56", "1234,56", f"1{NNBSP}234,56", f"1{NBSP}234,56", " 1234,56 "):
        response = post_line(web, cid, typed)
        assert response.status_code == 303, (typed, response.text[:1500])
        assert web.book.newest(cid).amount.amount == Decimal("1234.56"), typed
    before = snapshot(web.container)
    response = post_line(web, cid, "1.234,56")
    assert response.status_code == 422
    doc = parse(response.text)
    assert field_error(doc, "unit_price") == f"is not a number; write it like 1{NNBSP}234,56"
    assert field_value(doc, "unit_price") == "1.234,56"
    assert snapshot(web.container) == before
    # the form's hint and the edit form speak French too
    line = web.book.line(cid, unit_price="12.50", quantity="1.5", bill_on_next_invoice=True)
    form = parse(web.page(f"/transactions/{line}/edit"))
    assert field_value(form, "unit_price") == "12,50"
    assert field_value(form, "quantity") == "1,5"
    assert f"e.g. 1{NNBSP}234,56" in form.text
    saved = submit(web, f"/transactions/{line}/edit", f"/transactions/{line}/edit")
    assert saved.status_code == 303
    with web.container.uow(actor="test", write=False) as uow:
        again = usecases.get_transaction(uow, line)
    assert (again.unit_price, again.quantity) == (Decimal("12.50"), Decimal("1.5"))


def test_en_us_refuses_a_comma_where_it_would_be_misread(web: Web) -> None:
    cid = web.book.customer("Typed in English")
    before = snapshot(web.container)
    response = post_line(web, cid, "1,23")
    assert response.status_code == 422
    assert errors_shown(parse(response.text)) == {
        "unit_price": "is not a number; write it like 1,234.56"
    }
    assert snapshot(web.container) == before
    assert post_line(web, cid, "1,234.56").status_code == 303
    assert web.book.newest(cid).amount.amount == Decimal("1234.56")


def test_de_de_reads_german_numbers(web: Web) -> None:
    set_locale(web, "de_DE")
    cid = web.book.customer("Deutsch")
    assert post_line(web, cid, "1.234,56").status_code == 303
    assert web.book.newest(cid).amount.amount == Decimal("1234.56")
    doc = parse(web.page(f"/customers/{cid}"))
    assert card(doc)["balance"] == f"1.234,56{NBSP}€"
    today = web.book.today()
    assert f"{today.day:02d}.{today.month:02d}.{today.year}" in doc.text
    refused = post_line(web, cid, "1234.56")
    assert refused.status_code == 422


def test_numbers_that_are_not_plain_decimals_are_refused_with_their_field(web: Web) -> None:
    cid = web.book.customer("Odd Numbers")
    pending = web.book.pay(cid, "10.00", status="pending")
    before = snapshot(web.container)
    for typed in ("1e3", "1E3", "NaN", "Infinity", "١٢٣", "１２", "12_000", "0x10", "--5"):
        response = post_line(web, cid, typed)
        assert response.status_code == 422, typed
        assert set(errors_shown(parse(response.text))) == {"unit_price"}, typed
        payment = web.post(f"/customers/{cid}/payments/new", {"amount": typed})
        assert payment.status_code == 422, typed
        assert set(errors_shown(parse(payment.text))) == {"amount"}, typed
        fee = web.post(f"/payments/{pending}/fail", {"fee": typed})
        assert fee.status_code == 422, typed
        assert set(errors_shown(parse(fee.text))) == {"fee"}, typed
        limit = submit(
            web, f"/customers/{cid}/edit", f"/customers/{cid}/edit", {"billing.credit_limit": typed}
        )
        assert limit.status_code == 422, typed
        assert set(errors_shown(parse(limit.text))) == {"billing.credit_limit"}, typed
    assert snapshot(web.container) == before


def test_a_french_credit_limit_round_trip(web: Web) -> None:
    set_locale(web, "fr_FR")
    response = submit(
        web,
        "/customers/new",
        "/customers/new",
        {"name": "Limite", "billing.credit_limit": "1 000,50"},
    )
    cid = int(response.headers["location"].rsplit("/", 1)[1])
    with web.container.uow(actor="test", write=False) as uow:
        limit = usecases.get_customer(uow, cid).details.billing.credit_limit
    assert limit == Decimal("1000.50")
    path = f"/customers/{cid}/edit"
    assert field_value(parse(web.page(path)), "billing.credit_limit") == "1000,50"
    untouched = submit(web, path, path)
    assert flash(parse(after_redirect(web, untouched))) == "Nothing changed."


def test_users_without_a_locale_follow_the_companys(web: Web) -> None:
    cid = web.book.customer("Par Défaut")
    web.book.line(cid, unit_price="1234.50", bill_on_next_invoice=False)
    settings = submit(web, "/settings", "/settings", {"default_locale": "fr_FR"})
    assert settings.status_code == 303
    assert card(parse(web.page(f"/customers/{cid}")))["balance"] == f"1{NNBSP}234,50{NBSP}€"
    assert post_line(web, cid, "1 000,50").status_code == 303
    assert web.book.newest(cid).amount.amount == Decimal("1000.50")
    set_locale(web, "en_US")
    assert card(parse(web.page(f"/customers/{cid}")))["balance"] == "€2,235.00"
