"""`solde line`, `solde transaction`, `solde balance`, `solde settle`, `solde allocate`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.billing import reading
from solde.cli.context import (
    business_today,
    customer_id,
    given,
    parse_day,
    print_fields,
    print_json,
    print_table,
    unit_of_work,
)
from solde.ledger import usecases
from solde.ledger.model import Kind, State, TxType
from solde.ledger.ports import MAX_PAGE, TransactionQuery
from solde.settlement import usecases as settlement

lines = typer.Typer(help="Debit and credit lines on a customer's balance.", no_args_is_help=True)
transactions = typer.Typer(
    help="A customer's transactions: list, show, reverse.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CustomerArg = Annotated[str, typer.Argument(help="Customer id or external ref.")]


def _show_tx(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(data)
    else:
        typer.echo(
            f"{verb} transaction {data['id']}: {data['kind']} {data['type']} {data['amount']} "
            f"{data['currency']} ({data['state']}, open {data['open_amount']})"
        )


@lines.command("add")
def add_line(
    customer: CustomerArg,
    kind: Annotated[Kind, typer.Option(help="debit (the customer owes more) or credit.")],
    label: Annotated[str, typer.Option()],
    unit_price: Annotated[str, typer.Option(help="Excluding tax, up to 6 decimals.")],
    quantity: Annotated[str | None, typer.Option()] = None,
    tax_rate: Annotated[str | None, typer.Option(help="Percent, e.g. 20 or 5.5.")] = None,
    type_: Annotated[
        TxType | None, typer.Option("--type", help="charge, collection_cost, adjustment, gift.")
    ] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
    reference: Annotated[str | None, typer.Option()] = None,
    next_invoice: Annotated[
        bool | None,
        typer.Option("--next-invoice/--post", help="Wait for the next invoice, or post now."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a line: unbilled (waits for the next invoice) or posted now."""
    values = given(
        kind=kind,
        label=label,
        unit_price=unit_price,
        quantity=quantity,
        tax_rate=tax_rate,
        type=type_,
        date=date,
        reference=reference,
        bill_on_next_invoice=next_invoice,
    )
    with unit_of_work() as uow:
        cid = customer_id(uow, customer)
        tx = settlement.add_entry(uow, cid, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _show_tx(data, as_json, "added")


@lines.command("edit")
def edit_line(
    transaction_id: Annotated[int, typer.Argument(help="Id of the unbilled line.")],
    label: Annotated[str | None, typer.Option()] = None,
    unit_price: Annotated[str | None, typer.Option()] = None,
    quantity: Annotated[str | None, typer.Option()] = None,
    tax_rate: Annotated[str | None, typer.Option()] = None,
    type_: Annotated[TxType | None, typer.Option("--type")] = None,
    date: Annotated[str | None, typer.Option()] = None,
    reference: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a line that is still waiting for an invoice."""
    values = given(
        label=label,
        unit_price=unit_price,
        quantity=quantity,
        tax_rate=tax_rate,
        type=type_,
        date=date,
        reference=reference,
    )
    with unit_of_work() as uow:
        tx = usecases.update_unbilled_line(uow, transaction_id, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _show_tx(data, as_json, "updated")


@lines.command("cancel")
def cancel_line(
    transaction_id: Annotated[int, typer.Argument(help="Id of the unbilled line.")],
    reason: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a line that is still waiting for an invoice."""
    with unit_of_work() as uow:
        tx = usecases.cancel_unbilled_line(
            uow, transaction_id, reason=reason, on=business_today(uow)
        )
        data = views.transaction_of(uow, tx)
        uow.commit()
    _show_tx(data, as_json, "cancelled")


@transactions.command("list")
def list_transactions(
    customer: CustomerArg,
    state: Annotated[list[State] | None, typer.Option(help="Repeat for several states.")] = None,
    kind: Annotated[Kind | None, typer.Option()] = None,
    date_from: Annotated[str | None, typer.Option()] = None,
    date_to: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 50,
    starting_after: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """A customer's transactions and lines, newest first."""
    with unit_of_work(write=False) as uow:
        query = TransactionQuery(
            customer_id=customer_id(uow, customer),
            states=frozenset(state or []),
            kind=kind,
            date_from=parse_day(date_from, "date_from"),
            date_to=parse_day(date_to, "date_to"),
            limit=limit,
            starting_after=starting_after,
        )
        page = usecases.list_transactions(uow, query)
        links = uow.allocations.links(query.customer_id, [t.id for t in page.items])
        data = [views.transaction(t, links.get(t.id, [])) for t in page.items]
    if as_json:
        print_json({"data": data, "has_more": page.has_more})
        return
    print_table(
        None,
        ["id", "date", "kind", "type", "label", "amount", "open", "state"],
        [
            [
                d["id"],
                d["date"],
                d["kind"],
                d["type"],
                d["label"],
                d["amount"],
                d["open_amount"],
                d["state"],
            ]
            for d in data
        ],
        right=["id", "amount", "open"],
    )
    if page.has_more and data:
        typer.echo(f"more: --starting-after {data[-1]['id']}")


@transactions.command("show")
def show_transaction(transaction_id: int, as_json: JsonOpt = False) -> None:
    """One transaction with its allocations and, for a payment or credit, the invoices it
    paid."""
    with unit_of_work(write=False) as uow:
        tx = usecases.get_transaction(uow, transaction_id)
        data = views.transaction_of(uow, tx)
        if tx.is_posted and tx.kind is Kind.CREDIT:
            data["invoices"] = [
                {"invoice_id": doc.id, "number": doc.number, "amount": str(amount)}
                for doc, amount in reading.invoices_paid_by(uow, tx.id)
            ]
    if as_json:
        print_json(data)
        return
    if "invoices" in data:
        data["invoices"] = [f"{i['number']} ({i['amount']})" for i in data["invoices"]]
    print_fields(data, title=f"Transaction {transaction_id}")


@transactions.command("reverse")
def reverse(
    transaction_id: int,
    reason: Annotated[str | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reverse a posted transaction with an opposite one of the same amount."""
    values = given(reason=reason, date=date)
    with unit_of_work() as uow:
        tx = settlement.reverse(uow, transaction_id, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _show_tx(data, as_json, "reversed by")


def balance(
    customer: CustomerArg,
    as_of: Annotated[str | None, typer.Option(help="End of this day (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A customer's balance card: balance, debit, credit, awaiting confirmation, unbilled."""
    with unit_of_work(write=False) as uow:
        day = parse_day(as_of, "as_of") or business_today(uow)
        data = views.balance(usecases.get_balance(uow, customer_id(uow, customer), as_of=day), day)
    if as_json:
        print_json(data)
    else:
        print_fields(
            data,
            title=f"Balance of customer {data['customer_id']} ({data['currency']}), end of {day}",
        )


def settle(customer: CustomerArg, as_json: JsonOpt = False) -> None:
    """Match a customer's open credits against open debits now."""
    with unit_of_work() as uow:
        made = settlement.settle(uow, customer_id(uow, customer), on=business_today(uow))
        data = [views.allocation(a) for a in made]
        uow.commit()
    if as_json:
        print_json({"allocations": data})
    else:
        typer.echo(f"{len(data)} allocation(s) made")
        for a in data:
            typer.echo(f"  credit {a['credit_id']} -> debit {a['debit_id']}: {a['amount']}")


def allocate(
    customer: CustomerArg,
    credit: Annotated[int, typer.Option(help="Id of the open credit.")],
    debit: Annotated[int, typer.Option(help="Id of the open debit.")],
    amount: Annotated[str | None, typer.Option(help="Default: as much as both have open.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Settle an open credit against an open debit by hand."""
    values: dict[str, object] = {"credit_id": credit, "debit_id": debit}
    if amount is not None:
        values["amount"] = amount
    with unit_of_work() as uow:
        made = settlement.allocate(uow, customer_id(uow, customer), values, on=business_today(uow))
        data = views.allocation(made)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        typer.echo(
            f"allocated {data['amount']}: credit {data['credit_id']} -> debit {data['debit_id']}"
        )
