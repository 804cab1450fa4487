"""`solde invoice-group`: named sets of invoices, and the bulk actions run on them (SPEC §12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from solde import bulk, pdfs, views
from solde.billing import groups, reading
from solde.billing.ports import InvoiceQuery
from solde.cli.context import (
    actor,
    business_today,
    container,
    print_json,
    print_table,
    unit_of_work,
)
from solde.cli.invoices import (
    AccountBalanceFilter,
    AsOfOpt,
    CurrencyFilter,
    CustomerFilter,
    FromFilter,
    GroupFilter,
    InvoiceBalanceFilter,
    JsonOpt,
    NumberFilter,
    OutputOpt,
    StatusFilter,
    ToFilter,
    TypeFilter,
    invoice_query,
    print_invoice_rows,
    write_output,
)
from solde.domain.errors import InvalidInput
from solde.storage.unit_of_work import SqlUnitOfWork

app = typer.Typer(
    help="Invoice groups: named sets of invoices for bulk actions.", no_args_is_help=True
)

InvoiceOpt = Annotated[
    list[int] | None, typer.Option("--invoice", help="An invoice id to add (repeat).")
]


def _matches(uow: SqlUnitOfWork, query: InvoiceQuery) -> list[int]:
    """Every invoice and proforma matching the filters (credit notes are left out)."""
    if query.customer_id is not None:
        uow.customers.get(query.customer_id)
    if query.group_id is not None:
        uow.groups.get(query.group_id)
    return [
        row.document.id
        for row in reading.each_invoice(uow, query)
        if not row.document.is_credit_note
    ]


def _members(
    uow: SqlUnitOfWork,
    invoices: list[int] | None,
    filters: dict[str, object],
) -> list[int]:
    """The ids given with --invoice, then those matching the list filters when any is given."""
    ids = list(invoices or [])
    if any(value for name, value in filters.items() if name != "as_of"):
        ids.extend(_matches(uow, invoice_query(uow, **filters)))  # type: ignore[arg-type]
    return list(dict.fromkeys(ids))


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Name of the group.")],
    invoice: InvoiceOpt = None,
    customer: CustomerFilter = None,
    type_: TypeFilter = None,
    status: StatusFilter = None,
    date_from: FromFilter = None,
    date_to: ToFilter = None,
    group: GroupFilter = None,
    number: NumberFilter = None,
    currency: CurrencyFilter = None,
    invoice_balance: InvoiceBalanceFilter = None,
    account_balance: AccountBalanceFilter = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a group of the invoices given with --invoice and, when a filter of `invoice
    list` is given, of every invoice it matches."""
    filters: dict[str, object] = dict(
        customer=customer, types=type_, statuses=status, date_from=date_from, date_to=date_to,
        group=group, number=number, currency=currency, invoice_balance=invoice_balance,
        account_balance=account_balance, as_of=as_of,
    )  # fmt: skip
    with unit_of_work() as uow:
        ids = _members(uow, invoice, filters)
        made = groups.create_group(uow, {"name": name, "invoice_ids": ids[: groups.MAX_MEMBERS]})
        if len(ids) > groups.MAX_MEMBERS:
            groups.add_to_group(uow, made.id, ids[groups.MAX_MEMBERS :])
            made = groups.get_group(uow, made.id)
        uow.commit()
    if as_json:
        print_json({"id": made.id, "name": made.name, "count": made.count})
    else:
        typer.echo(f"created invoice group {made.id} ({made.name}): {made.count} invoice(s)")


@app.command("add")
def add(
    group_id: Annotated[int, typer.Argument(help="Id of the group.")],
    invoice: InvoiceOpt = None,
    customer: CustomerFilter = None,
    type_: TypeFilter = None,
    status: StatusFilter = None,
    date_from: FromFilter = None,
    date_to: ToFilter = None,
    number: NumberFilter = None,
    currency: CurrencyFilter = None,
    invoice_balance: InvoiceBalanceFilter = None,
    account_balance: AccountBalanceFilter = None,
    as_of: AsOfOpt = None,
) -> None:
    """Add invoices to a group: those given with --invoice and every match of the filters."""
    filters: dict[str, object] = dict(
        customer=customer, types=type_, statuses=status, date_from=date_from, date_to=date_to,
        group=None, number=number, currency=currency, invoice_balance=invoice_balance,
        account_balance=account_balance, as_of=as_of,
    )  # fmt: skip
    with unit_of_work() as uow:
        groups.get_group(uow, group_id)
        ids = _members(uow, invoice, filters)
        if not ids:
            raise InvalidInput.single(
                "invoice", "required", "give --invoice ID or a filter that matches invoices"
            )
        added = groups.add_to_group(uow, group_id, ids)
        found = groups.get_group(uow, group_id)
        uow.commit()
    typer.echo(f"added {added} invoice(s) to group {found.id} ({found.name}): {found.count} in all")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Every invoice group, newest first."""
    with unit_of_work(write=False) as uow:
        found = groups.list_groups(uow)
    data = [{"id": g.id, "name": g.name, "count": g.count} for g in found]
    if as_json:
        print_json({"data": data})
        return
    print_table(None, ["id", "name", "invoices"], [[d["id"], d["name"], d["count"]] for d in data],
                right=["id", "invoices"])  # fmt: skip


@app.command("show")
def show(
    group_id: Annotated[int, typer.Argument(help="Id of the group.")],
    as_json: JsonOpt = False,
) -> None:
    """A group and its invoices with their status today."""
    with unit_of_work(write=False) as uow:
        group = groups.get_group(uow, group_id)
        query = InvoiceQuery(as_of=business_today(uow), group_id=group_id)
        rows = [views.invoice_row(row) for row in reading.each_invoice(uow, query)]
    if as_json:
        print_json({"id": group.id, "name": group.name, "count": group.count, "invoices": rows})
        return
    typer.echo(f"Invoice group {group.id} ({group.name}): {group.count} invoice(s)")
    print_invoice_rows(rows)


@app.command("run")
def run(
    group_id: Annotated[int, typer.Argument(help="Id of the group.")],
    action: Annotated[groups.BulkAction, typer.Argument(help="mark_sent, void or pdf.")],
    output: OutputOpt = None,
    reason: Annotated[str | None, typer.Option(help="Reason of a void.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark as sent or void every invoice of the group, one at a time: prints those done and
    those refused with the reason. `pdf` writes every PDF into one ZIP archive."""
    with unit_of_work(write=False) as uow:
        groups.get_group(uow, group_id)
        day = business_today(uow)
        query = InvoiceQuery(as_of=day, group_id=group_id)
        ids = [row.document.id for row in reading.each_invoice(uow, query)]
    ids.reverse()  # oldest first
    if action is groups.BulkAction.PDF:
        archive = pdfs.archive(container(), ids, on=day, actor=actor())
        where = write_output(archive.content, output, f"invoice-group-{group_id}.zip")
        if where != "-":
            typer.echo(f"wrote {where}: {archive.count} PDF(s)")
            for doc_id, message in archive.missing:
                typer.echo(f"missing {doc_id}: {message}")
        return
    result = bulk.run(
        container(), actor=actor(), action=action, document_ids=ids, on=day,
        at=datetime.now(UTC), reason=reason,
    )  # fmt: skip
    if as_json:
        print_json(
            {
                "action": action.value,
                "done": result.done,
                "refused": [{"id": i, "message": m} for i, m in result.refused],
            }
        )
        return
    typer.echo(f"{action.value}: {len(result.done)} done, {len(result.refused)} refused")
    for doc_id, message in result.refused:
        typer.echo(f"refused {doc_id}: {message}")
