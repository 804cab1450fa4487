"""`solde events`: what happened, as kept in the event outbox that webhooks will deliver
(customer blocked, unblocked, deactivated, next block date moved, reminder due, invoice
overdue, ...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.cli.context import customer_id, print_json, unit_of_work
from solde.ledger.ports import MAX_PAGE

app = typer.Typer(help="Events kept for webhooks: list them.", no_args_is_help=True)


@app.command("list")
def list_(
    type_: Annotated[
        str | None, typer.Option("--type", help="One type, e.g. customer.blocked.")
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Customer id or external ref.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Rows of a page.")] = 20,
    starting_after: Annotated[
        int | None,
        typer.Option(min=1, max=2**63 - 1, help="Cursor: the last id of the previous page."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Events, newest first, optionally of one type or one customer."""
    with unit_of_work(write=False) as uow:
        cid = None
        if customer is not None:
            cid = customer_id(uow, customer)
            uow.customers.get(cid)  # an unknown customer is an error, not an empty list
        page = uow.events.search(
            type=type_, customer_id=cid, limit=limit, starting_after=starting_after
        )
    data = [views.event(e) for e in page.items]
    cursor = data[-1]["id"] if page.has_more and data else None
    if as_json:
        print_json({"data": data, "has_more": page.has_more, "next_cursor": cursor})
        return
    if not data:
        typer.echo("no event")
        return
    for e in data:
        typer.echo(_line(e))
    if cursor is not None:
        typer.echo(f"more: --starting-after {cursor}")


def _line(event: dict[str, Any]) -> str:
    """`5 2026-06-12 customer.blocked customer 1: balance=50.00, ...`: one event a line."""
    about = f"{event['object_type']} {event['object_id'] or ''}".strip()
    who = "" if event["customer_id"] is None else f" customer {event['customer_id']}"
    if about == f"customer {event['customer_id']}":
        about = ""
    head = (
        f"{event['id']} {event['occurred_on']} {event['type']}{who}{' ' + about if about else ''}"
    )
    details = _details(event)
    return f"{head}: {details}" if details else head


def _details(event: dict[str, Any]) -> str:
    """The plain values of an event's data, `name=value` by name, without what the line
    already says (the customer, the object, the date)."""
    said = {"customer_id", f"{event['object_type']}_id", "date"}
    return ", ".join(
        f"{name}={value}"
        for name, value in sorted(event["data"].items())
        if name not in said and value not in (None, "") and not isinstance(value, list | dict)
    )
