"""The databases the benchmarks run on: fresh ones, cached generated books, raw connections.

SQLite files live in the work folder (bench/work/, on the same disk as the project) and are
opened as solde opens them: WAL, synchronous=FULL (durable commits). PostgreSQL databases are
created on the server of SOLDE_BENCH_POSTGRES_URL (default: the local server, as the tests use).
A generated book is kept between runs (a SQLite file, a PostgreSQL database) under a name made
of its sizes, its seed and the generator's version, and reused while they do not change.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import generator
from solde.bootstrap import Config, Container
from solde.storage.migrate import head_revision

ROOT = Path(__file__).resolve().parent
WORK = Path(os.environ.get("SOLDE_BENCH_WORK", ROOT / "work"))
PG_ADMIN_URL = os.environ.get(
    "SOLDE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True, slots=True)
class Database:
    """One database of one backend."""

    backend: str
    name: str

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return WORK / f"{self.name}.db"

    @property
    def url(self) -> str:
        """Its SQLAlchemy URL."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        return f"{base}/{self.name}".replace("postgresql://", "postgresql+psycopg://", 1)

    def container(self) -> Container:
        """solde's composition root on this database."""
        return Container(Config(self.url))

    def raw(self) -> Any:
        """A DBAPI connection without solde: sqlite3 set up as solde sets it up, or psycopg."""
        if self.backend == "sqlite":
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            return connection
        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def postgres_version() -> str | None:
    """The server's version, when reachable."""
    if postgres_problem() is not None:
        return None
    with psycopg.connect(PG_ADMIN_URL) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return None if row is None else str(row[0]).split()[0]


def analyze(database: Database) -> None:
    """Gather the planner's statistics, as autovacuum does on a live PostgreSQL database: without
    them a fresh table's plans are guesses (an update by primary key scanning all of a
    customer's rows, for example)."""
    connection = database.raw()
    connection.execute("ANALYZE")
    if database.backend == "postgresql":
        connection.commit()
    connection.close()


def vacuum(database: Database) -> None:
    """On PostgreSQL, what autovacuum does to a live database after a bulk load: VACUUM
    (ANALYZE). Without it the visibility map of a freshly written table is empty, and a
    statement that reads an index alone (the receivables' partial indexes) reads the table's
    pages too: 3 to 6 times slower on the lists book."""
    if database.backend != "postgresql":
        return
    url = database.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql)


def drop(database: Database) -> None:
    """Remove the database."""
    if database.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database.path}{suffix}").unlink(missing_ok=True)
    else:
        _admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def fresh(backend: str, name: str) -> Database:
    """An empty database with solde's schema."""
    WORK.mkdir(parents=True, exist_ok=True)
    database = Database(backend, f"bench_{name}")
    drop(database)
    if backend == "postgresql":
        _admin(f'CREATE DATABASE "{database.name}"')
    container = database.container()
    container.migrate()
    container.dispose()
    return database


def _book_name(size: generator.BookSize) -> str:
    revision = head_revision() or "none"
    return (
        f"book_{size.customers}c_{size.transactions}t_s{size.seed}_g{generator.VERSION}_r{revision}"
    )


def _is_complete(database: Database) -> bool:
    try:
        connection = database.raw()
    except (sqlite3.Error, psycopg.Error):
        return False
    try:
        row = connection.execute("SELECT done FROM bench_book").fetchone()
    except (sqlite3.Error, psycopg.Error):
        return False
    finally:
        connection.close()
    return bool(row and row[0])


def book(backend: str, size: generator.BookSize, log: Any = print) -> Database:
    """A database holding the generated book of `size`, generated on first use."""
    database = Database(backend, _book_name(size))
    if backend == "sqlite" and database.path.exists() and _is_complete(database):
        return database
    if backend == "postgresql" and postgres_problem() is None and _is_complete(database):
        return database
    log(f"  generating {size.customers:,} customers and {size.transactions:,} transactions ...")
    scratch = fresh(backend, f"{database.name}_making")
    container = scratch.container()
    generator.load(container, size)
    container.dispose()
    connection = scratch.raw()
    connection.execute("CREATE TABLE bench_book (done INTEGER NOT NULL)")
    connection.execute("INSERT INTO bench_book VALUES (1)")
    if backend == "sqlite":
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        drop(database)
        shutil.move(scratch.path, database.path)
        drop(scratch)
    else:
        connection.execute("ANALYZE")
        connection.commit()
        connection.close()
        vacuum(scratch)
        drop(database)
        _admin(f'ALTER DATABASE "{scratch.name}" RENAME TO "{database.name}"')
    return database
