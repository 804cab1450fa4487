"""The daily cycle (SPEC §10): what a scheduler runs once a day, and its simulation.

For each date not processed yet up to D, oldest first, the cycle runs: the billing run of the
date, settlement of customers with open debits and credits side by side, and the invoices that
become overdue, the reminders due that day, then blocking, unblocking and deactivation.
Each date runs exactly once: it is recorded as started, then completed with a
summary; a date whose cycle was interrupted is taken up again (each step is idempotent). The
first cycle ever runs D alone: nothing before D is caught up.

Webhook delivery joins the cycle with the webhooks; until then events wait in the outbox.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection

from solde.billing.documents import Status, status
from solde.billing.ports import Outcome
from solde.bootstrap import Config, Container, before_commit
from solde.domain.errors import InvalidInput, SoldeError
from solde.dunning.rules import Action
from solde.dunning.usecases import remind, review, tell
from solde.runs import OnProgress, run_billing
from solde.settlement.allocating import auto_settle
from solde.storage.backup import backup_sqlite
from solde.storage.unit_of_work import SqlUnitOfWork

ONE_DAY = timedelta(days=1)
T = TypeVar("T")
#: A catch-up or a simulation covers at most this many days at once.
MAX_DAYS = 1096


@dataclass(slots=True)
class DayReport:
    """What the cycle of one date did."""

    date: date
    run_id: int | None = None
    invoiced: int = 0
    skipped: int = 0
    parked: int = 0
    settled_customers: int = 0
    overdue_invoices: list[int] = field(default_factory=list)
    reminders: int = 0
    reminder_fees: int = 0
    blocked: list[int] = field(default_factory=list)
    unblocked: list[int] = field(default_factory=list)
    deactivated: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # customer -> why dunning failed
    invoices: list[dict[str, Any]] = field(default_factory=list)  # simulations only
    already_done: bool = False

    def summary(self) -> dict[str, Any]:
        """The report as JSON (kept with the date)."""
        return {
            "run_id": self.run_id,
            "invoiced": self.invoiced,
            "skipped": self.skipped,
            "parked": self.parked,
            "settled_customers": self.settled_customers,
            "overdue_invoices": self.overdue_invoices,
            "reminders": self.reminders,
            "reminder_fees": self.reminder_fees,
            "blocked": self.blocked,
            "unblocked": self.unblocked,
            "deactivated": self.deactivated,
            "failed": {str(k): v for k, v in self.failed.items()},
        }


def dates_to_run(container: Container, up_to: date) -> list[date]:
    """The dates the cycle must process to reach `up_to`, oldest first: every date after the
    last completed one, and any interrupted date."""
    with container.uow(actor="system", write=False) as uow:
        last = uow.cycles.last_completed()
        unfinished = uow.cycles.unfinished(up_to)
    if last is None and unfinished:  # the first cycle was interrupted: go on from its date
        last = unfinished[0] - ONE_DAY
    if last is None:
        days = [up_to]
    else:
        days = [last + ONE_DAY * (k + 1) for k in range((up_to - last).days)]
    found = sorted(set(days) | set(unfinished))
    if len(found) > MAX_DAYS:
        raise InvalidInput.single(
            "date",
            "too_many_days",
            f"{len(found)} days to catch up; run the cycle for at most {MAX_DAYS} days at once",
        )
    return found


def run_daily(
    container: Container,
    *,
    up_to: date,
    actor: str,
    workers: int = 1,
    progress: Callable[[date], OnProgress | None] | None = None,
    on: date | None = None,
) -> list[DayReport]:
    """Run the cycle for every date not processed yet up to `up_to`, oldest first. A date
    already completed is not run again (its report says so). `on` is today: a cycle never
    runs a date after it (simulate the future instead)."""
    if on is not None and up_to > on:
        raise InvalidInput.single(
            "date",
            "in_future",
            f"cannot be after today ({on.isoformat()}); simulate future dates instead",
        )
    days = dates_to_run(container, up_to)
    if not days:
        with container.uow(actor=actor, write=False) as uow:
            done = uow.cycles.status_of(up_to) == "completed"
        return [DayReport(up_to, already_done=True)] if done else []
    reports = []
    for day in days:
        on_progress = None if progress is None else progress(day)
        reports.append(run_day(container, day, actor=actor, workers=workers, progress=on_progress))
    return reports


def run_day(
    container: Container,
    day: date,
    *,
    actor: str,
    workers: int = 1,
    progress: OnProgress | None = None,
) -> DayReport:
    """The cycle of one date, with the date as the business day of every step."""
    with container.uow(actor=actor) as uow:
        if uow.cycles.status_of(day) == "completed":
            return DayReport(day, already_done=True)
        uow.cycles.start(day)
        uow.commit()
    report = DayReport(day)
    run = run_billing(
        container,
        {"date": day.isoformat()},
        actor=actor,
        on=day,
        workers=workers,
        progress=progress,
    )
    report.run_id = run.id
    with container.uow(actor=actor, write=False) as uow:
        counts = uow.runs.progress(run.id).counts
    report.invoiced = counts.get(Outcome.INVOICED, 0)
    report.skipped = counts.get(Outcome.SKIPPED, 0)
    report.parked = counts.get(Outcome.PARKED, 0)
    report.settled_customers = _settle(container, day, actor=actor)
    report.overdue_invoices = _overdue(container, day, actor=actor)
    _remind(container, day, report, actor=actor)
    _review(container, day, report, actor=actor)
    with container.uow(actor=actor) as uow:
        uow.cycles.complete(day, run.id, report.summary())
        uow.audit.record(
            "daily_cycle.completed",
            customer_id=None,
            object_type="daily_cycle",
            object_id=None,
            details={"date": day.isoformat(), **report.summary()},
        )
        uow.commit()
    return report


def _settle(container: Container, day: date, *, actor: str) -> int:
    """Settle customers whose open credits and debits stand side by side (a credit kept
    while automatic settlement was off, then turned on)."""
    with container.uow(actor=actor, write=False) as uow:
        candidates = uow.cycles.to_settle()
    settled = 0
    for customer_id in candidates:
        try:
            with container.uow(actor=actor) as uow:
                customer = uow.customers.lock(customer_id)
                if auto_settle(uow, customer, on=day):
                    settled += 1
                uow.commit()
        except SoldeError:
            continue
    return settled


def _overdue(container: Container, day: date, *, actor: str) -> list[int]:
    """Invoices due the day before that are still open: overdue from `day` (SPEC §5). Each
    is told once, even when the date's cycle runs again after a crash."""
    found = []
    with container.uow(actor=actor) as uow:
        ids = uow.cycles.due_on(day - ONE_DAY)
        told = uow.events.told("invoice.overdue", ids)
        docs = [uow.documents.get(i) for i in ids if i not in told]
        settled = uow.documents.settled(docs, day)
        for doc in docs:
            if status(doc, settled.get(doc.id), as_of=day) is Status.OVERDUE:
                found.append(doc.id)
                details = {
                    "invoice_id": doc.id,
                    "number": doc.number,
                    "due_date": doc.due_date.isoformat(),
                }
                tell(uow, "invoice.overdue", doc.customer_id, ("invoice", doc.id), day, details)
        uow.commit()
    return found


def _each_customer(
    container: Container,
    customer_ids: list[int],
    step: Callable[[SqlUnitOfWork, int], T],
    report: DayReport,
    *,
    actor: str,
    name: str,
) -> Iterator[tuple[int, T]]:
    """Run `step` for each customer in its own transaction; a customer whose step fails is
    reported with the reason and the others go on (the next day's cycle tries it again)."""
    for customer_id in customer_ids:
        try:
            with container.uow(actor=actor) as uow:
                result = step(uow, customer_id)
                uow.commit()
        except SoldeError as exc:
            report.failed[customer_id] = f"{name}: {exc}"
            continue
        yield customer_id, result


def _remind(container: Container, day: date, report: DayReport, *, actor: str) -> None:
    """Record each customer's reminder message due on `day`, posting its fee."""
    with container.uow(actor=actor, write=False) as uow:
        offsets = uow.settings.get().dunning.reminder_offsets
        candidates = uow.dunning.to_remind(day, offsets)
    step = lambda uow, customer_id: remind(uow, customer_id, day)  # noqa: E731
    for _, sent in _each_customer(
        container, candidates, step, report, actor=actor, name="reminder"
    ):
        if sent is not None:
            report.reminders += 1
            report.reminder_fees += sent.fee_transaction_id is not None


def _review(container: Container, day: date, report: DayReport, *, actor: str) -> None:
    """Block, unblock and deactivate as the dunning rules say on `day`."""
    with container.uow(actor=actor, write=False) as uow:
        candidates = uow.dunning.to_review(day)
    found = {Action.BLOCK: report.blocked, Action.UNBLOCK: report.unblocked}
    found[Action.DEACTIVATE] = report.deactivated
    step = lambda uow, customer_id: review(uow, customer_id, day)  # noqa: E731
    for customer_id, action in _each_customer(
        container, candidates, step, report, actor=actor, name="dunning"
    ):
        if action is not None:
            found[action].append(customer_id)


# -- simulation ------------------------------------------------------------------------------


class _Joined(Container):
    """A container whose units of work are savepoints of one outer transaction."""

    def __init__(self, config: Config, outer: Connection) -> None:
        super().__init__(config, engine=outer.engine)
        self._outer_connection = outer

    def uow(self, *, actor: str, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            actor=actor,
            write=write,
            outer=self._outer_connection,
            before_commit=before_commit,
        )


@contextmanager
def _copy_of(container: Container) -> Iterator[Container]:
    """A container on a throw-away copy of the database: a file copy of SQLite, or for
    PostgreSQL one transaction that is rolled back at the end (nobody else sees it)."""
    engine = container.engine
    if engine.dialect.name == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="solde-simulate-"))
        try:
            target = folder / "copy.db"
            backup_sqlite(engine, target)
            copy = Container(Config(database_url=f"sqlite:///{target}"))
            try:
                yield copy
            finally:
                copy.dispose()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    with engine.connect() as connection:
        connection.begin()
        try:
            yield _Joined(container.config, connection)
        finally:
            connection.rollback()


def simulate(
    container: Container, *, start: date, end: date, actor: str = "simulation"
) -> list[DayReport]:
    """Run the daily cycle from `start` to `end` on a copy of the database and report, per
    date, what would be invoiced; the real database is not changed."""
    if end < start:
        raise InvalidInput.single("to", "before_from", "cannot be before the start date")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput.single("to", "too_many_days", f"simulate at most {MAX_DAYS} days")
    reports = []
    with _copy_of(container) as copy:
        day = start
        while day <= end:
            report = run_day(copy, day, actor=actor)
            if report.run_id is not None:
                report.invoices = _invoices_of(copy, report.run_id)
            reports.append(report)
            day += ONE_DAY
    return reports


def _invoices_of(container: Container, run_id: int) -> list[dict[str, Any]]:
    found = []
    with container.uow(actor="simulation", write=False) as uow:
        after = 0
        while True:
            page = uow.runs.outcomes(run_id, outcome=Outcome.INVOICED, after=after, limit=1000)
            if not page:
                break
            for outcome in page:
                doc = uow.documents.get(outcome.document_id or 0)
                found.append(
                    {
                        "customer_id": outcome.customer_id,
                        "document_id": doc.id,
                        "number": doc.number,
                        "total": str(doc.total.amount),
                        "currency": doc.currency,
                    }
                )
            after = page[-1].customer_id
    return found
