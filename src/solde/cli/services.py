"""`solde service`: give a customer a service, list, show, change and end it (SPEC §8).

A service bills `quantity × unit_price` per billing period of its customer, from its start date
to its end date. Ending a service inside days already billed in advance gives those days back
as an unbilled credit line for the next invoice; `end` and `update` print it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.billing import subscriptions
from solde.billing.services import Service
from solde.cli.context import (
    business_today,
    customer_id,
    given,
    print_fields,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.errors import InvalidInput
from solde.storage.unit_of_work import SqlUnitOfWork

app = typer.Typer(
    help="A customer's services (subscriptions): add, list, show, update, end.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ServiceArg = Annotated[int, typer.Argument(help="Id of the service.")]
DescriptionOpt = Annotated[str | None, typer.Option(help="What the invoice line says.")]
UnitPriceOpt = Annotated[
    str | None, typer.Option(help="Per billing period, excluding tax, up to 6 decimals.")
]
QuantityOpt = Annotated[str | None, typer.Option(help="Default 1.")]
TaxRateOpt = Annotated[str | None, typer.Option(help="Percent, e.g. 20 or 5.5 (default 0).")]
StartOpt = Annotated[str | None, typer.Option("--start", help="First day billed, YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last day billed, YYYY-MM-DD.")]


def _viewed(uow: SqlUnitOfWork, service: Service) -> dict[str, Any]:
    currency = uow.customers.get(service.customer_id).currency
    return views.service(service, currency, business_today(uow))


def _say(data: dict[str, Any], verb: str) -> None:
    end = f" to {data['end_date']}" if data["end_date"] else ""
    typer.echo(
        f"{verb} service {data['id']} of customer {data['customer_id']}: {data['description']},"
        f" {data['quantity']} × {data['unit_price']} {data['currency']} per period"
        f" (tax {data['tax_rate']}%), from {data['start_date']}{end} ({data['status']})"
    )


# -- commands --------------------------------------------------------------------------------


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    description: Annotated[str, typer.Option(help="What the invoice line says.")],
    unit_price: Annotated[
        str, typer.Option(help="Per billing period, excluding tax, up to 6 decimals.")
    ],
    quantity: QuantityOpt = None,
    tax_rate: TaxRateOpt = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First day billed (default today).")
    ] = None,
    end: EndOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give a customer a service; the next recurring invoice bills it from its start date."""
    values = given(
        description=description, unit_price=unit_price, quantity=quantity, tax_rate=tax_rate,
        start_date=start, end_date=end,
    )  # fmt: skip
    with unit_of_work() as uow:
        cid = customer_id(uow, customer)
        service = subscriptions.add_service(uow, cid, values, on=business_today(uow))
        data = _viewed(uow, service)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        _say(data, "added")


@app.command("list")
def list_(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    as_json: JsonOpt = False,
) -> None:
    """A customer's services, ended ones included, with how far each is billed."""
    with unit_of_work(write=False) as uow:
        cid = customer_id(uow, customer)
        found = subscriptions.list_services(uow, cid)
        data = [_viewed(uow, s) for s in found]
    if as_json:
        print_json({"data": data})
        return
    print_table(
        None,
        ["id", "description", "price", "start", "end", "billed to", "status"],
        [
            [
                d["id"],
                d["description"],
                _price(d),
                d["start_date"],
                d["end_date"],
                d["billed_through"],
                d["status"],
            ]
            for d in data
        ],
        right=["id", "price"],
    )


def _price(data: dict[str, Any]) -> str:
    """`60.00`, or `2 × 60.00` for a quantity other than 1."""
    if data["quantity"] == "1":
        return str(data["unit_price"])
    return f"{data['quantity']} × {data['unit_price']}"


@app.command("show")
def show(service_id: ServiceArg, as_json: JsonOpt = False) -> None:
    """A service and each time it was billed (the days, the price, the invoice)."""
    with unit_of_work(write=False) as uow:
        service = subscriptions.get_service(uow, service_id)
        data = _viewed(uow, service)
        data["charges"] = [
            {
                "first": c.first.isoformat(),
                "last": c.last.isoformat(),
                "invoice_id": c.document_id,
                "quantity": views.decimal_text(c.price.quantity),
                "unit_price": views.decimal_text(c.price.unit_price, data["currency"]),
                "tax_rate": views.decimal_text(c.price.tax_rate),
            }
            for c in uow.services.charges_of(service.id)
        ]
    if as_json:
        print_json(data)
        return
    charges = data.pop("charges")
    print_fields(data, title=f"Service {service_id}")
    print_table(
        "Billed",
        ["from", "to", "invoice", "qty", "unit price", "tax %"],
        [
            [
                c["first"],
                c["last"],
                c["invoice_id"] or "(zero, skipped)",
                c["quantity"],
                c["unit_price"],
                c["tax_rate"],
            ]
            for c in charges
        ],
        right=["invoice", "qty", "unit price", "tax %"],
    )


@app.command("update")
def update(
    service_id: ServiceArg,
    description: DescriptionOpt = None,
    unit_price: UnitPriceOpt = None,
    quantity: QuantityOpt = None,
    tax_rate: TaxRateOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    no_end: Annotated[bool, typer.Option("--no-end", help="Clear the end date.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Change a service: the price applies to days not billed yet; the start date only while
    nothing is billed; an end date inside billed days gives those days back as a credit line."""
    changes: dict[str, object] = given(
        description=description, unit_price=unit_price, quantity=quantity, tax_rate=tax_rate,
        start_date=start, end_date=end,
    )  # fmt: skip
    if no_end:
        if end is not None:
            raise InvalidInput.single("end_date", "conflict", "give --end or --no-end, not both")
        changes["end_date"] = None
    if not changes:
        raise InvalidInput.single("changes", "required", "give at least one field to change")
    _change(service_id, changes, as_json, "updated")


@app.command("end")
def end(
    service_id: ServiceArg,
    date: Annotated[str | None, typer.Option(help="Last day billed (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """End a service on a date; days after it that were already billed come back as an
    unbilled credit line on the next invoice."""
    with unit_of_work(write=False) as uow:
        day = date or business_today(uow).isoformat()
    _change(service_id, {"end_date": day}, as_json, "ended")


def _change(service_id: int, changes: dict[str, object], as_json: bool, verb: str) -> None:
    with unit_of_work() as uow:
        change = subscriptions.change_service(uow, service_id, changes, on=business_today(uow))
        data = _viewed(uow, change.service)
        data["credit_lines"] = [views.transaction_of(uow, t) for t in change.credit_lines]
        uow.commit()
    if as_json:
        print_json(data)
        return
    _say(data, verb)
    for line in data["credit_lines"]:
        typer.echo(
            f"  days given back as an unbilled credit line {line['id']} of {line['amount']}"
            f" {line['currency']} ({line['label']}), for the next invoice"
        )
