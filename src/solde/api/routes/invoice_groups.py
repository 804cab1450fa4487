"""/v1/invoice-groups: named sets of invoices, and bulk actions on them (SPEC §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from solde import bulk, pdfs
from solde.api.context import Caller, cursor, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.routes.invoices import COMPARED, invoice_query
from solde.api.schemas.common import PageOut
from solde.api.schemas.invoice_groups import (
    ActionIn,
    ActionOut,
    GroupAddedOut,
    GroupCreate,
    GroupMembersIn,
    GroupOut,
    InvoiceFilters,
    RefusedOut,
)
from solde.billing import groups, reading
from solde.billing.groups import MAX_MEMBERS, BulkAction
from solde.billing.ports import BillingUnitOfWork, Group, InvoiceQuery
from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.values import as_date, check_date, clean_text
from solde.ledger.ports import MAX_PAGE

router = APIRouter(prefix="/v1/invoice-groups", tags=["invoice groups"], route_class=ExactJSONRoute)

ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`mark_sent` and `void`: what was done and refused. `pdf`: every "
        "invoice's PDF in one ZIP archive (`missing.txt` lists those that could not be read)",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _out(group: Group) -> GroupOut:
    return GroupOut(id=group.id, name=group.name, count=group.count)


@router.post("", status_code=201, response_model=GroupOut, summary="Create an invoice group")
def create_group(body: GroupCreate, caller: Caller = Depends(writer)) -> GroupOut:
    """A named set of invoices for bulk actions, optionally holding `invoice_ids` at once."""
    with caller.uow() as uow:
        group = groups.create_group(uow, body.values())
        uow.commit()
    return _out(group)


@router.get("", response_model=PageOut[GroupOut], summary="List invoice groups")
def list_groups(
    caller: Caller = Depends(reader),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20),
) -> PageOut[GroupOut]:
    """Invoice groups, newest first, with how many invoices each holds."""
    after = cursor(starting_after)
    with caller.uow(write=False) as uow:
        found = groups.list_groups(uow)
    if after is not None:
        found = [g for g in found if g.id < after]
    page = found[:limit]
    more = len(found) > limit
    return PageOut[GroupOut](
        data=[_out(g) for g in page],
        has_more=more,
        next_cursor=str(page[-1].id) if more and page else None,
    )


@router.get("/{group_id}", response_model=GroupOut, summary="Get an invoice group")
def get_group(group_id: int, caller: Caller = Depends(reader)) -> GroupOut:
    """One group and how many invoices it holds; list them with `GET /v1/invoices?group_id=`."""
    with caller.uow(write=False) as uow:
        return _out(groups.get_group(uow, object_id(group_id, "invoice group")))


def filtered_query(filters: InvoiceFilters, *, today: date) -> InvoiceQuery:
    """The invoices list's query from a `filters` object; faults name `filters.<name>`."""
    prefix = "filters."
    errors = FieldErrors()
    for name in filters.model_extra or {}:
        if name.split("[", 1)[0] not in COMPARED:
            errors.add(prefix + name[:60], "unknown_field", "is not a filter of the invoices list")
    errors.raise_if_any()
    days: dict[str, date | None] = {}
    for name in ("as_of", "date_from", "date_to"):
        value = getattr(filters, name)
        field = prefix + name
        days[name] = None if value is None else check_date(as_date(value, field=field), field=field)
    return invoice_query(
        as_of=days["as_of"] or today,
        customer_id=filters.customer_id,
        types=[filters.type] if isinstance(filters.type, str) else filters.type,
        statuses=[filters.status] if isinstance(filters.status, str) else filters.status,
        date_from=days["date_from"],
        date_to=days["date_to"],
        group_id=filters.group_id,
        number=filters.number,
        currency=filters.currency,
        compared=(filters.model_extra or {}).items(),
        prefix=prefix,
    )


def _matching(uow: BillingUnitOfWork, filters: InvoiceFilters, today: date) -> list[int]:
    query = filtered_query(filters, today=today)
    if reading.count_invoices(uow, query) > MAX_MEMBERS:
        raise InvalidInput.single(
            "filters", "too_many", f"match more than {MAX_MEMBERS} invoices; narrow them"
        )
    return [row.document.id for row in reading.each_invoice(uow, query)]


@router.post(
    "/{group_id}/invoices", response_model=GroupAddedOut, summary="Add invoices to a group"
)
def add_invoices(
    group_id: int, body: GroupMembersIn, caller: Caller = Depends(writer)
) -> GroupAddedOut:
    """Add invoices by id (`invoice_ids`), and every invoice matching `filters` (the filters
    of `GET /v1/invoices` by the same names). Unknown ids and credit notes are refused."""
    if body.invoice_ids is None and body.filters is None:
        raise InvalidInput.single("invoice_ids", "required", "give invoice_ids or filters")
    with caller.uow() as uow:
        gid = groups.get_group(uow, object_id(group_id, "invoice group")).id
        ids = groups.parse_ids(body.invoice_ids) if body.invoice_ids is not None else []
        if body.filters is not None:
            ids = list(dict.fromkeys(ids + _matching(uow, body.filters, caller.today(uow))))
        added = groups.add_to_group(uow, gid, ids)
        group = groups.get_group(uow, gid)
        uow.commit()
    return GroupAddedOut(id=group.id, name=group.name, count=group.count, added=added)


@router.post(
    "/{group_id}/actions",
    response_model=ActionOut,
    responses=ZIP_RESPONSE,
    summary="Act on every invoice of a group",
)
def run_action(
    group_id: int, body: ActionIn, caller: Caller = Depends(reader)
) -> ActionOut | Response:
    """`mark_sent` records every invoice as sent (e-mail delivery is not built yet);
    `void` voids those that may be (refusals come back with their reason; each invoice is
    changed on its own); `pdf` answers one ZIP archive of their PDFs (any role)."""
    action = BulkAction(body.action)
    if action is not BulkAction.PDF and not caller.key.role.can_write:
        raise HTTPException(403, f"the {caller.key.role.value} role may only read")
    if body.reason is not None and action is not BulkAction.VOID:
        raise InvalidInput.single("reason", "not_for_action", "only a void takes a reason")
    reason = clean_text(body.reason, field="reason", max_length=500)
    with caller.uow(write=False) as uow:
        gid = groups.get_group(uow, object_id(group_id, "invoice group")).id
        on = caller.today(uow)
        query = InvoiceQuery(as_of=on, group_id=gid)
        ids = [row.document.id for row in reading.each_invoice(uow, query)]
    if action is BulkAction.PDF:
        archive = pdfs.archive(caller.container, ids, on=on, actor=caller.actor)
        return Response(
            archive.content,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="invoice-group-{gid}.zip"'},
        )
    result = bulk.run(
        caller.container,
        actor=caller.actor,
        action=action,
        document_ids=ids,
        on=on,
        at=datetime.now(UTC),
        reason=reason,
    )
    return ActionOut(
        action=body.action,
        done=result.done,
        refused=[RefusedOut(invoice_id=i, message=m) for i, m in result.refused],
    )
