"""The event outbox: events written in the same transaction as the change they tell of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from solde.dunning.ports import Event
from solde.ledger.ports import Page
from solde.storage.batches import chunks
from solde.storage.tables import events

e = events.c


class SqlEvents:
    """Events, newest first when listed."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record(
        self,
        type: str,
        *,
        customer_id: int | None,
        object_type: str,
        object_id: int | None,
        occurred_on: date,
        data: Mapping[str, Any],
    ) -> None:
        """Keep an event in the current transaction."""
        self._c.execute(
            insert(events).values(
                type=type,
                customer_id=customer_id,
                object_type=object_type,
                object_id=object_id,
                occurred_on=occurred_on,
                data=dict(data),
                created_at=datetime.now(UTC),
            )
        )

    def told(self, type: str, object_ids: Sequence[int]) -> set[int]:
        """Those of `object_ids` that an event of `type` already tells of."""
        found: set[int] = set()
        for chunk in chunks(object_ids):
            query = select(e.object_id).where(e.type == type, e.object_id.in_(chunk))
            found.update(self._c.execute(query).scalars())
        return found

    def search(
        self,
        *,
        type: str | None = None,
        customer_id: int | None = None,
        limit: int = 20,
        starting_after: int | None = None,
    ) -> Page[Event]:
        """A page of events, newest first, optionally of one type or one customer."""
        query = select(events).order_by(e.id.desc()).limit(limit + 1)
        if type is not None:
            query = query.where(e.type == type)
        if customer_id is not None:
            query = query.where(e.customer_id == customer_id)
        if starting_after is not None:
            query = query.where(e.id < starting_after)
        rows = self._c.execute(query).all()
        found = tuple(
            Event(
                id=row.id,
                type=row.type,
                customer_id=row.customer_id,
                object_type=row.object_type,
                object_id=row.object_id,
                occurred_on=row.occurred_on,
                data=row.data,
                created_at=row.created_at,
            )
            for row in rows[:limit]
        )
        return Page(found, len(rows) > limit)
