"""A consistent copy of a live SQLite database (SQLite's online backup API).

The copy is written beside the destination under a temporary name and renamed into place when
complete, so a reader never sees half a backup. Writers keep working while it runs: the backup
restarts its page copy when the source changes, and SQLite guarantees the result is one
consistent state. PostgreSQL is backed up with its own tools (`pg_dump`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from solde.domain.errors import InvalidInput, InvalidState

PAGES_PER_STEP = 4096


def backup_sqlite(engine: Engine, destination: Path, *, overwrite: bool = False) -> int:
    """Copy the SQLite database of `engine` to `destination`; returns the size in bytes."""
    if engine.dialect.name != "sqlite":
        raise InvalidState(
            f"solde backup copies SQLite databases; back up {engine.dialect.name} with its "
            "own tools (pg_dump for PostgreSQL)"
        )
    source = engine.url.database
    if not source or source == ":memory:":
        raise InvalidState("the database is in memory: there is nothing to back up")
    if destination.exists() and not overwrite:
        raise InvalidInput.single(
            "destination", "exists", f"{destination} exists; choose another path or overwrite it"
        )
    if destination.exists() and destination.resolve() == Path(source).resolve():
        raise InvalidInput.single("destination", "is_source", "is the database itself")
    if not destination.parent.is_dir():
        raise InvalidInput.single(
            "destination", "no_folder", f"the folder {destination.parent} does not exist"
        )
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(target, pages=PAGES_PER_STEP)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        raw.close()
    os.replace(partial, destination)
    return destination.stat().st_size
