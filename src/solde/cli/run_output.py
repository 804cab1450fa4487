"""How the CLI shows billing runs: progress bars, JSON shapes and the summary of a run."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import typer
from rich import progress as rich_progress
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from solde.billing.documents import Document
from solde.billing.ports import CustomerOutcome, Outcome, Progress, Run
from solde.billing.runs import Comparison
from solde.domain.money import Money
from solde.runs import OnProgress
from solde.storage.unit_of_work import SqlUnitOfWork

#: Parked customers listed in a summary; the others are counted.
PARKED_SHOWN = 20
_PAGE = 1000
_COUNTED = ("invoiced", "drafted", "skipped", "parked", "discarded")


class Bars:
    """Progress bars on standard error, drawn only on a terminal: a pipe, a log file or cron
    get the summary alone."""

    def __init__(self) -> None:
        console = Console(stderr=True)
        self._progress = rich_progress.Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )

    def __enter__(self) -> Bars:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def bar(self, label: str) -> OnProgress:
        """A new bar; the returned function moves it to (customers done, customers selected)."""
        task = self._progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(task, completed=done, total=total)

        return update


# -- JSON shapes -----------------------------------------------------------------------------


def _stamp(value: object) -> str | None:
    if value is None:
        return None
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)


def totals_of(uow: SqlUnitOfWork, run_id: int) -> list[dict[str, Any]]:
    """What a run invoiced (or drafted), per outcome and currency: count and total."""
    sums: dict[tuple[str, str], tuple[int, Money]] = {}
    after = 0
    while page := uow.runs.outcomes(run_id, limit=_PAGE, after=after):
        for o in page:
            if o.total is not None and o.outcome in (Outcome.INVOICED, Outcome.DRAFTED):
                key = (o.outcome.value, o.total.currency)
                count, total = sums.get(key, (0, Money.zero(o.total.currency)))
                sums[key] = (count + 1, total + o.total)
        after = page[-1].customer_id
    return [
        {"outcome": outcome, "currency": currency, "count": count, "total": str(total.amount)}
        for (outcome, currency), (count, total) in sorted(sums.items())
    ]


def outcome_view(o: CustomerOutcome) -> dict[str, Any]:
    """What a run did for one customer."""
    return {
        "customer_id": o.customer_id,
        "outcome": o.outcome.value,
        "document_id": o.document_id,
        "total": None if o.total is None else str(o.total.amount),
        "currency": None if o.total is None else o.total.currency,
        "reason": o.reason,
    }


def progress_view(progress: Progress) -> dict[str, int]:
    """Customers selected (`total`), those with an outcome (`done`), per outcome, and the
    share done in percent."""
    done, total = progress.done, progress.total
    return {
        "total": total,
        "done": done,
        **{name: progress.counts.get(name, 0) for name in _COUNTED},
        "percent": 100 if total == 0 else min(100, done * 100 // total),
    }


def run_view(uow: SqlUnitOfWork, run: Run, *, details: bool = True) -> dict[str, Any]:
    """A run with its progress (field names of the REST API); with `details`, its totals per
    currency and its first parked customers."""
    data: dict[str, Any] = {
        "id": run.id,
        "date": run.date.isoformat(),
        "status": run.status.value,
        "preview": run.options.preview,
        "skip_zero_invoices": run.options.skip_zero_invoices,
        "balance_only_accounts": run.options.balance_only_accounts,
        "progress": progress_view(uow.runs.progress(run.id)),
        "created_by": run.created_by,
        "created_at": _stamp(run.created_at),
        "finished_at": _stamp(run.finished_at),
    }
    if details:
        data["totals"] = totals_of(uow, run.id)
        found = uow.runs.outcomes(run.id, outcome=Outcome.PARKED, limit=PARKED_SHOWN + 1)
        data["parked"] = page_of([outcome_view(o) for o in found], PARKED_SHOWN)
    return data


def page_of(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """A page of customer outcomes, read with one row beyond `limit` to know if more follow."""
    more = len(rows) > limit
    shown = rows[:limit]
    return {
        "data": shown,
        "has_more": more,
        "next_cursor": str(shown[-1]["customer_id"]) if more else None,
    }


def _document(doc: Document | None) -> dict[str, Any]:
    if doc is None:
        return {"id": None, "number": None, "total": None}
    return {"id": doc.id, "number": doc.number, "total": str(doc.total.amount)}


def comparison_view(c: Comparison) -> dict[str, Any]:
    """A draft of a preview beside the customer's previous recurring invoice."""
    draft, previous = _document(c.draft), _document(c.previous)
    currency = next((d.currency for d in (c.draft, c.previous) if d is not None), None)
    return {
        "customer_id": c.customer_id,
        "change": c.change,
        "currency": currency,
        "draft_id": draft["id"],
        "draft_total": draft["total"],
        "previous_id": previous["id"],
        "previous_number": previous["number"],
        "previous_total": previous["total"],
        "difference": None if c.difference is None else str(c.difference.amount),
    }


# -- the summary -----------------------------------------------------------------------------


def print_run(
    data: dict[str, Any], *, earlier: Run | None = None, list_parked: bool = True
) -> None:
    """A run for people: status, counts, totals, and the parked customers said plainly (and
    listed, the first of them, with `list_parked`)."""
    run_id, progress = data["id"], data["progress"]
    kind = "preview" if data["preview"] else "billing run"
    typer.echo(f"{kind} {run_id} for {data['date']}: {data['status']}")
    if earlier is not None:
        typer.echo(
            f"  the date's run was {earlier.status.value}: taken up again, "
            "no customer is billed twice"
        )
    typer.echo(
        f"  customers: {progress['total']} selected, "
        + ", ".join(f"{progress[name]} {name}" for name in _COUNTED[:4])
        + (f", {progress['discarded']} discarded" if progress["discarded"] else "")
    )
    for total in data.get("totals", []):
        typer.echo(
            f"  {total['outcome']}: {total['count']} for {total['total']} {total['currency']}"
        )
    if data["status"] == "preview":
        typer.echo(
            f"  nothing issued yet: solde billing-runs compare {run_id}, "
            f"then solde billing-runs confirm {run_id} (or discard {run_id})"
        )
    _print_parked(data, list_parked)


def _print_parked(data: dict[str, Any], listed: bool) -> None:
    count = data["progress"]["parked"]
    if not count or "parked" not in data:
        return
    run_id, shown = data["id"], data["parked"]["data"]
    typer.echo(
        f"PARKED: {count} customer(s) could not be billed (the others were); fix the cause, "
        f"then run: solde billing-runs retry {run_id}"
    )
    if not listed:
        return
    for p in shown:
        typer.echo(f"  customer {p['customer_id']}: {p['reason']}")
    if count > len(shown):
        typer.echo(
            f"  …{count - len(shown)} more: solde billing-runs show {run_id} --outcome parked"
        )


# -- dunning in the daily cycle --------------------------------------------------------------

#: Customers named in a line of a date's summary; the others are counted.
CUSTOMERS_SHOWN = 20


def dunning_lines(summary: dict[str, Any]) -> list[str]:
    """What the dunning steps of a date did, one indented line each (nothing when they did
    nothing): reminders recorded, customers blocked, unblocked, deactivated, and those whose
    dunning failed, with the reason. A summary kept before dunning existed has none of it."""
    lines = []
    reminders, fees = summary.get("reminders", 0), summary.get("reminder_fees", 0)
    if reminders:
        with_fee = f", {fees} with a fee" if fees else ""
        lines.append(f"  reminders: {reminders} recorded{with_fee}")
    for name in ("blocked", "unblocked", "deactivated"):
        if summary.get(name):
            lines.append(f"  {name}: {_customers(summary[name])}")
    failed: dict[Any, str] = summary.get("failed") or {}
    if failed:
        lines.append(f"  FAILED: dunning of {len(failed)} customer(s), the others were done:")
        for customer_id, reason in list(failed.items())[:CUSTOMERS_SHOWN]:
            lines.append(f"    customer {customer_id}: {reason}")
        if len(failed) > CUSTOMERS_SHOWN:
            lines.append(f"    …{len(failed) - CUSTOMERS_SHOWN} more")
    return lines


def _customers(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:CUSTOMERS_SHOWN])
    more = f" …and {len(ids) - CUSTOMERS_SHOWN} more" if len(ids) > CUSTOMERS_SHOWN else ""
    return f"{'customer' if len(ids) == 1 else 'customers'} {shown}{more}"
