"""What the back office calls things: payment methods, statuses, transaction types."""

from __future__ import annotations

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
