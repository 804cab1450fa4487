"""`solde invoice` and `solde credit-note`: issue, list, show, edit, void, convert, send, print
and credit invoices (SPEC §5, §7, §12).

Items are typed as `--item "description;quantity;unit_price;tax_rate"` (see `parse_item`).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from solde import pdfs, views
from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import DocType, Document, Status
from solde.billing.editing import update_invoice
from solde.billing.ports import Compare, InvoiceQuery, Listed
from solde.cli.context import (
    actor,
    business_today,
    container,
    customer_id,
    given,
    key_values,
    parse_day,
    print_fields,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.errors import FieldErrors, InvalidInput, NotFound
from solde.ledger.ports import MAX_PAGE
from solde.storage.unit_of_work import SqlUnitOfWork

app = typer.Typer(
    help="Invoices and proformas: issue, list, show, edit, void, convert, send, PDF, credit.",
    no_args_is_help=True,
)
credit_notes = typer.Typer(help="Credit notes: show, PDF.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ItemOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--item",
        help=(
            "An item as 'description;quantity;unit_price;tax_rate' (repeat). quantity (default 1)"
            " and tax_rate (percent, default 0) may be empty or left off: 'Setup;;50', "
            "'Router;2;89;20'. Decimals with a dot; write \\; for a ; in the description."
        ),
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", help="A custom field as KEY=VALUE (repeat)."),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", help="File to write ('-' for standard output)."),
]

#: An item's parts, split on `;` not preceded by a backslash.
_SEPARATOR = re.compile(r"(?<!\\);")
ITEM_SYNTAX = "description;quantity;unit_price;tax_rate (quantity and tax_rate may be empty)"


# -- parsing the command line ---------------------------------------------------------------


def parse_item(text: str, index: int) -> dict[str, str]:
    """One `--item`: `description;quantity;unit_price[;tax_rate]`. Empty quantity and tax rate
    take their defaults (1 and 0); a decimal comma is refused (12,50 could mean 1250)."""
    field = f"items.{index}"
    parts = [p.replace("\\;", ";").strip() for p in _SEPARATOR.split(text)]
    if len(parts) not in (3, 4):
        raise InvalidInput.single(
            field, "invalid_item", f"{text!r} is not {ITEM_SYNTAX}, e.g. 'Router;2;89.00;20'"
        )
    description, quantity, unit_price = parts[:3]
    tax_rate = parts[3] if len(parts) == 4 else ""
    item: dict[str, str] = {"description": description, "unit_price": unit_price}
    for name, value in (("quantity", quantity), ("tax_rate", tax_rate)):
        if value:
            item[name] = value
    for name in ("quantity", "unit_price", "tax_rate"):
        if "," in item.get(name, ""):
            raise InvalidInput.single(
                f"{field}.{name}",
                "decimal_comma",
                f"{item[name]!r}: write decimals with a dot (12.50); a comma is not accepted",
            )
    return item


def parse_items(texts: Sequence[str] | None) -> list[dict[str, str]]:
    """Every `--item`, each bad one reported under `items.N`."""
    errors = FieldErrors()
    items: list[dict[str, str]] = []
    for index, text in enumerate(texts or []):
        try:
            items.append(parse_item(text, index))
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return items


def parse_comparisons(
    texts: Sequence[str] | None, field: str
) -> tuple[tuple[Compare, Decimal], ...]:
    """`OP:AMOUNT` filters (`gt:0`, `eq:12.50`) with OP one of eq, lt, lte, gt, gte."""
    found: list[tuple[Compare, Decimal]] = []
    ops = ", ".join(c.value for c in Compare)
    for text in texts or []:
        op, sep, amount = text.partition(":")
        if not sep or op.strip().lower() not in {c.value for c in Compare}:
            raise InvalidInput.single(
                field, "invalid_comparison", f"{text!r} is not OP:AMOUNT with OP one of {ops}"
            )
        if "," in amount:
            raise InvalidInput.single(
                field, "decimal_comma", f"{amount!r}: write decimals with a dot (12.50)"
            )
        try:
            value = Decimal(amount.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or "e" in amount.lower():
            raise InvalidInput.single(field, "not_a_number", f"{amount!r} is not an amount")
        found.append((Compare(op.strip().lower()), value))
    return tuple(found)


@contextmanager
def named(kind: str, document_id: int) -> Iterator[None]:
    """Report an unknown document id as the kind the command expects (`invoice 7 does not
    exist`), not as storage names it."""
    try:
        yield
    except NotFound as exc:
        if exc.kind == "document" and exc.ident == document_id:
            raise NotFound(kind, document_id) from None
        raise


# -- JSON shapes -----------------------------------------------------------------------------


def print_invoice_rows(rows: list[dict[str, Any]]) -> None:
    """Invoices list rows as a table that fits 80 columns."""
    print_table(
        None,
        ["id", "number", "cust", "date", "total", "open", "status"],
        [
            [
                d["id"],
                d["number"],
                d["customer_id"],
                d["document_date"],
                f"{d['total']} {d['currency']}",
                d["open_amount"],
                d["status"],
            ]
            for d in rows
        ],
        right=["id", "cust", "total", "open"],
    )


def kind_of(doc: Document) -> str:
    """How a sentence names the document."""
    return {DocType.PROFORMA: "proforma", DocType.CREDIT_NOTE: "credit note"}.get(
        doc.type, "invoice"
    )


def _described(uow: SqlUnitOfWork, doc: Document) -> dict[str, Any]:
    return views.invoice_view(reading.describe(uow, doc, as_of=business_today(uow)))


def _say(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(data)
        return
    kind = {"proforma": "proforma", "credit_note": "credit note"}.get(data["type"], "invoice")
    typer.echo(
        f"{verb} {kind} {data['number'] or '-'} (id {data['id']}): {data['total']} "
        f"{data['currency']}, due {data['due_date']}, open {data['open_amount']} "
        f"({data['status']})"
    )


def _header(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a document worth reading, those left empty left out."""
    fields: dict[str, Any] = {
        "type": data["type"],
        "status": f"{data['status']} (as of {data['as_of']})",
        "customer": data["customer_id"],
        "document_date": data["document_date"],
        "due_date": data["due_date"],
        "total": f"{data['total']} {data['currency']} (net {data['net']}, tax {data['tax']})",
        "open_amount": data["open_amount"],
        "account_balance": data["account_balance"],
    }
    if data["period_start"]:
        fields["period"] = f"{data['period_start']} to {data['period_end']}"
    if data.get("invoice_id") is not None:
        fields["invoice"] = f"{data['invoice_number']} (id {data['invoice_id']})"
    optional = ("reason", "converted_to", "converted_from", "sent_at", "voided_on",
                "void_reason", "note", "memo", "custom_fields", "creditable")  # fmt: skip
    fields.update({name: data[name] for name in optional if data[name]})
    fields["may change"] = ", ".join(data["editable_fields"]) or "nothing"
    if data["type"] != "credit_note":
        fields["void"] = data["void_refusal"] or "allowed"
    return fields


def _print_view(data: dict[str, Any]) -> None:
    kind = {"proforma": "Proforma", "credit_note": "Credit note"}.get(data["type"], "Invoice")
    fields = _header(data)
    print_fields(fields, title=f"{kind} {data['number'] or '-'} (id {data['id']})")
    print_table(
        "Items",
        ["description", "quantity", "unit price", "tax %", "net", "tax", "gross"],
        [
            [
                i["description"],
                i["quantity"],
                i["unit_price"],
                i["tax_rate"],
                i["net"],
                i["tax"],
                i["gross"],
            ]
            for i in data["items"]
        ],
        right=["quantity", "unit price", "tax %", "net", "tax", "gross"],
    )
    if data.get("payments"):
        print_table(
            "Settled against" if data["type"] == "credit_note" else "Payments and credits",
            ["transaction", "type", "date", "amount", "status"],
            [
                [p["transaction_id"], p["type"], p["date"], p["amount"], p["status"]]
                for p in data["payments"]
            ],
            right=["transaction", "amount"],
        )
    if data.get("credit_notes"):
        print_table(
            "Credit notes",
            ["id", "number", "date", "total", "reason"],
            [
                [n["id"], n["number"], n["date"], n["total"], n["reason"]]
                for n in data["credit_notes"]
            ],
            right=["id", "total"],
        )


# -- issuing ---------------------------------------------------------------------------------


class InvoiceKind(StrEnum):
    """What `invoice create` may issue."""

    ONE_TIME = "one_time"
    RECURRING = "recurring"
    PROFORMA = "proforma"


@app.command("create")
def create(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    type_: Annotated[InvoiceKind | None, typer.Option("--type", help="Default one_time.")] = None,
    date: Annotated[str | None, typer.Option(help="Document date (default today).")] = None,
    due_date: Annotated[
        str | None, typer.Option(help="Default: the date plus the customer's payment terms.")
    ] = None,
    item: ItemOpt = None,
    include_unbilled: Annotated[
        bool,
        typer.Option("--include-unbilled", help="Bill the unbilled lines dated up to the date."),
    ] = False,
    include_services: Annotated[
        bool | None,
        typer.Option(
            "--services/--no-services",
            help="A recurring invoice bills the customer's services as a run would (default on).",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Printed on the document.")] = None,
    memo: Annotated[str | None, typer.Option(help="Internal, never printed.")] = None,
    field: FieldOpt = None,
    period_start: Annotated[str | None, typer.Option()] = None,
    period_end: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue an invoice or a proforma: typed items, the customer's unbilled lines and, on a
    recurring invoice, its services."""
    values: dict[str, object] = given(
        type=type_, date=date, due_date=due_date, note=note, memo=memo,
        period_start=period_start, period_end=period_end, include_services=include_services,
    )  # fmt: skip
    if item:
        values["items"] = parse_items(item)
    if include_unbilled:
        values["include_unbilled"] = True
    if field:
        values["custom_fields"] = key_values(field, "custom_fields")
    with unit_of_work() as uow:
        doc = billing.create_invoice(
            uow, customer_id(uow, customer), values, on=business_today(uow)
        )
        data = _described(uow, doc)
        uow.commit()
    _say(data, as_json, "issued")


@app.command("convert")
def convert(
    proforma_id: Annotated[int, typer.Argument(help="Id of the proforma.")],
    date: Annotated[str | None, typer.Option(help="Date of the invoice (default today).")] = None,
    due_date: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Turn a proforma into an invoice with the same items (e.g. once it is paid)."""
    with unit_of_work() as uow, named("proforma", proforma_id):
        doc = billing.convert_proforma(
            uow, proforma_id, given(date=date, due_date=due_date), on=business_today(uow)
        )
        data = _described(uow, doc)
        uow.commit()
    _say(data, as_json, "issued")


# -- reading ---------------------------------------------------------------------------------


class ListFormat(StrEnum):
    """How `invoice list` prints."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


CustomerFilter = Annotated[
    str | None, typer.Option("--customer", help="Customer id or external ref.")
]
TypeFilter = Annotated[list[DocType] | None, typer.Option("--type", help="Repeat for several.")]
StatusFilter = Annotated[
    list[Status] | None, typer.Option("--status", help="Status as of --as-of; repeat.")
]
FromFilter = Annotated[str | None, typer.Option("--from", help="Document date from (YYYY-MM-DD).")]
ToFilter = Annotated[str | None, typer.Option("--to", help="Document date up to (YYYY-MM-DD).")]
GroupFilter = Annotated[int | None, typer.Option("--group", help="Invoice group id.")]
NumberFilter = Annotated[str | None, typer.Option("--number", help="Number, or part of it.")]
CurrencyFilter = Annotated[str | None, typer.Option("--currency")]
InvoiceBalanceFilter = Annotated[
    list[str] | None,
    typer.Option("--invoice-balance", help="OP:AMOUNT, OP one of eq lt lte gt gte; repeat."),
]
AccountBalanceFilter = Annotated[
    list[str] | None,
    typer.Option("--account-balance", help="The customer's balance, OP:AMOUNT; repeat."),
]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Statuses at the end of this day.")]


def invoice_query(
    uow: SqlUnitOfWork,
    *,
    customer: str | None,
    types: Sequence[DocType] | None,
    statuses: Sequence[Status] | None,
    date_from: str | None,
    date_to: str | None,
    group: int | None,
    number: str | None,
    currency: str | None,
    invoice_balance: Sequence[str] | None,
    account_balance: Sequence[str] | None,
    as_of: str | None,
    limit: int = 20,
    starting_after: int | None = None,
) -> InvoiceQuery:
    """The filters of `invoice list` (and of `invoice-group create`) as a query."""
    return InvoiceQuery(
        as_of=parse_day(as_of, "as_of") or business_today(uow),
        customer_id=None if customer is None else customer_id(uow, customer),
        types=frozenset(types or ()),
        statuses=frozenset(statuses or ()),
        date_from=parse_day(date_from, "from"),
        date_to=parse_day(date_to, "to"),
        group_id=group,
        number=number,
        currency=currency.upper() if currency else None,
        invoice_balance=parse_comparisons(invoice_balance, "invoice_balance"),
        account_balance=parse_comparisons(account_balance, "account_balance"),
        limit=limit,
        starting_after=starting_after,
    )


_CSV_COLUMNS = (
    "id", "number", "type", "status", "customer_id", "document_date", "due_date", "currency",
    "net", "tax", "total", "open_amount", "account_balance", "sent_at",
)  # fmt: skip


@app.command("list")
def list_(
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
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Rows of a page.")] = 50,
    starting_after: Annotated[
        int | None, typer.Option(help="Cursor: the last id of the previous page.")
    ] = None,
    format_: Annotated[
        ListFormat,
        typer.Option("--format", help="csv writes every match (no paging), streamed."),
    ] = ListFormat.TABLE,
) -> None:
    """Invoices, proformas and credit notes, newest first, filtered."""
    with unit_of_work(write=False) as uow:
        query = invoice_query(
            uow, customer=customer, types=type_, statuses=status, date_from=date_from,
            date_to=date_to, group=group, number=number, currency=currency,
            invoice_balance=invoice_balance, account_balance=account_balance, as_of=as_of,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
        if format_ is ListFormat.CSV:
            _check_filters(uow, query)
            _write_csv(reading.each_invoice(uow, query))
            return
        page = reading.list_invoices(uow, query)
    data = [views.invoice_row(row) for row in page.items]
    cursor = data[-1]["id"] if page.has_more and data else None
    if format_ is ListFormat.JSON:
        print_json({"data": data, "has_more": page.has_more, "next_cursor": cursor})
        return
    print_invoice_rows(data)
    if cursor is not None:
        typer.echo(f"more: --starting-after {cursor}")


def _check_filters(uow: SqlUnitOfWork, query: InvoiceQuery) -> None:
    """An unknown customer or group is an error, not an empty list."""
    if query.customer_id is not None:
        uow.customers.get(query.customer_id)
    if query.group_id is not None:
        uow.groups.get(query.group_id)


def _write_csv(rows: Iterator[Listed]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for row in rows:
        data = views.invoice_row(row)
        writer.writerow(["" if data[c] is None else data[c] for c in _CSV_COLUMNS])


@app.command("show")
def show(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice or proforma.")],
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An invoice with its status, open amount, payments and credit notes."""
    with unit_of_work(write=False) as uow, named("invoice", invoice_id):
        doc = billing.get_invoice(uow, invoice_id)
        day = parse_day(as_of, "as_of") or business_today(uow)
        data = views.invoice_view(reading.describe(uow, doc, as_of=day))
    if as_json:
        print_json(data)
    else:
        _print_view(data)


# -- changing --------------------------------------------------------------------------------


@app.command("edit")
def edit(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice or proforma.")],
    note: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    memo: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    date: Annotated[str | None, typer.Option(help="The document date.")] = None,
    due_date: Annotated[str | None, typer.Option()] = None,
    number: Annotated[str | None, typer.Option(help="A number of your own, unique.")] = None,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", help="Replaces every typed item (same syntax as create)."),
    ] = None,
    field: FieldOpt = None,
    period_start: Annotated[str | None, typer.Option()] = None,
    period_end: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an invoice as far as its status allows; a refusal names what may still change."""
    changes: dict[str, object] = given(
        note=note, memo=memo, document_date=date, due_date=due_date, number=number,
        period_start=period_start, period_end=period_end,
    )  # fmt: skip
    if item:
        changes["items"] = parse_items(item)
    if field:
        changes["custom_fields"] = key_values(field, "custom_fields")
    if not changes:
        raise InvalidInput.single("changes", "required", "give at least one field to change")
    with unit_of_work() as uow, named("invoice", invoice_id):
        billing.get_invoice(uow, invoice_id)
        doc = update_invoice(uow, invoice_id, changes, on=business_today(uow))
        data = _described(uow, doc)
        uow.commit()
    _say(data, as_json, "updated")


@app.command("void")
def void(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice or proforma.")],
    reason: Annotated[str | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option(help="Date of the reversal (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark an invoice as deleted while nothing is settled on it (its number stays used)."""
    with unit_of_work() as uow, named("invoice", invoice_id):
        doc = billing.void_invoice(
            uow, invoice_id, given(reason=reason, date=date), on=business_today(uow)
        )
        data = _described(uow, doc)
        uow.commit()
    _say(data, as_json, "voided")


@app.command("cancel-last-recurring")
def cancel_last_recurring(
    customer: Annotated[str, typer.Argument(help="Customer id or external ref.")],
    reason: Annotated[str | None, typer.Option()] = None,
    date: Annotated[str | None, typer.Option(help="Date of the reversal (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Void the customer's latest recurring invoice so that its period is billed again."""
    with unit_of_work() as uow:
        doc = billing.cancel_last_recurring(
            uow, customer_id(uow, customer), given(reason=reason, date=date),
            on=business_today(uow),
        )  # fmt: skip
        data = _described(uow, doc)
        uow.commit()
    _say(data, as_json, "voided")


@app.command("send")
def send(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice or proforma.")],
    as_json: JsonOpt = False,
) -> None:
    """Record that the invoice was sent to the customer (the first time counts)."""
    at = datetime.now(UTC)
    with unit_of_work() as uow, named("invoice", invoice_id):
        billing.get_invoice(uow, invoice_id)
        doc = billing.mark_sent(uow, invoice_id, at=at)
        data = _described(uow, doc)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        typer.echo(f"{kind_of(doc)} {doc.number or doc.id} sent at {data['sent_at']}")


@app.command("credit")
def credit(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice to correct.")],
    reason: Annotated[str, typer.Option(help="Why the invoice is corrected (required).")],
    amount: Annotated[
        str | None, typer.Option(help="Gross amount, spread like the invoice's tax.")
    ] = None,
    item: Annotated[
        list[str] | None, typer.Option("--item", help="Items credited (same syntax as create).")
    ] = None,
    date: Annotated[str | None, typer.Option(help="Default today.")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    memo: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a credit note on an invoice: --amount or --item, at most what is left to credit."""
    values: dict[str, object] = given(reason=reason, amount=amount, date=date, note=note, memo=memo)
    if item:
        values["items"] = parse_items(item)
    with unit_of_work() as uow, named("invoice", invoice_id):
        billing.get_invoice(uow, invoice_id)
        doc = billing.issue_credit_note(uow, invoice_id, values, on=business_today(uow))
        data = _described(uow, doc)
        uow.commit()
    if as_json:
        print_json(data)
    else:
        typer.echo(
            f"issued credit note {data['number']} (id {data['id']}) on {data['invoice_number']}:"
            f" {data['total']} {data['currency']}"
        )


# -- PDFs ------------------------------------------------------------------------------------


def write_output(content: bytes, output: str | None, default: str) -> str:
    """Write `content` to `output` ('-': standard output), else to `default` here; the
    place written, for the message (None when it went to standard output)."""
    if output == "-":
        sys.stdout.flush()
        typer.echo(content, nl=False)
        return "-"
    path = Path(output or default)
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise InvalidInput.single(
            "output", "not_writable", f"cannot write {str(path)!r}: {exc.strerror or exc}"
        ) from None
    return str(path)


def _pdf(kind: str, document_id: int, output: str | None) -> None:
    with unit_of_work(write=False) as uow, named(kind, document_id):
        if kind == "credit note":
            billing.get_credit_note(uow, document_id)
        else:
            billing.get_invoice(uow, document_id)
        day = business_today(uow)
    pdf = pdfs.document_pdf(container(), document_id, on=day, actor=actor())
    where = write_output(pdf.content, output, pdf.filename)
    if where != "-":
        typer.echo(f"wrote {where} ({len(pdf.content):,} bytes)")


@app.command("pdf")
def invoice_pdf(
    invoice_id: Annotated[int, typer.Argument(help="Id of the invoice or proforma.")],
    output: OutputOpt = None,
) -> None:
    """Write the invoice's PDF (default file name: invoice-<number>.pdf here)."""
    _pdf("invoice", invoice_id, output)


@credit_notes.command("show")
def show_credit_note(
    credit_note_id: Annotated[int, typer.Argument(help="Id of the credit note.")],
    as_json: JsonOpt = False,
) -> None:
    """A credit note with the invoice it corrects."""
    with unit_of_work(write=False) as uow, named("credit note", credit_note_id):
        doc = billing.get_credit_note(uow, credit_note_id)
        data = _described(uow, doc)
    if as_json:
        print_json(data)
    else:
        _print_view(data)


@credit_notes.command("pdf")
def credit_note_pdf(
    credit_note_id: Annotated[int, typer.Argument(help="Id of the credit note.")],
    output: OutputOpt = None,
) -> None:
    """Write the credit note's PDF (default file name: credit-note-<number>.pdf here)."""
    _pdf("credit note", credit_note_id, output)
