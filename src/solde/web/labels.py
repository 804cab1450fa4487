"""What the back office calls things: payment methods, statuses, transaction types, billing
runs and services."""

from __future__ import annotations

from solde.billing.ports import Outcome, RunStatus
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod, TxType

METHOD_LABELS = {
    PaymentMethod.CARD: "Card",
    PaymentMethod.SEPA_DEBIT: "SEPA direct debit",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CHECK: "Check",
    PaymentMethod.CASH: "Cash",
    PaymentMethod.OTHER: "Other",
}
STATUS_LABELS = {
    CustomerStatus.ACTIVE: "Active",
    CustomerStatus.BLOCKED: "Blocked",
    CustomerStatus.INACTIVE: "Inactive",
}
TYPE_LABELS = {
    TxType.INVOICE: "Invoice",
    TxType.CHARGE: "Charge",
    TxType.REFUND: "Refund",
    TxType.CHARGEBACK: "Chargeback",
    TxType.COLLECTION_COST: "Collection cost",
    TxType.ADJUSTMENT: "Adjustment",
    TxType.PAYMENT: "Payment",
    TxType.CREDIT_NOTE: "Credit note",
    TxType.GIFT: "Goodwill credit",
}
RUN_STATUS_LABELS = {
    RunStatus.PREVIEW: "Preview",
    RunStatus.RUNNING: "Running",
    RunStatus.COMPLETED: "Completed",
    RunStatus.DISCARDED: "Discarded",
}
#: The colour of each run status badge: blue preview, amber running, green completed, grey
#: discarded.
RUN_STATUS_COLOURS = {
    RunStatus.PREVIEW: "state-unbilled",
    RunStatus.RUNNING: "state-pending",
    RunStatus.COMPLETED: "status-active",
    RunStatus.DISCARDED: "state-void",
}
OUTCOME_LABELS = {
    Outcome.INVOICED: "Invoiced",
    Outcome.DRAFTED: "Draft",
    Outcome.SKIPPED: "Skipped",
    Outcome.PARKED: "Parked",
    Outcome.DISCARDED: "Discarded",
}
#: How a preview's draft compares with the customer's previous recurring invoice.
CHANGE_LABELS = {
    "new": "New",
    "changed": "Changed",
    "same": "Same",
    "missing": "Missing",
}
#: A service as of today: running, over, or not started yet.
SERVICE_STATUS_LABELS = {
    "active": "Active",
    "ended": "Ended",
    "scheduled": "Scheduled",
}
SERVICE_STATUS_COLOURS = {
    "active": "status-active",
    "ended": "state-void",
    "scheduled": "state-unbilled",
}
