"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from solde.bootstrap import Config, Container
from solde.storage.tables import metadata


def test_migrated_database_matches_the_declared_tables(container: Container) -> None:
    with container.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    container = Container(Config(database_url))
    try:
        assert container.is_migrated()
        container.migrate()
        assert container.is_migrated()
    finally:
        container.dispose()
