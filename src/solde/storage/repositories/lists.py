"""Read model: balance by customer and receivables (SPEC §12)."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlLists:
    """Read model: balance by customer and receivables (SPEC §12)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
