"""Service forms: what a service's form shows, what an edit sends, what an end gave back.

Input names are the API's field names (`unit_price`, `end_date`), so the errors the use case
raises land next to the input that caused them. An edit sends only the fields the user
changed, as the API's PATCH takes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from solde.billing.services import Service
from solde.domain.errors import FieldError
from solde.ledger.model import Transaction
from solde.views import decimal_text
from solde.web.formatting import Format
from solde.web.forms import Form, Reader

TEXTS = ("description", "start_date", "end_date")
NUMBERS = ("unit_price", "quantity", "tax_rate")
#: What an emptied number field of an edit means: quantity 1 and no tax, as for a new
#: service; the price must be given.
EMPTY_NUMBERS = {"quantity": "1", "tax_rate": "0"}


def blank(today: date) -> Form:
    """The form of a new service: one unit, no tax, starting today."""
    return Form({"quantity": "1", "tax_rate": "0", "start_date": today.isoformat()})


def new_values(reader: Reader) -> Reader:
    """What the form of a new service sends: the fields filled in (empty ones take the
    use case's defaults)."""
    return reader.text(*TEXTS).number(*NUMBERS)


def as_typed(service: Service, currency: str, fmt: Format) -> Form:
    """A service as its edit form shows it, in the user's locale."""
    return Form(
        {
            "description": service.description,
            "unit_price": fmt.plain(Decimal(decimal_text(service.unit_price, currency))),
            "quantity": fmt.plain(Decimal(decimal_text(service.quantity))),
            "tax_rate": fmt.plain(Decimal(decimal_text(service.tax_rate))),
            "start_date": service.start_date.isoformat(),
            "end_date": "" if service.end_date is None else service.end_date.isoformat(),
        }
    )


def changes(reader: Reader, service: Service, currency: str) -> Reader:
    """What an edit sends: only the fields the user changed. An emptied end date clears it;
    an emptied quantity or tax rate is 1 or 0; an emptied description, price or start date is
    refused by the use case or here."""
    before = as_typed(service, currency, Format(reader.locale))
    for name in (*TEXTS, *NUMBERS):
        if name not in reader.form.values:  # not sent at all (not a field emptied)
            continue
        typed = reader.form.get(name).strip()
        if typed == before.get(name):
            continue
        if name in NUMBERS and not typed:
            if name in EMPTY_NUMBERS:
                reader.set(name, EMPTY_NUMBERS[name])
            else:
                reader.faults.append(FieldError(name, "required", "is required"))
        elif name in NUMBERS:
            reader.number(name)
        elif name == "end_date" and not typed:
            reader.set(name, None)
        else:
            reader.set(name, typed)
    return reader


def end_values(reader: Reader) -> Reader:
    """What the form that ends a service sends: its last day, which must be given."""
    if reader.form.text("end_date") is None:
        reader.faults.append(FieldError("end_date", "required", "give the service's last day"))
    return reader.text("end_date")


def credit_message(credits: Sequence[Transaction], fmt: Format) -> str:
    """What to say of the unbilled credit lines an end date made (nothing when none)."""
    if not credits:
        return ""
    total = credits[0].amount
    for line in credits[1:]:
        total = total + line.amount
    lines = (
        "an unbilled credit line" if len(credits) == 1 else f"{len(credits)} unbilled credit lines"
    )
    return (
        f" The unused days already billed came back as {lines} of {fmt.money(total)}:"
        " it goes on the next invoice."
    )
