"""external references of imported transactions and services

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 05:15:00

An import keys each transaction and service by its `external_ref`, unique per customer, so
that importing the same file twice creates nothing new (SPEC §13). Rows made otherwise have
none (NULL), and NULLs never collide on either database. Unique indexes rather than table
constraints: SQLite adds them without rebuilding the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    for table in ("transactions", "services"):
        op.add_column(table, sa.Column("external_ref", sa.String(length=100), nullable=True))
        op.create_index(
            f"ix_{table}_customer_id_external_ref",
            table,
            ["customer_id", "external_ref"],
            unique=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    for table in ("services", "transactions"):
        op.drop_index(f"ix_{table}_customer_id_external_ref", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("external_ref")
