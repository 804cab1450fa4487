"""The composition root: configuration -> engine -> units of work and stores.

Entry points (API, CLI) build one `Container` and take everything from it. This is also the
only place below the entry points that reads the clock: `today()` gives the business date in
the time zone of settings.
"""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Engine

from solde.dunning.usecases import lift_blocks
from solde.storage.api_keys import ApiKeyStore
from solde.storage.engine import DEFAULT_URL, make_engine
from solde.storage.idempotency import IdempotencyStore
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.storage.users import UserStore

DATABASE_URL_VARIABLE = "SOLDE_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Config:
    """How to reach the database."""

    database_url: str = DEFAULT_URL

    @classmethod
    def from_env(cls) -> Config:
        """`SOLDE_DATABASE_URL`, else a SQLite file `solde.db` in the current directory."""
        return cls(database_url=os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_URL)


class Container:
    """Everything an entry point needs, built once per process."""

    def __init__(self, config: Config, *, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or make_engine(config.database_url)
        self.api_keys = ApiKeyStore(self.engine)
        self.idempotency = IdempotencyStore(self.engine)
        self.users = UserStore(self.engine)

    def uow(self, *, actor: str, write: bool = True) -> SqlUnitOfWork:
        """A unit of work; use it in a `with` block and call `commit()` to keep its changes."""
        return SqlUnitOfWork(self.engine, actor=actor, write=write, before_commit=before_commit)

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        from solde.storage import migrate  # Alembic loads only when the schema is touched

        migrate.upgrade(self.engine)

    def is_migrated(self) -> bool:
        """True when the database has the newest schema."""
        from solde.storage import migrate

        return migrate.current_revision(self.engine) == migrate.head_revision()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def today(timezone: str) -> date:
    """Today's date in the business time zone."""
    return datetime.now(_zone(timezone)).date()


def is_timezone(name: str) -> bool:
    """True when `name` is a zone of the IANA time-zone database (`Europe/Paris`)."""
    try:
        _zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def before_commit(uow: SqlUnitOfWork) -> None:
    """What every unit of work does before it commits: a payment or credit that lowered a
    balance lifts at once a block dunning made that no longer holds (SPEC §9)."""
    lowered = uow.balances.lowered
    if lowered:
        touched = dict(lowered)
        lowered.clear()
        lift_blocks(uow, touched)
