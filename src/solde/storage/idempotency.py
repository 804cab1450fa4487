"""Idempotency keys: a retried POST with the same key returns the first answer.

The first request with a key claims it (a row without a response) before it runs; a second
request with the same key then gets the stored answer, or a conflict when its body differs or
while the first one is still running. Only successful answers are kept: after an error the key
is released so that the client can retry, corrected. Keys are forgotten after 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from solde.storage.tables import idempotency_keys

RETENTION = timedelta(hours=24)
k = idempotency_keys.c


class Claim(Enum):
    """What happened when a request tried to claim a key."""

    STARTED = "started"  # the key is ours: run the request
    REPLAY = "replay"  # the same request ran before: answer what it answered
    MISMATCH = "mismatch"  # the key was used with another request
    IN_PROGRESS = "in_progress"  # the same request is running right now


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a claim, with the stored answer for a replay."""

    claim: Claim
    status_code: int | None = None
    body: bytes | None = None
    content_type: str | None = None


class IdempotencyStore:
    """Idempotency keys per API key ("owner")."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, owner: str, key: str, fingerprint: str) -> Outcome:
        """Claim `key` for a request whose method, path and body hash to `fingerprint`."""
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            connection.execute(
                delete(idempotency_keys).where(
                    k.owner == owner, k.key == key, k.created_at < now - RETENTION
                )
            )
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(idempotency_keys).values(
                        owner=owner, key=key, fingerprint=fingerprint, created_at=now
                    )
                )
            return Outcome(Claim.STARTED)
        except IntegrityError:
            pass
        with self._engine.connect() as connection:
            row = connection.execute(
                select(idempotency_keys).where(k.owner == owner, k.key == key)
            ).first()
        if row is None:  # released in between: the client may simply retry
            return Outcome(Claim.IN_PROGRESS)
        if row.fingerprint != fingerprint:
            return Outcome(Claim.MISMATCH)
        if row.status_code is None:
            return Outcome(Claim.IN_PROGRESS)
        body = None if row.body is None else row.body.encode("utf-8")
        return Outcome(Claim.REPLAY, row.status_code, body, row.content_type)

    def complete(
        self, owner: str, key: str, status_code: int, body: bytes, content_type: str
    ) -> None:
        """Keep the answer of a successful request."""
        with self._engine.begin() as connection:
            connection.execute(
                update(idempotency_keys)
                .where(k.owner == owner, k.key == key)
                .values(
                    status_code=status_code, body=body.decode("utf-8"), content_type=content_type
                )
            )

    def release(self, owner: str, key: str) -> None:
        """Forget a claim whose request failed."""
        with self._engine.begin() as connection:
            connection.execute(delete(idempotency_keys).where(k.owner == owner, k.key == key))
