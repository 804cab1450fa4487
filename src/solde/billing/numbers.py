"""Taking a document's number from its sequence (SPEC §5)."""

from __future__ import annotations

from datetime import date

from solde.billing.documents import DocType
from solde.billing.ports import BillingUnitOfWork
from solde.domain.errors import Conflict
from solde.domain.numbering import MAX_NUMBER
from solde.ledger.customers import Customer

#: Numbers typed by hand may have taken values a sequence reaches later; skip at most this many.
MAX_SKIPS = 1000


def take_number(
    uow: BillingUnitOfWork,
    kind: DocType,
    day: date,
    customer: Customer,
    *,
    partner_id: int | None = None,
) -> str:
    """The next number of the sequence the document's format renders for `day` and
    `customer`. Documents whose formats render alike share one sequence, so numbers never
    repeat even when two kinds use the same format; a number already given by hand is
    skipped (it stays used by that document)."""
    fmt = uow.settings.get().number_format(kind.numbering)
    partner = customer.details.partner_id if partner_id is None else partner_id
    key = fmt.key(day=day, partner_id=partner, customer_id=customer.id)
    for _ in range(MAX_SKIPS):
        value = uow.numbering.next_value(key)
        number = fmt.render(day=day, partner_id=partner, customer_id=customer.id, next_value=value)
        if len(number) > MAX_NUMBER:
            raise Conflict(
                f"the numbering format {fmt.text!r} renders {number!r}, longer than "
                f"{MAX_NUMBER} characters; change it in settings"
            )
        if uow.documents.id_of_number(number) is None:
            return number
    raise Conflict(
        f"the numbering sequence is blocked by {MAX_SKIPS} numbers typed by hand; "
        "change the numbering format in settings"
    )
