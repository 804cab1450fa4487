"""Test databases: every storage test runs on SQLite and, when reachable, on PostgreSQL.

PostgreSQL is at 127.0.0.1:5432 (override with SOLDE_TEST_POSTGRES_URL). With CI=true it is
required: an unreachable server fails the run instead of skipping its tests.

Isolation: each test gets an empty database. SQLite copies a migrated template file;
PostgreSQL migrates one database per test session (per xdist worker) and empties every table
between tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from solde.api.app import create_app
from solde.bootstrap import Config, Container
from solde.storage.api_keys import Role
from solde.storage.engine import make_engine
from solde.storage.migrate import upgrade
from solde.storage.tables import metadata

PG_ADMIN_URL = os.environ.get(
    "SOLDE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: A fixed "today" for tests that go through the service layer.
TODAY = date(2026, 3, 10)


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]
    return None


_PG_PROBLEM = _pg_reachable()
BACKENDS = ["sqlite", "postgresql"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if CI and _PG_PROBLEM is not None:
        raise pytest.UsageError(f"CI=true needs PostgreSQL at {PG_ADMIN_URL}: {_PG_PROBLEM}")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this session (dropped at the end)."""
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    name = f"solde_test_{_worker()}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(engine: Engine) -> None:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database under test: sqlite or postgresql."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of the chosen backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "solde.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    _empty_postgres(engine)
    engine.dispose()
    return url


@pytest.fixture
def container(database_url: str) -> Iterator[Container]:
    """A container over the empty database."""
    built = Container(Config(database_url))
    yield built
    built.dispose()


@dataclass
class Api:
    """An authenticated API client; `as_role` gives clients of other roles."""

    client: TestClient
    container: Container
    key: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(kwargs.pop("key", None)), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = {**self.headers(kwargs.pop("key", None)), **kwargs.pop("headers", {})}
        return self.client.post(path, json=json, headers=headers, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.patch(
            path, json=json, headers=self.headers(kwargs.pop("key", None)), **kwargs
        )

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.put(
            path, json=json, headers=self.headers(kwargs.pop("key", None)), **kwargs
        )

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers(kwargs.pop("key", None)), **kwargs)

    def key_for(self, role: Role) -> str:
        _key, secret = self.container.api_keys.create(name=f"{role.value} test", role=role)
        return secret


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    """The REST API over an empty database, with an admin key."""
    _key, secret = container.api_keys.create(name="test admin", role=Role.ADMIN)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, container, secret)
