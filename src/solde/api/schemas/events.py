"""Events: what happened, kept in the outbox in the same transaction as the change, for
webhooks to deliver (SPEC §15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

#: The event types written so far (the list grows; a filter on another type finds nothing).
EVENT_TYPES = (
    "customer.blocked",
    "customer.unblocked",
    "customer.deactivated",
    "customer.next_block_date_set",
    "customer.next_block_date_withdrawn",
    "reminder.due",
    "invoice.overdue",
)
#: What an event type looks like: dotted lower-case words.
EVENT_TYPE_PATTERN = r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$"


class EventOut(BaseModel):
    """Something that happened, as webhooks will deliver it."""

    id: int = Field(description="The event id; events are listed newest first")
    type: str = Field(
        description="What happened: " + ", ".join(f"`{t}`" for t in EVENT_TYPES) + ", …",
        examples=["customer.blocked"],
    )
    customer_id: int | None = Field(description="The customer it concerns (null: none)")
    object_type: str = Field(
        description="The kind of object it tells of: `customer`, `reminder`, `invoice`, …"
    )
    object_id: int | None = Field(description="The id of that object")
    occurred_on: dt.date = Field(description="The business date it happened on")
    data: dict[str, Any] = Field(
        description="The details: for a block, the balance, pending payments, credit limit and "
        "the invoice that set the due date; for a reminder, its level, fee and invoices"
    )
    created_at: dt.datetime | None = Field(description="When it was written")
