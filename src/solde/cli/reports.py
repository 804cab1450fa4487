"""`solde report`: the reports of the dashboard."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from solde import views
from solde.billing import reading as invoice_reading
from solde.cli.context import (
    business_today,
    console,
    customer_id,
    parse_day,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.money import Money, money_sum
from solde.ledger import reports

app = typer.Typer(
    help="Reports: balances per currency; invoiced and paid totals.", no_args_is_help=True
)


class TotalsFormat(StrEnum):
    """How `report totals` prints."""

    TABLE = "table"
    JSON = "json"


#: The totals of a currency as the table names them, and their field in the JSON.
_TOTALS = (
    ("customers", "customers"),
    ("owing", "owing"),
    ("in credit", "in_credit"),
    ("settled", "settled"),
    ("owed (Σ positive balances)", "owed"),
    ("credit (Σ negative balances)", "credit"),
    ("balance", "balance"),
    ("awaiting confirmation", "awaiting_confirmation"),
)


@app.command("balances")
def balances(
    months: Annotated[
        int, typer.Option(help="Points of the history: the last N-1 month ends, then today.")
    ] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per currency: customers owing, in credit and settled, the totals of today, and the net
    balance at the end of each of the last months."""
    with unit_of_work(write=False) as uow:
        report = reports.balance_report(uow, on=business_today(uow), months=months)
    data = views.balance_report(report)
    if as_json:
        print_json(data)
        return
    if not data["currencies"]:
        typer.echo(f"No customers as of {data['as_of']}.")
    for summary in data["currencies"]:
        _print_summary(summary, data["as_of"])


def _print_summary(summary: dict[str, Any], as_of: str) -> None:
    """The totals of one currency, then its net balance at each month end."""
    currency = summary["currency"]
    print_table(
        f"{currency} on {as_of}",
        ["", currency],
        [[label, summary[name]] for label, name in _TOTALS],
        right=[currency],
    )
    print_table(
        f"{currency}: net balance at the end of each month",
        ["end of", "balance"],
        [[point["date"], point["balance"]] for point in summary["history"]],
        right=["balance"],
    )
    console.print()


@app.command("totals")
def totals(
    customer: Annotated[
        str | None, typer.Option("--customer", help="One customer (id or external ref).")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="End of this day (default today).")] = None,
    format_: Annotated[TotalsFormat, typer.Option("--format")] = TotalsFormat.TABLE,
) -> None:
    """Per currency: invoices by status category (count and amount; paid includes partially
    paid, unpaid includes partially paid and overdue) and payments by method."""
    with unit_of_work(write=False) as uow:
        day = parse_day(as_of, "as_of") or business_today(uow)
        cid = None if customer is None else customer_id(uow, customer)
        found = invoice_reading.totals(uow, customer_id=cid, as_of=day)
    data = totals_json(found)
    if format_ is TotalsFormat.JSON:
        print_json(data)
        return
    who = "all customers" if cid is None else f"customer {cid}"
    if not data["currencies"]:
        typer.echo(f"No invoices nor payments for {who} as of {data['as_of']}.")
        return
    for block in data["currencies"]:
        currency = block["currency"]
        print_table(
            f"{currency}, {who}, as of {data['as_of']}",
            ["", "count", "amount"],
            [[label, block[name]["count"], block[name]["amount"]] for label, name in _INVOICED],
            right=["count", "amount"],
        )
        print_table(
            f"{currency}: paid by method",
            ["method", "count", "amount"],
            [[p["method"], p["count"], p["amount"]] for p in block["paid_by_method"]],
            right=["count", "amount"],
        )
        console.print()


#: The rows of the invoiced table and their field in the JSON.
_INVOICED = (
    ("invoiced", "invoiced"),
    ("paid (partially paid included)", "paid"),
    ("unpaid (partially paid, overdue included)", "unpaid"),
    ("overdue", "overdue"),
    ("void", "void"),
    ("payments received", "payments"),
)


def totals_json(found: invoice_reading.Totals) -> dict[str, Any]:
    """The totals report in the shape of `GET /v1/reports/totals`: per currency, invoices by
    category and payments by method."""
    currencies = sorted({t.currency for t in found.invoiced} | {p.currency for p in found.paid})
    return {
        "as_of": found.as_of.isoformat(),
        "customer_id": found.customer_id,
        "currencies": [_currency_totals(found, c) for c in currencies],
    }


def _currency_totals(found: invoice_reading.Totals, currency: str) -> dict[str, Any]:
    zero = {"count": 0, "amount": str(Money.zero(currency))}
    block: dict[str, Any] = {"currency": currency}
    for category in ("invoiced", "paid", "unpaid", "overdue", "void"):
        block[category] = next(
            (
                {"count": t.count, "amount": str(t.amount)}
                for t in found.invoiced
                if t.currency == currency and t.category == category
            ),
            zero,
        )
    paid = [p for p in found.paid if p.currency == currency]
    block["payments"] = {
        "count": sum(p.count for p in paid),
        "amount": str(money_sum([p.amount for p in paid], currency)),
    }
    block["paid_by_method"] = [
        {"method": p.method.value, "count": p.count, "amount": str(p.amount)} for p in paid
    ]
    return block
