"""Billing runs: every customer whose billing day it is gets a recurring invoice (SPEC §8).

A run is planned and applied one customer at a time, each in its own unit of work (the entry
point commits after each call), so a crash loses at most the customer in flight and a second
run of the same date carries on where the first stopped: customers already invoiced or skipped
for that date are left alone, and a service's days are never billed twice. A customer whose
billing fails is *parked* with its reason by the caller; the others go on.

A preview makes drafts instead (no number, nothing posted); confirming issues each draft's
customer again from current data and parks those whose bill changed since the preview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from solde.billing import recurring
from solde.billing.documents import DocState, DocType, Document, Item
from solde.billing.ports import (
    FINAL_OUTCOMES,
    BillingUnitOfWork,
    CustomerOutcome,
    Outcome,
    Run,
    RunOptions,
    RunStatus,
)
from solde.billing.usecases import issue
from solde.domain.errors import InvalidInput, InvalidState
from solde.domain.money import Money
from solde.domain.values import InputReader, as_bool, as_date

RUN_FIELDS = frozenset({"date", "preview", "skip_zero_invoices", "balance_only_accounts"})
#: A draft differs "by more than the threshold" from the previous invoice (percent).
DEFAULT_THRESHOLD = Decimal(10)
REASON_LENGTH = 500


def parse_run(values: Mapping[str, object], *, on: date) -> tuple[date, RunOptions]:
    """Validate a new run: `date` (default `on`, not after it), `preview` (false),
    `skip_zero_invoices` (true), `balance_only_accounts` (false)."""
    reader = InputReader(values, allowed=RUN_FIELDS, what="a billing run")
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    flag = lambda v, f: as_bool(v, field=f)  # noqa: E731
    options = RunOptions(
        preview=reader.read("preview", flag, False),
        skip_zero_invoices=reader.read("skip_zero_invoices", flag, True),
        balance_only_accounts=reader.read("balance_only_accounts", flag, False),
    )
    if day > on:
        reader.fail("date", "in_future", f"cannot be after today ({on.isoformat()})")
    reader.done()
    return day, options


def start_run(uow: BillingUnitOfWork, day: date, options: RunOptions) -> tuple[Run, list[int]]:
    """Open a run for `day` and list the customers it still has to bill, by id.

    A run of a date that already has one (running, or completed) takes that run up again: it
    bills only the customers not yet invoiced or skipped for the date, parked ones included.
    """
    uow.settings.get().check_open(day)
    run = None if options.preview else uow.runs.open_run(day)
    if run is None:
        status = RunStatus.PREVIEW if options.preview else RunStatus.RUNNING
        run = uow.runs.add(day, options, status)
        uow.audit.record(
            "billing_run.started",
            customer_id=None,
            object_type="billing_run",
            object_id=run.id,
            details={"date": day.isoformat(), "preview": options.preview},
        )
    defaults = uow.settings.get().billing
    finished = set() if options.preview else uow.runs.finished_on(day)
    todo = [c for c in uow.runs.candidates(day, defaults) if c not in finished]
    counts = uow.runs.progress(run.id).counts
    already = counts.get(Outcome.INVOICED, 0) + counts.get(Outcome.SKIPPED, 0)
    status = RunStatus.PREVIEW if options.preview else RunStatus.RUNNING
    uow.runs.set_status(run.id, status, total=already + len(todo))
    return uow.runs.get(run.id), todo


def bill_customer(
    uow: BillingUnitOfWork, run: Run, customer_id: int, *, on: date
) -> CustomerOutcome:
    """Bill one customer in a run (a draft in a preview) and record what happened."""
    customer = uow.customers.lock(customer_id)
    done = _already(uow, run, customer_id, FINAL_OUTCOMES | {Outcome.DRAFTED})
    if done is not None:  # another process billed it meanwhile: keep what it recorded
        return done
    plan = recurring.plan_customer(uow, customer, run.date, run.options)
    if isinstance(plan, recurring.Skip):
        if plan.lines and not run.options.preview:
            recurring.record_charges(uow, plan.lines, None)
        outcome = CustomerOutcome(run.id, customer_id, Outcome.SKIPPED, reason=plan.reason)
    elif run.options.preview:
        draft = recurring.draft_document(uow, plan)
        outcome = recurring.outcome_of(run.id, customer_id, draft, Outcome.DRAFTED)
    else:
        doc = issue(uow, customer, plan.wanted, plan.composition, on=on)
        recurring.record_charges(uow, plan.lines, doc.id)
        outcome = recurring.outcome_of(run.id, customer_id, doc, Outcome.INVOICED)
    uow.runs.record(outcome, run.date)
    return outcome


def _already(
    uow: BillingUnitOfWork, run: Run, customer_id: int, outcomes: frozenset[Outcome]
) -> CustomerOutcome | None:
    """The customer's outcome in the run when it is one of `outcomes` (read under the
    customer's lock, so two processes billing one run never both bill it)."""
    found = uow.runs.outcomes(run.id, after=customer_id - 1, limit=1)
    if found and found[0].customer_id == customer_id and found[0].outcome in outcomes:
        return found[0]
    return None


def park(uow: BillingUnitOfWork, run: Run, customer_id: int, reason: str) -> CustomerOutcome:
    """Keep a customer whose billing failed aside with the reason; the run goes on."""
    text = " ".join(reason.split())[:REASON_LENGTH] or "billing failed"
    outcome = CustomerOutcome(run.id, customer_id, Outcome.PARKED, reason=text)
    uow.runs.record(outcome)
    uow.audit.record(
        "billing_run.parked",
        customer_id=customer_id,
        object_type="billing_run",
        object_id=run.id,
        details={"date": run.date.isoformat(), "reason": text},
    )
    return outcome


def finish_run(uow: BillingUnitOfWork, run_id: int) -> Run:
    """Mark a run completed (a preview stays a preview until confirmed or discarded)."""
    run = uow.runs.get(run_id)
    if run.status is RunStatus.RUNNING:
        uow.runs.set_status(run.id, RunStatus.COMPLETED)
        progress = uow.runs.progress(run.id)
        uow.audit.record(
            "billing_run.completed",
            customer_id=None,
            object_type="billing_run",
            object_id=run.id,
            details={"date": run.date.isoformat(), **progress.counts},
        )
    return uow.runs.get(run.id)


def parked_customers(uow: BillingUnitOfWork, run_id: int) -> list[int]:
    """The customers parked in a run, to be billed again once fixed."""
    uow.runs.get(run_id)
    parked = uow.runs.outcomes(run_id, outcome=Outcome.PARKED, limit=1_000_000)
    return [p.customer_id for p in parked]


def unfinished_customers(uow: BillingUnitOfWork, run: Run) -> list[int]:
    """What re-running a run bills: its parked customers, and the customers it selects that
    it has not reached yet (a run or a preview interrupted by a crash), by id."""
    seen = {o.customer_id for o in uow.runs.outcomes(run.id, limit=10_000_000)}
    parked = set(parked_customers(uow, run.id))
    finished = set() if run.options.preview else uow.runs.finished_on(run.date)
    selected = uow.runs.candidates(run.date, uow.settings.get().billing)
    fresh = {c for c in selected if c not in seen and c not in finished}
    return sorted(parked | fresh)


# -- previews -------------------------------------------------------------------------------


def check_preview(uow: BillingUnitOfWork, run_id: int) -> Run:
    """The run, refused unless it is a preview still waiting."""
    run = uow.runs.get(run_id)
    if run.status is not RunStatus.PREVIEW:
        raise InvalidState(
            f"billing run {run.id} is {run.status.value}: only a preview can be "
            "confirmed or discarded"
        )
    return run


def drafted_customers(uow: BillingUnitOfWork, run_id: int) -> list[int]:
    """The customers of a preview that still hold a draft."""
    drafted = uow.runs.outcomes(run_id, outcome=Outcome.DRAFTED, limit=1_000_000)
    return [d.customer_id for d in drafted]


def confirm_customer(
    uow: BillingUnitOfWork, run: Run, customer_id: int, *, on: date
) -> CustomerOutcome:
    """Issue a preview's draft: the customer is billed again from current data and the draft
    goes; a bill that changed since the preview parks the customer instead."""
    customer = uow.customers.lock(customer_id)
    done = _already(uow, run, customer_id, FINAL_OUTCOMES)
    if done is not None:  # confirmed meanwhile (the preview confirmed twice at once)
        return done
    found = uow.runs.outcomes(run.id, outcome=Outcome.DRAFTED, after=customer_id - 1, limit=1)
    if not found or found[0].customer_id != customer_id or found[0].document_id is None:
        raise InvalidState(f"customer {customer_id} has no draft in billing run {run.id}")
    draft = uow.documents.get(found[0].document_id)
    issued_run = as_issuing(run)
    if customer_id in uow.runs.finished_on(run.date):
        uow.documents.delete_draft(draft)
        return _recorded(
            uow,
            CustomerOutcome(
                run.id, customer_id, Outcome.SKIPPED, reason="already billed for this date"
            ),
        )
    plan = recurring.plan_customer(uow, customer, run.date, issued_run.options)
    if isinstance(plan, recurring.Skip) or not _same(plan.composition.items, draft.items):
        raise InvalidState(
            "the customer's bill changed since the preview; run the billing again for "
            f"{run.date.isoformat()}"
        )
    uow.documents.delete_draft(draft)
    doc = issue(uow, customer, plan.wanted, plan.composition, on=on)
    recurring.record_charges(uow, plan.lines, doc.id)
    return _recorded(uow, recurring.outcome_of(run.id, customer_id, doc, Outcome.INVOICED))


def as_issuing(run: Run) -> Run:
    """The run with its drafts turned into invoices: a confirmed preview bills for real."""
    return Run(
        run.id,
        run.date,
        RunOptions(False, run.options.skip_zero_invoices, run.options.balance_only_accounts),
        run.status,
        run.total,
    )


def _same(a: Sequence[Item], b: Sequence[Item]) -> bool:
    return [_key(i) for i in a] == [_key(i) for i in b]


def _key(item: Item) -> tuple[object, ...]:
    return (
        item.description,
        item.gross,
        item.period_start,
        item.period_end,
        item.transaction_id,
        item.service_id,
    )


def _recorded(uow: BillingUnitOfWork, outcome: CustomerOutcome) -> CustomerOutcome:
    uow.runs.record(outcome)
    return outcome


def finish_preview(uow: BillingUnitOfWork, run_id: int, status: RunStatus) -> Run:
    """Close a preview as confirmed (completed) or discarded."""
    run = check_preview(uow, run_id)
    uow.runs.set_status(run.id, status)
    uow.audit.record(
        "billing_run.confirmed" if status is RunStatus.COMPLETED else "billing_run.discarded",
        customer_id=None,
        object_type="billing_run",
        object_id=run.id,
        details={"date": run.date.isoformat()},
    )
    return uow.runs.get(run.id)


def discard_customer(uow: BillingUnitOfWork, run: Run, customer_id: int) -> None:
    """Throw a preview's draft away."""
    found = uow.runs.outcomes(run.id, outcome=Outcome.DRAFTED, after=customer_id - 1, limit=1)
    if found and found[0].customer_id == customer_id and found[0].document_id is not None:
        uow.documents.delete_draft(uow.documents.get(found[0].document_id))
        uow.runs.record(CustomerOutcome(run.id, customer_id, Outcome.DISCARDED))


# -- comparing a preview with the previous period -------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """A draft beside the customer's previous recurring invoice."""

    customer_id: int
    change: str  # new, changed, same, missing
    draft: Document | None
    previous: Document | None
    difference: Money | None  # draft total − previous total


def compare(
    uow: BillingUnitOfWork, run_id: int, *, threshold: Decimal = DEFAULT_THRESHOLD
) -> list[Comparison]:
    """Each draft of a preview against the customer's previous recurring invoice: `new` (none
    before), `changed` (totals differ by more than `threshold` percent), `same`; and `missing`
    for customers of the run that had a recurring invoice before but get no draft now."""
    if threshold < 0:
        raise InvalidInput.single("threshold", "out_of_range", "must be 0 or more (percent)")
    run = uow.runs.get(run_id)
    found = []
    for outcome in uow.runs.outcomes(run.id, limit=1_000_000):
        previous = uow.documents.last_recurring(outcome.customer_id, before=run.date)
        if outcome.outcome is Outcome.DRAFTED and outcome.document_id is not None:
            draft = uow.documents.get(outcome.document_id)
            found.append(_compared(outcome.customer_id, draft, previous, threshold))
        elif previous is not None and _missing(outcome):
            found.append(Comparison(outcome.customer_id, "missing", None, previous, None))
    return found


def _missing(outcome: CustomerOutcome) -> bool:
    """A customer due a recurring invoice on the run's date that gets none (a customer whose
    billing day it is not, looked at for its day of month, is not missing)."""
    if outcome.outcome is Outcome.PARKED:
        return True
    return outcome.outcome is Outcome.SKIPPED and outcome.reason != recurring.NOT_BILLING_DAY


def _compared(
    customer_id: int, draft: Document, previous: Document | None, threshold: Decimal
) -> Comparison:
    if (
        previous is None
        or previous.state is DocState.DRAFT
        or previous.type is not DocType.RECURRING
    ):
        return Comparison(customer_id, "new", draft, None, None)
    difference = draft.total - previous.total
    base = previous.total.amount
    changed = abs(difference.amount) * 100 > threshold * base if base else not difference.is_zero()
    return Comparison(customer_id, "changed" if changed else "same", draft, previous, difference)
