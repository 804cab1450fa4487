"""Global settings."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from solde.api.schemas.common import DateInput, Input
from solde.api.schemas.customers import BillingIn, BillingOut


class SettingsUpdate(Input):
    """Settings to change; omitted ones keep their value. `lock_date: null` opens every period."""

    timezone: str | None = None
    default_locale: str | None = None
    default_currency: str | None = None
    lock_date: DateInput | None = None
    billing: BillingIn | None = None


class SettingsOut(BaseModel):
    """The global settings: business time zone, defaults, lock date, default billing settings."""

    timezone: str
    default_locale: str
    default_currency: str
    lock_date: date | None
    billing: BillingOut
