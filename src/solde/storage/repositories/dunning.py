"""Dunning states, open invoices as dunning sees them, and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, or_, select, union, update

from solde.billing.documents import DocState, DocType
from solde.domain.money import Money
from solde.dunning.ports import SentReminder
from solde.dunning.rules import BY_DUNNING, DunningState, OpenInvoice, ReminderMessage
from solde.ledger.model import Origin, State, TxType
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.ids import next_id
from solde.storage.repositories.documents import SqlDocuments
from solde.storage.tables import (
    customers,
    documents,
    dunning_states,
    reminder_lines,
    reminders,
    transactions,
)

c = customers.c
d = documents.c
t = transactions.c
s = dunning_states.c
r = reminders.c
rl = reminder_lines.c
_INVOICES = (DocType.ONE_TIME.value, DocType.RECURRING.value)


_pay = transactions.alias("pay")


def _pending_names_invoice() -> Any:
    return exists().where(
        _pay.c.customer_id == d.customer_id,
        _pay.c.invoice_id == d.id,
        _pay.c.type == TxType.PAYMENT.value,
        _pay.c.state == State.PENDING.value,
    )


def _open_invoices() -> Any:
    """Issued invoices whose ledger transaction has an open amount now."""
    return (
        select(
            d.customer_id,
            d.id,
            d.number,
            d.document_date,
            d.due_date,
            d.currency,
            t.open_amount,
            _pending_names_invoice().label("pending"),
        )
        .select_from(documents)
        .join(transactions, and_(t.customer_id == d.customer_id, t.id == d.transaction_id))
        .where(d.state == DocState.ISSUED.value, d.type.in_(_INVOICES), t.open_amount > 0)
    )


class SqlDunning:
    """What dunning keeps and reads."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def states_of(self, customer_ids: Sequence[int]) -> dict[int, DunningState]:
        """The kept state of each customer that has one."""
        found = {}
        for chunk in chunks(customer_ids):
            rows = self._c.execute(select(dunning_states).where(s.customer_id.in_(chunk)))
            for row in rows:
                found[row.customer_id] = DunningState(
                    blocked_on=row.blocked_on,
                    blocked_invoice_id=row.blocked_invoice_id,
                    next_block_date=row.next_block_date,
                    next_block_date_set_on=row.next_block_date_set_on,
                )
        return found

    def save_state(self, customer_id: int, state: DunningState) -> None:
        """Keep a customer's state (insert or replace)."""
        values = {
            "blocked_on": state.blocked_on,
            "blocked_invoice_id": state.blocked_invoice_id,
            "next_block_date": state.next_block_date,
            "next_block_date_set_on": state.next_block_date_set_on,
            "updated_at": datetime.now(UTC),
        }
        done = self._c.execute(
            update(dunning_states).where(s.customer_id == customer_id).values(**values)
        )
        if done.rowcount == 0:
            self._c.execute(insert(dunning_states).values(customer_id=customer_id, **values))

    def open_invoices_of(self, customer_ids: Sequence[int]) -> dict[int, list[OpenInvoice]]:
        """Each customer's open invoices now, oldest first (document date, then id)."""
        found: dict[int, list[OpenInvoice]] = {}
        for chunk in chunks(customer_ids):
            query = (
                _open_invoices()
                .where(d.customer_id.in_(chunk))
                .order_by(d.customer_id, d.document_date, d.id)
            )
            for row in self._c.execute(query):
                found.setdefault(row.customer_id, []).append(
                    OpenInvoice(
                        id=row.id,
                        number=row.number,
                        document_date=row.document_date,
                        due_date=row.due_date,
                        open_amount=units.from_minor(row.open_amount, row.currency),
                        pending=bool(row.pending),
                    )
                )
        return found

    def open_invoices_as_of(self, customer_id: int, as_of: date) -> list[OpenInvoice]:
        """Invoices issued by `as_of`, not void then, with an open amount at its end."""
        query = (
            select(d.id)
            .where(
                d.customer_id == customer_id,
                d.type.in_(_INVOICES),
                d.document_date <= as_of,
                d.transaction_id.is_not(None),
                or_(
                    d.state == DocState.ISSUED.value,
                    and_(d.state == DocState.VOID.value, d.voided_on > as_of),
                ),
            )
            .order_by(d.document_date, d.id)
        )
        repo = SqlDocuments(self._c)
        docs = [repo.get(i) for i in self._c.execute(query).scalars()]
        settled = repo.settled(docs, as_of)
        found = []
        for doc in docs:
            known = settled.get(doc.id)
            if known is None or known.open_amount.is_zero():
                continue
            found.append(
                OpenInvoice(
                    id=doc.id,
                    number=doc.number,
                    document_date=doc.document_date,
                    due_date=doc.due_date,
                    open_amount=known.open_amount,
                    pending=known.pending_payment,
                )
            )
        return found

    def pending_payments_of(self, customer_ids: Sequence[int]) -> dict[int, Money]:
        """Payments awaiting bank confirmation, summed per customer."""
        found = {}
        for chunk in chunks(customer_ids):
            query = (
                select(t.customer_id, t.currency, func.sum(t.amount).label("total"))
                .where(
                    t.customer_id.in_(chunk),
                    t.type == TxType.PAYMENT.value,
                    t.state == State.PENDING.value,
                )
                .group_by(t.customer_id, t.currency)
            )
            for row in self._c.execute(query):
                found[row.customer_id] = units.from_minor(int(row.total), row.currency)
        return found

    def pending_payments_as_of(self, customer_id: int, as_of: date) -> Money | None:
        """Payments entered by the end of `as_of` and not answered by the bank then."""
        query = (
            select(t.currency, func.sum(t.amount).label("total"))
            .where(
                t.customer_id == customer_id,
                t.type == TxType.PAYMENT.value,
                t.origin == Origin.PENDING.value,
                t.entered_on <= as_of,
                or_(t.resolved_on.is_(None), t.resolved_on > as_of),
            )
            .group_by(t.currency)
        )
        row = self._c.execute(query).first()
        return None if row is None else units.from_minor(int(row.total), row.currency)

    def sent_of(self, customer_ids: Sequence[int]) -> dict[int, dict[tuple[int, int], date]]:
        """Reminder levels already sent: customer -> (invoice id, level) -> date."""
        found: dict[int, dict[tuple[int, int], date]] = {}
        for chunk in chunks(customer_ids):
            rows = self._c.execute(select(reminder_lines).where(rl.customer_id.in_(chunk)))
            for row in rows:
                found.setdefault(row.customer_id, {})[(row.invoice_id, row.level)] = row.date
        return found

    def add_reminder(
        self, message: ReminderMessage, fee_transaction_id: int | None
    ) -> SentReminder:
        """Record the message and its lines; the key of a line refuses a second sending."""
        reminder_id = next_id(self._c, reminders)
        lines = tuple(
            {
                "invoice_id": line.invoice_id,
                "number": line.number,
                "level": line.level,
                "date": line.date.isoformat(),
                "open_amount": str(line.open_amount.amount),
                "currency": line.open_amount.currency,
            }
            for line in message.lines
        )
        self._c.execute(
            insert(reminders).values(
                customer_id=message.customer_id,
                id=reminder_id,
                date=message.date,
                level=message.level,
                lines=list(lines),
                fee_transaction_id=fee_transaction_id,
                status="recorded",
                created_at=datetime.now(UTC),
            )
        )
        self._c.execute(
            insert(reminder_lines),
            [
                {
                    "customer_id": message.customer_id,
                    "invoice_id": line.invoice_id,
                    "level": line.level,
                    "reminder_id": reminder_id,
                    "date": message.date,
                }
                for line in message.lines
            ],
        )
        return SentReminder(
            id=reminder_id,
            customer_id=message.customer_id,
            date=message.date,
            level=message.level,
            lines=lines,
            fee_transaction_id=fee_transaction_id,
            status="recorded",
        )

    def reminders_of(self, customer_id: int, limit: int = 50) -> list[SentReminder]:
        """The customer's reminders, newest first."""
        query = (
            select(reminders)
            .where(r.customer_id == customer_id)
            .order_by(r.date.desc(), r.id.desc())
            .limit(limit)
        )
        return [_sent(row) for row in self._c.execute(query)]

    def reminders_on(self, day: date) -> list[SentReminder]:
        """Every reminder recorded for `day`, by customer."""
        query = select(reminders).where(r.date == day).order_by(r.customer_id)
        return [_sent(row) for row in self._c.execute(query)]

    def to_review(self, day: date) -> list[int]:
        """Active customers with an invoice due before `day` or a next block date on or before
        it, and the customers dunning blocked."""
        overdue = _open_invoices().where(d.customer_id == c.id, d.due_date < day).exists()
        moved = exists().where(s.customer_id == c.id, s.next_block_date <= day)
        active = select(c.id).where(c.status == "active", or_(overdue, moved))
        blocked = select(c.id).where(c.status == "blocked", c.status_by == BY_DUNNING)
        return sorted(self._c.execute(union(active, blocked)).scalars())

    def to_remind(self, day: date, offsets: Sequence[int]) -> list[int]:
        """Customers with an open invoice dated `offset` days before `day`."""
        if not offsets:
            return []
        dates = sorted({day - timedelta(days=n) for n in offsets})
        query = (
            _open_invoices()
            .with_only_columns(d.customer_id)
            .where(d.document_date.in_(dates))
            .distinct()
            .order_by(d.customer_id)
        )
        return list(self._c.execute(query).scalars())

    def blocked_by_dunning(self, customer_ids: Sequence[int]) -> list[int]:
        """Those of `customer_ids` that dunning blocked."""
        found: list[int] = []
        for chunk in chunks(customer_ids):
            query = select(c.id).where(
                c.id.in_(chunk), c.status == "blocked", c.status_by == BY_DUNNING
            )
            found.extend(self._c.execute(query).scalars())
        return sorted(found)


def _sent(row: Any) -> SentReminder:
    return SentReminder(
        id=row.id,
        customer_id=row.customer_id,
        date=row.date,
        level=row.level,
        lines=tuple(row.lines),
        fee_transaction_id=row.fee_transaction_id,
        status=row.status,
    )
