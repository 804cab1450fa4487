"""POST /v1/imports/{kind}: a CSV file as the raw body or a multipart upload; 200 with the
report, 422 listing every bad row's line and column with nothing kept, dry runs, roles,
Idempotency-Key, and the size limit (SPEC §13, §15)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from solde.storage.api_keys import Role
from solde.storage.tables import metadata

Api = Any  # the `api` fixture of tests/conftest.py

CUSTOMERS = (
    b"external_ref;name;currency;credit_limit;city\n"
    b"C1;Acme SARL;EUR;1 234,50;Paris\n"
    b"C2;Beta;EUR;;\n"
)
BAD = b"external_ref;name;currency;credit_limit\nC1;Acme;EUR;12,3,4\nC2;;EUR;\nC3;Gamma;EUR;1,234\n"


def everything(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the API keys and idempotency records."""
    found = {}
    with api.container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in ("api_keys", "idempotency_keys", "audit_log"):
                continue
            found[table.name] = [tuple(r) for r in connection.execute(select(table))]
    return found


def send(api: Api, kind: str, body: bytes, **kwargs: Any) -> Any:
    headers = {"Content-Type": "text/csv", **kwargs.pop("headers", {})}
    return api.post(f"/v1/imports/{kind}", content=body, headers=headers, **kwargs)


def test_a_raw_csv_body_imports_and_answers_the_report(api: Api) -> None:
    response = send(api, "customers", CUSTOMERS)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "customers",
        "dry_run": False,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "error_count": 0,
        "errors": [],
    }
    found = api.get("/v1/customers", params={"q": "C1"}).json()["data"]
    assert [(c["name"], c["billing"]["credit_limit"]) for c in found] == [("Acme SARL", "1234.50")]
    assert found[0]["billing_address"]["city"] == "Paris"


def test_a_multipart_upload_imports_the_file_field(api: Api) -> None:
    response = api.post(
        "/v1/imports/customers", files={"file": ("customers.csv", CUSTOMERS, "text/csv")}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    again = api.post(
        "/v1/imports/customers", files={"file": ("customers.csv", CUSTOMERS, "text/csv")}
    )
    assert (again.json()["created"], again.json()["skipped"]) == (0, 2)


def test_bad_rows_answer_422_with_every_line_and_column_and_keep_nothing(api: Api) -> None:
    before = everything(api)
    response = send(api, "customers", BAD)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:solde:problem:invalid_import"
    assert [(e["line"], e["column"], e["code"]) for e in body["report"]["errors"]] == [
        (2, "credit_limit", "not_a_number"),
        (3, "name", "required"),
        (4, "credit_limit", "ambiguous_number"),
    ]
    assert [e["field"] for e in body["errors"]] == [
        "rows[2].credit_limit",
        "rows[3].name",
        "rows[4].credit_limit",
    ]
    assert body["report"]["error_count"] == 3
    assert everything(api) == before


def test_a_dry_run_reports_what_it_would_do_and_keeps_nothing(api: Api) -> None:
    before = everything(api)
    response = send(api, "customers", CUSTOMERS, params={"dry_run": "true"})
    assert response.status_code == 200
    assert (response.json()["dry_run"], response.json()["created"]) == (True, 2)
    assert everything(api) == before


def test_transactions_and_balances_change_the_balance_once(api: Api, books: Any) -> None:
    customer = books.customer(external_ref="K1")
    transactions = (
        b"customer,external_ref,type,label,date,amount,tax_rate,bill_on_next_invoice\n"
        b'K1,T1,charge,Setup,01/03/2026,"100,00",20,no\n'
        b"K1,T2,payment,,02/03/2026,50,,\n"
    )
    first = send(api, "transactions", transactions)
    assert first.status_code == 200, first.text
    assert send(api, "transactions", transactions).json()["skipped"] == 2
    opening = b"customer;amount;date\nK1;-20,00;01/01/2026\n"
    assert send(api, "balances", opening).json()["created"] == 1
    assert send(api, "balances", opening).json()["skipped"] == 1
    assert books.balance(customer["id"])["balance"] == "50.00"  # 120 - 50 - 20
    refs = sorted(t["external_ref"] for t in books.txs(customer["id"]))
    assert refs == ["T1", "T2", "opening-balance"]


def test_an_unknown_kind_is_404(api: Api) -> None:
    response = send(api, "invoices", CUSTOMERS)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_viewer_may_not_import_but_billing_may(api: Api) -> None:
    viewer = send(api, "customers", CUSTOMERS, key=api.key_for(Role.VIEWER))
    assert viewer.status_code == 403
    billing = send(api, "customers", CUSTOMERS, key=api.key_for(Role.BILLING))
    assert billing.status_code == 200


def test_the_same_idempotency_key_replays_the_first_report(api: Api) -> None:
    headers = {"Idempotency-Key": "import-1"}
    first = send(api, "customers", CUSTOMERS, headers=headers)
    second = send(api, "customers", CUSTOMERS, headers=headers)
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    other = send(api, "customers", BAD, headers=headers)
    assert other.status_code == 409


def test_a_file_over_the_limit_is_413(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from solde.api.routes import imports as route

    monkeypatch.setattr(route, "MAX_BYTES", 10)
    response = send(api, "customers", b"external_ref\n" + b"x" * 100_000)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_an_empty_or_binary_body_is_422_never_500(api: Api) -> None:
    for body in (b"", b"\x00\xff\xfe\x00garbage", b"\xff\xfe" + "a,b".encode("utf-16-le")):
        response = send(api, "transactions", body)
        assert response.status_code == 422, response.text


def test_the_openapi_document_describes_the_import(api: Api) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/v1/imports/{kind}"]["post"]
    assert set(operation["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}
    assert {"200", "413", "422", "403"} <= set(operation["responses"])
