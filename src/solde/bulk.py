"""Bulk actions on many invoices (SPEC §12): mark as sent, void.

Each invoice is changed in a unit of work of its own, so the write path never touches two
customers in one database transaction and one refusal (an invoice with payments cannot be
voided) does not undo the others: refusals come back with their reasons, as values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from solde.billing import usecases as billing
from solde.billing.groups import BulkAction
from solde.bootstrap import Container
from solde.domain.errors import SoldeError


@dataclass(slots=True)
class BulkResult:
    """What a bulk action did: the invoices changed and those refused, with the reason."""

    action: BulkAction
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def run(
    container: Container,
    *,
    actor: str,
    action: BulkAction,
    document_ids: Iterable[int],
    on: date,
    at: datetime,
    reason: str | None = None,
) -> BulkResult:
    """Apply `action` (mark_sent or void) to each invoice, one unit of work each."""
    result = BulkResult(action)
    for doc_id in document_ids:
        try:
            with container.uow(actor=actor) as uow:
                if action is BulkAction.MARK_SENT:
                    billing.mark_sent(uow, doc_id, at=at)
                elif action is BulkAction.VOID:
                    billing.void_invoice(uow, doc_id, {"reason": reason}, on=on)
                else:
                    raise ValueError(f"{action.value} is not a change")
                uow.commit()
        except SoldeError as exc:
            result.refused.append((doc_id, exc.message))
            continue
        result.done.append(doc_id)
    return result
