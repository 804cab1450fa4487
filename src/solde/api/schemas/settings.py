"""Global settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt, WithJsonSchema

from solde.api.schemas.common import DECIMAL_PATTERN, Amount, DateInput, DecimalInput, Input
from solde.api.schemas.customers import BillingIn, BillingOut

NUMBERING_HELP = (
    "Tokens: `{year}`, `{month|2}`, `{day|2}` of the document date, `{partner_id|N}` "
    "(zero-padded to N), `{customer_id}`, `{next|N}` (the sequence, zero-padded to N; counted "
    "per distinct rendering of the rest of the format). null returns to the default."
)


class NumberingIn(Input):
    """Numbering formats to change, by document kind."""

    invoice: str | None = Field(None, description=NUMBERING_HELP, examples=["INV-{year}-{next|4}"])
    credit_note: str | None = Field(None, description=NUMBERING_HELP)
    proforma: str | None = Field(None, description=NUMBERING_HELP)


class PartnerIn(Input):
    """A selling company's details printed on its documents; replaces the partner `id` whole.
    `logo` is a `data:` URI of a PNG, JPEG or SVG image in base64 (at most 200 kB)."""

    id: StrictInt
    name: str | None = None
    address: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    bank_details: str | None = None
    payment_instructions: str | None = None
    footer: str | None = None
    logo: str | None = None


# Settings that may be left out but not sent as null: the domain answers null with a 422 naming
# the field, and the published schema does not offer null.
NotNullBool = Annotated[StrictBool | None, WithJsonSchema({"type": "boolean"})]
NotNullDates = Annotated[
    list[DateInput] | None,
    WithJsonSchema({"type": "array", "items": {"type": "string", "format": "date"}}),
]
NotNullDays = Annotated[
    list[StrictInt] | None, WithJsonSchema({"type": "array", "items": {"type": "integer"}})
]
Fee = DecimalInput | None
NotNullFees = Annotated[
    dict[str, list[Fee]] | None,
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"type": "string", "pattern": DECIMAL_PATTERN},
                        {"type": "number"},
                        {"type": "null"},
                    ]
                },
            },
            "examples": [{"EUR": ["0", "5.00", "10.00"]}],
        }
    ),
]


class DunningIn(Input):
    """Dunning settings to change (SPEC §9); omitted ones keep their value."""

    block_on_weekends: NotNullBool = Field(
        None, description="Allow block and deactivation dates on Saturdays and Sundays"
    )
    block_on_holidays: NotNullBool = Field(
        None, description="Allow block and deactivation dates on holidays"
    )
    holidays: NotNullDates = Field(
        None, description="Holidays besides the country's calendar; replaces the whole list"
    )
    holiday_country: str | None = Field(
        None,
        description="A country whose public holidays count (ISO code, e.g. `FR`); null: none",
        examples=["FR"],
    )
    holiday_subdivision: str | None = Field(
        None,
        description="A subdivision of that country (e.g. `BY` of `DE`); null: the country's "
        "national holidays only",
    )
    reminder_offsets: NotNullDays = Field(
        None,
        description="Days after the document date of each reminder level, increasing (at most "
        "10 levels, each 0 to 3650)",
        examples=[[3, 7, 14]],
    )
    reminder_fees: NotNullFees = Field(
        None,
        description="Per currency, the fee of each reminder level (null or 0: none); "
        "replaces the whole table",
    )


class SettingsUpdate(Input):
    """Settings to change; omitted ones keep their value. `lock_date: null` opens every period."""

    timezone: str | None = None
    default_locale: str | None = None
    default_currency: str | None = None
    lock_date: DateInput | None = None
    billing: BillingIn | None = None
    dunning: DunningIn | None = None
    numbering: NumberingIn | None = None
    partners: list[PartnerIn] | None = Field(
        None, description="Partners to set; each replaces the partner of its id, others stay"
    )


class NumberingOut(BaseModel):
    """The numbering format of each document kind."""

    invoice: str
    credit_note: str
    proforma: str


class PartnerOut(BaseModel):
    """A selling company's details printed on its documents."""

    id: int
    name: str
    address: str
    tax_id: str
    email: str
    phone: str
    website: str
    bank_details: str
    payment_instructions: str
    footer: str
    logo: str


class DunningOut(BaseModel):
    """How dunning counts days and when it reminds (SPEC §9)."""

    block_on_weekends: bool = Field(
        description="Block and deactivation dates may fall on Saturdays and Sundays (false: "
        "they move to the next working day)"
    )
    block_on_holidays: bool = Field(
        description="Block and deactivation dates may fall on holidays (false: they move to "
        "the next working day)"
    )
    holidays: list[date] = Field(description="Holidays listed besides the country's calendar")
    holiday_country: str | None = Field(
        description="The country whose public holidays count (null: none)"
    )
    holiday_subdivision: str | None = Field(
        description="The subdivision of that country whose holidays count too (null: none)"
    )
    reminder_offsets: list[int] = Field(
        description="Days after the document date of each reminder level"
    )
    reminder_fees: dict[str, list[Amount]] = Field(
        description="Per currency, the fee of each reminder level (0: none), posted as a "
        "collection cost",
        examples=[{"EUR": ["0.00", "5.00", "10.00"]}],
    )


class SettingsOut(BaseModel):
    """The global settings: business time zone, defaults, lock date, default billing settings,
    dunning, document numbering and the partners' details printed on documents."""

    timezone: str
    default_locale: str
    default_currency: str
    lock_date: date | None
    billing: BillingOut
    dunning: DunningOut
    numbering: NumberingOut
    partners: list[PartnerOut]
