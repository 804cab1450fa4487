"""Read model: customer statements (SPEC §11). Filled in by the work on SPEC §11–13."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlStatements:
    """Read model: customer statements (SPEC §11)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
