"""`solde customer`: create, list, show, update."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.cli.context import (
    customer_id,
    key_values,
    print_fields,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.errors import InvalidInput
from solde.ledger import usecases
from solde.ledger.billing import BILLING_FIELDS
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import (
    MAX_OFFSET,
    MAX_PAGE,
    BalanceFilter,
    CustomerQuery,
    CustomerSort,
)

app = typer.Typer(help="Customers and their billing settings.", no_args_is_help=True)

_BOOLEAN = {"billing_enabled", "auto_invoice", "auto_settlement", "reminders",
            "bill_on_activation", "dunning_enabled"}  # fmt: skip
_INTEGER = {"period_months", "billing_day", "payment_due_days", "blocking_period_days",
            "deactivation_period_days"}  # fmt: skip
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}

# The filters and order of the customer list, shared by `customer list` and `export customers`.
SegmentFilter = Annotated[str | None, typer.Option("--segment")]
CurrencyOpt = Annotated[str | None, typer.Option("--currency")]
MethodFilter = Annotated[PaymentMethod | None, typer.Option("--payment-method")]
StatusOpt = Annotated[CustomerStatus | None, typer.Option("--status")]
SearchFilter = Annotated[
    str | None, typer.Option("--search", "-q", help="Text in name, e-mail or external ref.")
]
BalanceOpt = Annotated[
    BalanceFilter | None,
    typer.Option(help="Balance now: owes (above 0), credit (below 0), settled (0)."),
]
SortOpt = Annotated[
    CustomerSort,
    typer.Option(help="Order; ties by id. Balance orders are meant with --currency."),
]


BillingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--billing",
        "-b",
        help="A billing setting as KEY=VALUE (repeat); VALUE 'default' follows the global default.",
    ),
]
AddressOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--address",
        help="An address part as KEY=VALUE: line1, line2, postal_code, city, region, country.",
    ),
]


def _billing_value(name: str, text: str) -> object:
    if text.lower() in ("default", "null"):
        return None
    if name in _BOOLEAN:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise InvalidInput.single(f"billing.{name}", "not_a_boolean", "must be true or false")
    if name in _INTEGER:
        try:
            return int(text)
        except ValueError:
            raise InvalidInput.single(
                f"billing.{name}", "not_an_integer", "must be a whole number"
            ) from None
    return text


def billing_changes(pairs: list[str] | None) -> dict[str, object]:
    """Billing options as the fields of a customer's `billing` object."""
    raw = key_values(pairs or [], "billing")
    unknown = [n for n in raw if n not in BILLING_FIELDS]
    if unknown:
        raise InvalidInput.single(
            f"billing.{unknown[0]}",
            "unknown_field",
            f"is not a billing setting ({', '.join(BILLING_FIELDS)})",
        )
    return {name: _billing_value(name, text) for name, text in raw.items()}


def _values(**options: Any) -> dict[str, object]:
    values: dict[str, object] = {
        k: v for k, v in options.items() if v is not None and k not in ("billing", "address")
    }
    if options.get("billing"):
        values["billing"] = billing_changes(options["billing"])
    if options.get("address"):
        values["billing_address"] = dict(key_values(options["address"], "billing_address"))
    return values


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Name of the customer.")],
    currency: Annotated[
        str | None, typer.Option(help="ISO 4217 code (default from settings).")
    ] = None,
    email: Annotated[str | None, typer.Option()] = None,
    external_ref: Annotated[str | None, typer.Option(help="Your own unique reference.")] = None,
    segment: Annotated[str | None, typer.Option()] = None,
    payment_method: Annotated[PaymentMethod | None, typer.Option()] = None,
    partner_id: Annotated[int | None, typer.Option(help="The selling company (default 1).")] = None,
    locale: Annotated[str | None, typer.Option(help="Like fr_FR (default from settings).")] = None,
    billing: BillingOpt = None,
    address: AddressOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a customer; prints its id."""
    values = _values(
        name=name,
        currency=currency,
        email=email,
        external_ref=external_ref,
        segment=segment,
        payment_method=payment_method,
        partner_id=partner_id,
        locale=locale,
        billing=billing,
        address=address,
    )
    with unit_of_work() as uow:
        customer = usecases.create_customer(uow, values)
        data = views.customer(customer, uow.settings.get(), uow.balances.get(customer.id).balance)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        typer.echo(f"created customer {customer.id} ({customer.name}, {customer.currency})")


@app.command("update")
def update(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    name: Annotated[str | None, typer.Option()] = None,
    currency: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    external_ref: Annotated[str | None, typer.Option()] = None,
    segment: Annotated[str | None, typer.Option()] = None,
    payment_method: Annotated[PaymentMethod | None, typer.Option()] = None,
    partner_id: Annotated[int | None, typer.Option()] = None,
    locale: Annotated[str | None, typer.Option()] = None,
    status: Annotated[CustomerStatus | None, typer.Option()] = None,
    billing: BillingOpt = None,
    address: AddressOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Change a customer's details or billing settings."""
    values = _values(
        name=name,
        currency=currency,
        email=email,
        external_ref=external_ref,
        segment=segment,
        payment_method=payment_method,
        partner_id=partner_id,
        locale=locale,
        status=status,
        billing=billing,
        address=address,
    )
    with unit_of_work() as uow:
        updated = usecases.update_customer(uow, customer_id(uow, customer), values)
        data = views.customer(updated, uow.settings.get(), uow.balances.get(updated.id).balance)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        typer.echo(f"updated customer {updated.id}")


@app.command("show")
def show(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a customer with its effective billing settings."""
    with unit_of_work(write=False) as uow:
        found = usecases.get_customer(uow, customer_id(uow, customer))
        data = views.customer(found, uow.settings.get(), uow.balances.get(found.id).balance)
    if as_json:
        print_json(data)
    else:
        print_fields(data, title=f"Customer {found.id}")


@app.command("list")
def list_(
    segment: SegmentFilter = None,
    currency: CurrencyOpt = None,
    payment_method: MethodFilter = None,
    status: StatusOpt = None,
    search: SearchFilter = None,
    balance: BalanceOpt = None,
    sort: SortOpt = CustomerSort.NEWEST,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 50,
    offset: Annotated[
        int, typer.Option(min=0, max=MAX_OFFSET, help="Rows to skip (any order).")
    ] = 0,
    starting_after: Annotated[
        int | None,
        typer.Option(help="Cursor: the last id of the previous page (newest first only)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List customers, newest first or in the order of --sort."""
    query = CustomerQuery.from_filters(
        segment=segment,
        currency=currency,
        payment_method=payment_method,
        status=status,
        text=search,
        limit=limit,
        starting_after=starting_after,
        balance=balance,
        sort=sort,
        offset=offset,
    )
    with unit_of_work(write=False) as uow:
        page = usecases.list_customers(uow, query)
        settings = uow.settings.get()
        data = [views.customer(c, settings, uow.balances.get(c.id).balance) for c in page.items]
    if as_json:
        print_json({"data": data, "has_more": page.has_more})
        return
    print_table(
        None,
        ["id", "name", "currency", "segment", "status", "balance"],
        [
            [d["id"], d["name"], d["currency"], d["segment"], d["status"], d["balance"]]
            for d in data
        ],
        right=["id", "balance"],
    )
    if page.has_more and data:
        if query.sort == CustomerSort.NEWEST:
            typer.echo(f"more: --starting-after {data[-1]['id']}")
        else:
            typer.echo(f"more: --offset {query.offset + len(data)}")
