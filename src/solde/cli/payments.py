"""`solde payment`: record, confirm, fail, charge back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solde import views
from solde.cli.context import (
    NEGATIVE_NUMBERS,
    business_today,
    customer_id,
    given,
    print_json,
    unit_of_work,
)
from solde.ledger.model import PaymentMethod
from solde.settlement import usecases as settlement

app = typer.Typer(help="Payments and refunds.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _say(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(data)
        return
    typer.echo(
        f"{verb} {data['type']} {data['id']}: {data['amount']} {data['currency']} "
        f"({data['status'] or data['state']}, open {data['open_amount']})"
    )


@app.command("record", context_settings=NEGATIVE_NUMBERS)
def record(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    amount: Annotated[str, typer.Argument(help="Positive for a payment, negative for a refund.")],
    method: Annotated[PaymentMethod | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
    reference: Annotated[str | None, typer.Option()] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Awaiting bank confirmation.")] = False,
    invoice: Annotated[
        int | None, typer.Option("--invoice", help="Id of the invoice it pays first.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refund more than the available credit.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Record a payment (a positive amount settles open debits) or a refund (negative)."""
    values = given(amount=amount, method=method, date=date, reference=reference, invoice_id=invoice)
    if pending:
        values["status"] = "pending"
    if force:
        values["force"] = True
    with unit_of_work() as uow:
        tx = settlement.record_payment(
            uow, customer_id(uow, customer), values, on=business_today(uow)
        )
        data = views.transaction_of(uow, tx)
        uow.commit()
    _say(data, as_json, "recorded")


@app.command("confirm")
def confirm(
    payment_id: int,
    date: Annotated[
        str | None, typer.Option(help="Date the bank confirmed (default today).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The bank confirmed a pending payment or refund."""
    values = given(date=date)
    with unit_of_work() as uow:
        tx = settlement.confirm_payment(uow, payment_id, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _say(data, as_json, "confirmed")


@app.command("fail")
def fail(
    payment_id: int,
    reason: Annotated[str | None, typer.Option()] = None,
    fee: Annotated[str | None, typer.Option(help="A collection cost to post.")] = None,
    date: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """The bank refused a pending payment or refund."""
    values = given(reason=reason, fee=fee, date=date)
    with unit_of_work() as uow:
        tx = settlement.fail_payment(uow, payment_id, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _say(data, as_json, "failed")


@app.command("chargeback")
def chargeback(
    payment_id: int,
    amount: Annotated[str | None, typer.Option(help="Default: the whole payment.")] = None,
    fee: Annotated[str | None, typer.Option()] = None,
    reason: Annotated[str | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """The payer's bank took back a confirmed payment."""
    values = given(amount=amount, fee=fee, reason=reason, date=date)
    with unit_of_work() as uow:
        tx = settlement.chargeback(uow, payment_id, values, on=business_today(uow))
        data = views.transaction_of(uow, tx)
        uow.commit()
    _say(data, as_json, "recorded")
