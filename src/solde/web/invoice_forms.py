"""Invoice and credit-note forms: item rows, the invoices list's filters, and what documents
are called on the pages.

Item inputs are named as the API names their errors (`items.0.unit_price`), one row per index.
Empty rows are skipped, so the use case sees items numbered without gaps; its errors are named
back after the row the user typed them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

from solde.billing.documents import DocType, Item, Status
from solde.billing.ports import Compare, InvoiceQuery
from solde.domain.errors import FieldError, InvalidInput, SoldeError
from solde.domain.values import as_date, is_possible_id
from solde.web.formatting import Format, parse_number
from solde.web.forms import Form

T = TypeVar("T")
ITEM_FIELDS = ("description", "quantity", "unit_price", "tax_rate")
#: Empty rows a new form shows, and how many "More rows" adds.
ROWS = 3
MAX_ROWS = 40
PAGE_SIZE = 25

TYPE_LABELS = {
    DocType.ONE_TIME: "Invoice",
    DocType.RECURRING: "Recurring invoice",
    DocType.PROFORMA: "Proforma",
    DocType.CREDIT_NOTE: "Credit note",
}
STATUS_LABELS = {
    Status.DRAFT: "draft",
    Status.UNPAID: "unpaid",
    Status.PENDING: "pending",
    Status.PARTIALLY_PAID: "partially paid",
    Status.PAID: "paid",
    Status.OVERDUE: "overdue",
    Status.VOID: "void",
    Status.CONVERTED: "converted",
    Status.ISSUED: "issued",
}
#: The colour of each status badge: green paid, red overdue, amber part paid or waiting for
#: the bank, blue unpaid or issued, grey void, draft and converted.
STATUS_COLOURS = {
    Status.PAID: "status-active",
    Status.OVERDUE: "status-blocked",
    Status.PARTIALLY_PAID: "state-pending",
    Status.PENDING: "state-pending",
    Status.UNPAID: "state-unbilled",
    Status.ISSUED: "state-unbilled",
    Status.DRAFT: "state-void",
    Status.VOID: "state-void",
    Status.CONVERTED: "state-void",
}
COMPARE_LABELS = {
    Compare.EQ: "=",
    Compare.LT: "<",
    Compare.LTE: "≤",
    Compare.GT: ">",
    Compare.GTE: "≥",
}
CATEGORY_LABELS = {
    "invoiced": "Invoiced",
    "paid": "Paid (part paid included)",
    "unpaid": "Unpaid (part paid and overdue included)",
    "overdue": "Overdue",
    "void": "Void",
}


def badge_class(status: Status) -> str:
    """The CSS classes of a document status badge."""
    return f"badge doc-{status.value} {STATUS_COLOURS.get(status, 'state-void')}"


# -- item rows ------------------------------------------------------------------------------


def row_count(form: Form, *, more: bool = False) -> int:
    """How many item rows the form shows: those typed in (at least `ROWS`), plus `ROWS` more
    when the user asked for more rows."""
    typed = 0
    for name in form.values:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit():
            typed = max(typed, int(parts[1]) + 1)
    shown = form.get("rows")
    if shown.isdigit():
        typed = max(typed, int(shown))
    count = max(typed, ROWS) + (ROWS if more else 0)
    return min(count, MAX_ROWS)


@dataclass
class Rows:
    """The items typed in a form, and the row each came from."""

    items: list[dict[str, str]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    faults: list[FieldError] = field(default_factory=list)

    def run(self, action: Callable[[], T]) -> T:
        """`action` (a use case given the items read), reporting the numbers that could not be
        read with every fault it finds, each on the row it was typed in. When a number could
        not be read this raises, so nothing `action` did is kept."""
        try:
            result = action()
        except InvalidInput as exc:
            raise InvalidInput([*self.faults, *self.renamed(exc.errors)]) from None
        except SoldeError:
            if self.faults:
                raise InvalidInput(self.faults) from None
            raise
        if self.faults:
            raise InvalidInput(self.faults)
        return result

    def renamed(self, errors: Iterable[FieldError]) -> list[FieldError]:
        """The use case's errors on `items.N.…`, named after the row typed in."""
        found = []
        for e in errors:
            parts = e.field.split(".", 2)
            if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():
                index = int(parts[1])
                row = self.rows[index] if index < len(self.rows) else index
                name = ".".join(["items", str(row), *parts[2:]])
                found.append(FieldError(name, e.code, e.message))
            else:
                found.append(e)
        return found


def read_rows(form: Form, locale: str, count: int) -> Rows:
    """The non-empty rows of a form as items; numbers are read in the user's locale."""
    found = Rows()
    for row in range(count):
        typed = {name: form.get(f"items.{row}.{name}").strip() for name in ITEM_FIELDS}
        if not any(typed.values()):
            continue
        item: dict[str, str] = {}
        if typed["description"]:
            item["description"] = typed["description"]
        for name in ("quantity", "unit_price", "tax_rate"):
            if not typed[name]:
                continue
            try:
                item[name] = parse_number(typed[name], locale, field=f"items.{row}.{name}")
            except InvalidInput as exc:
                found.faults.extend(exc.errors)
                item[name] = "0"
        found.items.append(item)
        found.rows.append(row)
    return found


def item_values(items: tuple[Item, ...], fmt: Format) -> dict[str, str]:
    """Typed items as a form shows them, to change them."""
    values: dict[str, str] = {}
    for row, item in enumerate(items):
        values[f"items.{row}.description"] = item.description
        values[f"items.{row}.quantity"] = fmt.plain(item.quantity.normalize())
        values[f"items.{row}.unit_price"] = fmt.plain(item.unit_price)
        values[f"items.{row}.tax_rate"] = fmt.plain(item.tax_rate.normalize())
    return values


# -- the invoices list's filters ------------------------------------------------------------

FILTERS = (
    "customer",
    "type",
    "status",
    "date_from",
    "date_to",
    "group",
    "number",
    "invoice_balance_op",
    "invoice_balance",
    "account_balance_op",
    "account_balance",
    "page",
)


def filters_of(params: Mapping[str, str]) -> Form:
    """The list's filters as typed in the query string."""
    return Form({name: params.get(name, "")[:200] for name in FILTERS})


def page_number(text: str) -> int:
    """The page asked for (1 when unreadable)."""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else 1


def invoice_query(
    filters: Form, locale: str, *, as_of: date, page: int = 1, group_id: int | None = None
) -> InvoiceQuery:
    """The query of the filters, or `InvalidInput` naming each filter that cannot be read."""
    faults: list[FieldError] = []
    values = {**_ids(filters, faults), **_choices(filters), **_dates(filters, faults)}
    if group_id is not None:
        values["group_id"] = group_id
    if filters.text("number"):
        values["number"] = filters.text("number")
    for name in ("invoice_balance", "account_balance"):
        compared = _comparison(filters, name, locale, faults)
        if compared is not None:
            values[name] = (compared,)
    if faults:
        raise InvalidInput(faults)
    offset = (page - 1) * PAGE_SIZE
    return InvoiceQuery(as_of=as_of, limit=PAGE_SIZE, offset=offset, **values)


def _ids(filters: Form, faults: list[FieldError]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("customer", "group"):
        text = filters.text(name)
        if text is None:
            continue
        if text.isascii() and text.isdigit() and is_possible_id(int(text)):
            found[f"{name}_id"] = int(text)
        else:
            faults.append(FieldError(name, "not_an_id", "must be a number like 12"))
    return found


def _choices(filters: Form) -> dict[str, Any]:
    found: dict[str, Any] = {}
    kind = filters.get("type")
    if kind in {t.value for t in DocType}:
        found["types"] = frozenset({DocType(kind)})
    status = filters.get("status")
    if status in {s.value for s in Status}:
        found["statuses"] = frozenset({Status(status)})
    return found


def _dates(filters: Form, faults: list[FieldError]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("date_from", "date_to"):
        text = filters.text(name)
        if text is not None:
            try:
                found[name] = as_date(text, field=name)
            except InvalidInput as exc:
                faults.extend(exc.errors)
    return found


def _comparison(
    filters: Form, name: str, locale: str, faults: list[FieldError]
) -> tuple[Compare, Decimal] | None:
    text = filters.text(name)
    if text is None:
        return None
    op = filters.get(f"{name}_op") or Compare.EQ.value
    if op not in {c.value for c in Compare}:
        faults.append(FieldError(f"{name}_op", "invalid_choice", "is one of: =, <, ≤, >, ≥"))
        return None
    try:
        return Compare(op), Decimal(parse_number(text, locale, field=name))
    except InvalidInput as exc:
        faults.extend(exc.errors)
    return None


def list_url(base: str, filters: Form, **changes: str) -> str:
    """The list at `base` with these filters (empty ones left out)."""
    params = {**{n: filters.get(n) for n in FILTERS}, **changes}
    query = urlencode({k: v for k, v in params.items() if v})
    return base + ("?" + query if query else "")


def selected_ids(data: Mapping[str, str]) -> list[int]:
    """The rows ticked in the list (`select.<id>` checkboxes)."""
    found: list[int] = []
    for name, value in data.items():
        key = name.removeprefix("select.")
        if key != name and value and key.isascii() and key.isdigit():
            number = int(key)
            if is_possible_id(number):
                found.append(number)
    return found
