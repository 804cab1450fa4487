"""The FastAPI application: routes, errors as problems, idempotency keys."""

from __future__ import annotations

from fastapi import FastAPI

from solde import __version__
from solde.api import openapi, problems
from solde.api.idempotency import IdempotencyMiddleware
from solde.api.routes import (
    billing_runs,
    credit_notes,
    customers,
    dunning,
    events,
    exports,
    health,
    imports,
    invoice_groups,
    invoices,
    jobs,
    lists,
    payments,
    reports,
    services,
    settings,
    settlement,
    statements,
    transactions,
)
from solde.bootstrap import Container

DESCRIPTION = """
Customer balances: customers, debit and credit lines, payments and refunds, settlement;
invoices, proformas and credit notes, invoice groups and their bulk actions; services,
billing runs and the daily cycle; dunning (calendars, next block dates, reminders) and
events.

**Signs**: a balance is positive when the customer owes, negative when it has credit.
**Amounts** are strings in major units (`"120.00"`) with the currency beside them.
**Authentication**: `Authorization: Bearer <API key>` (create keys with `solde api-key create`).
**Errors** are `application/problem+json` (RFC 9457) with a stable `type` and, for invalid
input, the `errors` at fault. **Idempotency**: send `Idempotency-Key` on any POST to retry it
safely.
"""


def create_app(container: Container) -> FastAPI:
    """The API over `container`'s database."""
    app = FastAPI(
        title="solde",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.container = container
    openapi.install(app)
    problems.install(app, allowed_methods=openapi.AllowedMethods(app))
    app.add_middleware(IdempotencyMiddleware)
    app.include_router(health.router)
    app.include_router(customers.router)
    app.include_router(transactions.customer_router)
    app.include_router(transactions.router)
    app.include_router(payments.customer_router)
    app.include_router(payments.router)
    app.include_router(settlement.router)
    app.include_router(settings.router)
    app.include_router(reports.router)
    app.include_router(invoices.customer_router)
    app.include_router(invoices.router)
    app.include_router(credit_notes.invoice_router)
    app.include_router(credit_notes.router)
    app.include_router(invoice_groups.router)
    app.include_router(services.customer_router)
    app.include_router(services.router)
    app.include_router(billing_runs.router)
    app.include_router(jobs.router)
    app.include_router(dunning.customer_router)
    app.include_router(dunning.router)
    app.include_router(events.router)
    app.include_router(lists.router)
    app.include_router(statements.router)
    app.include_router(imports.router)
    app.include_router(exports.router)
    return app
