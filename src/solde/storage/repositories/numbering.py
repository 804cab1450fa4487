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
        return int(self._c.execute(stmt, {"key": key}).scalar_one())


def _take(dialect: Any) -> Any:
    stmt = dialect.insert(numbering_sequences).values(key=bindparam("key"), last_value=1)
    return stmt.on_conflict_do_update(
        index_elements=[n.key], set_={"last_value": n.last_value + 1}
    ).returning(n.last_value)


#: built once per dialect (False: SQLite, True: PostgreSQL)
_TAKE = {False: _take(sqlite), True: _take(postgresql)}
