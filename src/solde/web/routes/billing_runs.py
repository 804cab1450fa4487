"""Billing runs: the list and a new run; a run's page with its progress, the invoices it made
(drafts in a preview), its parked customers and, for a preview, the comparison with the
previous period; confirming or discarding a preview, and billing parked customers again.

A new run is recorded in the request and billed just after the answer, in the background, as
the API does: the run's page shows the progress and refreshes itself every 2 s until the run
is done. Confirming, discarding and re-running parked customers happen in the request.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from solde import runs
from solde.billing import runs as billing_runs
from solde.billing.ports import Outcome, Progress, Run, RunStatus
from solde.bootstrap import Container
from solde.domain.errors import InvalidInput, InvalidState, SoldeError
from solde.domain.values import is_possible_id
from solde.ledger import usecases
from solde.ledger.customers import Customer
from solde.statuses import status_of
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.context import Viewer, object_id, signed_in, wants_fragment, writer
from solde.web.formatting import parse_number
from solde.web.forms import Form, Reader, choice, whole_number
from solde.web.labels import (
    CHANGE_LABELS,
    OUTCOME_LABELS,
    RUN_STATUS_COLOURS,
    RUN_STATUS_LABELS,
)
from solde.web.render import done, render
from solde.web.routes.invoices import NAMES

log = logging.getLogger("solde.web")
router = APIRouter()
#: Runs the list shows, newest first.
LATEST = 50
#: Invoices (or drafts) a run's page shows at a time.
SHOWN = 100
#: Customers of a comparison shown (the counts cover them all).
COMPARED = 200
#: How often a run's page asks how far the run has come while it goes on (seconds).
POLL_SECONDS = 2
LABELS: dict[str, Any] = {
    "run_statuses": RUN_STATUS_LABELS,
    "run_colours": RUN_STATUS_COLOURS,
    "outcomes": OUTCOME_LABELS,
    "changes": CHANGE_LABELS,
    "poll_seconds": POLL_SECONDS,
}


def in_progress(run: Run, progress: Progress) -> bool:
    """The run is still billing (or, for a preview, still making its drafts)."""
    if run.status is RunStatus.RUNNING:
        return True
    return run.status is RunStatus.PREVIEW and progress.done < run.total


# -- the list and a new run -----------------------------------------------------------------


def _new_form(today: date) -> Form:
    return Form({"date": today.isoformat(), "skip_zero_invoices": "on"})


def _list_page(request: Request, viewer: Viewer, form: Form | None, status: int = 200) -> Response:
    with viewer.uow() as uow:
        rows = [{"run": r, "progress": uow.runs.progress(r.id)} for r in uow.runs.latest(LATEST)]
        return render(
            request,
            "billing_runs/list.html",
            viewer=viewer,
            fmt=viewer.format(uow),
            status=status,
            rows=rows,
            form=form or _new_form(viewer.today(uow)),
            **LABELS,
        )


@router.get("/billing-runs", include_in_schema=False)
def run_list(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The latest billing runs, and the form of a new one."""
    return _list_page(request, viewer, None)


@router.post("/billing-runs", include_in_schema=False)
def start_run(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Record the run, answer with its page, and bill its customers just after."""
    viewer, data = posted
    form = Form.typed(data)
    try:
        with viewer.uow() as uow:
            today = viewer.today(uow)
            reader = Reader(form, viewer.locale(uow)).text("date")
            values = reader.flag("preview", "skip_zero_invoices", "balance_only_accounts").done()
        run, todo = runs.open_run(viewer.container, values, actor=viewer.actor, on=today)
    except SoldeError as exc:
        return _list_page(request, viewer, form.failed(exc), status=status_of(exc))
    what = "Preview" if run.options.preview else "Billing run"
    message = f"{what} #{run.id} of {run.date.isoformat()}: {len(todo)} customer(s) to bill."
    response = done(request, message, to=f"/billing-runs/{run.id}", viewer=viewer)
    response.background = BackgroundTask(_bill, viewer.container, run, todo, viewer.actor, today)
    return response


def _bill(container: Container, run: Run, todo: list[int], actor: str, on: date) -> None:
    """Bill an opened run after the answer was sent. A failure is logged; running the same
    date again carries on where it stopped."""
    try:
        runs.bill_run(container, run, todo, actor=actor, on=on)
    except Exception:  # the answer is gone: the log and the run's page are all that remain
        log.exception("billing run %s stopped", run.id)


# -- one run --------------------------------------------------------------------------------


def _threshold(text: str, locale: str) -> tuple[Decimal, str | None]:
    """The comparison threshold typed (percent), else the default with the reason."""
    if not text.strip():
        return billing_runs.DEFAULT_THRESHOLD, None
    try:
        value = Decimal(parse_number(text[:40], locale, field="threshold"))
    except InvalidInput as exc:
        return billing_runs.DEFAULT_THRESHOLD, exc.errors[0].message
    if value < 0:
        return billing_runs.DEFAULT_THRESHOLD, "must be 0 or more (percent)"
    return value, None


def _customers(uow: SqlUnitOfWork, ids: set[int]) -> dict[int, Customer]:
    return {cid: usecases.get_customer(uow, cid) for cid in sorted(ids)}


def _made(uow: SqlUnitOfWork, run: Run, after: int) -> dict[str, Any]:
    """The invoices (drafts in a preview) of a run, a page at a time by customer id."""
    kind = Outcome.DRAFTED if run.status is RunStatus.PREVIEW else Outcome.INVOICED
    found = uow.runs.outcomes(run.id, outcome=kind, limit=SHOWN + 1, after=after)
    shown = found[:SHOWN]
    documents = {o.customer_id: uow.documents.get(o.document_id) for o in shown if o.document_id}
    return {
        "made": shown,
        "made_kind": kind,
        "made_more": shown[-1].customer_id if len(found) > SHOWN else None,
        "documents": documents,
    }


def _comparison(uow: SqlUnitOfWork, run: Run, form: Form, locale: str) -> dict[str, Any]:
    """A preview beside the previous period: counts by change, and the rows asked for."""
    threshold, error = _threshold(form.get("threshold"), locale)
    if error:
        form.errors["threshold"] = error
    compared = billing_runs.compare(uow, run.id, threshold=threshold)
    wanted = choice(form.get("change"), CHANGE_LABELS, "")
    rows = [c for c in compared if not wanted or c.change == wanted]
    return {
        "threshold": threshold,
        "counts": Counter(c.change for c in compared),
        "compared": rows[:COMPARED],
        "compared_more": max(0, len(rows) - COMPARED),
    }


def _run_context(
    uow: SqlUnitOfWork, run: Run, progress: Progress, request: Request, locale: str
) -> dict[str, Any]:
    query = request.query_params
    form = Form({"threshold": query.get("threshold", "")[:40], "change": query.get("change", "")})
    after = whole_number(query.get("after", "")[:20])
    context: dict[str, Any] = {
        "run": run,
        "progress": progress,
        "working": in_progress(run, progress),
        "filters": form,
        "after": after if isinstance(after, int) and is_possible_id(after) else 0,
        "parked": uow.runs.outcomes(run.id, outcome=Outcome.PARKED, limit=SHOWN),
        "comparison": None,
    }
    context.update(_made(uow, run, context["after"]))
    if run.status is RunStatus.PREVIEW and not context["working"]:
        context["comparison"] = _comparison(uow, run, form, locale)
    ids = {o.customer_id for o in (*context["made"], *context["parked"])}
    if context["comparison"]:
        ids |= {c.customer_id for c in context["comparison"]["compared"]}
    context["customers"] = _customers(uow, ids)
    return context


@router.get("/billing-runs/{run_id}", include_in_schema=False)
def run_page(request: Request, run_id: int, viewer: Viewer = Depends(signed_in)) -> Response:
    """A run: status, progress, counts, invoices or drafts, parked customers, and for a
    preview the comparison with the previous period. While the run goes on, its progress
    part asks again every 2 s; once the run is done the page loads again with the results."""
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        run = uow.runs.get(object_id(run_id, "billing run"))
        progress = uow.runs.progress(run.id)
        if wants_fragment(request, "run-progress"):
            working = in_progress(run, progress)
            return render(
                request,
                "billing_runs/_progress.html",
                viewer=viewer,
                fmt=fmt,
                headers=None if working else {"HX-Refresh": "true"},
                run=run,
                progress=progress,
                working=working,
                **LABELS,
            )
        context = _run_context(uow, run, progress, request, viewer.locale(uow))
        return render(
            request, "billing_runs/show.html", viewer=viewer, fmt=fmt, **context, **LABELS, **NAMES
        )


# -- confirm, discard, re-run parked --------------------------------------------------------


def _finished_preview(viewer: Viewer, run_id: int) -> int:
    """The id of a preview whose drafts are all made; a preview still being made is refused
    (its drafts would come after the confirmation or the discard)."""
    with viewer.uow() as uow:
        run = billing_runs.check_preview(uow, object_id(run_id, "billing run"))
        if in_progress(run, uow.runs.progress(run.id)):
            raise InvalidState(f"preview {run.id} is still being made: wait until it is done")
    return run.id


def _counts(viewer: Viewer, run_id: int) -> dict[str, int]:
    with viewer.uow() as uow:
        return uow.runs.progress(run_id).counts


def _today(viewer: Viewer) -> date:
    with viewer.uow() as uow:
        return viewer.today(uow)


def _parked_note(counts: dict[str, int]) -> str:
    parked = counts.get(Outcome.PARKED, 0)
    return f" {parked} customer(s) parked: see the reasons below." if parked else ""


@router.post("/billing-runs/{run_id}/confirm", include_in_schema=False)
def confirm_run(
    request: Request, run_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Issue every draft of a preview; a customer whose bill changed since is parked."""
    viewer = posted[0]
    run_id = _finished_preview(viewer, run_id)
    runs.confirm_preview(viewer.container, run_id, actor=viewer.actor, on=_today(viewer))
    counts = _counts(viewer, run_id)
    issued = counts.get(Outcome.INVOICED, 0)
    message = f"Preview #{run_id} confirmed: {issued} invoice(s) issued." + _parked_note(counts)
    return done(request, message, to=f"/billing-runs/{run_id}", viewer=viewer)


@router.post("/billing-runs/{run_id}/discard", include_in_schema=False)
def discard_run(
    request: Request, run_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Throw a preview's drafts away."""
    viewer = posted[0]
    run_id = _finished_preview(viewer, run_id)
    runs.discard_preview(viewer.container, run_id, actor=viewer.actor)
    message = f"Preview #{run_id} discarded: its drafts are gone."
    return done(request, message, to=f"/billing-runs/{run_id}", viewer=viewer)


@router.post("/billing-runs/{run_id}/retry", include_in_schema=False)
def retry_run(
    request: Request, run_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Bill the run's parked customers again (once what parked them is fixed)."""
    viewer = posted[0]
    run_id = object_id(run_id, "billing run")
    before = _counts(viewer, run_id).get(Outcome.PARKED, 0)
    runs.retry_parked(viewer.container, run_id, actor=viewer.actor, on=_today(viewer))
    counts = _counts(viewer, run_id)
    message = f"{before} parked customer(s) billed again." + _parked_note(counts)
    return done(request, message, to=f"/billing-runs/{run_id}", viewer=viewer)
