"""`solde dunning`: a customer's dunning calendar, what the daily cycle of a date would do, the
next block date an operator moves, and the reminders recorded (SPEC §9).

Every date defaults to the business today. `--json` prints the shapes of the REST API
(`solde.views`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from solde import views
from solde.cli.context import (
    business_today,
    console,
    customer_id,
    parse_day,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.errors import InvalidInput
from solde.dunning import usecases
from solde.ledger import usecases as ledger
from solde.ledger.ports import MAX_PAGE
from solde.storage.unit_of_work import SqlUnitOfWork

app = typer.Typer(
    help="Dunning: calendars, what a date's cycle would do, next block dates, reminders.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CustomerArg = Annotated[str, typer.Argument(help="Customer id or external ref.")]

#: What the daily cycle does, said to an operator.
_ACTIONS = {"block": "blocks", "unblock": "unblocks", "deactivate": "deactivates"}


# -- the calendar ----------------------------------------------------------------------------


@app.command("show")
def show(
    customer: CustomerArg,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The calendar as of this date (default today).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A customer's dunning calendar: status, balance against the credit limit, billing due
    date, next block and deactivation dates, and each reminder of the open invoices."""
    with unit_of_work(write=False) as uow:
        cid = customer_id(uow, customer)
        day = parse_day(as_of, "as_of") or business_today(uow)
        data = views.dunning_calendar(usecases.get_calendar(uow, cid, as_of=day))
        name = uow.customers.get(cid).name
    if as_json:
        print_json(data)
        return
    _print_calendar(data, name)


def _print_calendar(data: dict[str, Any], name: str) -> None:
    currency = data["currency"]
    lines = [
        f"Dunning of customer {data['customer_id']} ({name}) as of {data['as_of']}",
        f"  status: {_status(data)}",
        f"  balance: {data['balance']} {currency}, credit limit {data['credit_limit']}"
        + (f", pending payments {data['pending_payments']}" if _pending(data) else "")
        + (": over the limit" if data["over_limit"] else ": within the limit"),
        f"  billing due date: {_due(data)}",
        f"  next block date: {_block(data)}",
        f"  next deactivation date: {data['next_deactivation_date'] or 'none'}",
    ]
    if data["action"]:
        lines.append(f"  the daily cycle of {data['as_of']} {_ACTIONS[data['action']]} it")
    for line in lines:
        console.print(line, markup=False)
    reminders = data["reminders"]
    if not reminders:
        console.print("  reminders: none", markup=False)
        return
    print_table(
        "Reminders",
        ["invoice", "level", "date", "days left", "sent on", "fee"],
        [
            [
                r["number"] or r["invoice_id"],
                r["level"],
                r["date"],
                r["days_left"],
                r["sent_on"] or "",
                "" if r["fee"] is None else f"{r['fee']} {currency}",
            ]
            for r in reminders
        ],
        right=["level", "days left", "fee"],
    )


def _pending(data: dict[str, Any]) -> bool:
    return Decimal(data["pending_payments"]) != 0


def _status(data: dict[str, Any]) -> str:
    text = str(data["status"])
    if data["status_by"] == "dunning":
        since = f", since {data['blocked_on']}" if data["blocked_on"] else ""
        text += f" (by dunning{since})"
    elif data["status_by"] == "hand" and data["status"] != "active":
        text += " (by hand: dunning does not lift it)"
    elif data["status_by"] == "hand":
        text += " (by hand)"
    if data["exempt"]:
        text += "; dunning is off for this customer"
    return text


def _due(data: dict[str, Any]) -> str:
    invoice = data["billing_due_invoice"]
    if data["billing_due_date"] is None or invoice is None:
        return "none (no open invoice)"
    number = invoice["number"] or f"id {invoice['id']}"
    return (
        f"{data['billing_due_date']} (invoice {number}, open {invoice['open_amount']} "
        f"{data['currency']})"
    )


def _block(data: dict[str, Any]) -> str:
    moved = data["next_block_date_override"]
    text = str(data["next_block_date"] or "none")
    if data["next_block_date"] is None and data["exempt"]:
        text += " (dunning is off)"
    elif data["next_block_date"] is None and data["status"] != "active":
        text += f" (the customer is {data['status']})"
    if moved is None:
        return text
    if moved["applies"]:
        computed = data["computed_block_date"] or "none"
        return f"{text} (moved by hand on {moved['set_on']}; computed {computed})"
    return f"{text} (the date moved by hand, {moved['date']}, has passed)"


# -- a date's plan ---------------------------------------------------------------------------


@app.command("list")
def list_(
    date_: Annotated[
        str | None, typer.Option("--date", help="The date of the daily cycle (default today).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What the daily cycle of a date would do, as things stand: customers to block, unblock
    and deactivate, and the reminders due. Nothing is changed."""
    with unit_of_work(write=False) as uow:
        day = parse_day(date_, "date") or business_today(uow)
        data = views.day_plan(usecases.plan_day(uow, day))
    if as_json:
        print_json(data)
        return
    console.print(f"Dunning on {data['date']} (nothing is changed)", markup=False)
    for action, title in (
        ("block", "To block"),
        ("unblock", "To unblock"),
        ("deactivate", "To deactivate"),
    ):
        _print_customers(title, data[f"to_{action}"])
    _print_reminders(data["reminders"])


def _print_customers(title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print(f"{title}: none", markup=False)
        return
    print_table(
        f"{title} ({len(rows)})",
        ["id", "name", "balance", "limit", "due date", "invoice", "block date"],
        [
            [
                c["customer_id"],
                c["name"],
                f"{c['balance']} {c['currency']}",
                c["credit_limit"],
                c["billing_due_date"],
                (c["billing_due_invoice"] or {}).get("number"),
                c["next_block_date"] or c["computed_block_date"],
            ]
            for c in rows
        ],
        right=["id", "balance", "limit"],
    )


def _print_reminders(rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("Reminders due: none", markup=False)
        return
    print_table(
        f"Reminders due ({len(rows)})",
        ["id", "name", "level", "invoices", "fee"],
        [
            [
                m["customer_id"],
                m["name"],
                m["level"],
                ", ".join(
                    f"{r['number'] or r['invoice_id']} (level {r['level']})" for r in m["reminders"]
                ),
                m["fee"] or "",
            ]
            for m in rows
        ],
        right=["id", "level", "fee"],
    )


# -- the next block date ---------------------------------------------------------------------


@app.command("set-block-date")
def set_block_date(
    customer: CustomerArg,
    date_: Annotated[
        str | None,
        typer.Argument(metavar="[DATE]", help="The new next block date (YYYY-MM-DD)."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Withdraw the date moved by hand.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Move a customer's next block date, once per billing period and never for a blocked
    customer; after that date passes the computed dates apply again. `--withdraw` gives the
    computed date back."""
    if withdraw == (date_ is not None):
        raise InvalidInput.single("date", "required", "give a DATE or --withdraw (one of them)")
    values: dict[str, object] = {"date": date_}
    if reason is not None:
        values["reason"] = reason
    with unit_of_work() as uow:
        cid = customer_id(uow, customer)
        cal = usecases.set_next_block_date(uow, cid, values, on=business_today(uow))
        data = views.dunning_calendar(cal)
        uow.commit()
    if as_json:
        print_json(data)
        return
    deactivation = data["next_deactivation_date"] or "none"
    if withdraw:
        typer.echo(
            f"withdrew the next block date of customer {cid}: the computed date applies "
            f"({data['next_block_date'] or 'none'}); next deactivation date {deactivation}"
        )
        return
    typer.echo(
        f"next block date of customer {cid} moved to {data['next_block_date']} (computed "
        f"{data['computed_block_date'] or 'none'}); next deactivation date {deactivation}"
    )


# -- reminders recorded ----------------------------------------------------------------------


@app.command("reminders")
def reminders(
    customer: CustomerArg,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The reminders recorded for a customer, newest first: date, level, invoices, fee."""
    with unit_of_work(write=False) as uow:
        cid = customer_id(uow, customer)
        currency = uow.customers.get(cid).currency
        found = uow.dunning.reminders_of(cid, limit)
        data = [views.sent_reminder(r) for r in found]
        fees = _fees(uow, data)
    if as_json:
        print_json({"data": data})
        return
    if not data:
        typer.echo(f"no reminder recorded for customer {cid}")
        return
    print_table(
        None,
        ["id", "date", "level", "invoices", "fee", "status"],
        [
            [
                r["id"],
                r["date"],
                r["level"],
                ", ".join(
                    f"{line['number'] or line['invoice_id']} (level {line['level']})"
                    for line in r["invoices"]
                ),
                f"{fees[r['id']]} {currency}" if r["id"] in fees else "",
                r["status"],
            ]
            for r in data
        ],
        right=["id", "level", "fee"],
    )


def _fees(uow: SqlUnitOfWork, data: list[dict[str, Any]]) -> dict[int, str]:
    """The fee each reminder posted, by reminder id."""
    return {
        r["id"]: str(ledger.get_transaction(uow, r["fee_transaction_id"]).amount.amount)
        for r in data
        if r["fee_transaction_id"] is not None
    }
