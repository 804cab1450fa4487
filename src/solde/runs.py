"""Running a billing run over many customers: one unit of work per customer, parked failures,
progress, and worker processes (SPEC §8).

    run = run_billing(container, {"date": "2026-12-01"}, actor="cli", on=today, workers=2)

Customers are billed `batch` to a database transaction, each in a savepoint of its own, so a
run that is killed loses at most the batch in flight (nothing of it is kept) and running the
same date again finishes what is missing. A customer whose billing fails is rolled back to its
savepoint and parked with the reason; the run goes on. `batch=1` keeps every transaction to one
customer, as a sharded database prefers. With `workers` above 1 the
customers are dealt round-robin to that many processes, each with its own connection.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date

from solde.billing import batch, runs
from solde.billing.ports import Outcome, Progress, Run, RunStatus
from solde.bootstrap import Config, Container
from solde.domain.errors import InvalidState, SoldeError
from solde.storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

#: Called with (customers done, customers selected) while a run goes on.
OnProgress = Callable[[int, int], None]
MAX_WORKERS = 32
#: Customers billed per database transaction (each in a savepoint of its own).
BATCH = 50
MAX_BATCH = 1000
_POLL_SECONDS = 0.25


def run_billing(
    container: Container,
    values: Mapping[str, object],
    *,
    actor: str,
    on: date,
    workers: int = 1,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Run:
    """Start (or take up again) the run of a date and bill every customer it selects."""
    run, todo = open_run(container, values, actor=actor, on=on)
    return bill_run(
        container, run, todo, actor=actor, on=on, workers=workers, progress=progress, batch=batch
    )


def open_run(
    container: Container, values: Mapping[str, object], *, actor: str, on: date
) -> tuple[Run, list[int]]:
    """Validate and record a run (or take up the date's run again): the run and the customers
    it still has to bill. Nothing is billed yet; `bill_run` does it (an API answers between)."""
    with container.uow(actor=actor) as uow:
        day, options = runs.parse_run(values, on=on)
        run, todo = runs.start_run(uow, day, options)
        uow.commit()
    return run, todo


def bill_run(
    container: Container,
    run: Run,
    todo: Sequence[int],
    *,
    actor: str,
    on: date,
    workers: int = 1,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Run:
    """Bill the customers of an opened run, then mark it completed (a preview stays one)."""
    _process(
        container,
        run,
        todo,
        _bill_customer,
        actor=actor,
        on=on,
        workers=workers,
        progress=progress,
        batch=batch,
    )
    with container.uow(actor=actor) as uow:
        run = runs.finish_run(uow, run.id)
        uow.commit()
    return run


def retry_parked(
    container: Container,
    run_id: int,
    *,
    actor: str,
    on: date,
    workers: int = 1,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Run:
    """Bill a run's parked customers again, and the customers an interrupted run (or
    preview) had not reached yet: drafts in a preview, invoices otherwise."""
    with container.uow(actor=actor) as uow:
        run = uow.runs.get(run_id)
        if run.status is RunStatus.DISCARDED:
            raise InvalidState(f"billing run {run.id} was discarded")
        todo = runs.unfinished_customers(uow, run)
        if run.status is RunStatus.COMPLETED and not run.options.preview:
            uow.runs.set_status(run.id, RunStatus.RUNNING)
        uow.commit()
    if run.status is RunStatus.COMPLETED and run.options.preview:
        run = runs.as_issuing(run)  # a confirmed preview: its parked customers get invoices
    return bill_run(
        container, run, todo, actor=actor, on=on, workers=workers, progress=progress, batch=batch
    )


def confirm_preview(
    container: Container,
    run_id: int,
    *,
    actor: str,
    on: date,
    workers: int = 1,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Run:
    """Issue every draft of a preview; a customer whose bill changed meanwhile is parked."""
    with container.uow(actor=actor) as uow:
        run = runs.check_preview(uow, run_id)
        uow.settings.get().check_open(run.date)
        todo = runs.drafted_customers(uow, run.id)
    _process(
        container,
        run,
        todo,
        _confirm_customer,
        actor=actor,
        on=on,
        workers=workers,
        progress=progress,
        batch=batch,
    )
    with container.uow(actor=actor) as uow:
        run = runs.finish_preview(uow, run.id, RunStatus.COMPLETED)
        uow.commit()
    return run


def discard_preview(container: Container, run_id: int, *, actor: str) -> Run:
    """Throw a preview's drafts away."""
    with container.uow(actor=actor) as uow:
        run = runs.check_preview(uow, run_id)
        todo = runs.drafted_customers(uow, run.id)
    for chunk in _chunks(todo, 500):
        with container.uow(actor=actor) as uow:
            for customer_id in chunk:
                runs.discard_customer(uow, run, customer_id)
            uow.commit()
    with container.uow(actor=actor) as uow:
        run = runs.finish_preview(uow, run.id, RunStatus.DISCARDED)
        uow.commit()
    return run


def progress_of(container: Container, run_id: int) -> tuple[Run, Progress]:
    """A run and how far it has come."""
    with container.uow(actor="system", write=False) as uow:
        return uow.runs.get(run_id), uow.runs.progress(run_id)


# -- the work --------------------------------------------------------------------------------

#: What is done for one customer, inside the unit of work of its batch.
Step = Callable[[SqlUnitOfWork, Run, int, date], object]


def _bill_customer(uow: SqlUnitOfWork, run: Run, customer_id: int, on: date) -> object:
    return runs.bill_customer(uow, run, customer_id, on=on)


def _confirm_customer(uow: SqlUnitOfWork, run: Run, customer_id: int, on: date) -> object:
    return runs.confirm_customer(uow, run, customer_id, on=on)


def _park(uow: SqlUnitOfWork, run: Run, customer_id: int, reason: str) -> None:
    found = uow.runs.outcomes(run.id, outcome=Outcome.DRAFTED, after=customer_id - 1, limit=1)
    if found and found[0].customer_id == customer_id and found[0].document_id is not None:
        uow.documents.delete_draft(uow.documents.get(found[0].document_id))
    runs.park(uow, run, customer_id, reason)


def _plan(
    container: Container, run: Run, chunk: Sequence[int], step: Step, *, actor: str
) -> batch.Planned | None:
    """Plan a chunk in a read transaction: on SQLite another worker writes meanwhile."""
    if step is not _bill_customer or len(chunk) < 2 or run.options.preview:
        return None
    try:
        with container.uow(actor=actor, write=False) as uow:
            return batch.plan_together(uow, run, chunk)
    except Exception:
        log.info("billing run %s: a chunk could not be planned together", run.id, exc_info=True)
        return None


def _together(
    uow: SqlUnitOfWork, run: Run, chunk: Sequence[int], planned: batch.Planned | None, on: date
) -> Sequence[int]:
    """Write the plain customers of a planned chunk at once; the customers left to bill
    alone. Should the chunk fail (changed since its plan), its savepoint undoes it and every
    customer is billed alone."""
    if planned is None:
        return chunk
    try:
        with uow.savepoint():
            _, alone = batch.apply_together(uow, run, planned, on=on)
    except Exception:
        log.info(
            "billing run %s: a chunk fell back to one customer at a time", run.id, exc_info=True
        )
        return chunk
    return alone


def _one(uow: SqlUnitOfWork, run: Run, customer_id: int, step: Step, on: date) -> None:
    """One customer in a savepoint of its own: a failure undoes its changes only and parks
    it with the reason."""
    try:
        with uow.savepoint():
            step(uow, run, customer_id, on)
        return
    except SoldeError as exc:
        reason = exc.message
    except Exception as exc:  # a bug or bad data must not stop the run for the others
        log.exception("billing customer %s in run %s failed", customer_id, run.id)
        reason = f"{type(exc).__name__}: {exc}"
    with uow.savepoint():
        _park(uow, run, customer_id, reason)


def _bill_each(
    container: Container,
    run: Run,
    customer_ids: Sequence[int],
    step: Step,
    *,
    actor: str,
    on: date,
    batch: int,
    progress: OnProgress | None,
) -> int:
    """Bill customers `batch` to a database transaction, each in its own savepoint. A batch
    that cannot be committed (the database refused it) is done again one customer at a time."""
    done = 0
    for chunk in _chunks(customer_ids, batch):
        try:
            planned = _plan(container, run, chunk, step, actor=actor)
            with container.uow(actor=actor) as uow:
                for customer_id in _together(uow, run, chunk, planned, on):
                    _one(uow, run, customer_id, step, on)
                uow.commit()
        except Exception:
            if len(chunk) == 1:
                raise
            log.exception("a batch of run %s failed; billing it one customer at a time", run.id)
            for customer_id in chunk:
                with container.uow(actor=actor) as uow:
                    _one(uow, run, customer_id, step, on)
                    uow.commit()
        done += len(chunk)
        if progress is not None:
            progress(done, len(customer_ids))
    return done


def _process(
    container: Container,
    run: Run,
    todo: Sequence[int],
    step: Step,
    *,
    actor: str,
    on: date,
    workers: int,
    batch: int,
    progress: OnProgress | None,
) -> None:
    workers = max(1, min(workers, MAX_WORKERS, len(todo) or 1))
    batch = max(1, min(batch, MAX_BATCH))
    if workers == 1:
        _bill_each(container, run, todo, step, actor=actor, on=on, batch=batch, progress=progress)
        return
    url = container.config.database_url
    parts = [list(todo[k::workers]) for k in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_worker, url, run, part, step, actor, on, batch) for part in parts]
        while not all(f.done() for f in futures):
            if progress is not None:
                _, now = progress_of(container, run.id)
                progress(min(now.done, len(todo)), len(todo))
            time.sleep(_POLL_SECONDS)
        for future in futures:
            future.result()
    if progress is not None:
        progress(len(todo), len(todo))


def _worker(
    url: str, run: Run, customer_ids: list[int], step: Step, actor: str, on: date, batch: int
) -> int:
    """One worker process: its own engine, its share of the customers."""
    container = Container(Config(database_url=url))
    try:
        return _bill_each(
            container, run, customer_ids, step, actor=actor, on=on, batch=batch, progress=None
        )
    finally:
        container.dispose()


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
