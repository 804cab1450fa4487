"""Customers: creating and editing them through the form (every error next to its field, the
typed values kept, nothing written when refused), and the list (search, filters, sorts, pages,
the htmx fragment)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from webclient import Web
from webhtml import (
    Node,
    after_redirect,
    audit,
    errors_shown,
    field_error,
    field_value,
    flash,
    form_by_action,
    form_error,
    form_values,
    htmx_get,
    is_whole_page,
    parse,
    set_locale,
    snapshot,
    submit,
)

from solde.ledger import usecases


def billing_settings(page: Node) -> dict[str, str]:
    """The billing settings panel of a customer page: label -> value shown."""
    panel = page.one("dl", class_="settings-list")
    rows = [c for c in panel.children if isinstance(c, Node)]
    return {row.one("dt").text: row.one("dd").text for row in rows}


NEW = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "external_ref": "C-001",
    "segment": "pro",
    "payment_method": "card",
    "billing_address.line1": "1 rue de la Paix",
    "billing_address.city": "Paris",
    "billing_address.country": "fr",
    "billing.billing_day": "15",
    "billing.credit_limit": "250.50",
    "billing.auto_settlement": "false",
}


# -- a new customer -------------------------------------------------------------------------


def test_a_new_customer_is_created_with_what_was_typed(web: Web) -> None:
    response = submit(web, "/customers/new", "/customers/new", NEW)
    assert response.status_code == 303
    cid = int(response.headers["location"].rsplit("/", 1)[1])
    page = parse(after_redirect(web, response))
    assert flash(page) == "Customer Ada Lovelace created."
    assert flash(parse(web.page(f"/customers/{cid}"))) is None  # shown once
    d = web.book.get_customer(cid).details
    assert (d.name, d.email, d.external_ref, d.segment) == (
        "Ada Lovelace",
        "ada@example.com",
        "C-001",
        "pro",
    )
    assert d.currency == "EUR"
    assert d.payment_method.value == "card"
    assert (d.billing_address.line1, d.billing_address.city, d.billing_address.country) == (
        "1 rue de la Paix",
        "Paris",
        "FR",
    )
    assert d.billing.billing_day == 15
    assert d.billing.credit_limit == Decimal("250.50")
    assert d.billing.auto_settlement is False
    assert set(d.billing.inherited()) == {
        "billing_enabled",
        "period_months",
        "timing",
        "auto_invoice",
        "payment_due_days",
        "blocking_period_days",
        "deactivation_period_days",
        "reminders",
        "bill_on_activation",
        "proration",
        "dunning_enabled",
    }
    settings = billing_settings(page)
    assert settings["Billing day"] == "15"
    assert settings["Settle automatically"] == "No"
    assert settings["Payment terms"] == "14 default"
    # "Settle now" is offered because this customer settles by hand
    assert "Settle now" in page.text


def test_each_billing_setting_is_shown_in_its_own_words(web: Web) -> None:
    cid = web.book.customer(
        "Words",
        billing={"blocking_period_days": 3, "payment_due_days": 12, "credit_limit": "250.50"},
    )
    settings = billing_settings(parse(web.page(f"/customers/{cid}")))
    assert settings["Billing period"] == "Monthly default"
    assert settings["Billing day"] == "1 default", "a day of the month, not a period"
    assert settings["Grace before blocking"] == "3", "days, not a period"
    assert settings["Payment terms"] == "12", "days, not a period"
    form = parse(web.page(f"/customers/{cid}/edit"))
    assert form.one(id="f-billing.billing_day").get("placeholder") == "Default (1)"


def test_a_credit_limit_is_shown_with_its_currencys_decimals(web: Web) -> None:
    cid = web.book.customer("Limit", billing={"credit_limit": "250.50"})
    shown = billing_settings(parse(web.page(f"/customers/{cid}")))["Credit limit"]
    assert "250.50" in shown, shown


REFUSED = (
    ({"name": ""}, 422, "name", "must not be empty"),
    ({"name": "   "}, 422, "name", "must not be empty"),
    ({"email": "not-an-email"}, 422, "email", "'not-an-email' is not an e-mail address"),
    ({"billing.billing_day": "31"}, 422, "billing.billing_day", "must be between 1 and 28"),
    ({"billing.credit_limit": "10.123"}, 422, "billing.credit_limit", "at most 2 decimals"),
    ({"billing.credit_limit": "ten"}, 422, "billing.credit_limit", "is not a number"),
    ({"currency": "XYZ"}, 422, "currency", "'XYZ' is not an ISO 4217 currency code"),
    ({"currency": "JPY", "billing.credit_limit": "10.5"}, 422, "billing.credit_limit", "JPY"),
    ({"external_ref": "TAKEN"}, 409, "external_ref", "'TAKEN' is already used"),
    ({"billing.payment_due_days": "-1"}, 422, "billing.payment_due_days", ""),
    ({"partner_id": "0"}, 422, "partner_id", "between 1 and 1000000"),
    ({"locale": "french"}, 422, "locale", "is not a locale like fr_FR"),
    ({"billing_address.country": "France"}, 422, "billing_address.country", "two-letter"),
)


def test_a_refused_new_customer_shows_each_error_next_to_its_field(web: Web) -> None:
    web.book.customer("Holder", external_ref="TAKEN")
    for changes, status, name, message in REFUSED:
        typed = {**NEW, **changes}
        before = snapshot(web.container)
        response = submit(web, "/customers/new", "/customers/new", typed)
        assert response.status_code == status, (changes, response.text[:2000])
        doc = parse(response.text)
        assert set(errors_shown(doc)) == {name}, (changes, errors_shown(doc))
        assert message in (field_error(doc, name) or ""), (changes, field_error(doc, name))
        assert doc.one(id=f"f-{name}").get("aria-invalid") == "true"
        assert form_error(doc) == "Some fields need attention."
        for field, value in typed.items():
            assert field_value(doc, field) == value, (changes, field)
        assert snapshot(web.container) == before, changes


def test_every_fault_of_a_new_customer_is_shown_at_once(web: Web) -> None:
    typed = {**NEW, "email": "nope", "billing.credit_limit": "lots", "billing.billing_day": "31"}
    response = submit(web, "/customers/new", "/customers/new", typed)
    assert response.status_code == 422
    assert set(errors_shown(parse(response.text))) == {
        "email",
        "billing.credit_limit",
        "billing.billing_day",
    }


# -- editing --------------------------------------------------------------------------------


def edit(web: Web, cid: int, changes: dict[str, str]) -> Any:
    path = f"/customers/{cid}/edit"
    return submit(web, path, path, changes)


def test_an_edit_saves_only_the_fields_that_changed(web: Web) -> None:
    cid = web.book.customer(
        "Edit Me",
        email="old@example.com",
        billing={"billing_day": 15, "credit_limit": "100.50", "auto_settlement": False},
        billing_address={"city": "Lyon"},
    )
    set_locale(web, "fr_FR")  # the credit limit shows as 100,50 and must read back the same
    doc = parse(web.page(f"/customers/{cid}/edit"))
    assert field_value(doc, "billing.credit_limit") == "100,50"
    assert field_value(doc, "billing.billing_day") == "15"
    assert field_value(doc, "billing.auto_settlement") == "false"
    assert field_value(doc, "billing.timing") == ""  # "Default"
    response = edit(web, cid, {"email": "new@example.com"})
    assert response.status_code == 303
    updates = audit(web.container, "customer.updated")
    assert [u["changes"] for u in updates] == [{"email": "new@example.com"}]
    assert updates[0]["_actor"].startswith("web:admin@example.com#")
    d = web.book.get_customer(cid).details
    assert d.email == "new@example.com"
    assert d.billing.credit_limit == Decimal("100.50")
    # sending the form untouched changes nothing and says so
    response = edit(web, cid, {})
    assert flash(parse(after_redirect(web, response))) == "Nothing changed."
    assert len(audit(web.container, "customer.updated")) == 1


def test_a_setting_set_back_to_default_follows_the_company_again(web: Web) -> None:
    cid = web.book.customer("Own Day", billing={"billing_day": 15})
    response = edit(web, cid, {"billing.billing_day": ""})
    assert response.status_code == 303
    assert audit(web.container, "customer.updated")[-1]["changes"] == {
        "billing": {"billing_day": None}
    }
    assert web.book.get_customer(cid).details.billing.billing_day is None
    settings = submit(web, "/settings", "/settings", {"billing.billing_day": "7"})
    assert settings.status_code == 303
    page = parse(web.page(f"/customers/{cid}"))
    assert billing_settings(page)["Billing day"] == "7 default"


def test_a_refused_edit_keeps_what_was_typed_and_saves_nothing(web: Web) -> None:
    cid = web.book.customer("Keep Typed", email="keep@example.com")
    before = snapshot(web.container)
    typed = {"name": "", "segment": "wholesale", "billing.billing_day": "31"}
    response = edit(web, cid, typed)
    assert response.status_code == 422
    doc = parse(response.text)
    assert set(errors_shown(doc)) == {"name", "billing.billing_day"}
    for name, value in typed.items():
        assert field_value(doc, name) == value
    assert field_value(doc, "email") == "keep@example.com"
    assert snapshot(web.container) == before


def test_the_currency_changes_only_while_the_account_is_empty(web: Web) -> None:
    empty = web.book.customer("Empty", currency="EUR")
    assert edit(web, empty, {"currency": "usd"}).status_code == 303
    assert web.book.get_customer(empty).currency == "USD"
    used = web.book.customer("Used", currency="EUR")
    web.book.line(used, bill_on_next_invoice=True)
    doc = parse(web.page(f"/customers/{used}/edit"))
    assert doc.one(id="f-currency").has("readonly")
    assert "Fixed: the customer has transactions." in doc.text
    before = snapshot(web.container)
    response = edit(web, used, {"currency": "USD"})
    assert response.status_code == 409
    refused = parse(response.text)
    assert "the currency cannot change once the customer has transactions" in (
        form_error(refused) or ""
    )
    assert field_value(refused, "currency") == "USD"
    assert snapshot(web.container) == before
    assert web.book.get_customer(used).currency == "EUR"


def test_unknown_customers_have_no_edit_form(web: Web) -> None:
    web.page("/customers/999/edit", 404)
    response = web.post("/customers/999/edit", {"name": "Ghost"})
    assert response.status_code == 404


# -- the list -------------------------------------------------------------------------------


def names(html: str) -> list[str]:
    doc = parse(html)
    table = doc.find("table", class_="customers")
    if table is None:
        return []
    return [row.find_all("td")[0].one("a").text for row in table.one("tbody").find_all("tr")]


def count_line(html: str) -> str:
    return parse(html).one("p", class_="count").text


def test_search_finds_by_name_email_and_reference(web: Web) -> None:
    book = web.book
    book.customer("Alpha Trading", email="contact@alpha.example", external_ref="A-1")
    book.customer("Beta Shop", email="sales@beta.example", external_ref="B-2")
    book.customer("Gamma", external_ref="ZETA-9")
    book.customer("100% Organic")
    book.customer("1000 Organic")
    assert names(web.page("/customers?q=alpha")) == ["Alpha Trading"]
    assert names(web.page("/customers?q=ALPHA")) == ["Alpha Trading"]
    assert names(web.page("/customers?q=beta.example")) == ["Beta Shop"]
    assert names(web.page("/customers?q=zeta")) == ["Gamma"]
    assert names(web.page("/customers?q=100%25")) == ["100% Organic"]
    empty = web.page("/customers?q=nobody")
    assert names(empty) == []
    assert "No customer matches these filters." in count_line(empty)
    assert field_value(parse(empty), "q") == "nobody"


def test_each_filter_and_sort(web: Web) -> None:
    book = web.book
    owes = book.customer("Owes", segment="retail", currency="EUR", payment_method="card")
    book.line(owes, unit_price="50.00", bill_on_next_invoice=False)
    credit = book.customer("credit", segment="retail", currency="USD")
    book.pay(credit, "20.00")
    book.customer("Settled", segment="wholesale", currency="EUR", status="blocked")
    big = book.customer("big owes", currency="EUR")
    book.line(big, unit_price="80.00", bill_on_next_invoice=False)
    assert names(web.page("/customers")) == ["big owes", "Settled", "credit", "Owes"]
    assert names(web.page("/customers?sort=oldest")) == ["Owes", "credit", "Settled", "big owes"]
    assert names(web.page("/customers?sort=name")) == ["big owes", "credit", "Owes", "Settled"]
    assert names(web.page("/customers?sort=balance_desc")) == [
        "big owes",
        "Owes",
        "Settled",
        "credit",
    ]
    assert names(web.page("/customers?sort=balance_asc")) == [
        "credit",
        "Settled",
        "Owes",
        "big owes",
    ]
    assert names(web.page("/customers?segment=retail&sort=oldest")) == ["Owes", "credit"]
    assert names(web.page("/customers?currency=usd")) == ["credit"]
    assert names(web.page("/customers?payment_method=card")) == ["Owes"]
    assert names(web.page("/customers?status=blocked")) == ["Settled"]
    assert names(web.page("/customers?balance=owes&sort=oldest")) == ["Owes", "big owes"]
    assert names(web.page("/customers?balance=credit")) == ["credit"]
    assert names(web.page("/customers?balance=settled")) == ["Settled"]
    doc = parse(web.page("/customers?balance=owes&currency=EUR&sort=balance_desc"))
    assert field_value(doc, "balance") == "owes"
    assert field_value(doc, "sort") == "balance_desc"
    amounts = [r.find_all("td")[-1].text for r in doc.one("tbody").find_all("tr")]
    assert amounts == ["€80.00", "€50.00"]
    assert [s.get("class") for s in doc.one("tbody").find_all("span", class_="amount")] == [
        "amount debit",
        "amount debit",
    ]


def test_pages_of_25(web: Web) -> None:
    def many(uow: object) -> None:
        for i in range(51):
            usecases.create_customer(uow, {"name": f"Customer {i:02d}"})
        usecases.create_customer(uow, {"name": "Someone else"})

    web.book.run(many)
    first = web.page("/customers?q=customer&sort=name")
    assert count_line(first) == "1–25 of 51 customers"
    assert names(first) == [f"Customer {i:02d}" for i in range(25)]
    second = web.page("/customers?q=customer&sort=name&page=2")
    assert count_line(second) == "26–50 of 51 customers"
    assert names(second) == [f"Customer {i:02d}" for i in range(25, 50)]
    doc = parse(second)
    pager = doc.one("nav", class_="pager")
    assert "Page 2 of 3" in pager.text
    links = {a.get("rel"): a.get("href") for a in pager.find_all("a")}
    assert links["next"] == "/customers?q=customer&sort=name&page=3"
    assert links["prev"] == "/customers?q=customer&sort=name&page=1"
    last = web.page(links["next"])
    assert count_line(last) == "51–51 of 51 customers"
    assert names(last) == ["Customer 50"]
    for odd in ("page=0", "page=abc", "page=-1", "page=99999", "sort=sideways", "balance=maybe"):
        response = web.get(f"/customers?{odd}")
        assert response.status_code == 200, odd


def test_the_results_alone_for_htmx(web: Web) -> None:
    web.book.customer("Fragment Co")
    response = htmx_get(web, "/customers?q=fragment", target="customer-results")
    assert response.status_code == 200
    assert not is_whole_page(response.text)
    doc = parse(response.text)
    top = [c for c in doc.children if not isinstance(c, str)]
    assert [n.get("id") for n in top] == ["customer-results", "results-status"]
    # the count goes into the page's status region, which screen readers announce
    assert top[1].get("hx-swap-oob") == "innerHTML"
    assert top[1].text.strip() == "1–1 of 1 customer"
    assert names(response.text) == ["Fragment Co"]
    assert is_whole_page(htmx_get(web, "/customers?q=fragment").text)


def test_an_unknown_currency_filter_is_an_error_next_to_it(web: Web) -> None:
    web.book.customer("Any")
    response = web.get("/customers?currency=ZZZ")
    assert response.status_code == 200
    doc = parse(response.text)
    assert field_error(doc, "currency") == "'ZZZ' is not an ISO 4217 currency code"
    assert field_value(doc, "currency") == "ZZZ"
    assert names(response.text) == []
    fragment = htmx_get(web, "/customers?currency=12345", target="customer-results")
    assert fragment.status_code == 200


def test_the_customer_page_fragment_for_htmx(web: Web) -> None:
    cid = web.book.customer("Main Part")
    past = (web.book.today() - timedelta(days=40)).isoformat()
    response = htmx_get(web, f"/customers/{cid}?as_of={past}", target="customer-main")
    assert response.status_code == 200
    assert not is_whole_page(response.text)
    doc = parse(response.text)
    main = doc.one(id="customer-main")
    assert main.parent is doc
    assert main.get("hx-get") == f"/customers/{cid}?as_of={past}"
    assert doc.testid("balance") is not None
    assert "Add line" not in doc.text  # the toolbar is not part of the fragment
    whole = web.page(f"/customers/{cid}")
    assert is_whole_page(whole)
    form = form_by_action(parse(whole), f"/customers/{cid}")
    assert form_values(form)["as_of"] == web.book.today().isoformat()
