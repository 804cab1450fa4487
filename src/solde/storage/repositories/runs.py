"""Billing runs and their outcomes per customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from solde.billing.ports import (
    FINAL_OUTCOMES,
    CustomerOutcome,
    Outcome,
    Progress,
    Run,
    RunOptions,
    RunStatus,
)
from solde.domain.errors import NotFound
from solde.domain.values import is_possible_id
from solde.ledger.billing import BillingSettings, Timing
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.tables import billing_run_customers, billing_runs, customers, services

r = billing_runs.c
o = billing_run_customers.c
c = customers.c


def _run(row: Row[Any]) -> Run:
    return Run(
        id=row.id,
        date=row.date,
        options=RunOptions(
            preview=bool(row.preview),
            skip_zero_invoices=bool(row.skip_zero_invoices),
            balance_only_accounts=bool(row.balance_only_accounts),
        ),
        status=RunStatus(row.status),
        total=int(row.total),
        created_by=row.created_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _outcome(row: Row[Any]) -> CustomerOutcome:
    total = None
    if row.total is not None and row.currency is not None:
        total = units.from_minor(row.total, row.currency)
    return CustomerOutcome(
        run_id=row.run_id,
        customer_id=row.customer_id,
        outcome=Outcome(row.outcome),
        document_id=row.document_id,
        reason=row.reason,
        total=total,
    )


_OUTCOME_FIELDS = ("date", "outcome", "document_id", "total", "currency", "reason", "at")


def _upsert_outcome(dialect: Any) -> Any:
    stmt = dialect.insert(billing_run_customers).values(
        {name: bindparam(name) for name in ("customer_id", "run_id", *_OUTCOME_FIELDS)}
    )
    return stmt.on_conflict_do_update(
        index_elements=[o.customer_id, o.run_id],
        set_={name: stmt.excluded[name] for name in _OUTCOME_FIELDS},
    )


#: one statement keeps or replaces an outcome (False: SQLite, True: PostgreSQL)
_UPSERT_OUTCOME = {False: _upsert_outcome(sqlite), True: _upsert_outcome(postgresql)}


def _outcome_params(outcome: CustomerOutcome, day: date, now: datetime) -> dict[str, Any]:
    return {
        "customer_id": outcome.customer_id,
        "run_id": outcome.run_id,
        "date": day,
        "outcome": outcome.outcome.value,
        "document_id": outcome.document_id,
        "total": None if outcome.total is None else units.to_minor(outcome.total),
        "currency": None if outcome.total is None else outcome.total.currency,
        "reason": outcome.reason,
        "at": now,
    }


def _setting(column: Any, default: object) -> Any:
    return func.coalesce(column, default)


class SqlRuns:
    """Billing runs in the database."""

    def __init__(self, connection: Connection, actor: str) -> None:
        self._c = connection
        self._actor = actor

    def add(self, day: date, options: RunOptions, status: RunStatus) -> Run:
        """Insert a new run."""
        result = self._c.execute(
            insert(billing_runs).values(
                date=day,
                preview=options.preview,
                skip_zero_invoices=options.skip_zero_invoices,
                balance_only_accounts=options.balance_only_accounts,
                status=status.value,
                total=0,
                created_at=datetime.now(UTC),
                created_by=self._actor,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return self.get(int(key[0]))

    def get(self, run_id: int) -> Run:
        """The run, or NotFound."""
        if not is_possible_id(run_id):
            raise NotFound("billing run", run_id)
        row = self._c.execute(select(billing_runs).where(r.id == run_id)).first()
        if row is None:
            raise NotFound("billing run", run_id)
        return _run(row)

    def latest(self, limit: int) -> list[Run]:
        """Newest runs first."""
        rows = self._c.execute(select(billing_runs).order_by(r.id.desc()).limit(limit))
        return [_run(x) for x in rows]

    def open_run(self, day: date) -> Run | None:
        """The date's running or completed run, not a preview."""
        row = self._c.execute(
            select(billing_runs)
            .where(
                r.date == day,
                r.preview.is_(False),
                r.status.in_([RunStatus.RUNNING.value, RunStatus.COMPLETED.value]),
            )
            .order_by(r.id)
            .limit(1)
        ).first()
        return None if row is None else _run(row)

    def set_status(self, run_id: int, status: RunStatus, *, total: int | None = None) -> None:
        """Change the status (and the total of customers selected)."""
        values: dict[str, Any] = {"status": status.value}
        if total is not None:
            values["total"] = total
        if status in (RunStatus.COMPLETED, RunStatus.DISCARDED):
            values["finished_at"] = datetime.now(UTC)
        elif status is RunStatus.RUNNING:
            values["finished_at"] = None
        self._c.execute(update(billing_runs).where(r.id == run_id).values(**values))

    def candidates(self, day: date, defaults: BillingSettings) -> list[int]:
        """Customers billed by runs whose billing day of month is `day`'s, or with a service
        waiting to be billed at activation."""
        sv = services.c
        waiting = exists().where(
            sv.customer_id == c.id, sv.billed_through.is_(None), sv.start_date <= day
        )
        activation = and_(
            _setting(c.bill_on_activation, defaults.bill_on_activation) == true(),
            _setting(c.timing, defaults.timing.value) == Timing.ADVANCE.value,
            waiting,
        )
        query = (
            select(c.id)
            .where(
                _setting(c.billing_enabled, defaults.billing_enabled) == true(),
                _setting(c.auto_invoice, defaults.auto_invoice) == true(),
                c.status != "inactive",
                or_(_setting(c.billing_day, defaults.billing_day) == day.day, activation),
            )
            .order_by(c.id)
        )
        return list(self._c.execute(query).scalars())

    def record(self, outcome: CustomerOutcome, day: date | None = None) -> None:
        """Keep a customer's outcome, replacing an earlier one in the same run."""
        if day is None:
            day = self.get(outcome.run_id).date
        self.record_many([outcome], day)

    def record_many(self, outcomes: Sequence[CustomerOutcome], day: date) -> None:
        """Keep (or replace) outcomes of one run of `day`, in one statement."""
        if not outcomes:
            return
        now = datetime.now(UTC)
        self._c.execute(
            _UPSERT_OUTCOME[self._c.dialect.name == "postgresql"],
            [_outcome_params(outcome, day, now) for outcome in outcomes],
        )

    def finished_on(self, day: date) -> set[int]:
        """Customers invoiced or skipped by a run of the date that was not discarded."""
        query = (
            select(o.customer_id)
            .join(billing_runs, r.id == o.run_id)
            .where(
                o.date == day,
                o.outcome.in_([x.value for x in FINAL_OUTCOMES]),
                r.status != RunStatus.DISCARDED.value,
            )
        )
        return set(self._c.execute(query).scalars())

    def outcomes(
        self, run_id: int, *, outcome: Outcome | None = None, limit: int = 100, after: int = 0
    ) -> list[CustomerOutcome]:
        """A run's outcomes by customer id."""
        query = select(billing_run_customers).where(o.run_id == run_id, o.customer_id > after)
        if outcome is not None:
            query = query.where(o.outcome == outcome.value)
        rows = self._c.execute(query.order_by(o.customer_id).limit(limit))
        return [_outcome(x) for x in rows]

    def outcomes_of(self, run_id: int, customer_ids: Sequence[int]) -> dict[int, CustomerOutcome]:
        """The outcomes in a run of the given customers."""
        found: dict[int, CustomerOutcome] = {}
        for chunk in chunks(sorted(set(customer_ids))):
            query = select(billing_run_customers).where(
                o.run_id == run_id, o.customer_id.in_(chunk)
            )
            found.update((row.customer_id, _outcome(row)) for row in self._c.execute(query))
        return found

    def progress(self, run_id: int) -> Progress:
        """Customers per outcome."""
        run = self.get(run_id)
        rows = self._c.execute(
            select(o.outcome, func.count()).where(o.run_id == run_id).group_by(o.outcome)
        )
        return Progress(run.total, {row[0]: int(row[1]) for row in rows})
