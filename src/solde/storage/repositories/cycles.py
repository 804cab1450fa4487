"""The daily cycle's record of processed dates, and the lookups its steps need."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from solde.billing.documents import DocState, DocType
from solde.storage.tables import customer_balances, daily_cycles, documents

d = daily_cycles.c


class SqlCycles:
    """Dates the daily cycle ran for."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def last_completed(self) -> date | None:
        """The newest date whose cycle completed."""
        query = select(d.date).where(d.status == "completed").order_by(d.date.desc()).limit(1)
        return self._c.execute(query).scalar()

    def unfinished(self, up_to: date) -> list[date]:
        """Dates up to `up_to` whose cycle started and did not complete (a crash)."""
        query = select(d.date).where(d.status == "running", d.date <= up_to).order_by(d.date)
        return list(self._c.execute(query).scalars())

    def status_of(self, day: date) -> str | None:
        """`running`, `completed`, or None when the date never ran."""
        return self._c.execute(select(d.status).where(d.date == day)).scalar()

    def start(self, day: date) -> None:
        """Record that the date's cycle began (once)."""
        if self.status_of(day) is None:
            self._c.execute(
                insert(daily_cycles).values(
                    date=day, status="running", summary={}, started_at=datetime.now(UTC)
                )
            )

    def complete(self, day: date, run_id: int | None, summary: dict[str, Any]) -> None:
        """Record that the date's cycle completed, with what it did."""
        self._c.execute(
            update(daily_cycles)
            .where(d.date == day)
            .values(
                status="completed", run_id=run_id, summary=summary, completed_at=datetime.now(UTC)
            )
        )

    def summary(self, day: date) -> dict[str, Any] | None:
        """What the completed cycle of a date did."""
        return self._c.execute(select(d.summary).where(d.date == day)).scalar()

    def to_settle(self) -> list[int]:
        """Customers with open debits and open credits side by side."""
        b = customer_balances.c
        query = select(b.customer_id).where(b.debit > 0, b.credit < 0).order_by(b.customer_id)
        return list(self._c.execute(query).scalars())

    def due_on(self, day: date) -> list[int]:
        """Issued invoices whose due date is `day` (overdue from the next day if unpaid)."""
        c = documents.c
        query = (
            select(c.id)
            .where(
                c.due_date == day,
                c.state == DocState.ISSUED.value,
                c.type.in_([DocType.ONE_TIME.value, DocType.RECURRING.value]),
            )
            .order_by(c.id)
        )
        return list(self._c.execute(query).scalars())
