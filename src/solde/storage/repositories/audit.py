"""The audit log: who did what and when, for every change."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from solde.ledger.ports import AuditEntry
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
        self.record_many([AuditEntry(action, customer_id, object_type, object_id, details)])

    def record_many(self, entries: Sequence[AuditEntry]) -> None:
        """Add entries in one statement, all stamped with the same time."""
        if not entries:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "at": now,
                "actor": self._actor,
                "action": entry.action,
                "customer_id": entry.customer_id,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "details": jsonable(dict(entry.details)),
            }
            for entry in entries
        ]
        self._c.execute(_INSERT, rows)


_INSERT = insert(audit_log)
