"""A customer's services: add one, change it, end it.

The services themselves are listed on the customer page (`customers.customer_context`). Ending
a service inside days already billed gives those days back as an unbilled credit line for the
next invoice; the message says so, and the line shows among the customer's unbilled lines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde import views
from solde.billing import subscriptions
from solde.ledger import usecases
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web import service_forms as forms
from solde.web.actions import Outcome, Screen, form_page, submit
from solde.web.context import Viewer, object_id, signed_in, writer
from solde.web.formatting import Format
from solde.web.forms import Form, Reader
from solde.web.labels import SERVICE_STATUS_LABELS

router = APIRouter()


def services_of(uow: SqlUnitOfWork, customer_id: int, today: date) -> list[dict[str, Any]]:
    """The customer's services for its page, each with its status today."""
    return [
        {"service": s, "status": views.service_status(s, today)}
        for s in subscriptions.list_services(uow, customer_id)
    ]


def _service_screen(uow: SqlUnitOfWork, template: str, service_id: int) -> Screen:
    service = subscriptions.get_service(uow, object_id(service_id, "service"))
    customer = usecases.get_customer(uow, service.customer_id)
    today = Viewer.today(uow)
    context = {
        "customer": customer,
        "service": service,
        "service_status": views.service_status(service, today),
        "statuses": SERVICE_STATUS_LABELS,
    }
    return Screen(template, f"/customers/{customer.id}", context)


def _new_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    context = {"customer": customer, "service": None, "statuses": SERVICE_STATUS_LABELS}
    return Screen("services/form.html", f"/customers/{customer.id}", context)


# -- add ------------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/services/new", include_in_schema=False)
def new_service_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form of a new service: description, price per billing period, dates."""
    return form_page(
        request,
        viewer,
        lambda uow: _new_screen(uow, customer_id),
        lambda uow, _screen: forms.blank(viewer.today(uow)),
    )


@router.post("/customers/{customer_id}/services/new", include_in_schema=False)
def add_service(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Give the customer the service: the next recurring invoice bills it from its start."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        forms.new_values(reader)
        made = reader.run(lambda v: subscriptions.add_service(uow, customer_id, v, on=today))
        return Outcome(f"Service {made.description} added.")

    return submit(request, posted, lambda uow: _new_screen(uow, customer_id), act)


# -- edit -----------------------------------------------------------------------------------


@router.get("/services/{service_id}/edit", include_in_schema=False)
def edit_service_form(
    request: Request, service_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """A service, ready to change."""

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        currency = screen.context["customer"].currency
        return forms.as_typed(screen.context["service"], currency, viewer.format(uow))

    return form_page(
        request,
        viewer,
        lambda uow: _service_screen(uow, "services/form.html", service_id),
        initial,
    )


@router.post("/services/{service_id}/edit", include_in_schema=False)
def edit_service(
    request: Request, service_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Save what changed: a new price applies to the days not billed yet."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        service = subscriptions.get_service(uow, service_id)
        currency = usecases.get_customer(uow, service.customer_id).currency
        forms.changes(reader, service, currency)
        if not reader.values and not reader.faults:
            return Outcome("Nothing changed.")
        change = reader.run(lambda v: subscriptions.change_service(uow, service.id, v, on=today))
        message = forms.credit_message(change.credit_lines, Format(reader.locale))
        return Outcome("Service saved." + message)

    return submit(
        request, posted, lambda uow: _service_screen(uow, "services/form.html", service_id), act
    )


# -- end ------------------------------------------------------------------------------------


@router.get("/services/{service_id}/end", include_in_schema=False)
def end_service_form(
    request: Request, service_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """End a service on a day (today unless changed)."""

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        end = screen.context["service"].end_date or viewer.today(uow)
        return Form({"end_date": end.isoformat()})

    return form_page(
        request, viewer, lambda uow: _service_screen(uow, "services/end.html", service_id), initial
    )


@router.post("/services/{service_id}/end", include_in_schema=False)
def end_service(
    request: Request, service_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """End the service: it is billed up to its last day; days already billed after it come
    back as an unbilled credit line."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        service = subscriptions.get_service(uow, service_id)
        forms.end_values(reader)
        change = reader.run(lambda v: subscriptions.change_service(uow, service.id, v, on=today))
        saved, fmt = change.service, Format(reader.locale)
        assert saved.end_date is not None
        message = f"Service {saved.description} ends on {fmt.date(saved.end_date)}."
        return Outcome(message + forms.credit_message(change.credit_lines, fmt))

    return submit(
        request, posted, lambda uow: _service_screen(uow, "services/end.html", service_id), act
    )
