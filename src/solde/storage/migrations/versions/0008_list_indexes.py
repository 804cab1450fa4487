"""list indexes: open debits by customer for the receivables' aging, and the latest activity

The receivables list ages every open debit by its due date. This partial index holds the open
debits alone (a small part of a long history) with the columns the aging reads, so the list
reads the index instead of every transaction. The index on the aggregate rows' latest
activity answers at once whether a day is on or after every customer's latest change (then
the list reads the aggregates; before, the dated history).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 05:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_DEBITS = sa.text("state = 'open' AND kind = 'debit'")
COLUMNS = ["customer_id", "date", "type", "invoice_id", "open_amount"]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_transactions_open_debits",
        "transactions",
        COLUMNS,
        unique=False,
        sqlite_where=OPEN_DEBITS,
        postgresql_where=OPEN_DEBITS,
    )
    op.create_index("ix_customer_balances_activity", "customer_balances", ["activity"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_customer_balances_activity", table_name="customer_balances")
    op.drop_index("ix_transactions_open_debits", table_name="transactions")
