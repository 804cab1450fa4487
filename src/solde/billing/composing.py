"""What goes on an invoice: typed items and unbilled lines, and the rule that keeps the total
at or above zero (SPEC §4, §5). Pure: no I/O.

Debit lines and typed items are all taken. Credit lines are then taken oldest first while the
total stays at or above zero; the credit line that would push it below zero is split: the part
that brings the total to zero is billed, the remainder stays unbilled for the next invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from solde.billing.documents import Item
from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.money import Money, money_sum
from solde.domain.tax import HUNDRED, parse_line_price
from solde.domain.values import clean_text
from solde.ledger.model import Kind, Transaction

DESCRIPTION_LENGTH = 500
MAX_ITEMS = 1000
ITEM_FIELDS = frozenset({"description", "quantity", "unit_price", "tax_rate"})


def parse_items(value: object, *, currency: str, field: str = "items") -> list[Item]:
    """Typed items as a user sends them: a list of {description, quantity (default 1),
    unit_price, tax_rate (default 0)}. A negative unit price is a discount. Reports every bad
    item at once, each under `items.N.field`."""
    if not isinstance(value, list):
        raise InvalidInput.single(field, "not_a_list", "must be a list of items")
    if len(value) > MAX_ITEMS:
        raise InvalidInput.single(field, "too_many", f"may hold at most {MAX_ITEMS} items")
    errors = FieldErrors()
    items: list[Item] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            errors.add(f"{field}.{index}", "not_an_object", "must be an object")
            continue
        try:
            items.append(_item(raw, currency))
        except InvalidInput as exc:
            errors.absorb(exc, prefix=f"{field}.{index}.")
    errors.raise_if_any()
    return items


def _item(raw: Mapping[str, object], currency: str) -> Item:
    errors = FieldErrors()
    for name in raw:
        if name not in ITEM_FIELDS:
            errors.add(str(name), "unknown_field", "is not a field of an item")
    description = ""
    try:
        description = (
            clean_text(
                raw.get("description"),
                field="description",
                max_length=DESCRIPTION_LENGTH,
                required=True,
            )
            or ""
        )
    except InvalidInput as exc:
        errors.absorb(exc)
    if raw.get("unit_price") is None:
        errors.add("unit_price", "required", "is required")
    price = None
    try:
        price = parse_line_price(
            _or(raw.get("quantity"), "1"),
            _or(raw.get("unit_price"), "0"),
            _or(raw.get("tax_rate"), "0"),
        )
    except InvalidInput as exc:
        errors.absorb(exc)
    errors.raise_if_any()
    assert price is not None
    amounts = price.amounts(currency)
    return Item(
        description=description,
        quantity=price.quantity,
        unit_price=price.unit_price,
        tax_rate=price.tax_rate,
        net=amounts.net,
        tax=amounts.tax,
        gross=amounts.gross,
    )


def _or(value: object, default: str) -> object:
    return default if value is None else value


def line_item(line: Transaction) -> Item:
    """An unbilled line as an invoice item; a credit line counts negative."""
    sign = Decimal(line.kind.sign)
    return Item(
        description=line.label,
        quantity=line.quantity,
        unit_price=line.unit_price * sign,
        tax_rate=line.tax_rate,
        net=line.signed(line.net),
        tax=line.signed(line.tax),
        gross=line.signed(),
        period_start=line.date,
        period_end=line.date,
        transaction_id=line.id,
    )


@dataclass(frozen=True, slots=True)
class Split:
    """A credit line billed in part: `billed` gross/net/tax go on the invoice, the rest stays."""

    line: Transaction
    gross: Money
    net: Money
    tax: Money


@dataclass(frozen=True, slots=True)
class Composition:
    """The items of an invoice and what happens to the unbilled lines it looked at."""

    items: tuple[Item, ...]
    billed: tuple[Transaction, ...]  # lines billed whole
    split: Split | None  # the credit line billed in part, if any
    net: Money
    tax: Money
    total: Money


def compose(typed: Sequence[Item], lines: Sequence[Transaction], *, currency: str) -> Composition:
    """The invoice's items: typed items, then debit lines (oldest first), then credit lines
    oldest first as far as the total stays ≥ 0, splitting the one that would go below.

    Refuses typed items whose total is below zero (a discount larger than what it discounts).
    """
    debits = sorted((x for x in lines if x.kind is Kind.DEBIT), key=lambda x: (x.date, x.id))
    credits = sorted((x for x in lines if x.kind is Kind.CREDIT), key=lambda x: (x.date, x.id))
    items = list(typed) + [line_item(x) for x in debits]
    total = money_sum([i.gross for i in items], currency)
    if total.is_negative():
        raise InvalidInput.single(
            "items", "negative_total", f"the items total {total} {currency}: below zero"
        )
    billed = list(debits)
    split: Split | None = None
    for line in credits:
        if line.amount <= total:
            items.append(line_item(line))
            billed.append(line)
            total = total - line.amount
            continue
        if total.is_positive():
            split = split_credit(line, total)
            items.append(_split_item(split))
            total = Money.zero(currency)
        break
    return Composition(
        items=tuple(items),
        billed=tuple(billed),
        split=split,
        net=money_sum([i.net for i in items], currency),
        tax=money_sum([i.tax for i in items], currency),
        total=money_sum([i.gross for i in items], currency),
    )


def split_credit(line: Transaction, gross: Money) -> Split:
    """The part of credit line `line` worth `gross` (0 < gross < line amount), with its tax
    taken out at the line's rate (net rounded half-up; tax is the rest, so net + tax = gross
    exactly)."""
    rate = line.tax_rate
    net = Money.round(gross.amount * HUNDRED / (HUNDRED + rate), gross.currency)
    if net > line.net:
        net = line.net
    tax = gross - net
    if tax > line.tax:
        tax = line.tax
        net = gross - tax
    return Split(line=line, gross=gross, net=net, tax=tax)


def _split_item(split: Split) -> Item:
    line = split.line
    return Item(
        description=line.label,
        quantity=Decimal(1),
        unit_price=-split.net.amount,
        tax_rate=line.tax_rate,
        net=-split.net,
        tax=-split.tax,
        gross=-split.gross,
        period_start=line.date,
        period_end=line.date,
        transaction_id=line.id,
    )
