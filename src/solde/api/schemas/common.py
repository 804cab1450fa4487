"""Shapes shared by every resource: exact decimal input, amounts, pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from solde.ledger.ports import Page

T = TypeVar("T")

DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def _decimal_input(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('must be a decimal number written as text, like "120.00"')
    return value


#: A decimal given as text (`"120.00"`) or as an exact JSON number. The value is checked by
#: the domain (decimals of the currency, range), which names the field in its error.
DecimalInput = Annotated[
    str | int | Decimal,
    PlainValidator(_decimal_input),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "number"}],
            "examples": ["120.00"],
        }
    ),
]

#: A date as `YYYY-MM-DD`.
DateInput = Annotated[
    str,
    PlainValidator(lambda v: _date_text(v)),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-03-01"]}),
]


def _date_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


#: An amount in major units as text, like "120.00" (never a JSON number).
Amount = Annotated[str, Field(examples=["120.00"], pattern=r"^-?[0-9]+(\.[0-9]+)?$")]


class Input(BaseModel):
    """A request body: unknown fields are refused, so that a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")

    def values(self) -> dict[str, Any]:
        """The fields the client sent (absent fields stay absent; null stays null)."""
        return self.model_dump(exclude_unset=True, mode="python")


class _Identified(Protocol):
    id: int


def next_cursor(page: Page[Any]) -> str | None:
    """The cursor of the page after `page`: the id of its last item, when more follow."""
    items: tuple[_Identified, ...] = page.items
    return str(items[-1].id) if page.has_more and items else None


class PageOut(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` as `starting_after` to get the next page."""

    data: list[T]
    has_more: bool
    next_cursor: str | None
