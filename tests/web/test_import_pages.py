"""The Import page: choose what the file holds, upload it, check it (the default) and read every
bad row with its line, column and message, then import the same file for real from the page;
a file imported twice creates nothing twice; only writers import; a form without its CSRF
token, a file too large, of another encoding or of garbage is refused with a message and
changes nothing.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest
from webclient import Web
from webhtml import Node, field_error, flash, parse, snapshot

from solde.ledger import usecases as ledger
from solde.storage.api_keys import Role
from solde.web.routes import imports as imports_module

GOOD = (
    b"external_ref;name;email;currency;payment_method;credit_limit;billing_day\n"
    b"ACME-1;Acme SARL;billing@acme.example;EUR;sepa_debit;1 500,25;10\n"
    b"BETA-7;Beta GmbH;;USD;bank_transfer;;\n"
)
BAD = (
    b"external_ref;name;currency;credit_limit;billing_day\n"
    b"OK-1;Fine;EUR;;\n"
    b"BAD-1;Wrong currency;EURO;;\n"
    b"BAD-2;Bad limit;EUR;12,34,5;31\n"
)


def send(
    web: Web,
    data: bytes | None,
    *,
    kind: str = "customers",
    dry_run: bool = True,
    extra: dict[str, str] | None = None,
    csrf: str | None = None,
    filename: str = "file.csv",
) -> Any:
    fields = {"csrf_token": web.csrf if csrf is None else csrf, "kind": kind, **(extra or {})}
    if dry_run:
        fields["dry_run"] = "true"
    # a browser sends the file input even when no file is chosen (no name, no bytes)
    files = {"file": (filename, data, "text/csv") if data is not None else ("", b"", "")}
    return web.client.post("/imports", data=fields, files=files, follow_redirects=False)


def error_rows(doc: Node) -> list[list[str]]:
    table = doc.find(**{"data-testid": "import-errors"})
    if table is None:
        return []
    return [[td.text for td in tr.find_all("td")] for tr in table.one("tbody").find_all("tr")]


def customers_by_ref(web: Web) -> dict[str, Any]:
    with web.container.uow(actor="test", write=False) as uow:
        found = ledger.list_customers(uow, ledger.CustomerQuery(limit=100)).items
    return {c.details.external_ref: c for c in found}


def test_the_page_offers_every_kind_checks_only_by_default_and_lists_the_columns(
    web: Web,
) -> None:
    doc = parse(web.page("/imports"))
    form = doc.testid("import-form")
    assert form.get("enctype") == "multipart/form-data"
    options = [o.get("value") for o in form.one("select").find_all("option")]
    assert options == ["customers", "services", "transactions", "balances"]
    assert form.one("input", name="dry_run").has("checked")
    assert form.one("input", name="csrf_token").get("value") == web.csrf
    required = doc.by_id("columns-customers").parent
    assert required is not None
    assert "Required: external_ref" in doc.text


def test_a_file_with_bad_rows_lists_each_with_its_line_and_column_and_keeps_nothing(
    web: Web,
) -> None:
    before = snapshot(web.container)
    for dry_run in (True, False):
        response = send(web, BAD, dry_run=dry_run, filename="mixed.csv")
        assert response.status_code == 422
        doc = parse(response.text)
        report = doc.testid("import-report")
        assert report.one("h2").text.startswith("2 errors in mixed.csv: nothing was imported")
        rows = error_rows(doc)
        assert [r[:2] for r in rows] == [["3", "currency"], ["4", "credit_limit"]]
        assert all(r[2] for r in rows)  # a plain message each
        assert doc.find(**{"data-testid": "import-again"}) is None
        # what was chosen stays chosen
        assert doc.by_id("f-kind").find("option", selected=True).get("value") == "customers"
        assert doc.one("input", name="dry_run").has("checked") is dry_run
    assert snapshot(web.container) == before


def test_a_clean_check_keeps_nothing_then_imports_the_same_file_from_the_page(
    web: Web,
) -> None:
    before = snapshot(web.container)
    response = send(web, GOOD, filename="customers.csv")
    assert response.status_code == 200
    doc = parse(response.text)
    report = doc.testid("import-report")
    assert report.one("h2").text == "Check passed: customers.csv"
    counts = {n: report.testid(f"count-{n}").text for n in ("rows", "created", "updated")}
    assert counts == {"rows": "2", "created": "2", "updated": "0"}
    assert snapshot(web.container) == before  # a check keeps nothing

    again = doc.testid("import-again")
    values = {i.get("name"): i.get("value") for i in again.find_all("input", type="hidden")}
    assert base64.b64decode(values["content"]) == GOOD
    assert values["kind"] == "customers"
    assert values["csrf_token"] == web.csrf
    response = web.client.post(
        "/imports", data=values, files={"file": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text[:1000]
    assert response.headers["location"] == "/imports"
    message = flash(parse(web.page("/imports")))
    assert message == (
        "customers.csv imported (customers): 2 rows, 2 created, 0 updated, 0 unchanged."
    )
    found = customers_by_ref(web)
    assert set(found) == {"ACME-1", "BETA-7"}
    acme = found["ACME-1"]
    assert acme.name == "Acme SARL"
    assert acme.currency == "EUR"
    assert acme.details.billing.credit_limit == Decimal("1500.25")
    assert found["BETA-7"].currency == "USD"

    # the same file again creates nothing: both rows are already there
    response = send(web, GOOD, dry_run=False, filename="customers.csv")
    assert response.status_code == 303
    assert flash(parse(web.page("/imports"))) == (
        "customers.csv imported (customers): 2 rows, 0 created, 0 updated, 2 unchanged."
    )
    assert len(customers_by_ref(web)) == 2


def test_only_writers_import(web: Web) -> None:
    viewer = web.as_role(Role.VIEWER)
    assert viewer.get("/imports").status_code == 403
    before = snapshot(web.container)
    response = send(viewer, GOOD, dry_run=False)
    assert response.status_code == 403
    assert "may look at everything but change nothing" in response.text
    assert snapshot(web.container) == before
    billing = web.as_role(Role.BILLING)
    assert send(billing, GOOD, dry_run=False).status_code == 303
    assert len(customers_by_ref(web)) == 2


def test_a_form_without_its_csrf_token_changes_nothing(web: Web) -> None:
    before = snapshot(web.container)
    for token in ("", "forged"):
        response = send(web, GOOD, dry_run=False, csrf=token)
        assert response.status_code == 403
    assert snapshot(web.container) == before


@pytest.mark.parametrize(
    ("data", "extra", "field", "message"),
    [
        (None, {}, "file", "choose a CSV file"),
        (b"", {}, "file", "choose a CSV file"),
        (GOOD, {"kind": "invoices"}, "kind", "choose what the file holds"),
        (None, {"content": "not base64 !!"}, "file", "the file kept by the page is damaged"),
    ],
)
def test_a_missing_or_damaged_file_or_kind_is_named_in_the_form(
    web: Web, data: bytes | None, extra: dict[str, str], field: str, message: str
) -> None:
    before = snapshot(web.container)
    fields = dict(extra)  # the parameters are shared by both databases' runs: never change them
    kind = fields.pop("kind", "customers")
    response = send(web, data, kind=kind, extra=fields)
    assert response.status_code == 422
    error = field_error(parse(response.text), field)
    assert error is not None
    assert error.startswith(message)
    assert snapshot(web.container) == before


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "external_ref;name\nLATIN-1;Société Générale\n".encode("latin-1"),
        b"name\nNo key\n",
        b"external_ref;name\n" + b"X" * 100_000 + b";Huge\n",
        b"external_ref;name\nA;One\nA;Twice\n",
        b"\n\n\n",
        b'external_ref;name\n"unterminated;quote\n',
    ],
)
def test_bad_files_are_reported_never_fail_and_keep_nothing(web: Web, data: bytes) -> None:
    before = snapshot(web.container)
    for dry_run in (True, False):
        response = send(web, data, dry_run=dry_run)
        assert response.status_code in (200, 422), response.text[:500]
        doc = parse(response.text)
        if response.status_code == 422:
            rows = error_rows(doc)
            assert rows, response.text[:2000]
    assert snapshot(web.container) == before


def test_a_file_over_the_limit_is_refused_with_the_way_to_import_it(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports_module, "WEB_MAX_BYTES", 1000)
    before = snapshot(web.container)
    response = send(web, GOOD + b"ROW;x\n" * 200)
    assert response.status_code == 422
    error = field_error(parse(response.text), "file")
    assert error is not None
    assert "solde import" in error
    assert snapshot(web.container) == before


def test_a_post_that_is_not_a_form_is_refused(web: Web) -> None:
    before = snapshot(web.container)
    response = web.client.post(
        "/imports",
        content=GOOD,
        headers={"Content-Type": "text/csv", "X-CSRF-Token": web.csrf},
        follow_redirects=False,
    )
    assert response.status_code == 415
    assert "text/html" in response.headers["content-type"]
    assert snapshot(web.container) == before


def test_the_checked_file_may_come_back_in_a_plain_form(web: Web) -> None:
    content = base64.b64encode(GOOD).decode("ascii")
    response = web.post("/imports", {"kind": "customers", "content": content})
    assert response.status_code == 303
    assert set(customers_by_ref(web)) == {"ACME-1", "BETA-7"}


def test_transactions_name_the_line_and_column_of_each_fault(web: Web) -> None:
    cid = web.book.customer("Ada", external_ref="ADA")
    text = (
        b"customer;external_ref;type;label;unit_price;date\n"
        b"ADA;T-1;charge;Setup;12,50;2026-06-01\n"
        b"NOBODY;T-2;charge;Setup;1;2026-06-01\n"
        b"ADA;T-3;charge;Setup;abc;2026-06-31\n"
    )
    response = send(web, text, kind="transactions")
    assert response.status_code == 422
    rows = error_rows(parse(response.text))
    places = [r[:2] for r in rows]
    assert ["3", "customer"] in places
    assert ["4", "unit_price"] in places
    assert ["4", "date"] in places
    assert all(r[0] != "2" for r in rows)
    good = text.split(b"\n")[:2]
    response = send(web, b"\n".join(good) + b"\n", kind="transactions", dry_run=False)
    assert response.status_code == 303
    assert web.book.newest(cid).external_ref == "T-1"
