"""Read model: balance by customer and receivables (SPEC §12). Filled in by the work on SPEC §11–13."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlLists:
    """Read model: balance by customer and receivables (SPEC §12)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
