"""folded customer names and the due dates of invoice debits, for the lists' first pages

A customer's name is kept folded (`name_folded`, the name in lower case as solde folds it),
with an index on it and the id: the customer list, balance by customer and receivables order
by name, and the first page or the next one is then a range of that index instead of folding
and sorting every customer's name.

An invoice's debit carries its invoice's due date (`due_date`; every other debit is due on its
own date and has none), written by the documents' repository whenever an invoice is saved.
The partial index of open debits by customer holds it, so the receivables' aging reads that
index alone, without looking up each debit's invoice; a second partial index holds the open
debits by currency and due date, so the receivables' totals read every open debit in order, a
few thousand groups of (currency, due date, date), without sorting or joining them. Both hold
`state` and `kind`, constant in them: SQLite (3.40) reads a partial index as covering only
when it holds every column the statement names, its own condition's included.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 08:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_DEBITS = sa.text("state = 'open' AND kind = 'debit'")
OLD_COLUMNS = ["customer_id", "date", "type", "invoice_id", "open_amount"]
NEW_COLUMNS = ["customer_id", "due_date", "date", "open_amount", "currency", "state", "kind"]
DUE_COLUMNS = ["currency", "due_date", "date", "open_amount", "state", "kind"]
BATCH = 5_000


def _fold_names() -> None:
    """Fold every name as the repository does (Python's `str.lower`, which folds what SQLite's
    own lower() leaves alone), a batch of customers at a time."""
    connection = op.get_bind()
    customers = sa.table("customers", sa.column("id"), sa.column("name"), sa.column("name_folded"))
    update = (
        sa.update(customers)
        .where(customers.c.id == sa.bindparam("key"))
        .values(name_folded=sa.bindparam("folded"))
    )
    last = None
    while True:
        query = sa.select(customers.c.id, customers.c.name).order_by(customers.c.id).limit(BATCH)
        if last is not None:
            query = query.where(customers.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        connection.execute(update, [{"key": r.id, "folded": r.name.lower()} for r in rows])
        last = rows[-1].id


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "customers",
        sa.Column("name_folded", sa.String(length=200), nullable=False, server_default=""),
    )
    _fold_names()
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps it: dropping it rebuilds the table
        op.alter_column("customers", "name_folded", server_default=None)
    op.create_index("ix_customers_name_folded_id", "customers", ["name_folded", "id"])

    op.add_column("transactions", sa.Column("due_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE transactions SET due_date = ("
        " SELECT documents.due_date FROM documents"
        " WHERE documents.customer_id = transactions.customer_id"
        " AND documents.id = transactions.invoice_id)"
        " WHERE type = 'invoice' AND kind = 'debit' AND invoice_id IS NOT NULL"
    )
    op.drop_index("ix_transactions_open_debits", table_name="transactions")
    op.create_index(
        "ix_transactions_open_debits",
        "transactions",
        NEW_COLUMNS,
        unique=False,
        sqlite_where=OPEN_DEBITS,
        postgresql_where=OPEN_DEBITS,
    )
    op.create_index(
        "ix_transactions_open_debits_due",
        "transactions",
        DUE_COLUMNS,
        unique=False,
        sqlite_where=OPEN_DEBITS,
        postgresql_where=OPEN_DEBITS,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_transactions_open_debits_due", table_name="transactions")
    op.drop_index("ix_transactions_open_debits", table_name="transactions")
    op.create_index(
        "ix_transactions_open_debits",
        "transactions",
        OLD_COLUMNS,
        unique=False,
        sqlite_where=OPEN_DEBITS,
        postgresql_where=OPEN_DEBITS,
    )
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("due_date")
    op.drop_index("ix_customers_name_folded_id", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("name_folded")
