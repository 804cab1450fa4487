"""Ids for per-customer tables, whose primary key is (customer_id, id).

PostgreSQL draws them from the column's identity sequence. SQLite has no sequence for a
composite key; its writers are serialised (BEGIN IMMEDIATE), so the next id is simply one above
the largest, read from the unique index on `id`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, Table, func, select, text

_NEXTVAL = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
#: One `max(id)` query per table, built once (SQLAlchemy then reuses its compiled form).
_LARGEST: dict[str, Select[Any]] = {}


def next_ids(connection: Connection, table: Table, count: int = 1) -> list[int]:
    """`count` new ids for `table`, in increasing order."""
    if connection.dialect.name == "postgresql":
        ids = connection.execute(_NEXTVAL, {"table": table.name, "n": count}).scalars()
        return sorted(ids)
    query = _LARGEST.get(table.name)
    if query is None:
        query = _LARGEST[table.name] = select(func.coalesce(func.max(table.c.id), 0))
    start = int(connection.execute(query).scalar_one())
    return list(range(start + 1, start + 1 + count))


def next_id(connection: Connection, table: Table) -> int:
    """One new id for `table`."""
    return next_ids(connection, table, 1)[0]
