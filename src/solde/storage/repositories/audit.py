"""The audit log: who did what and when, for every change."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from solde.storage.tables import audit_log


def jsonable(value: Any) -> Any:
    """The value with decimals, dates and enumerations written as text."""
    return json.loads(json.dumps(value, default=str))


class SqlAuditLog:
    """Audit entries in the database, stamped with the actor and the time."""

    def __init__(self, connection: Connection, actor: str) -> None:
        self._c = connection
        self._actor = actor

    def record(
        self,
        action: str,
        *,
        customer_id: int | None,
        object_type: str,
        object_id: int | None,
        details: Mapping[str, Any],
    ) -> None:
        """Add one entry."""
        self._c.execute(
            insert(audit_log).values(
                at=datetime.now(UTC),
                actor=self._actor,
                action=action,
                customer_id=customer_id,
                object_type=object_type,
                object_id=object_id,
                details=jsonable(dict(details)),
            )
        )
