"""The database schema (SQLAlchemy Core). Amounts are BIGINT minor units; see `units`.

Every per-customer table carries `customer_id` first in its primary key, so that the schema can
be distributed by customer (Citus) when one server is not enough. The database guards the
ledger invariants too: CHECK constraints on amounts and states, and on the aggregate row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: 64-bit ids; on SQLite an INTEGER PRIMARY KEY (the rowid) is the fast equivalent.
BigId = BigInteger().with_variant(Integer, "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class Stamp(TypeDecorator[datetime]):
    """A UTC timestamp, always read back with its zone (SQLite stores it without)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


KINDS = ("debit", "credit")
TYPES = (
    "invoice", "charge", "refund", "chargeback", "collection_cost", "adjustment",
    "payment", "credit_note", "gift",
)  # fmt: skip
STATES = ("unbilled", "billed", "pending", "open", "closed", "void")
ORIGINS = ("posted", "unbilled", "pending")
METHODS = ("card", "sepa_debit", "bank_transfer", "check", "cash", "other")
STATUSES = ("active", "blocked", "inactive")

customers = Table(
    "customers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("external_ref", String(100)),
    Column("name", String(200), nullable=False),
    # the name folded as the lists order and search it (migration 0009), written with the name
    Column("name_folded", String(200), nullable=False),
    Column("email", String(254)),
    Column("currency", String(3), nullable=False),
    Column("segment", String(100)),
    Column("payment_method", String(20), nullable=False),
    Column("partner_id", Integer, nullable=False),
    Column("locale", String(16)),
    Column("billing_address", Json, nullable=False),
    Column("status", String(10), nullable=False),
    Column("status_by", String(10)),  # who set the status: dunning, hand (None: never changed)
    # billing settings set for this customer; NULL follows the global default
    Column("billing_enabled", Boolean),
    Column("period_months", Integer),
    Column("billing_day", Integer),
    Column("timing", String(10)),
    Column("auto_invoice", Boolean),
    Column("auto_settlement", Boolean),
    Column("payment_due_days", Integer),
    Column("credit_limit", BigInteger),  # minor units of the customer's currency
    Column("blocking_period_days", Integer),
    Column("deactivation_period_days", Integer),
    Column("reminders", Boolean),
    Column("bill_on_activation", Boolean),
    Column("proration", String(12)),
    Column("dunning_enabled", Boolean),
    Column("created_at", Stamp(), nullable=False),
    Column("updated_at", Stamp(), nullable=False),
    UniqueConstraint("external_ref"),
    CheckConstraint(_in("status", STATUSES), name="status"),
    CheckConstraint(_in("payment_method", METHODS), name="payment_method"),
    CheckConstraint("billing_day IS NULL OR billing_day BETWEEN 1 AND 28", name="billing_day"),
    CheckConstraint("period_months IS NULL OR period_months IN (1, 3, 6, 12)", name="period"),
)
Index("ix_customers_segment", customers.c.segment)
# Lists by name read this index in order instead of folding and sorting every name.
Index("ix_customers_name_folded_id", customers.c.name_folded, customers.c.id)

transactions = Table(
    "transactions",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("id", BigInteger, Identity(), nullable=False),
    Column("kind", String(6), nullable=False),
    Column("type", String(20), nullable=False),
    Column("label", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("net", BigInteger, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("tax_rate_e4", BigInteger, nullable=False),  # percent × 10^4
    Column("quantity_e6", BigInteger, nullable=False),  # × 10^6
    Column("unit_price_e6", BigInteger, nullable=False),  # major units × 10^6
    Column("state", String(10), nullable=False),
    Column("open_amount", BigInteger, nullable=False),
    Column("origin", String(10), nullable=False),
    Column("entered_on", Date, nullable=False),
    Column("resolved_on", Date),
    Column("allocated_on", Date),
    Column("initiated_on", Date),
    Column("reference", String(100)),
    Column("method", String(20)),
    Column("invoice_id", BigInteger),
    Column("reverses_id", BigInteger),
    Column("related_id", BigInteger),
    Column("note", String(500)),
    Column("created_at", Stamp(), nullable=False),
    Column("created_by", String(100)),
    Column("external_ref", String(100)),  # the key of an imported row (migration 0007)
    # an invoice's debit: its invoice's due date, kept by the documents' repository
    # (migration 0009); every other transaction is due on its date and has none
    Column("due_date", Date),
    PrimaryKeyConstraint("customer_id", "id"),
    UniqueConstraint("id"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("open_amount >= 0 AND open_amount <= amount", name="open_within_amount"),
    CheckConstraint("net + tax = amount", name="net_plus_tax"),
    CheckConstraint(_in("kind", KINDS), name="kind"),
    CheckConstraint(_in("type", TYPES), name="type"),
    CheckConstraint(_in("state", STATES), name="state"),
    CheckConstraint(_in("origin", ORIGINS), name="origin"),
    CheckConstraint("state <> 'closed' OR open_amount = 0", name="closed_means_settled"),
)
Index(
    "ix_transactions_customer_id_state_date",
    transactions.c.customer_id,
    transactions.c.state,
    transactions.c.date,
)
Index("ix_transactions_customer_id_date", transactions.c.customer_id, transactions.c.date)
# An imported row's key is unique per customer; rows without one (NULL) never collide.
Index(
    "ix_transactions_customer_id_external_ref",
    transactions.c.customer_id,
    transactions.c.external_ref,
    unique=True,
)
Index(
    "ix_transactions_related_id",
    transactions.c.related_id,
    sqlite_where=transactions.c.related_id.isnot(None),
    postgresql_where=transactions.c.related_id.isnot(None),
)
Index(
    "ix_transactions_reverses_id",
    transactions.c.reverses_id,
    sqlite_where=transactions.c.reverses_id.isnot(None),
    postgresql_where=transactions.c.reverses_id.isnot(None),
)
# The balance report's history reads this alone (migration 0003): posted rows by date.
Index(
    "ix_transactions_date_currency_kind_amount",
    transactions.c.date,
    transactions.c.currency,
    transactions.c.kind,
    transactions.c.amount,
    sqlite_where=transactions.c.state.in_(["open", "closed"]),
    postgresql_where=transactions.c.state.in_(["open", "closed"]),
)

allocations = Table(
    "allocations",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("id", BigInteger, Identity(), nullable=False),
    Column("credit_id", BigInteger, nullable=False),
    Column("debit_id", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),  # negative: undoes part of an earlier one
    Column("date", Date, nullable=False),
    Column("source", String(12), nullable=False),
    Column("created_at", Stamp(), nullable=False),
    PrimaryKeyConstraint("customer_id", "id"),
    UniqueConstraint("id"),
    CheckConstraint("amount <> 0", name="amount_nonzero"),
)
Index("ix_allocations_customer_id_credit_id", allocations.c.customer_id, allocations.c.credit_id)
Index("ix_allocations_customer_id_debit_id", allocations.c.customer_id, allocations.c.debit_id)

customer_balances = Table(
    "customer_balances",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("debit", BigInteger, nullable=False),
    Column("credit", BigInteger, nullable=False),
    Column("awaiting", BigInteger, nullable=False),
    Column("unbilled_count", Integer, nullable=False),
    Column("unbilled_net", BigInteger, nullable=False),
    Column("unbilled_gross", BigInteger, nullable=False),
    Column("unbilled_first", Date),
    Column("unbilled_last", Date),
    Column("activity", Date),  # latest business date of any change
    CheckConstraint("balance = debit + credit", name="balance_is_debit_plus_credit"),
    CheckConstraint("debit >= 0", name="debit_not_negative"),
    CheckConstraint("credit <= 0", name="credit_not_positive"),
    CheckConstraint("unbilled_count >= 0", name="unbilled_count_not_negative"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", Json, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", Stamp(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("customer_id", BigInteger),
    Column("object_type", String(30), nullable=False),
    Column("object_id", BigInteger),
    Column("details", Json, nullable=False),
)
Index("ix_audit_log_customer_id", audit_log.c.customer_id)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("role", String(10), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", Stamp(), nullable=False),
    Column("revoked_at", Stamp()),
    UniqueConstraint("secret_hash"),
    CheckConstraint(_in("role", ("admin", "billing", "viewer")), name="role"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(100), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),  # NULL while the first request is still running
    Column("body", Text),
    Column("content_type", String(100)),
    Column("created_at", Stamp(), nullable=False),
    PrimaryKeyConstraint("owner", "key"),
)

# -- users of the back office, their sessions, and failed sign-ins (storage/users.py) ----------

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),  # trimmed, lower-case
    Column("role", String(10), nullable=False),
    Column("password_hash", String(255), nullable=False),  # argon2id, PHC string
    Column("locale", String(16)),  # NULL: the default_locale of settings
    Column("created_at", Stamp(), nullable=False),
    Column("updated_at", Stamp(), nullable=False),
    Column("last_login_at", Stamp()),
    Column("disabled_at", Stamp()),
    UniqueConstraint("email"),
    CheckConstraint(_in("role", ("admin", "billing", "viewer")), name="role"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie, never the cookie
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Stamp(), nullable=False),
    Column("last_seen_at", Stamp(), nullable=False),
    Column("expires_at", Stamp(), nullable=False),
)
Index("ix_web_sessions_user_id", web_sessions.c.user_id)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),  # as typed, trimmed and lower-case
    Column("ip", String(45), nullable=False),
    Column("at", Stamp(), nullable=False),
)
Index("ix_login_failures_email_at", login_failures.c.email, login_failures.c.at)
Index("ix_login_failures_ip_at", login_failures.c.ip, login_failures.c.at)

# -- invoices, proformas and credit notes (billing) ---------------------------------------------

DOC_TYPES = ("one_time", "recurring", "proforma", "credit_note")
DOC_STATES = ("draft", "issued", "converted", "void")

documents = Table(
    "documents",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("id", BigInteger, Identity(), nullable=False),
    Column("type", String(12), nullable=False),
    Column("state", String(10), nullable=False),
    Column("number", String(40)),  # NULL for a draft
    Column("document_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net", BigInteger, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("transaction_id", BigInteger),
    Column("credit_of", BigInteger),
    Column("converted_to", BigInteger),
    Column("converted_from", BigInteger),
    Column("account_balance", BigInteger),
    Column("paid_from_balance", Boolean, nullable=False),
    Column("reason", String(500)),
    Column("note", String(2000)),
    Column("memo", String(2000)),
    Column("custom_fields", Json, nullable=False),
    Column("sent_at", Stamp()),
    Column("issued_on", Date),
    Column("voided_on", Date),
    Column("void_reason", String(500)),
    Column("partner_id", Integer, nullable=False),
    Column("created_at", Stamp(), nullable=False),
    Column("created_by", String(100)),
    PrimaryKeyConstraint("customer_id", "id"),
    UniqueConstraint("id"),
    UniqueConstraint("number"),
    CheckConstraint(_in("type", DOC_TYPES), name="type"),
    CheckConstraint(_in("state", DOC_STATES), name="state"),
    CheckConstraint("total >= 0", name="total_not_negative"),
    CheckConstraint("net + tax = total", name="net_plus_tax"),
    CheckConstraint("state = 'draft' OR number IS NOT NULL", name="issued_has_number"),
    CheckConstraint("due_date >= document_date", name="due_after_date"),
)
Index("ix_documents_customer_id_document_date", documents.c.customer_id, documents.c.document_date)
Index("ix_documents_document_date", documents.c.document_date)
Index(
    "ix_documents_credit_of",
    documents.c.credit_of,
    sqlite_where=documents.c.credit_of.isnot(None),
    postgresql_where=documents.c.credit_of.isnot(None),
)

document_items = Table(
    "document_items",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("document_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", String(500), nullable=False),
    Column("quantity_e6", BigInteger, nullable=False),
    Column("unit_price_e6", BigInteger, nullable=False),  # signed: a credit line is negative
    Column("tax_rate_e4", BigInteger, nullable=False),
    Column("net", BigInteger, nullable=False),  # signed minor units
    Column("tax", BigInteger, nullable=False),
    Column("gross", BigInteger, nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("transaction_id", BigInteger),  # the unbilled line it came from
    Column("service_id", BigInteger),  # the service it bills
    PrimaryKeyConstraint("customer_id", "document_id", "position"),
    CheckConstraint("net + tax = gross", name="net_plus_tax"),
)

# Every number a document was ever given (at issue or typed by hand): a number is never reused,
# even after its document was renumbered.
document_numbers = Table(
    "document_numbers",
    metadata,
    Column("number", String(40), primary_key=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("document_id", BigInteger, nullable=False),
)

# The only rows shared between customers: one per distinct rendering of a numbering format.
numbering_sequences = Table(
    "numbering_sequences",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("last_value", BigInteger, nullable=False),
)

invoice_groups = Table(
    "invoice_groups",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("created_at", Stamp(), nullable=False),
    Column("created_by", String(100)),
)

invoice_group_members = Table(
    "invoice_group_members",
    metadata,
    Column("group_id", BigInteger, ForeignKey("invoice_groups.id"), nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("document_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("group_id", "customer_id", "document_id"),
)
Index("ix_invoice_group_members_document_id", invoice_group_members.c.document_id)

# Transactions naming an invoice: its own debit, its lines, payments and credit notes for it.
Index(
    "ix_transactions_customer_id_invoice_id",
    transactions.c.customer_id,
    transactions.c.invoice_id,
    sqlite_where=transactions.c.invoice_id.isnot(None),
    postgresql_where=transactions.c.invoice_id.isnot(None),
)

# -- services and billing runs (SPEC §8) ------------------------------------------------------

services = Table(
    "services",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("id", BigInteger, Identity(), nullable=False),
    Column("description", String(500), nullable=False),
    Column("unit_price_e6", BigInteger, nullable=False),  # per billing period, excl. tax
    Column("quantity_e6", BigInteger, nullable=False),
    Column("tax_rate_e4", BigInteger, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("billed_through", Date),
    Column("created_at", Stamp(), nullable=False),
    Column("updated_at", Stamp(), nullable=False),
    Column("external_ref", String(100)),  # the key of an imported row (migration 0007)
    PrimaryKeyConstraint("customer_id", "id"),
    UniqueConstraint("id"),
    CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
    CheckConstraint("quantity_e6 > 0", name="quantity_positive"),
)
Index(
    "ix_services_customer_id_external_ref",
    services.c.customer_id,
    services.c.external_ref,
    unique=True,
)

# One row per billing of a service: the days it covered and the price used. A service's days
# are billed once: a second charge starting on the same day is refused by the key.
service_charges = Table(
    "service_charges",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("service_id", BigInteger, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("document_id", BigInteger),  # NULL: an invoice of zero that was skipped
    Column("unit_price_e6", BigInteger, nullable=False),
    Column("quantity_e6", BigInteger, nullable=False),
    Column("tax_rate_e4", BigInteger, nullable=False),
    PrimaryKeyConstraint("customer_id", "service_id", "first_day"),
    CheckConstraint("last_day >= first_day", name="days"),
)
Index(
    "ix_service_charges_document_id",
    service_charges.c.customer_id,
    service_charges.c.document_id,
)

RUN_STATUSES = ("preview", "running", "completed", "discarded")
OUTCOMES = ("invoiced", "drafted", "skipped", "parked", "discarded")

billing_runs = Table(
    "billing_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("date", Date, nullable=False),
    Column("preview", Boolean, nullable=False),
    Column("skip_zero_invoices", Boolean, nullable=False),
    Column("balance_only_accounts", Boolean, nullable=False),
    Column("status", String(10), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("created_at", Stamp(), nullable=False),
    Column("created_by", String(100)),
    Column("finished_at", Stamp()),
    CheckConstraint(_in("status", RUN_STATUSES), name="status"),
)
Index("ix_billing_runs_date", billing_runs.c.date)

billing_run_customers = Table(
    "billing_run_customers",
    metadata,
    Column("customer_id", BigInteger, nullable=False),
    Column("run_id", BigInteger, ForeignKey("billing_runs.id"), nullable=False),
    Column("date", Date, nullable=False),  # the run's date, to find a date's outcomes fast
    Column("outcome", String(10), nullable=False),
    Column("document_id", BigInteger),
    Column("total", BigInteger),  # the document's total, minor units
    Column("currency", String(3)),
    Column("reason", String(500)),
    Column("at", Stamp(), nullable=False),
    PrimaryKeyConstraint("customer_id", "run_id"),
    CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
)
Index(
    "ix_billing_run_customers_run_id",
    billing_run_customers.c.run_id,
    billing_run_customers.c.outcome,
)
Index(
    "ix_billing_run_customers_date", billing_run_customers.c.date, billing_run_customers.c.outcome
)

# The daily cycle: each date runs once (SPEC §10); a date whose cycle crashed is taken up again.
daily_cycles = Table(
    "daily_cycles",
    metadata,
    Column("date", Date, primary_key=True),
    Column("status", String(10), nullable=False),  # running, completed
    Column("run_id", BigInteger),
    Column("summary", Json, nullable=False),
    Column("started_at", Stamp(), nullable=False),
    Column("completed_at", Stamp()),
)

# Dunning: what it keeps per customer (the day it blocked, the operator's next block date).
dunning_states = Table(
    "dunning_states",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), primary_key=True),
    Column("blocked_on", Date),
    Column("blocked_invoice_id", BigInteger),
    Column("next_block_date", Date),
    Column("next_block_date_set_on", Date),
    Column("updated_at", Stamp(), nullable=False),
)

# One reminder message per customer and day, listing every reminder due that day.
reminders = Table(
    "reminders",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("id", BigInteger, Identity(), nullable=False),
    Column("date", Date, nullable=False),
    Column("level", Integer, nullable=False),  # the highest level it lists
    Column("lines", Json, nullable=False),  # [{invoice_id, number, level, open_amount}]
    Column("fee_transaction_id", BigInteger),  # the collection cost it posted
    Column("status", String(10), nullable=False),  # recorded (e-mail comes with documents)
    Column("created_at", Stamp(), nullable=False),
    PrimaryKeyConstraint("customer_id", "id"),
    UniqueConstraint("id"),
    UniqueConstraint("customer_id", "date", name="uq_reminders_customer_date"),
)
Index("ix_reminders_date", reminders.c.date)

# Each reminder level of an invoice is sent once: the key refuses a second one.
reminder_lines = Table(
    "reminder_lines",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("invoice_id", BigInteger, nullable=False),
    Column("level", Integer, nullable=False),
    Column("reminder_id", BigInteger, nullable=False),
    Column("date", Date, nullable=False),
    PrimaryKeyConstraint("customer_id", "invoice_id", "level"),
)

# The outbox: every event, written in the same transaction as the change it tells of; webhook
# delivery reads it.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("type", String(50), nullable=False),
    Column("customer_id", BigInteger),
    Column("object_type", String(30), nullable=False),
    Column("object_id", BigInteger),
    Column("occurred_on", Date, nullable=False),  # the business date
    Column("data", Json, nullable=False),
    Column("created_at", Stamp(), nullable=False),
)
Index("ix_events_type", events.c.type)
Index("ix_events_customer_id", events.c.customer_id)

# -- the lists of SPEC §12 (migration 0008) -----------------------------------------------------

# The receivables' aging reads the open debits alone from these partial indexes: by customer
# (a page's customers, a filtered list's), and by currency and due date (the totals of every
# open debit, in index order). `state` and `kind` are constant in them, and there so that
# SQLite (3.40) reads them as covering: it does only when they hold every column named.
_OPEN_DEBITS = (transactions.c.state == "open") & (transactions.c.kind == "debit")
Index(
    "ix_transactions_open_debits",
    transactions.c.customer_id,
    transactions.c.due_date,
    transactions.c.date,
    transactions.c.open_amount,
    transactions.c.currency,
    transactions.c.state,
    transactions.c.kind,
    sqlite_where=_OPEN_DEBITS,
    postgresql_where=_OPEN_DEBITS,
)
Index(
    "ix_transactions_open_debits_due",
    transactions.c.currency,
    transactions.c.due_date,
    transactions.c.date,
    transactions.c.open_amount,
    transactions.c.state,
    transactions.c.kind,
    sqlite_where=_OPEN_DEBITS,
    postgresql_where=_OPEN_DEBITS,
)
# Whether a day is on or after every customer's latest change: max(activity) from the index.
Index("ix_customer_balances_activity", customer_balances.c.activity)
