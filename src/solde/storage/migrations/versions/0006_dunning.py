"""dunning: who set a customer's status, dunning states, reminders, the event outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 01:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("customers", sa.Column("status_by", sa.String(length=10), nullable=True))
    op.create_table(
        "dunning_states",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_on", sa.Date(), nullable=True),
        sa.Column("blocked_invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("next_block_date", sa.Date(), nullable=True),
        sa.Column("next_block_date_set_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "reminders",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("lines", _JSON, nullable=False),
        sa.Column("fee_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id", "id"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("customer_id", "date", name="uq_reminders_customer_date"),
    )
    op.create_index("ix_reminders_date", "reminders", ["date"], unique=False)
    op.create_table(
        "reminder_lines",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id", "invoice_id", "level"),
    )
    op.create_table(
        "events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_type", "events", ["type"], unique=False)
    op.create_index("ix_events_customer_id", "events", ["customer_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_events_customer_id", table_name="events")
    op.drop_index("ix_events_type", table_name="events")
    op.drop_table("events")
    op.drop_table("reminder_lines")
    op.drop_index("ix_reminders_date", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("dunning_states")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("status_by")
