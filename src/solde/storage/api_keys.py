"""API keys: created by the CLI, stored as SHA-256 hashes, each with a role.

Keys are 256-bit random tokens, so a fast hash is enough: nobody can guess one from its hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select, update

from solde.domain.errors import NotFound
from solde.domain.values import clean_text, is_possible_id
from solde.storage.tables import api_keys

PREFIX = "sk_"


class Role(StrEnum):
    """What a key (or a user) may do."""

    ADMIN = "admin"  # everything
    BILLING = "billing"  # read and write finance data; no settings, no keys
    VIEWER = "viewer"  # read only

    @property
    def can_write(self) -> bool:
        """May change finance data."""
        return self in (Role.ADMIN, Role.BILLING)

    @property
    def can_administer(self) -> bool:
        """May change settings."""
        return self is Role.ADMIN


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored (never the secret itself)."""

    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def fingerprint(secret: str) -> str:
    """The SHA-256 of a secret, in hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeyStore:
    """Create, find, list and revoke API keys."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, name: str | None, role: Role) -> tuple[ApiKey, str]:
        """A new key and its secret, which is shown once and never stored."""
        label = clean_text(name, field="name", max_length=100) or f"{role.value} key"
        secret = PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            key_id = connection.execute(
                insert(api_keys)
                .values(
                    name=label,
                    role=role.value,
                    prefix=secret[:10],
                    secret_hash=fingerprint(secret),
                    created_at=now,
                )
                .returning(api_keys.c.id)
            ).scalar_one()
        return ApiKey(key_id, label, role, secret[:10], now, None), secret

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key with this secret, if any."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        query = select(api_keys).where(
            api_keys.c.secret_hash == fingerprint(secret), api_keys.c.revoked_at.is_(None)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _key(row)

    def list(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(api_keys).order_by(api_keys.c.id)).all()
        return [_key(r) for r in rows]

    def revoke(self, key_id: int) -> ApiKey:
        """Revoke a key: it stops working at once."""
        if not is_possible_id(key_id):
            raise NotFound("API key", key_id)
        with self._engine.begin() as connection:
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise NotFound("API key", key_id)
        return _key(row)


def _key(row: object) -> ApiKey:
    return ApiKey(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        role=Role(row.role),  # type: ignore[attr-defined]
        prefix=row.prefix,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        revoked_at=row.revoked_at,  # type: ignore[attr-defined]
    )
