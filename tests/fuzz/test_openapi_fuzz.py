"""A schemathesis run against the API's own OpenAPI document (SPEC §15).

Every operation of `/openapi.json` gets generated requests, valid and malformed, sent in-process
through ASGI with an admin API key, on SQLite and on PostgreSQL. A request fails the run when
the answer is a 5xx or does not match the document: a status code it does not list, a
content type it does not declare, a body or header that does not match its schema, malformed
input accepted, an endpoint that answers without a key, or a 405 whose `Allow` header does not
list the methods the path supports (RFC 9110). "Schema-valid input rejected" is
not checked: the domain refuses more than the JSON schema says (a billing day of 29, a currency
that is not ISO 4217), with a 422 the SPEC asks for.

Each test (one operation on one database) starts from an empty database seeded with a few
customers, transactions, services, billing runs, a reminder, a dunning block and a moved next
block date; path ids are drawn from the seeded ones half the time, and the document gets
realistic request examples, so that requests reach real objects and real postings and not
only 404s and 422s. Generation is derandomised: a run is repeatable.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks

from solde import runs
from solde.api.app import create_app
from solde.billing import subscriptions
from solde.bootstrap import Config, Container, today
from solde.dunning import usecases as dunning
from solde.dunning.rules import Action
from solde.ledger import usecases
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role

pytestmark = pytest.mark.slow

#: Generated requests per operation in the fuzzing phase (the examples and coverage phases
#: add their own, bounded by the document).
MAX_EXAMPLES = 15
#: Ids the seed creates (customers 1-5, transactions 1-7, services 1-2, billing runs 1-2) and
#: one just beyond them.
KNOWN_IDS = st.integers(min_value=1, max_value=8)

# The schema is loaded at import and its tests are made by `schema.parametrize()`: the lazy
# `schemathesis.pytest.from_fixture` does not run under pytest 9 (it sets `Function._nodeid`).
# The application under test. Its OpenAPI document does not depend on the database, and its
# routes find the database through `app.state.container` on every request, so each test points
# this one application at its own seeded database (fixture `seeded_api`).
_PLACEHOLDER = Container(Config("sqlite://"))
APP = create_app(_PLACEHOLDER)

# Seeded objects (ids are the same on both databases: they start from an empty one).
ADA, BOB = 1, 2  # Ada settles automatically, Bob does not
ADA_CHARGE, ADA_PAYMENT = 1, 2  # charge 30.00, partly paid by the payment of 20.00
BOB_PENDING, BOB_LINE, BOB_DEBIT, BOB_PAYMENT = 3, 4, 5, 6
# Dee subscribes to a service that January's run invoiced (transaction 7) and February's
# preview drafted again; Eve's service is too large to invoice: she is parked in both.
DEE, EVE = 4, 5
DEE_SERVICE, EVE_SERVICE = 1, 2
JANUARY_RUN, FEBRUARY_PREVIEW = 1, 2
DEE_INVOICE = 7
# Dunning: Dee's January invoice (due 15 January 2025) got its first reminder on 4 January and
# she is blocked; Bob's next block date was moved a month ahead (once in this billing period).
DEE_REMINDER = 1
#: A next block date the API accepts: from its today (UTC) to a year later.
IN_A_WEEK = (today("UTC") + timedelta(days=7)).isoformat()

#: Realistic request examples, per operation: path parameters and bodies.
EXAMPLES: dict[tuple[str, str], tuple[dict[str, int], list[Any]]] = {
    ("post", "/v1/customers"): (
        {},
        [
            {
                "name": "Dora Diaz",
                "email": "dora@example.com",
                "currency": "EUR",
                "billing": {"billing_day": 10, "auto_settlement": False, "credit_limit": "50.00"},
            }
        ],
    ),
    ("patch", "/v1/customers/{customer_id}"): (
        {"customer_id": ADA},
        [{"segment": "pro", "billing": {"payment_due_days": 30}}],
    ),
    ("post", "/v1/customers/{customer_id}/transactions"): (
        {"customer_id": ADA},
        [
            {
                "kind": "debit",
                "type": "charge",
                "label": "Setup fee",
                "unit_price": "12.50",
                "tax_rate": "20",
                "bill_on_next_invoice": False,
            }
        ],
    ),
    ("patch", "/v1/transactions/{transaction_id}"): (
        {"transaction_id": BOB_LINE},
        [{"label": "Extra router", "unit_price": "7.00", "quantity": "2"}],
    ),
    ("delete", "/v1/transactions/{transaction_id}"): ({"transaction_id": BOB_LINE}, []),
    ("post", "/v1/transactions/{transaction_id}/reverse"): (
        {"transaction_id": ADA_CHARGE},
        [{"reason": "charged twice"}],
    ),
    ("post", "/v1/customers/{customer_id}/payments"): (
        {"customer_id": ADA},
        [{"amount": "12.30", "method": "card", "reference": "PAY-1"}],
    ),
    ("get", "/v1/payments/{payment_id}"): ({"payment_id": ADA_PAYMENT}, []),
    ("post", "/v1/payments/{payment_id}/confirm"): ({"payment_id": BOB_PENDING}, [{}]),
    ("post", "/v1/payments/{payment_id}/fail"): (
        {"payment_id": BOB_PENDING},
        [{"reason": "insufficient funds", "fee": "2.50"}],
    ),
    ("post", "/v1/payments/{payment_id}/chargeback"): (
        {"payment_id": ADA_PAYMENT},
        [{"amount": "5.00", "fee": "1.00", "reason": "disputed"}],
    ),
    ("post", "/v1/customers/{customer_id}/allocations"): (
        {"customer_id": BOB},
        [{"credit_id": BOB_PAYMENT, "debit_id": BOB_DEBIT, "amount": "10.00"}],
    ),
    ("post", "/v1/customers/{customer_id}/settle"): ({"customer_id": BOB}, []),
    ("post", "/v1/customers/{customer_id}/services"): (
        {"customer_id": ADA},
        [{"description": "Fibre 1 Gb", "unit_price": "29.90", "tax_rate": "20"}],
    ),
    ("get", "/v1/customers/{customer_id}/services"): ({"customer_id": DEE}, []),
    ("get", "/v1/services/{service_id}"): ({"service_id": DEE_SERVICE}, []),
    ("patch", "/v1/services/{service_id}"): (
        {"service_id": DEE_SERVICE},
        [{"end_date": "2025-01-20"}, {"unit_price": "35.00", "quantity": "2"}],
    ),
    ("post", "/v1/billing-runs"): ({}, [{"date": "2025-03-01", "preview": True}]),
    ("get", "/v1/billing-runs/{run_id}"): ({"run_id": JANUARY_RUN}, []),
    ("get", "/v1/billing-runs/{run_id}/customers"): ({"run_id": JANUARY_RUN}, []),
    ("get", "/v1/billing-runs/{run_id}/comparison"): ({"run_id": FEBRUARY_PREVIEW}, []),
    ("post", "/v1/billing-runs/{run_id}/confirm"): ({"run_id": FEBRUARY_PREVIEW}, []),
    ("delete", "/v1/billing-runs/{run_id}"): ({"run_id": FEBRUARY_PREVIEW}, []),
    ("post", "/v1/billing-runs/{run_id}/retry"): ({"run_id": JANUARY_RUN}, []),
    ("post", "/v1/jobs/daily"): ({}, [{"date": "2025-03-01"}]),
    ("get", "/v1/customers/{customer_id}/dunning"): ({"customer_id": DEE}, []),
    ("put", "/v1/customers/{customer_id}/next-block-date"): (
        {"customer_id": ADA},
        [{"date": IN_A_WEEK, "reason": "promised to pay by transfer"}, {"date": None}],
    ),
    ("get", "/v1/customers/{customer_id}/reminders"): ({"customer_id": DEE}, []),
    ("put", "/v1/settings"): (
        {},
        [
            {
                "dunning": {
                    "holiday_country": "DE",
                    "holiday_subdivision": "BY",
                    "holidays": ["2025-12-24"],
                    "reminder_offsets": [3, 7, 14],
                    "reminder_fees": {"EUR": ["0", "5.00", "10.00"]},
                }
            }
        ],
    ),
}


def _document() -> dict[str, Any]:
    """The document `/openapi.json` serves, with the request examples above added to it."""
    document = copy.deepcopy(APP.openapi())
    for (method, path), (parameters, bodies) in EXAMPLES.items():
        operation = document["paths"][path][method]
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] in parameters:
                parameter["example"] = parameters[parameter["name"]]
        if bodies:
            media = operation["requestBody"]["content"]["application/json"]
            media["examples"] = {f"example{n}": {"value": b} for n, b in enumerate(bodies)}
    return document


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260310,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            # unknown query parameters are ignored, as most HTTP APIs do; not a defect
            "allow-extra-parameters": False,
        },
    }
)
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)
schema.app = APP


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half of the generated ids name seeded objects, so that requests reach real ones."""
    ids = [
        name
        for name, value in (path_parameters or {}).items()
        if isinstance(value, int) and not isinstance(value, bool)
    ]
    if not ids:
        return st.just(path_parameters)
    known = st.fixed_dictionaries(dict.fromkeys(ids, KNOWN_IDS))
    return st.one_of(
        st.just(path_parameters), known.map(lambda drawn: {**path_parameters, **drawn})
    )


def _seed(container: Container) -> None:
    """Five customers and six transactions: open and closed, pending, unbilled, unsettled; two
    services, a billing run with an invoice and a parked customer, and a preview."""
    with container.uow(actor="test:seed") as uow:
        day = today(uow.settings.get().timezone)
        usecases.create_customer(uow, {"name": "Ada Lovelace", "currency": "EUR"})
        usecases.create_customer(
            uow, {"name": "Bob Bell", "currency": "EUR", "billing": {"auto_settlement": False}}
        )
        usecases.create_customer(uow, {"name": "Cyd Charisse", "currency": "JPY"})
        posted = {"bill_on_next_invoice": False}
        charge = {"kind": "debit", "type": "charge", "label": "Installation", **posted}
        settlement.add_entry(uow, ADA, {**charge, "unit_price": "30.00"}, on=day)
        settlement.record_payment(uow, ADA, {"amount": "20.00"}, on=day)
        settlement.record_payment(uow, BOB, {"amount": "15.00", "status": "pending"}, on=day)
        line = {"kind": "debit", "type": "charge", "label": "Router", "unit_price": "5.00"}
        settlement.add_entry(uow, BOB, line, on=day)
        debit = {"kind": "debit", "type": "adjustment", "label": "Correction", **posted}
        settlement.add_entry(uow, BOB, {**debit, "unit_price": "40.00"}, on=day)
        settlement.record_payment(uow, BOB, {"amount": "25.00"}, on=day)
        seeded = {
            tx.id: (tx.customer_id, tx.type.value, tx.state.value)
            for tx in (uow.transactions.get(tx_id) for tx_id in range(1, 7))
        }
        uow.commit()
    # the examples of the document name these ids
    assert seeded == {
        ADA_CHARGE: (ADA, "charge", "open"),
        ADA_PAYMENT: (ADA, "payment", "closed"),
        BOB_PENDING: (BOB, "payment", "pending"),
        BOB_LINE: (BOB, "charge", "unbilled"),
        BOB_DEBIT: (BOB, "adjustment", "open"),
        BOB_PAYMENT: (BOB, "payment", "open"),
    }
    _seed_billing(container)
    _seed_dunning(container)


def _seed_billing(container: Container) -> None:
    """Dee's and Eve's services, January's run and February's preview (fixed past dates)."""
    with container.uow(actor="test:seed") as uow:
        day = today(uow.settings.get().timezone)
        for name in ("Dee Dee", "Eve Arden"):
            usecases.create_customer(uow, {"name": name, "currency": "EUR"})
        service = {"description": "Fibre", "start_date": "2025-01-01"}
        subscriptions.add_service(uow, DEE, {**service, "unit_price": "30.00"}, on=day)
        huge = {"unit_price": "999999999", "quantity": "999999999"}
        subscriptions.add_service(uow, EVE, {**service, **huge}, on=day)
        uow.commit()
    january = runs.run_billing(container, {"date": "2025-01-01"}, actor="test:seed", on=day)
    february = {"date": "2025-02-01", "preview": True}
    preview = runs.run_billing(container, february, actor="test:seed", on=day)
    with container.uow(actor="test:seed", write=False) as uow:
        made = {run.id: dict(uow.runs.progress(run.id).counts) for run in (january, preview)}
        invoice = uow.transactions.get(DEE_INVOICE)
    assert made == {
        JANUARY_RUN: {"invoiced": 1, "skipped": 3, "parked": 1},
        FEBRUARY_PREVIEW: {"drafted": 1, "skipped": 3, "parked": 1},
    }, made
    assert (invoice.customer_id, invoice.type.value) == (DEE, "invoice")


def _seed_dunning(container: Container) -> None:
    """Dee's first reminder and her block; Bob's next block date moved a month ahead."""
    with container.uow(actor="test:seed") as uow:
        day = today(uow.settings.get().timezone)
        sent = dunning.remind(uow, DEE, date(2025, 1, 4))
        moved = {"date": (day + timedelta(days=30)).isoformat(), "reason": "seed"}
        dunning.set_next_block_date(uow, BOB, moved, on=day)
        uow.commit()
    with container.uow(actor="test:seed") as uow:
        action = dunning.review(uow, DEE, day)
        uow.commit()
    with container.uow(actor="test:seed", write=False) as uow:
        told = [(e.type, e.customer_id) for e in uow.events.search(limit=10).items]
    assert sent is not None
    assert (sent.id, action) == (DEE_REMINDER, Action.BLOCK)
    assert told == [
        ("customer.blocked", DEE),
        ("customer.next_block_date_set", BOB),
        ("reminder.due", DEE),
    ], told


@pytest.fixture
def seeded_api(container: Container) -> Iterator[dict[str, str]]:
    """Point the application at a seeded database; the headers of an admin key."""
    _seed(container)
    _key, secret = container.api_keys.create(name="fuzz admin", role=Role.ADMIN)
    APP.state.container = container
    yield {"Authorization": f"Bearer {secret}"}
    APP.state.container = _PLACEHOLDER


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_document(
    case: schemathesis.Case, seeded_api: dict[str, str]
) -> None:
    case.call_and_validate(headers=seeded_api, excluded_checks=[checks.positive_data_acceptance])
