"""/v1/events: the event outbox, newest first (SPEC §15)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, cursor, object_id, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.common import PageOut, next_cursor
from solde.api.schemas.events import EVENT_TYPE_PATTERN, EventOut
from solde.ledger.ports import MAX_PAGE

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=ExactJSONRoute)


@router.get("", response_model=PageOut[EventOut], summary="List events")
def list_events(
    caller: Caller = Depends(reader),
    type: str | None = Query(
        None,
        max_length=100,
        pattern=EVENT_TYPE_PATTERN,
        description="Only events of this type, e.g. `customer.blocked`",
    ),
    customer_id: int | None = Query(None, description="Only events of this customer"),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(
        None, max_length=20, description="Cursor from `next_cursor`"
    ),
) -> PageOut[EventOut]:
    """Events newest first: customers blocked, unblocked, deactivated, next block dates set
    or withdrawn, reminders due, invoices overdue… each written in the same transaction as the
    change it tells of. Webhooks will deliver them."""
    after = cursor(starting_after)
    with caller.uow(write=False) as uow:
        who = None
        if customer_id is not None:
            who = uow.customers.get(object_id(customer_id, "customer")).id
        page = uow.events.search(type=type, customer_id=who, limit=limit, starting_after=after)
    data = [EventOut.model_validate(views.event(e)) for e in page.items]
    return PageOut[EventOut](data=data, has_more=page.has_more, next_cursor=next_cursor(page))
