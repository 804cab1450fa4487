"""Fixtures of the back-office tests (see `webclient` for the client they give)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient
from webclient import Web

from solde.bootstrap import Container
from solde.server import create_app
from solde.storage import users
from solde.storage.api_keys import Role


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing in is not what these tests measure: argon2 with its smallest parameters (the
    defaults cost about 0.2 s a hash)."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def web(container: Container) -> Iterator[Web]:
    """The back office over an empty database (SQLite and PostgreSQL), signed in as an admin."""
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Web(client, container).sign_in(Role.ADMIN)
