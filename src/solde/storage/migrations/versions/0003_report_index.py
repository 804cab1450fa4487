"""report index: posted transactions by date, for the balance report's history

The history of the balance report (the net balance of each currency at past month ends) is
the balance now less what was posted with a later date. This partial index holds the posted
transactions (open, closed) by date with the columns that sum needs, so the report reads the
index alone, and only its recent end.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTED = sa.text("state IN ('open', 'closed')")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_date_currency_kind_amount",
            ["date", "currency", "kind", "amount"],
            unique=False,
            sqlite_where=POSTED,
            postgresql_where=POSTED,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_transactions_date_currency_kind_amount",
            sqlite_where=POSTED,
            postgresql_where=POSTED,
        )
