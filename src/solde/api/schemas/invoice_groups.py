"""Invoice groups and bulk actions on invoices (SPEC §12)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from solde.api.schemas.common import DateInput, Input


class InvoiceFilters(BaseModel):
    """The filters of `GET /v1/invoices`, by the same names: `customer_id`, `type` and
    `status` (a list, or one text with commas), `date_from`, `date_to`, `group_id`, `number`
    (contains), `currency`, `as_of` (statuses as of this day; default today), and comparisons
    written as members named like the query parameters: `"invoice_balance[eq]": "0"`,
    `"account_balance[gt]": "0"` (op one of eq, lt, lte, gt, gte)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"invoice_balance[gt]": "0", "status": ["overdue"]}]},
    )

    customer_id: StrictInt | None = None
    type: list[str] | str | None = None
    status: list[str] | str | None = None
    date_from: DateInput | None = None
    date_to: DateInput | None = None
    group_id: StrictInt | None = None
    number: str | None = Field(None, max_length=40)
    currency: str | None = Field(None, max_length=3)
    as_of: DateInput | None = None


class GroupCreate(Input):
    """A new invoice group named `name`, holding the invoices `invoice_ids` (optional)."""

    name: str
    invoice_ids: list[StrictInt] | None = None


class GroupMembersIn(Input):
    """Invoices to add to a group: by id (`invoice_ids`), or every invoice matching
    `filters` (at most 10,000), or both. Invoices already in the group are left alone."""

    invoice_ids: list[StrictInt] | None = None
    filters: InvoiceFilters | None = None


class GroupOut(BaseModel):
    """An invoice group and how many invoices it holds."""

    id: int
    name: str
    count: int


class GroupAddedOut(GroupOut):
    """The group after an addition, and how many invoices were new to it."""

    added: int


class ActionIn(Input):
    """A bulk action on every invoice of the group: `mark_sent`, `void` (with an optional
    `reason`) or `pdf` (every PDF in one ZIP archive)."""

    action: Literal["mark_sent", "void", "pdf"]
    reason: str | None = Field(None, description="Why the invoices are void (`void` only)")


class RefusedOut(BaseModel):
    """An invoice the action left alone, and why."""

    invoice_id: int
    message: str


class ActionOut(BaseModel):
    """What a bulk action did: the invoices changed and those refused with the reason. Each
    invoice is changed on its own: a refusal does not undo the others."""

    action: Literal["mark_sent", "void"]
    done: list[int]
    refused: list[RefusedOut]
