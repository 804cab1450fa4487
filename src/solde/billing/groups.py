"""Invoice groups: a named set of invoices that bulk actions work on (SPEC §12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from solde.billing.ports import BillingUnitOfWork, Group
from solde.domain.errors import FieldErrors, InvalidInput, NotFound
from solde.domain.values import InputReader, clean_text, is_possible_id

MAX_MEMBERS = 10_000


class BulkAction(StrEnum):
    """What can be done at once to every invoice of a group or a filtered list."""

    MARK_SENT = "mark_sent"
    VOID = "void"
    PDF = "pdf"  # download every PDF as one ZIP archive


def parse_ids(value: object, *, field: str = "invoice_ids") -> list[int]:
    """A list of document ids (at most 10,000)."""
    if not isinstance(value, list):
        raise InvalidInput.single(field, "not_a_list", "must be a list of invoice ids")
    if len(value) > MAX_MEMBERS:
        raise InvalidInput.single(field, "too_many", f"may hold at most {MAX_MEMBERS} ids")
    errors = FieldErrors()
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int) or not is_possible_id(item):
            errors.add(f"{field}.{index}", "not_an_id", "must be an invoice id")
    errors.raise_if_any()
    return list(dict.fromkeys(value))


def create_group(uow: BillingUnitOfWork, values: Mapping[str, object]) -> Group:
    """A new group named `name`, holding the invoices `invoice_ids` (optional)."""
    reader = InputReader(values, allowed={"name", "invoice_ids"}, what="an invoice group")
    name = reader.required(
        "name", lambda v, f: clean_text(v, field=f, max_length=200, required=True) or "", ""
    )
    no_ids: list[int] = []
    ids = reader.read("invoice_ids", lambda v, f: parse_ids(v, field=f), no_ids)
    reader.done()
    group = uow.groups.add(name)
    if ids:
        add_to_group(uow, group.id, ids)
    uow.audit.record(
        "invoice_group.created",
        customer_id=None,
        object_type="invoice_group",
        object_id=group.id,
        details={"name": name, "invoices": len(ids)},
    )
    return uow.groups.get(group.id)


def add_to_group(uow: BillingUnitOfWork, group_id: int, document_ids: Sequence[int]) -> int:
    """Add invoices (not credit notes) to a group; unknown ids are refused, ids already in
    are left alone. Returns how many were added."""
    uow.groups.get(group_id)
    errors = FieldErrors()
    members: list[tuple[int, int]] = []
    for index, doc_id in enumerate(document_ids):
        try:
            doc = uow.documents.get(doc_id)
        except NotFound:
            errors.add(f"invoice_ids.{index}", "not_found", f"invoice {doc_id} does not exist")
            continue
        if doc.is_credit_note:
            errors.add(f"invoice_ids.{index}", "not_an_invoice", f"{doc_id} is a credit note")
            continue
        members.append((doc.customer_id, doc.id))
    errors.raise_if_any()
    return uow.groups.add_members(group_id, members)


def get_group(uow: BillingUnitOfWork, group_id: int) -> Group:
    """One group with its member count."""
    return uow.groups.get(group_id)


def list_groups(uow: BillingUnitOfWork) -> list[Group]:
    """Every group, newest first."""
    return uow.groups.all()
