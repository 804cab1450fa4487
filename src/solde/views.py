"""The JSON shapes of solde's objects, shared by the API and the CLI's `--json` output.

One function per object turns a domain object into plain JSON values: amounts as strings in
major units (`"120.00"`), dates as `YYYY-MM-DD`. The API's response models validate these
dicts, so the API and the CLI always print the same fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from solde.billing.documents import Document, Item, Status
from solde.billing.ports import Listed
from solde.billing.reading import InvoiceView, Link
from solde.billing.services import Service
from solde.domain.currency import exponent
from solde.domain.money import Money, decimals_of
from solde.dunning.ports import Event, SentReminder
from solde.dunning.rules import Calendar, Reminder, ReminderMessage
from solde.dunning.usecases import DayPlan
from solde.ledger.balance import Balance
from solde.ledger.customers import Customer
from solde.ledger.model import Allocation, AllocationLink, State, Transaction
from solde.ledger.ports import UnitOfWork
from solde.ledger.reports import BalanceReport
from solde.ledger.settings import Settings


def decimal_text(value: Decimal, currency: str | None = None) -> str:
    """A decimal as plain text; with a currency, at least the currency's decimals (`60.00`)."""
    if currency is not None and decimals_of(value) <= exponent(currency):
        return f"{value.quantize(Decimal(1).scaleb(-exponent(currency))):f}"
    if value == value.to_integral_value():
        return f"{value.to_integral_value():f}"
    return f"{value.normalize():f}"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(value: Money) -> str:
    return str(value)


def customer(c: Customer, settings: Settings, balance: Money) -> dict[str, Any]:
    """A customer with its effective billing settings and current balance."""
    d = c.details
    billing = c.billing_settings(settings).as_dict()
    billing["credit_limit"] = decimal_text(billing["credit_limit"], d.currency)
    billing["timing"] = billing["timing"].value
    billing["proration"] = billing["proration"].value
    return {
        "id": c.id,
        "external_ref": d.external_ref,
        "name": d.name,
        "email": d.email,
        "currency": d.currency,
        "segment": d.segment,
        "payment_method": d.payment_method.value,
        "partner_id": d.partner_id,
        "locale": c.locale(settings),
        "billing_address": d.billing_address.as_dict(),
        "status": d.status.value,
        "billing": billing,
        "billing_inherited": list(d.billing.inherited()),
        "balance": _money(balance),
    }


def transaction_of(uow: UnitOfWork, tx: Transaction) -> dict[str, Any]:
    """A transaction with its allocations, read from `uow`."""
    return transaction(tx, uow.allocations.links(tx.customer_id, [tx.id]).get(tx.id, []))


def transaction(tx: Transaction, links: Sequence[AllocationLink]) -> dict[str, Any]:
    """A transaction or line with the allocations that settled it."""
    status = tx.payment_status
    return {
        "id": tx.id,
        "customer_id": tx.customer_id,
        "kind": tx.kind.value,
        "type": tx.type.value,
        "label": tx.label,
        "date": _day(tx.date),
        "currency": tx.currency,
        "net": _money(tx.net),
        "tax": _money(tx.tax),
        "amount": _money(tx.amount),
        "tax_rate": decimal_text(tx.tax_rate),
        "quantity": decimal_text(tx.quantity),
        "unit_price": decimal_text(tx.unit_price, tx.currency),
        "state": tx.state.value,
        "open_amount": _money(tx.open_amount),
        "origin": tx.origin.value,
        "invoice_id": tx.invoice_id,
        "reference": tx.reference,
        "method": None if tx.method is None else tx.method.value,
        "status": None if status is None else status.value,
        "reverses_id": tx.reverses_id,
        "related_id": tx.related_id,
        "note": tx.note,
        "external_ref": tx.external_ref,
        "allocations": [
            {"transaction_id": link.transaction_id, "amount": _money(link.amount)} for link in links
        ],
        "entered_on": _day(tx.entered_on),
        "resolved_on": _day(tx.resolved_on),
        "created_at": _stamp(tx.created_at),
        "created_by": tx.created_by,
    }


def balance(b: Balance, as_of: date) -> dict[str, Any]:
    """A balance card at the end of `as_of`."""
    u = b.unbilled
    return {
        "customer_id": b.customer_id,
        "as_of": as_of.isoformat(),
        "currency": b.currency,
        "balance": _money(b.balance),
        "debit": _money(b.debit),
        "credit": _money(b.credit),
        "awaiting_confirmation": _money(b.awaiting_confirmation),
        "unbilled": {
            "count": u.count,
            "net": _money(u.net),
            "gross": _money(u.gross),
            "first_date": _day(u.first_date),
            "last_date": _day(u.last_date),
        },
    }


def allocation(a: Allocation) -> dict[str, Any]:
    """An allocation between a credit and a debit."""
    return {
        "id": a.id,
        "customer_id": a.customer_id,
        "credit_id": a.credit_id,
        "debit_id": a.debit_id,
        "amount": _money(a.amount),
        "date": a.date.isoformat(),
        "source": a.source.value,
    }


def settings(s: Settings) -> dict[str, Any]:
    """The global settings."""
    billing = s.billing.as_dict()
    billing["credit_limit"] = decimal_text(billing["credit_limit"])
    billing["timing"] = billing["timing"].value
    billing["proration"] = billing["proration"].value
    return {
        "timezone": s.timezone,
        "default_locale": s.default_locale,
        "default_currency": s.default_currency,
        "lock_date": _day(s.lock_date),
        "billing": billing,
        "dunning": s.dunning.as_dict(),
        "numbering": dict(s.numbering),
        "partners": [p.as_dict() for _, p in sorted(s.partners.items())],
    }


def balance_report(report: BalanceReport) -> dict[str, Any]:
    """The dashboard's balance report: per currency, today's totals and the month-end history."""
    return {
        "as_of": report.as_of.isoformat(),
        "currencies": [
            {
                "currency": s.currency,
                "customers": s.customers,
                "owing": s.owing,
                "in_credit": s.in_credit,
                "settled": s.settled,
                "owed": _money(s.owed),
                "credit": _money(s.credit),
                "balance": _money(s.balance),
                "awaiting_confirmation": _money(s.awaiting_confirmation),
                "history": [
                    {"date": day.isoformat(), "balance": _money(net)} for day, net in s.history
                ],
            }
            for s in report.currencies
        ],
    }


# -- services (SPEC §8) ------------------------------------------------------------------------


def service_status(s: Service, as_of: date) -> str:
    """Where a service stands at the end of `as_of`: `scheduled` before its start date,
    `ended` after its end date, else `active`."""
    if as_of < s.start_date:
        return "scheduled"
    if s.end_date is not None and s.end_date < as_of:
        return "ended"
    return "active"


def service(s: Service, currency: str, as_of: date) -> dict[str, Any]:
    """A service, its price in the customer's currency and its status as of `as_of`."""
    return {
        "id": s.id,
        "customer_id": s.customer_id,
        "description": s.description,
        "currency": currency,
        "unit_price": decimal_text(s.unit_price, currency),
        "quantity": decimal_text(s.quantity),
        "tax_rate": decimal_text(s.tax_rate),
        "start_date": s.start_date.isoformat(),
        "end_date": _day(s.end_date),
        "billed_through": _day(s.billed_through),
        "external_ref": s.external_ref,
        "status": service_status(s, as_of),
        "as_of": as_of.isoformat(),
        "created_at": _stamp(s.created_at),
        "updated_at": _stamp(s.updated_at),
    }


# -- invoices, proformas and credit notes (SPEC §15 names) ------------------------------------


def document_item(item: Item, currency: str) -> dict[str, Any]:
    """One line of a document."""
    return {
        "description": item.description,
        "quantity": decimal_text(item.quantity),
        "unit_price": decimal_text(item.unit_price, currency),
        "tax_rate": decimal_text(item.tax_rate),
        "net": str(item.net),
        "tax": str(item.tax),
        "gross": str(item.gross),
        "period_start": _day(item.period_start),
        "period_end": _day(item.period_end),
        "transaction_id": item.transaction_id,
        "service_id": item.service_id,
    }


def document(doc: Document, status: Status, open_amount: Money) -> dict[str, Any]:
    """A document by the names of the REST API (SPEC §15)."""
    return {
        "id": doc.id,
        "number": doc.number,
        "type": doc.type.value,
        "state": doc.state.value,
        "status": status.value,
        "customer_id": doc.customer_id,
        "partner_id": doc.partner_id,
        "document_date": doc.document_date.isoformat(),
        "due_date": doc.due_date.isoformat(),
        "period_start": _day(doc.period_start),
        "period_end": _day(doc.period_end),
        "currency": doc.currency,
        "net": str(doc.net),
        "tax": str(doc.tax),
        "total": str(doc.total),
        "open_amount": str(open_amount),
        "account_balance": None if doc.account_balance is None else str(doc.account_balance),
        "paid_from_balance": doc.paid_from_balance,
        "transaction_id": doc.transaction_id,
        "converted_to": doc.converted_to,
        "converted_from": doc.converted_from,
        "reason": doc.reason,
        "note": doc.note,
        "memo": doc.memo,
        "custom_fields": dict(doc.custom_fields),
        "sent_at": _day(doc.sent_at),
        "voided_on": _day(doc.voided_on),
        "void_reason": doc.void_reason,
        "items": [document_item(i, doc.currency) for i in doc.items],
        "created_at": _day(doc.created_at),
        "created_by": doc.created_by,
    }


def invoice_row(row: Listed) -> dict[str, Any]:
    """A row of the invoices list."""
    data = document(row.document, row.status, row.open_amount)
    del data["items"]
    return data


def invoice_view(view: InvoiceView) -> dict[str, Any]:
    """A document with its payments, credit notes and what may still be done."""
    data = document(view.document, view.status, view.open_amount)
    data["as_of"] = view.as_of.isoformat()
    data["payments"] = [_document_link(link) for link in view.payments]
    data["credit_notes"] = [
        {
            "id": note.id,
            "number": note.number,
            "total": str(note.total),
            "date": note.document_date.isoformat(),
            "reason": note.reason,
        }
        for note in view.credit_notes
    ]
    if view.document.is_credit_note:
        data["invoice_id"] = view.document.credit_of
        data["invoice_number"] = None if view.credit_of is None else view.credit_of.number
        data["date"] = data["document_date"]
    data["editable_fields"] = sorted(view.editable)
    data["void_refusal"] = view.void_refusal
    data["creditable"] = None if view.creditable is None else str(view.creditable)
    return data


def _document_link(link: Link) -> dict[str, Any]:
    """What settled the document (or, pending, awaits the bank: then the amount sent)."""
    tx = link.transaction
    pending = tx.state is State.PENDING
    return {
        "transaction_id": tx.id,
        "type": tx.type.value,
        "date": tx.date.isoformat(),
        "amount": str(tx.amount if pending else link.amount),
        "status": "pending" if pending else "confirmed",
        "method": None if tx.method is None else tx.method.value,
        "reference": tx.reference,
    }


# -- dunning ---------------------------------------------------------------------------------


def reminder(r: Reminder) -> dict[str, Any]:
    """One reminder level of an open invoice: its date, the days left, whether it was sent."""
    return {
        "invoice_id": r.invoice_id,
        "number": r.number,
        "level": r.level,
        "date": _day(r.date),
        "days_left": r.days_left,
        "open_amount": _money(r.open_amount),
        "sent_on": _day(r.sent_on),
        "fee": None if r.fee is None else _money(r.fee),
    }


def dunning_calendar(cal: Calendar) -> dict[str, Any]:
    """A customer's dunning calendar as of a date (SPEC §9, §15)."""
    st = cal.standing
    invoice = st.due_invoice
    override = st.state.next_block_date
    return {
        "customer_id": st.customer_id,
        "as_of": _day(cal.as_of),
        "status": st.status.value,
        "status_by": st.status_by,
        "exempt": st.exempt,
        "currency": st.balance.currency,
        "balance": _money(st.balance),
        "pending_payments": _money(st.pending_payments),
        "credit_limit": decimal_text(st.billing.credit_limit, st.balance.currency),
        "over_limit": st.over_limit,
        "billing_due_date": _day(cal.billing_due_date),
        "billing_due_invoice": None
        if invoice is None
        else {
            "id": invoice.id,
            "number": invoice.number,
            "open_amount": _money(invoice.open_amount),
        },
        "computed_block_date": _day(cal.computed_block_date),
        "next_block_date": _day(cal.next_block_date),
        "next_block_date_override": None
        if override is None
        else {
            "date": _day(override),
            "set_on": _day(st.state.next_block_date_set_on),
            "applies": cal.override is not None,
        },
        "next_deactivation_date": _day(cal.next_deactivation_date),
        "blocked_on": _day(st.state.blocked_on) if st.blocked_by_dunning else None,
        "action": None if cal.action is None else cal.action.value,
        "reminders": [reminder(r) for r in cal.reminders],
    }


def reminder_message(m: ReminderMessage) -> dict[str, Any]:
    """The consolidated reminder due for a customer on a date (not sent yet)."""
    return {
        "customer_id": m.customer_id,
        "date": _day(m.date),
        "currency": m.lines[0].open_amount.currency,
        "level": m.level,
        "fee": None if m.fee is None else _money(m.fee),
        "reminders": [reminder(r) for r in m.lines],
    }


def sent_reminder(r: SentReminder) -> dict[str, Any]:
    """A reminder message as recorded."""
    return {
        "id": r.id,
        "customer_id": r.customer_id,
        "date": _day(r.date),
        "level": r.level,
        "status": r.status,
        "fee_transaction_id": r.fee_transaction_id,
        "invoices": [dict(line) for line in r.lines],
    }


def day_plan(plan: DayPlan) -> dict[str, Any]:
    """What dunning would do on a date: customers to block, unblock and deactivate, and the
    reminders due."""
    return {
        "date": _day(plan.day),
        **{
            f"to_{action.value}": [
                {"name": plan.names.get(c.standing.customer_id), **dunning_calendar(c)}
                for c in calendars
            ]
            for action, calendars in plan.actions.items()
        },
        "reminders": [
            {"name": plan.names.get(m.customer_id), **reminder_message(m)} for m in plan.messages
        ],
    }


def event(e: Event) -> dict[str, Any]:
    """An event of the outbox."""
    return {
        "id": e.id,
        "type": e.type,
        "customer_id": e.customer_id,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "occurred_on": _day(e.occurred_on),
        "data": dict(e.data),
        "created_at": _stamp(e.created_at),
    }
