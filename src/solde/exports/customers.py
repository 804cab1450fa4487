"""The customers list as a file (SPEC §12): its columns, and one row per customer.

A row holds the customer's details, its balance card now (balance, open debit and credit,
payments awaiting bank confirmation, unbilled lines) and its effective billing settings (its
own, else the global defaults), flat, one column each, as a spreadsheet wants them.
"""

from __future__ import annotations

from typing import Any

from solde.domain.money import Money
from solde.exports.tabular import Column, Kind
from solde.ledger.balance import Balance
from solde.ledger.customers import Customer
from solde.ledger.settings import Settings

#: The sheet name of the XLSX file, and the stem of every file name.
STEM = "customers"

COLUMNS: tuple[Column, ...] = (
    Column("id", Kind.INTEGER),
    Column("external_ref", width=16),
    Column("name", width=30),
    Column("email", width=28),
    Column("currency", width=9),
    Column("segment", width=14),
    Column("payment_method", width=15),
    Column("status", width=9),
    Column("partner_id", Kind.INTEGER, width=11),
    Column("locale", width=8),
    Column("balance", Kind.MONEY),
    Column("debit", Kind.MONEY),
    Column("credit", Kind.MONEY),
    Column("awaiting_confirmation", Kind.MONEY, width=22),
    Column("unbilled_count", Kind.INTEGER, width=15),
    Column("unbilled_net", Kind.MONEY),
    Column("unbilled_gross", Kind.MONEY, width=15),
    Column("unbilled_first_date", Kind.DATE, width=20),
    Column("unbilled_last_date", Kind.DATE, width=19),
    Column("billing_enabled", Kind.BOOLEAN, width=16),
    Column("period_months", Kind.INTEGER, width=14),
    Column("billing_day", Kind.INTEGER, width=12),
    Column("timing", width=9),
    Column("auto_invoice", Kind.BOOLEAN, width=13),
    Column("auto_settlement", Kind.BOOLEAN, width=16),
    Column("payment_due_days", Kind.INTEGER, width=17),
    Column("credit_limit", Kind.MONEY),
    Column("blocking_period_days", Kind.INTEGER, width=21),
    Column("deactivation_period_days", Kind.INTEGER, width=25),
    Column("reminders", Kind.BOOLEAN, width=10),
    Column("dunning_enabled", Kind.BOOLEAN, width=16),
    Column("bill_on_activation", Kind.BOOLEAN, width=19),
    Column("proration", width=11),
    Column("address_line1", width=24),
    Column("address_line2", width=16),
    Column("address_postal_code", width=12),
    Column("address_city", width=16),
    Column("address_region", width=14),
    Column("address_country", width=9),
)


def row(customer: Customer, balance: Balance, settings: Settings) -> tuple[Any, ...]:
    """One customer as a row of `COLUMNS`, with its balance now and its effective billing
    settings under `settings`."""
    d = customer.details
    billing = customer.billing_settings(settings)
    unbilled = balance.unbilled
    address = d.billing_address
    return (
        customer.id,
        d.external_ref,
        d.name,
        d.email,
        d.currency,
        d.segment,
        d.payment_method.value,
        d.status.value,
        d.partner_id,
        customer.locale(settings),
        balance.balance,
        balance.debit,
        balance.credit,
        balance.awaiting_confirmation,
        unbilled.count,
        unbilled.net,
        unbilled.gross,
        unbilled.first_date,
        unbilled.last_date,
        billing.billing_enabled,
        billing.period_months,
        billing.billing_day,
        billing.timing.value,
        billing.auto_invoice,
        billing.auto_settlement,
        billing.payment_due_days,
        Money(billing.credit_limit, d.currency),
        billing.blocking_period_days,
        billing.deactivation_period_days,
        billing.reminders,
        billing.dunning_enabled,
        billing.bill_on_activation,
        billing.proration.value,
        address.line1,
        address.line2,
        address.postal_code,
        address.city,
        address.region,
        address.country,
    )
