"""Numbering sequences: one row per distinct rendering of a numbering format."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from solde.storage.tables import numbering_sequences

n = numbering_sequences.c


class SqlNumbering:
    """Sequences in the database. Taking a value updates the sequence's row, which stays
    locked until the unit of work ends: concurrent issuers wait for each other, and a
    rolled-back issue gives its value back, so numbers have no gaps."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def next_value(self, key: str) -> int:
        """The next value of sequence `key`, 1 for a new sequence."""
        stmt = _TAKE[self._c.dialect.name == "postgresql"]
        return int(self._c.execute(stmt, {"key": key, "n": 1}).scalar_one())

    def next_values(self, key: str, count: int) -> list[int]:
        """The next `count` values of sequence `key`, taken in one statement."""
        if count < 1:
            return []
        stmt = _TAKE[self._c.dialect.name == "postgresql"]
        last = int(self._c.execute(stmt, {"key": key, "n": count}).scalar_one())
        return list(range(last - count + 1, last + 1))


def _take(dialect: Any) -> Any:
    stmt = dialect.insert(numbering_sequences).values(
        key=bindparam("key"), last_value=bindparam("n")
    )
    return stmt.on_conflict_do_update(
        index_elements=[n.key], set_={"last_value": n.last_value + stmt.excluded.last_value}
    ).returning(n.last_value)


#: built once per dialect (False: SQLite, True: PostgreSQL)
_TAKE = {False: _take(sqlite), True: _take(postgresql)}
