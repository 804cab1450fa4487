"""/v1/customers: create with the billing settings of SPEC §3, list with filters and cursor
pagination, read, change; 404 for ids that do not exist."""

from __future__ import annotations

from typing import Any

import pytest

#: SPEC §3: the default of every billing setting.
SPEC_DEFAULTS = {
    "billing_enabled": True,
    "period_months": 1,
    "billing_day": 1,
    "timing": "advance",
    "auto_invoice": True,
    "auto_settlement": True,
    "payment_due_days": 14,
    "credit_limit": "0.00",
    "blocking_period_days": 0,
    "deactivation_period_days": 30,
    "reminders": True,
    "bill_on_activation": False,
    "proration": "daily",
    "dunning_enabled": True,
}

#: A value other than the default for every billing setting.
EVERY_SETTING = {
    "billing_enabled": False,
    "period_months": 3,
    "billing_day": 28,
    "timing": "arrears",
    "auto_invoice": False,
    "auto_settlement": False,
    "payment_due_days": 0,
    "credit_limit": "-20",
    "blocking_period_days": 5,
    "deactivation_period_days": 60,
    "reminders": False,
    "bill_on_activation": True,
    "proration": "thirty_day",
    "dunning_enabled": False,
}

ABSURD_IDS = ["0", "-1", str(10**30), "999999"]


# -- create --------------------------------------------------------------------------------


def test_create_with_a_name_only_takes_every_default(books: Any) -> None:
    created = books.customer("Acme SARL")
    assert created["name"] == "Acme SARL"
    assert created["currency"] == "EUR"  # the default currency of settings
    assert created["billing"] == SPEC_DEFAULTS
    assert sorted(created["billing_inherited"]) == sorted(SPEC_DEFAULTS)
    assert created["status"] == "active"
    assert created["partner_id"] == 1
    assert created["locale"] == "en_US"
    assert created["external_ref"] is None
    assert created["email"] is None
    assert created["segment"] is None
    assert created["balance"] == "0.00"
    assert set(created["billing_address"].values()) == {None}
    assert isinstance(created["id"], int)
    assert created["id"] >= 1


def test_create_with_every_field_and_every_billing_setting(books: Any) -> None:
    address = {
        "line1": "12 rue de la Paix",
        "line2": "Bâtiment B",
        "postal_code": "75002",
        "city": "Paris",
        "region": "Île-de-France",
        "country": "fr",
    }
    created = books.customer(
        "Fibre Ouest",
        external_ref="CRM-42",
        email="compta@fibre-ouest.example",
        currency="usd",
        segment="isp",
        payment_method="sepa_debit",
        partner_id=3,
        locale="fr_FR",
        billing_address=address,
        status="blocked",
        billing=EVERY_SETTING,
    )
    assert created["external_ref"] == "CRM-42"
    assert created["email"] == "compta@fibre-ouest.example"
    assert created["currency"] == "USD"
    assert created["segment"] == "isp"
    assert created["payment_method"] == "sepa_debit"
    assert created["partner_id"] == 3
    assert created["locale"] == "fr_FR"
    assert created["billing_address"] == {**address, "country": "FR"}
    assert created["status"] == "blocked"
    assert created["billing"] == {**EVERY_SETTING, "credit_limit": "-20.00"}
    assert created["billing_inherited"] == []
    assert books.get_customer(created["id"]) == created


def test_create_with_some_billing_settings_inherits_the_others(books: Any) -> None:
    created = books.customer(billing={"billing_day": 10, "credit_limit": "50"})
    assert created["billing"] == {**SPEC_DEFAULTS, "billing_day": 10, "credit_limit": "50.00"}
    assert "billing_day" not in created["billing_inherited"]
    assert "credit_limit" not in created["billing_inherited"]
    assert "period_months" in created["billing_inherited"]


def test_every_billing_period_and_the_billing_day_bounds_are_accepted(books: Any) -> None:
    for months in (1, 3, 6, 12):
        billing = books.customer(billing={"period_months": months})["billing"]
        assert billing["period_months"] == months
    for day in (1, 28):
        assert books.customer(billing={"billing_day": day})["billing"]["billing_day"] == day


def test_credit_limit_is_an_amount_of_the_customers_currency(books: Any) -> None:
    for currency, limit, shown, zero in [
        ("EUR", "12.5", "12.50", "0.00"),
        ("JPY", "1000", "1000", "0"),
        ("KWD", "1.234", "1.234", "0.000"),
    ]:
        created = books.customer(currency=currency, billing={"credit_limit": limit})
        assert created["billing"]["credit_limit"] == shown
        assert created["balance"] == zero
    r = books.api.post(
        "/v1/customers", json={"name": "x", "currency": "JPY", "billing": {"credit_limit": "1.5"}}
    )
    books.problem(r, 422, "invalid_input", field="billing.credit_limit")


BAD_BILLING = [
    ({"billing_day": 0}, "out_of_range"),
    ({"billing_day": 29}, "out_of_range"),
    ({"billing_day": 30}, "out_of_range"),
    ({"billing_day": 31}, "out_of_range"),
    ({"billing_day": -1}, "out_of_range"),
    ({"billing_day": 10**30}, "out_of_range"),
    ({"billing_day": "5"}, None),
    ({"billing_day": 1.5}, None),
    ({"period_months": 2}, "invalid_choice"),
    ({"period_months": 0}, "out_of_range"),
    ({"period_months": 24}, "out_of_range"),
    ({"timing": "sometimes"}, None),
    ({"proration": "weekly"}, None),
    ({"payment_due_days": -1}, "out_of_range"),
    ({"payment_due_days": 100000}, "out_of_range"),
    ({"credit_limit": "abc"}, "not_a_decimal"),
    ({"credit_limit": "1.234"}, "too_many_decimals"),
    ({"credit_limit": True}, None),
    ({"blocking_period_days": -1}, "out_of_range"),
    ({"deactivation_period_days": -5}, "out_of_range"),
    ({"billing_enabled": "yes"}, None),
    ({"auto_invoice": 1}, None),
    ({"auto_settlement": "false"}, None),
    ({"reminders": "true"}, None),
    ({"bill_on_activation": 0}, None),
    ({"dunning_enabled": "no"}, None),
    ({"billing_dya": 5}, "extra_forbidden"),
]


def test_invalid_billing_settings_are_refused_naming_the_setting(books: Any) -> None:
    for billing, code in BAD_BILLING:
        (name,) = billing
        r = books.api.post("/v1/customers", json={"name": "Acme", "billing": billing})
        body = books.problem(r, 422, "invalid_input", field=f"billing.{name}")
        if code is not None:
            codes = {e["code"] for e in body["errors"] if e["field"] == f"billing.{name}"}
            assert code in codes, (billing, body)
    assert books.api.get("/v1/customers").json()["data"] == []  # nothing was created


BAD_FIELDS = [
    ({"currency": "EURO"}, "currency"),
    ({"currency": "XXX"}, "currency"),
    ({"currency": ""}, "currency"),
    ({"currency": 978}, "currency"),
    ({"email": "not-an-email"}, "email"),
    ({"payment_method": "bitcoin"}, "payment_method"),
    ({"partner_id": 0}, "partner_id"),
    ({"partner_id": "1"}, "partner_id"),
    ({"locale": "french"}, "locale"),
    ({"status": "deleted"}, "status"),
    ({"billing_address": {"country": "FRA"}}, "billing_address.country"),
    ({"billing_address": {"street": "x"}}, "billing_address.street"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Acme\x00"}, "name"),
    ({"name": None}, "name"),
    ({"external_ref": "x" * 101}, "external_ref"),
    ({"segment": "isp\x00"}, "segment"),
    ({"billing": "monthly"}, "billing"),
]


def test_invalid_customer_fields_are_refused_naming_the_field(books: Any) -> None:
    for fields, field in BAD_FIELDS:
        r = books.api.post("/v1/customers", json={"name": "Acme", **fields})
        books.problem(r, 422, "invalid_input", field=field)
    r = books.api.post("/v1/customers", json={"email": "a@b.example"})
    books.problem(r, 422, "invalid_input", field="name")
    assert books.api.get("/v1/customers").json()["data"] == []


def test_every_fault_is_reported_at_once(books: Any) -> None:
    r = books.api.post(
        "/v1/customers",
        json={"name": "Acme", "currency": "ZZZ", "email": "nope", "locale": "French"},
    )
    body = books.problem(r, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == {"currency", "email", "locale"}
    r = books.api.post(
        "/v1/customers", json={"name": "Acme", "billing": {"billing_day": 31, "period_months": 2}}
    )
    body = books.problem(r, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == {"billing.billing_day", "billing.period_months"}


def test_external_ref_is_unique(books: Any) -> None:
    books.customer("First", external_ref="CRM-1")
    r = books.api.post("/v1/customers", json={"name": "Second", "external_ref": "CRM-1"})
    books.problem(r, 409, "duplicate_value", field="external_ref")
    assert [c["name"] for c in books.api.get("/v1/customers").json()["data"]] == ["First"]


# -- list ----------------------------------------------------------------------------------


@pytest.fixture
def directory(books: Any) -> dict[str, int]:
    """Four customers to filter; ids by short name (created in this order)."""
    made = [
        (
            "alpha",
            dict(
                name="Alpha Networks",
                email="billing@alpha.example",
                external_ref="CRM-001",
                segment="isp",
                currency="EUR",
                payment_method="sepa_debit",
            ),
        ),
        (
            "beta",
            dict(
                name="Beta Hosting",
                email="ops@beta.example",
                external_ref="CRM-002",
                segment="hosting",
                currency="USD",
                payment_method="card",
                status="blocked",
            ),
        ),
        (
            "gamma",
            dict(
                name="Gamma Foods",
                email="gamma@foods.example",
                external_ref="ERP-77",
                segment="isp",
                currency="USD",
                payment_method="card",
                status="inactive",
            ),
        ),
        ("delta", dict(name="Delta 100%", currency="EUR", payment_method="bank_transfer")),
    ]
    return {short: books.customer(**fields)["id"] for short, fields in made}


def _names(books: Any, directory: dict[str, int], params: dict[str, Any]) -> list[str]:
    r = books.api.get("/v1/customers", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["has_more"] is False
    assert page["next_cursor"] is None
    by_id = {v: k for k, v in directory.items()}
    return [by_id[c["id"]] for c in page["data"]]


LIST_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["delta", "gamma", "beta", "alpha"]),
    ({"segment": "isp"}, ["gamma", "alpha"]),
    ({"segment": "hosting"}, ["beta"]),
    ({"currency": "USD"}, ["gamma", "beta"]),
    ({"currency": "eur"}, ["delta", "alpha"]),
    ({"payment_method": "card"}, ["gamma", "beta"]),
    ({"payment_method": "check"}, []),
    ({"status": "blocked"}, ["beta"]),
    ({"status": "active"}, ["delta", "alpha"]),
    ({"status": "inactive"}, ["gamma"]),
    ({"q": "alpha"}, ["alpha"]),
    ({"q": "HOSTING"}, ["beta"]),
    ({"q": "ops@beta"}, ["beta"]),
    ({"q": "erp-77"}, ["gamma"]),
    ({"q": "CRM-00"}, ["beta", "alpha"]),
    ({"q": "example"}, ["gamma", "beta", "alpha"]),
    ({"q": "100%"}, ["delta"]),
    ({"q": "%"}, ["delta"]),
    ({"q": "_"}, []),
    ({"segment": "isp", "currency": "USD"}, ["gamma"]),
    ({"payment_method": "card", "status": "blocked", "q": "beta"}, ["beta"]),
]


def test_list_filters(books: Any, directory: dict[str, int]) -> None:
    for params, expected in LIST_CASES:
        assert _names(books, directory, params) == expected, params


def test_text_search_ignores_the_case_of_accented_letters(books: Any) -> None:
    wanted = books.customer("École Dupont")["id"]
    books.customer("Ecole Martin")
    for q in ("École", "école", "ÉCOLE"):
        found = books.api.get("/v1/customers", params={"q": q}).json()["data"]
        assert [c["id"] for c in found] == [wanted], q


def test_listed_customers_read_like_get(books: Any) -> None:
    created = books.customer("Acme", segment="isp")
    (listed,) = books.api.get("/v1/customers").json()["data"]
    assert listed == created == books.get_customer(created["id"])


BAD_LIST_PARAMS: list[tuple[dict[str, Any], str]] = [
    ({"payment_method": "bitcoin"}, "payment_method"),
    ({"status": "deleted"}, "status"),
    ({"currency": "ZZZ"}, "currency"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": str(10**30)}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"starting_after": "abc"}, "starting_after"),
    ({"starting_after": "-5"}, "starting_after"),
    ({"starting_after": str(2**64)}, "starting_after"),
    ({"q": "x" * 201}, "q"),
    ({"q": "a\x00b"}, "q"),
]


def test_invalid_list_parameters_are_refused(books: Any) -> None:
    for params, field in BAD_LIST_PARAMS:
        r = books.api.get("/v1/customers", params=params)
        books.problem(r, 422, "invalid_input", field=field)


def test_cursor_pagination_walks_every_customer_once(books: Any) -> None:
    ids = [books.customer(f"Customer {n}")["id"] for n in range(7)]
    pages: list[list[int]] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = books.api.get("/v1/customers", params=params).json()
        pages.append([c["id"] for c in page["data"]])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        assert page["next_cursor"] == str(page["data"][-1]["id"])
        params = {"limit": 3, "starting_after": page["next_cursor"]}
    newest_first = sorted(ids, reverse=True)
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:]]
    # a page exactly full has no more after it
    page = books.api.get("/v1/customers", params={"limit": 7}).json()
    assert [c["id"] for c in page["data"]] == newest_first
    assert (page["has_more"], page["next_cursor"]) == (False, None)
    # a cursor past the end gives an empty page
    page = books.api.get("/v1/customers", params={"starting_after": str(min(ids))}).json()
    assert page == {"data": [], "has_more": False, "next_cursor": None}


def test_pagination_keeps_the_filters(books: Any) -> None:
    isp = [books.customer(f"ISP {n}", segment="isp")["id"] for n in range(3)]
    books.customer("Other", segment="hosting")
    isp.append(books.customer("ISP 3", segment="isp")["id"])
    first = books.api.get("/v1/customers", params={"segment": "isp", "limit": 2}).json()
    assert first["has_more"] is True
    second = books.api.get(
        "/v1/customers",
        params={"segment": "isp", "limit": 2, "starting_after": first["next_cursor"]},
    ).json()
    assert second["has_more"] is False
    walked = [c["id"] for c in first["data"] + second["data"]]
    assert walked == sorted(isp, reverse=True)


# -- change --------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(books: Any) -> None:
    created = books.customer(
        "Acme", email="a@acme.example", segment="isp", billing={"billing_day": 5}
    )
    r = books.api.patch(f"/v1/customers/{created['id']}", json={"name": "Acme Group"})
    assert r.status_code == 200, r.text
    assert r.json() == {**created, "name": "Acme Group"}
    assert books.get_customer(created["id"]) == r.json()


def test_patch_of_one_billing_setting_keeps_the_others(books: Any) -> None:
    created = books.customer(billing={"billing_day": 5, "period_months": 3})
    r = books.api.patch(f"/v1/customers/{created['id']}", json={"billing": {"billing_day": 20}})
    assert r.status_code == 200, r.text
    billing = r.json()["billing"]
    assert billing == {**SPEC_DEFAULTS, "billing_day": 20, "period_months": 3}


def test_patch_null_billing_setting_follows_the_default_again(books: Any) -> None:
    created = books.customer(billing={"billing_day": 5, "auto_settlement": False})
    r = books.api.patch(f"/v1/customers/{created['id']}", json={"billing": {"billing_day": None}})
    assert r.status_code == 200, r.text
    assert r.json()["billing"]["billing_day"] == 1
    assert r.json()["billing"]["auto_settlement"] is False
    assert "billing_day" in r.json()["billing_inherited"]
    assert "auto_settlement" not in r.json()["billing_inherited"]


def test_patch_of_every_detail(books: Any) -> None:
    created = books.customer("Acme")
    changes = {
        "external_ref": "CRM-9",
        "email": "new@acme.example",
        "segment": "enterprise",
        "payment_method": "check",
        "partner_id": 2,
        "locale": "de_DE",
        "status": "inactive",
        "billing_address": {"city": "Lyon", "country": "FR"},
    }
    r = books.api.patch(f"/v1/customers/{created['id']}", json=changes)
    assert r.status_code == 200, r.text
    for name, value in changes.items():
        if name != "billing_address":
            assert r.json()[name] == value, name
    assert r.json()["billing_address"]["city"] == "Lyon"
    assert r.json()["billing_address"]["country"] == "FR"
    found = books.api.get("/v1/customers", params={"status": "inactive"}).json()["data"]
    assert [c["id"] for c in found] == [created["id"]]


def test_currency_may_change_while_the_customer_has_no_entries(books: Any) -> None:
    created = books.customer("Acme", currency="EUR")
    r = books.api.patch(f"/v1/customers/{created['id']}", json={"currency": "JPY"})
    assert r.status_code == 200, r.text
    assert r.json()["currency"] == "JPY"
    assert books.balance(created["id"])["currency"] == "JPY"
    assert books.balance(created["id"])["balance"] == "0"


@pytest.mark.parametrize("posted", [False, True])
def test_currency_change_is_refused_once_the_customer_has_entries(books: Any, posted: bool) -> None:
    cid = books.customer("Acme", currency="EUR")["id"]
    books.line(cid, unit_price="10.00", bill_on_next_invoice=not posted, date="2025-01-10")
    before = books.snapshot(cid)
    r = books.api.patch(f"/v1/customers/{cid}", json={"currency": "USD", "name": "Renamed"})
    books.problem(r, 409, "invalid_state")
    assert books.snapshot(cid) == before
    same = books.api.patch(f"/v1/customers/{cid}", json={"currency": "EUR"})
    assert same.status_code == 200, same.text


BAD_PATCHES: list[tuple[dict[str, Any], str]] = [
    ({"billing": {"billing_day": 29}}, "billing.billing_day"),
    ({"billing": {"period_months": 4}}, "billing.period_months"),
    ({"name": None}, "name"),
    ({"currency": "EURO"}, "currency"),
    ({"status": None}, "status"),
    ({"email": "@"}, "email"),
    ({"colour": "red"}, "colour"),
]


def test_invalid_patch_changes_nothing(books: Any) -> None:
    created = books.customer("Acme", billing={"billing_day": 5})
    for changes, field in BAD_PATCHES:
        r = books.api.patch(f"/v1/customers/{created['id']}", json={"segment": "new", **changes})
        books.problem(r, 422, "invalid_input", field=field)
    assert books.get_customer(created["id"]) == created


def test_patch_to_an_external_ref_already_used_is_refused(books: Any) -> None:
    books.customer("First", external_ref="CRM-1")
    second = books.customer("Second", external_ref="CRM-2")
    r = books.api.patch(f"/v1/customers/{second['id']}", json={"external_ref": "CRM-1"})
    books.problem(r, 409, "duplicate_value", field="external_ref")
    assert books.get_customer(second["id"]) == second
    same = books.api.patch(f"/v1/customers/{second['id']}", json={"external_ref": "CRM-2"})
    assert same.status_code == 200, same.text


def test_credit_limit_decimals_follow_the_currency_on_patch(books: Any) -> None:
    cid = books.customer("Acme", currency="JPY")["id"]
    r = books.api.patch(f"/v1/customers/{cid}", json={"billing": {"credit_limit": "10.5"}})
    books.problem(r, 422, "invalid_input", field="billing.credit_limit")
    r = books.api.patch(f"/v1/customers/{cid}", json={"billing": {"credit_limit": "500"}})
    assert r.status_code == 200, r.text
    assert r.json()["billing"]["credit_limit"] == "500"


# -- unknown ids ---------------------------------------------------------------------------


def test_unknown_and_absurd_customer_ids_answer_404(books: Any) -> None:
    books.customer("Existing")
    for ident in ABSURD_IDS:
        for method, path, body in [
            ("GET", f"/v1/customers/{ident}", None),
            ("PATCH", f"/v1/customers/{ident}", {"name": "x"}),
            ("GET", f"/v1/customers/{ident}/balance", None),
            ("GET", f"/v1/customers/{ident}/transactions", None),
        ]:
            r = books.api.client.request(method, path, json=body, headers=books.api.headers())
            books.problem(r, 404, "not_found")


def test_an_id_that_is_not_a_number_is_invalid_input(books: Any) -> None:
    """A path id that is not an integer is malformed input (422 naming it), not a 500."""
    books.customer("Existing")
    for ident in ("abc", "1.5"):
        for method, path, body in [
            ("GET", f"/v1/customers/{ident}", None),
            ("PATCH", f"/v1/customers/{ident}", {"name": "x"}),
            ("GET", f"/v1/customers/{ident}/balance", None),
            ("GET", f"/v1/transactions/{ident}", None),
            ("GET", f"/v1/payments/{ident}", None),
        ]:
            r = books.api.client.request(method, path, json=body, headers=books.api.headers())
            books.problem(r, 422, "invalid_input")
            assert r.json()["errors"][0]["field"].endswith("_id")
