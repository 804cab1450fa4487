"""Global settings."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, StrictInt

from solde.api.schemas.common import DateInput, Input
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


class SettingsUpdate(Input):
    """Settings to change; omitted ones keep their value. `lock_date: null` opens every period."""

    timezone: str | None = None
    default_locale: str | None = None
    default_currency: str | None = None
    lock_date: DateInput | None = None
    billing: BillingIn | None = None
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


class SettingsOut(BaseModel):
    """The global settings: business time zone, defaults, lock date, default billing settings,
    document numbering and the partners' details printed on documents."""

    timezone: str
    default_locale: str
    default_currency: str
    lock_date: date | None
    billing: BillingOut
    numbering: NumberingOut
    partners: list[PartnerOut]
