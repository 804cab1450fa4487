"""Global settings, kept as one JSON document (decimals and dates as text)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from solde.ledger.billing import BillingSettings, Proration, Timing
from solde.ledger.dunning_settings import DunningSettings
from solde.ledger.settings import DEFAULT_NUMBERING, Partner, Settings
from solde.storage.tables import settings as settings_table

KEY = "settings"
_GET = select(settings_table.c.value).where(settings_table.c.key == KEY)


def _dump(value: Settings) -> dict[str, Any]:
    billing = value.billing.as_dict()
    billing["credit_limit"] = str(billing["credit_limit"])
    billing["timing"] = value.billing.timing.value
    billing["proration"] = value.billing.proration.value
    return {
        "timezone": value.timezone,
        "default_locale": value.default_locale,
        "default_currency": value.default_currency,
        "lock_date": None if value.lock_date is None else value.lock_date.isoformat(),
        "billing": billing,
        "dunning": value.dunning.as_dict(),
        "numbering": dict(value.numbering),
        "partners": [p.as_dict() for _, p in sorted(value.partners.items())],
    }


def _load(data: dict[str, Any]) -> Settings:
    defaults = Settings()
    billing = dict(data.get("billing") or {})
    known = {k: v for k, v in billing.items() if k in BillingSettings.__dataclass_fields__}
    if "credit_limit" in known:
        known["credit_limit"] = Decimal(known["credit_limit"])
    if "timing" in known:
        known["timing"] = Timing(known["timing"])
    if "proration" in known:
        known["proration"] = Proration(known["proration"])
    lock = data.get("lock_date")
    return Settings(
        timezone=data.get("timezone", defaults.timezone),
        default_locale=data.get("default_locale", defaults.default_locale),
        default_currency=data.get("default_currency", defaults.default_currency),
        lock_date=None if lock is None else date.fromisoformat(lock),
        billing=BillingSettings(**known),
        dunning=DunningSettings.from_dict(data.get("dunning") or {}),
        numbering={**DEFAULT_NUMBERING, **dict(data.get("numbering") or {})},
        partners={
            int(p["id"]): Partner(
                **{k: v for k, v in p.items() if k in Partner.__dataclass_fields__}
            )
            for p in data.get("partners") or []
        },
    )


class SqlSettings:
    """Settings in the database; defaults until an administrator saves them."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._cached: Settings | None = None

    def get(self) -> Settings:
        """The current settings (read once per unit of work)."""
        if self._cached is None:
            data = self._c.execute(_GET).scalar()
            self._cached = Settings() if data is None else _load(data)
        return self._cached

    def save(self, value: Settings) -> None:
        """Replace the settings."""
        self._c.execute(delete(settings_table).where(settings_table.c.key == KEY))
        self._c.execute(insert(settings_table).values(key=KEY, value=_dump(value)))
        self._cached = value
