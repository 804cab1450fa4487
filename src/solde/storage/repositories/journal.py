"""Read model: the accounting journal export. Filled in by the work on SPEC §11–13."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlJournal:
    """Read model: the accounting journal export."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
