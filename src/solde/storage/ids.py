"""Ids for per-customer tables, whose primary key is (customer_id, id).

PostgreSQL draws them from the column's identity sequence. SQLite has no sequence for a
composite key; its writers are serialised (BEGIN IMMEDIATE), so the next id is simply one above
the largest, read from the unique index on `id`.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select, text


def next_ids(connection: Connection, table: Table, count: int = 1) -> list[int]:
    """`count` new ids for `table`, in increasing order."""
    if connection.dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return sorted(connection.execute(query, {"table": table.name, "n": count}).scalars())
    start = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(start + 1, start + 1 + count))


def next_id(connection: Connection, table: Table) -> int:
    """One new id for `table`."""
    return next_ids(connection, table, 1)[0]
