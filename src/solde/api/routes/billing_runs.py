"""/v1/billing-runs: start a run (answered at once, billed in the background), follow its
progress, compare a preview with the previous period, confirm or discard it, bill parked
customers again (SPEC §8)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response

from solde import runs as engine
from solde.api.context import Caller, cursor, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.billing_runs import (
    ComparisonOut,
    ComparisonsOut,
    ProgressOut,
    RunCreate,
    RunCustomerOut,
    RunCustomersOut,
    RunInvoiceOut,
    RunInvoicesOut,
    RunOut,
    RunSummaryOut,
)
from solde.api.schemas.common import PageOut
from solde.billing import runs
from solde.billing.documents import Document, status
from solde.billing.ports import BillingUnitOfWork, Outcome, Progress, Run, RunStatus
from solde.bootstrap import Container
from solde.domain.errors import InvalidState, NotFound
from solde.ledger.ports import MAX_PAGE

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/billing-runs", tags=["billing runs"], route_class=ExactJSONRoute)

#: Documents and parked customers shown with a run; the rest through `/customers`.
FIRST_PAGE = 20
THRESHOLD_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,4})?$"
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "The run, recorded; its customers are billed after the answer. Follow "
        "it at `Location`",
        "headers": {
            "Location": {
                "description": "The run: `/v1/billing-runs/{id}`",
                "schema": {"type": "string"},
            }
        },
    }
}

# -- runs billed by this process --------------------------------------------------------------

_lock = threading.Lock()
_billing: set[tuple[int, int]] = set()


@contextmanager
def _claimed(container: Container, run_id: int) -> Iterator[bool]:
    """Whether this process may bill the run now (false: it is billing it already)."""
    key = (id(container), run_id)
    with _lock:
        free = key not in _billing
        _billing.add(key)
    try:
        yield free
    finally:
        if free:
            with _lock:
                _billing.discard(key)


def _not_busy(container: Container, run_id: int) -> int:
    """`run_id`, refused while this process is still billing that run."""
    with _lock:
        busy = (id(container), run_id) in _billing
    if busy:
        raise InvalidState(f"billing run {run_id} is still being billed; try again when done")
    return run_id


def _bill_in_background(
    container: Container, run: Run, todo: list[int], actor: str, on: date
) -> None:
    with _claimed(container, run.id) as free:
        if not free:
            return
        try:
            engine.bill_run(container, run, todo, actor=actor, on=on)
        except Exception:  # the answer is sent: keep the error for the operator's log
            log.exception("billing run %s stopped; post the same date again to finish it", run.id)


# -- presenting -------------------------------------------------------------------------------


def progress_out(progress: Progress) -> ProgressOut:
    """Counts per outcome and the share done."""
    counts = {o.value: progress.counts.get(o.value, 0) for o in Outcome}
    done, total = progress.done, progress.total
    return ProgressOut(
        total=total,
        done=done,
        percent=100 if total == 0 else min(100, done * 100 // total),
        **counts,
    )


def summary(uow: BillingUnitOfWork, run: Run) -> RunSummaryOut:
    """A run and its progress."""
    return RunSummaryOut.model_validate(_summary(uow, run))


def _summary(uow: BillingUnitOfWork, run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "date": run.date,
        "status": run.status,
        "preview": run.options.preview,
        "skip_zero_invoices": run.options.skip_zero_invoices,
        "balance_only_accounts": run.options.balance_only_accounts,
        "progress": progress_out(uow.runs.progress(run.id)),
        "created_by": run.created_by,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def present(uow: BillingUnitOfWork, run: Run, on: date) -> RunOut:
    """A run with the first page of its documents and of its parked customers."""
    return RunOut(
        **_summary(uow, run),
        invoices=invoices_page(uow, run, on, limit=FIRST_PAGE),
        parked=customers_page(uow, run.id, Outcome.PARKED, limit=FIRST_PAGE),
    )


def _documents_outcome(run: Run) -> Outcome:
    return Outcome.DRAFTED if run.status is RunStatus.PREVIEW else Outcome.INVOICED


def invoices_page(
    uow: BillingUnitOfWork, run: Run, on: date, *, limit: int, after: int | None = None
) -> RunInvoicesOut:
    """The documents a run made (drafts in a preview), by customer, with their status today."""
    found = uow.runs.outcomes(
        run.id, outcome=_documents_outcome(run), limit=limit + 1, after=after or 0
    )
    page = found[:limit]
    docs: list[Document] = []
    for outcome in page:
        try:
            docs.append(uow.documents.get(outcome.document_id or 0))
        except NotFound:  # a draft removed while the preview was confirmed or discarded
            continue
    settled = uow.documents.settled(docs, on)
    data = [
        RunInvoiceOut(
            id=doc.id,
            customer_id=doc.customer_id,
            number=doc.number,
            status=status(doc, settled.get(doc.id), as_of=on),
            document_date=doc.document_date,
            total=str(doc.total),
            currency=doc.currency,
        )
        for doc in docs
    ]
    more = len(found) > limit
    return RunInvoicesOut(
        data=data, has_more=more, next_cursor=str(page[-1].customer_id) if more else None
    )


def customers_page(
    uow: BillingUnitOfWork,
    run_id: int,
    outcome: Outcome | None,
    *,
    limit: int,
    after: int | None = None,
) -> RunCustomersOut:
    """A page of a run's customers and what it did for each, by customer id."""
    found = uow.runs.outcomes(run_id, outcome=outcome, limit=limit + 1, after=after or 0)
    page = found[:limit]
    data = [
        RunCustomerOut(
            customer_id=o.customer_id,
            outcome=o.outcome,
            document_id=o.document_id,
            total=None if o.total is None else str(o.total),
            currency=None if o.total is None else o.total.currency,
            reason=o.reason,
        )
        for o in page
    ]
    more = len(found) > limit
    return RunCustomersOut(
        data=data, has_more=more, next_cursor=str(page[-1].customer_id) if more else None
    )


def _today(caller: Caller) -> date:
    with caller.uow(write=False) as uow:
        return caller.today(uow)


def _idle(caller: Caller, run_id: int) -> int:
    return _not_busy(caller.container, object_id(run_id, "billing run"))


def _run_out(caller: Caller, run_id: int) -> RunOut:
    with caller.uow(write=False) as uow:
        return present(uow, uow.runs.get(run_id), caller.today(uow))


# -- routes -----------------------------------------------------------------------------------


@router.post(
    "",
    status_code=202,
    response_model=RunOut,
    responses=ACCEPTED,
    summary="Start a billing run",
)
def start_run(
    body: RunCreate,
    response: Response,
    background: BackgroundTasks,
    caller: Caller = Depends(writer),
) -> RunOut:
    """Record a billing run for `date` and answer at once (202, status `running`, or
    `preview`); its customers are billed after the answer, one at a time, and `progress`
    shows how far it has come. A run of a date that already has one (not a preview) takes it
    up again: the same run, billing only the customers not yet invoiced or skipped — a
    period is never billed twice. A customer whose billing fails is parked with its reason
    and the run goes on. The server bills with one process: for large bases, prefer
    `solde bill --workers N`."""
    on = _today(caller)
    run, todo = engine.open_run(caller.container, body.values(), actor=caller.actor, on=on)
    background.add_task(_bill_in_background, caller.container, run, todo, caller.actor, on)
    response.headers["Location"] = f"/v1/billing-runs/{run.id}"
    with caller.uow(write=False) as uow:
        return present(uow, run, on)


@router.get("", response_model=PageOut[RunSummaryOut], summary="List billing runs")
def list_runs(
    caller: Caller = Depends(reader),
    status: RunStatus | None = Query(None, description="Only runs in this status"),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20),
) -> PageOut[RunSummaryOut]:
    """Billing runs, newest first, with their progress."""
    after = cursor(starting_after)
    with caller.uow(write=False) as uow:
        found = [
            r
            for r in uow.runs.latest(1_000_000)
            if (after is None or r.id < after) and (status is None or r.status is status)
        ]
        page = found[:limit]
        data = [summary(uow, r) for r in page]
    more = len(found) > limit
    return PageOut[RunSummaryOut](
        data=data, has_more=more, next_cursor=str(page[-1].id) if more and page else None
    )


@router.get("/{run_id}", response_model=RunOut, summary="Get a billing run")
def get_run(run_id: int, caller: Caller = Depends(reader)) -> RunOut:
    """A run, its progress, the first documents it made (drafts in a preview) and its first
    parked customers with their reason. Poll it to follow a run started by `POST`."""
    return _run_out(caller, object_id(run_id, "billing run"))


@router.get("/{run_id}/customers", response_model=RunCustomersOut, summary="List a run's customers")
def list_run_customers(
    run_id: int,
    caller: Caller = Depends(reader),
    outcome: Outcome | None = Query(None, description="Only customers with this outcome"),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20, description="A customer id"),
) -> RunCustomersOut:
    """What the run did for each customer it looked at, by customer id: the document it made
    and its total, or why the customer was skipped or parked."""
    after = cursor(starting_after)
    with caller.uow(write=False) as uow:
        run = uow.runs.get(object_id(run_id, "billing run"))
        return customers_page(uow, run.id, outcome, limit=limit, after=after)


@router.get(
    "/{run_id}/comparison",
    response_model=ComparisonsOut,
    summary="Compare a preview with the previous period",
)
def compare_preview(
    run_id: int,
    caller: Caller = Depends(reader),
    threshold: str = Query(
        "10",
        pattern=THRESHOLD_PATTERN,
        description="Totals differing by more than this percent are `changed`",
    ),
    change: str | None = Query(
        None,
        pattern="^(new|changed|same|missing)$",
        description="Only comparisons of this kind: new, changed, same, missing",
    ),
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20, description="A customer id"),
) -> ComparisonsOut:
    """Each draft of a preview beside the customer's previous recurring invoice, by customer
    id, and the customers who had one before but get no draft now (`missing`)."""
    after = cursor(starting_after)
    limit_threshold = Decimal(threshold)
    with caller.uow(write=False) as uow:
        run = uow.runs.get(object_id(run_id, "billing run"))
        if run.status is not RunStatus.PREVIEW:
            raise InvalidState(
                f"billing run {run.id} is {run.status.value}: only a preview waiting for "
                "confirmation is compared"
            )
        found = [
            c
            for c in runs.compare(uow, run.id, threshold=limit_threshold)
            if (after is None or c.customer_id > after) and (change is None or c.change == change)
        ]
    page = found[:limit]
    more = len(found) > limit
    return ComparisonsOut(
        threshold=threshold,
        data=[_comparison(c) for c in page],
        has_more=more,
        next_cursor=str(page[-1].customer_id) if more else None,
    )


def _comparison(c: runs.Comparison) -> ComparisonOut:
    doc = c.draft or c.previous
    assert doc is not None
    return ComparisonOut(
        customer_id=c.customer_id,
        change=c.change,
        currency=doc.currency,
        draft_id=None if c.draft is None else c.draft.id,
        draft_total=None if c.draft is None else str(c.draft.total),
        previous_id=None if c.previous is None else c.previous.id,
        previous_number=None if c.previous is None else c.previous.number,
        previous_total=None if c.previous is None else str(c.previous.total),
        difference=None if c.difference is None else str(c.difference),
    )


@router.post("/{run_id}/confirm", response_model=RunOut, summary="Confirm a preview")
def confirm_run(run_id: int, caller: Caller = Depends(writer)) -> RunOut:
    """Issue every draft of a preview, then answer with the completed run. Each customer is
    billed again from current data: one whose bill changed since the preview is parked (retry
    the run to invoice it). Only a preview still waiting may be confirmed (409 otherwise)."""
    on = _today(caller)
    run = engine.confirm_preview(caller.container, _idle(caller, run_id), actor=caller.actor, on=on)
    return _run_out(caller, run.id)


@router.delete("/{run_id}", response_model=RunOut, summary="Discard a preview")
def discard_run(run_id: int, caller: Caller = Depends(writer)) -> RunOut:
    """Throw a preview's drafts away; the run stays, `discarded`. Only a preview still
    waiting may be discarded (409 otherwise)."""
    run = engine.discard_preview(caller.container, _idle(caller, run_id), actor=caller.actor)
    return _run_out(caller, run.id)


@router.post("/{run_id}/retry", response_model=RunOut, summary="Bill parked customers again")
def retry_run(run_id: int, caller: Caller = Depends(writer)) -> RunOut:
    """Bill the run's parked customers again, once their data is fixed, then answer with the
    run: drafts again in a preview waiting, invoices in a run or a confirmed preview (a
    customer parked because its bill changed since the preview is invoiced from current
    data). Those that fail again stay parked with the new reason. A discarded run cannot be
    retried (409)."""
    on = _today(caller)
    run = engine.retry_parked(caller.container, _idle(caller, run_id), actor=caller.actor, on=on)
    return _run_out(caller, run.id)
