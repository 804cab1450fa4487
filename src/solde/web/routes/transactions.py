"""Lines and transactions: add a line, edit or cancel an unbilled one, reverse a posted one,
look at one transaction, and list all of a customer's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.billing import reading
from solde.domain.values import clean_text
from solde.ledger import usecases
from solde.ledger.customers import Customer
from solde.ledger.model import (
    ENTRY_TYPES,
    Kind,
    State,
    Transaction,
    TxType,
    bills_on_next_invoice_by_default,
)
from solde.ledger.ports import TransactionQuery
from solde.settlement import usecases as settlement
from solde.settlement.actions import allowed_actions
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.views import decimal_text
from solde.web.actions import Outcome, Screen, form_page, submit
from solde.web.context import Viewer, object_id, signed_in, wants_fragment, writer
from solde.web.formatting import Format
from solde.web.forms import Form, Reader
from solde.web.labels import TYPE_LABELS
from solde.web.render import render

router = APIRouter()

#: The line types a user chooses from: one select for kind and type.
LINE_TYPES = {
    "debit:charge": "Charge",
    "debit:collection_cost": "Collection cost",
    "debit:adjustment": "Debit adjustment",
    "credit:adjustment": "Credit adjustment",
    "credit:gift": "Goodwill credit",
}
#: When each line type goes by default (SPEC §4): the form starts there and, with
#: JavaScript, follows the type chosen until the user picks a mode.
DEFAULT_MODES = {
    key: "next_invoice" if bills_on_next_invoice_by_default(Kind(k), TxType(t)) else "post"
    for key in LINE_TYPES
    for k, _, t in [key.partition(":")]
}
#: Errors about `kind` and `type` belong to the one select; the mode has its radio buttons.
LINE_ALIASES = {"kind": "line_type", "type": "line_type", "bill_on_next_invoice": "mode"}
STATE_TABS = {
    "open": ("Open", frozenset({State.OPEN})),
    "unbilled": ("Unbilled", frozenset({State.UNBILLED})),
    "pending": ("Awaiting confirmation", frozenset({State.PENDING})),
    "closed": ("Closed", frozenset({State.CLOSED, State.BILLED})),
    "void": ("Cancelled and failed", frozenset({State.VOID})),
    "all": ("All", frozenset[State]()),
}
PAGE = 50


def _transaction(uow: SqlUnitOfWork, transaction_id: int) -> tuple[Transaction, Customer]:
    tx = usecases.get_transaction(uow, object_id(transaction_id, "transaction"))
    return tx, usecases.get_customer(uow, tx.customer_id)


def _back(customer: Customer) -> str:
    return f"/customers/{customer.id}"


# -- adding a line --------------------------------------------------------------------------


def _new_line_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    context = {
        "customer": customer,
        "line": None,
        "line_types": LINE_TYPES,
        "default_modes": DEFAULT_MODES,
    }
    return Screen("lines/form.html", _back(customer), context, LINE_ALIASES)


def _new_line(reader: Reader) -> Reader:
    """What the form of a new line sends: kind and type from the one select, the fields filled
    in, and the mode chosen."""
    form = reader.form
    reader.text("label", "reference", "date").number("unit_price", "quantity", "tax_rate")
    kind, _, tx_type = form.get("line_type").partition(":")
    reader.set("kind", kind or None).set("type", tx_type or None)
    mode = form.get("mode")
    if mode in ("next_invoice", "post"):
        reader.set("bill_on_next_invoice", mode == "next_invoice")
    return reader


@router.get("/customers/{customer_id}/lines/new", include_in_schema=False)
def new_line_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form to add a debit or credit line."""

    def initial(uow: SqlUnitOfWork, _screen: Screen) -> Form:
        values = {"line_type": "debit:charge", "quantity": "1", "tax_rate": "0"}
        mode = DEFAULT_MODES["debit:charge"]
        return Form({**values, "date": viewer.today(uow).isoformat(), "mode": mode})

    return form_page(request, viewer, lambda uow: _new_line_screen(uow, customer_id), initial)


@router.post("/customers/{customer_id}/lines/new", include_in_schema=False)
def add_line(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Add the line: unbilled, or posted now (it settles at once)."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader = _new_line(reader)
        tx = reader.run(lambda v: settlement.add_entry(uow, customer_id, v, on=today))
        what = "Line added to the next invoice" if tx.state is State.UNBILLED else "Line posted"
        return Outcome(f"{what}: {tx.label}.")

    return submit(request, posted, lambda uow: _new_line_screen(uow, customer_id), act)


# -- editing and cancelling an unbilled line ------------------------------------------------


def _edit_line_screen(uow: SqlUnitOfWork, transaction_id: int) -> Screen:
    line, customer = _transaction(uow, transaction_id)
    context = {
        "customer": customer,
        "line": line,
        "kind_types": sorted(t.value for t in ENTRY_TYPES[line.kind]),
        "type_labels": TYPE_LABELS,
    }
    return Screen("lines/form.html", _back(customer), context)


def _line_as_typed(line: Transaction, fmt: Format) -> Form:
    """An unbilled line as its form shows it, in the user's locale."""
    return Form(
        {
            "type": line.type.value,
            "label": line.label,
            "date": line.date.isoformat(),
            "unit_price": fmt.plain(Decimal(decimal_text(line.unit_price, line.currency))),
            "quantity": fmt.plain(line.quantity.normalize()),
            "tax_rate": fmt.plain(line.tax_rate.normalize()),
            "reference": line.reference or "",
        }
    )


def _line_changes(reader: Reader, line: Transaction, fmt: Format) -> Reader:
    """What an edit sends: only the fields the user changed; an emptied field is sent as null,
    as the API's PATCH takes it (no reference; label and price required; date today;
    quantity 1; tax rate 0)."""
    before = _line_as_typed(line, fmt)
    for name in ("type", "label", "date", "reference", "unit_price", "quantity", "tax_rate"):
        if name not in reader.form.values:  # not sent at all (not a field emptied)
            continue
        typed = reader.form.get(name).strip()
        if typed == before.get(name):
            continue
        if not typed:
            reader.set(name, None)
        elif name in ("unit_price", "quantity", "tax_rate"):
            reader.number(name)
        else:
            reader.set(name, typed)
    return reader


@router.get("/transactions/{transaction_id}/edit", include_in_schema=False)
def edit_line_form(
    request: Request, transaction_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """An unbilled line, ready to change."""

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        return _line_as_typed(screen.context["line"], viewer.format(uow))

    return form_page(request, viewer, lambda uow: _edit_line_screen(uow, transaction_id), initial)


@router.post("/transactions/{transaction_id}/edit", include_in_schema=False)
def edit_line(
    request: Request, transaction_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Save the line; posted transactions are never edited (the use case refuses)."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        line = usecases.get_transaction(uow, transaction_id)
        reader = _line_changes(reader, line, Format(reader.locale))
        if not reader.values and not reader.faults:
            return Outcome("Nothing changed.")
        reader.run(lambda v: usecases.update_unbilled_line(uow, transaction_id, v, on=today))
        return Outcome("Line saved.")

    return submit(request, posted, lambda uow: _edit_line_screen(uow, transaction_id), act)


def _cancel_screen(uow: SqlUnitOfWork, transaction_id: int) -> Screen:
    line, customer = _transaction(uow, transaction_id)
    return Screen("lines/cancel.html", _back(customer), {"customer": customer, "tx": line})


@router.get("/transactions/{transaction_id}/cancel", include_in_schema=False)
def cancel_line_form(
    request: Request, transaction_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Confirm cancelling an unbilled line, with a reason."""
    return form_page(request, viewer, lambda uow: _cancel_screen(uow, transaction_id))


@router.post("/transactions/{transaction_id}/cancel", include_in_schema=False)
def cancel_line(
    request: Request, transaction_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Cancel the line: it is kept, void, with the reason."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reason = clean_text(reader.form.get("reason"), field="reason", max_length=500)
        usecases.cancel_unbilled_line(uow, transaction_id, reason=reason, on=today)
        return Outcome("Line cancelled.")

    return submit(request, posted, lambda uow: _cancel_screen(uow, transaction_id), act)


# -- reversing a posted transaction ---------------------------------------------------------


def _reverse_screen(uow: SqlUnitOfWork, transaction_id: int, *, check: bool) -> Screen:
    tx, customer = _transaction(uow, transaction_id)
    refusal = settlement.reversal_refusal(uow, tx) if check else None
    context = {"customer": customer, "tx": tx, "refusal": refusal}
    return Screen("transactions/reverse.html", _back(customer), context)


@router.get("/transactions/{transaction_id}/reverse", include_in_schema=False)
def reverse_form(
    request: Request, transaction_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Confirm a reversal, with its date and reason (or say why it cannot be reversed)."""
    return form_page(
        request,
        viewer,
        lambda uow: _reverse_screen(uow, transaction_id, check=True),
        lambda uow, _screen: Form({"date": viewer.today(uow).isoformat()}),
    )


@router.post("/transactions/{transaction_id}/reverse", include_in_schema=False)
def reverse(
    request: Request, transaction_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Post the opposite transaction; what the original had settled is reopened."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        values = reader.text("reason", "date").done()
        reversal = settlement.reverse(uow, transaction_id, values, on=today)
        return Outcome(f"Transaction #{transaction_id} reversed by #{reversal.id}.")

    return submit(
        request, posted, lambda uow: _reverse_screen(uow, transaction_id, check=False), act
    )


# -- looking at transactions ----------------------------------------------------------------


@router.get("/transactions/{transaction_id}", include_in_schema=False)
def transaction_page(
    request: Request, transaction_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """One transaction: its amounts, what settled it, what it is linked to, and what can be
    done with it."""
    with viewer.uow() as uow:
        tx, customer = _transaction(uow, transaction_id)
        links = uow.allocations.links(customer.id, [tx.id]).get(tx.id, [])
        context: dict[str, Any] = {
            "customer": customer,
            "tx": tx,
            "links": links,
            "linked": {
                i.transaction_id: usecases.get_transaction(uow, i.transaction_id) for i in links
            },
            "reversal": uow.transactions.reversal_of(tx.id),
            "actions": allowed_actions(uow, [tx]),
            "type_labels": TYPE_LABELS,
            "invoice": None if tx.invoice_id is None else uow.documents.get(tx.invoice_id),
            "paid_invoices": reading.invoices_paid_by(uow, tx.id) if tx.is_posted else [],
        }
        fmt = viewer.format(uow)
    template = "transactions/show.html"
    if wants_fragment(request, "transaction-main"):
        template = "transactions/_main.html"
    return render(request, template, viewer=viewer, fmt=fmt, **context)


def _cursor(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 19 else None


@router.get("/customers/{customer_id}/transactions", include_in_schema=False)
def transaction_list(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """All of a customer's transactions of one kind (open, closed, …), newest first, by pages."""
    tab = request.query_params.get("state", "all")
    tab = tab if tab in STATE_TABS else "all"
    after = _cursor(request.query_params.get("after", ""))
    with viewer.uow() as uow:
        customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
        query = TransactionQuery(
            customer_id=customer.id,
            states=STATE_TABS[tab][1],
            limit=PAGE,
            starting_after=after or None,
        )
        page = usecases.list_transactions(uow, query)
        links = uow.allocations.links(customer.id, [t.id for t in page.items])
        actions = allowed_actions(uow, page.items)
        fmt = viewer.format(uow)
    return render(
        request,
        "transactions/list.html",
        viewer=viewer,
        fmt=fmt,
        customer=customer,
        items=page.items,
        links=links,
        actions=actions,
        has_more=page.has_more,
        tab=tab,
        tabs={k: v[0] for k, v in STATE_TABS.items()},
        first_page=after is None,
        type_labels=TYPE_LABELS,
    )
