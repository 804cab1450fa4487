"""`solde bill` and `solde billing-runs`: bill every customer whose billing day it is, with a
progress bar, then inspect, compare, confirm, discard or retry a run (SPEC §8).

A run that parks customers (their billing failed) still exits with status 0: the others were
billed. The summary says so, lists the first parked customers with the reason, and names the
command that bills them again once fixed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from solde import runs
from solde.billing import runs as billing_runs
from solde.billing.ports import Outcome, Run
from solde.cli.context import (
    actor,
    business_today,
    container,
    given,
    parse_day,
    print_json,
    print_table,
    unit_of_work,
)
from solde.cli.run_output import (
    Bars,
    comparison_view,
    outcome_view,
    page_of,
    print_run,
    run_view,
)
from solde.domain.money import parse_decimal

app = typer.Typer(
    help="Billing runs: list, show, compare a preview, confirm, discard, retry parked customers.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RunArg = Annotated[int, typer.Argument(help="Id of the billing run.")]
WorkersOpt = Annotated[
    int,
    typer.Option(
        min=1, max=runs.MAX_WORKERS, help="Worker processes billing customers side by side."
    ),
]


def _finished(run: Run, as_json: bool, *, earlier: Run | None = None) -> None:
    """Print a run once billed: the summary, or its JSON."""
    with unit_of_work(write=False) as uow:
        data = run_view(uow, run)
    if as_json:
        print_json(data)
    else:
        print_run(data, earlier=earlier)


def bill(
    date: Annotated[str | None, typer.Option(help="The billing date (default today).")] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Make drafts only, to compare then confirm.")
    ] = False,
    skip_zero: Annotated[
        bool | None,
        typer.Option("--skip-zero/--no-skip-zero", help="Skip invoices of 0 (default skip)."),
    ] = None,
    balance_only_accounts: Annotated[
        bool,
        typer.Option(
            "--balance-only-accounts",
            help="Also invoice customers without services who owe or have unbilled lines.",
        ),
    ] = False,
    workers: WorkersOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """Bill every customer whose billing day is the date: one recurring invoice each (drafts
    with --preview). The same date again finishes what is missing and never bills twice."""
    values = given(date=date, preview=preview or None, skip_zero_invoices=skip_zero)
    if balance_only_accounts:
        values["balance_only_accounts"] = True
    with unit_of_work(write=False) as uow:
        on = business_today(uow)
        day = parse_day(date, "date") or on
        earlier = None if preview else uow.runs.open_run(day)
    with Bars() as bars:
        run = runs.run_billing(
            container(),
            values,
            actor=actor(),
            on=on,
            workers=workers,
            progress=bars.bar(f"Billing {day.isoformat()}"),
        )
    _finished(run, as_json, earlier=earlier)


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The latest billing runs, newest first, with what each did."""
    with unit_of_work(write=False) as uow:
        data = [run_view(uow, run, details=False) for run in uow.runs.latest(limit)]
    if as_json:
        print_json({"data": data})
        return
    print_table(
        None,
        ["id", "date", "status", "total", "invoiced", "drafted", "skipped", "parked"],
        [
            [d["id"], d["date"], d["status"], d["progress"]["total"]]
            + [d["progress"][o] for o in ("invoiced", "drafted", "skipped", "parked")]
            for d in data
        ],
        right=["id", "total", "invoiced", "drafted", "skipped", "parked"],
    )


@app.command("show")
def show(
    run_id: RunArg,
    outcome: Annotated[
        Outcome | None, typer.Option(help="Only the customers with this outcome.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Customers of a page.")] = 50,
    starting_after: Annotated[
        int | None, typer.Option(help="Cursor: the last customer id of the previous page.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A run: its status and counts, totals per currency, then what it did per customer."""
    with unit_of_work(write=False) as uow:
        run = uow.runs.get(run_id)
        data = run_view(uow, run)
        page = uow.runs.outcomes(
            run.id, outcome=outcome, limit=limit + 1, after=starting_after or 0
        )
    customers = page_of([outcome_view(o) for o in page], limit)
    if as_json:
        print_json({**data, "customers": customers})
        return
    print_run(data, list_parked=False)
    rows, cursor = customers["data"], customers["next_cursor"]
    print_table(
        None,
        ["customer", "outcome", "document", "total", "reason"],
        [
            [
                r["customer_id"],
                r["outcome"],
                r["document_id"],
                r["total"] and f"{r['total']} {r['currency']}",
                r["reason"],
            ]
            for r in rows
        ],
        right=["customer", "document", "total"],
    )
    if cursor is not None:
        typer.echo(f"more: --starting-after {cursor}")


class Change(StrEnum):
    """How a preview's draft compares with the customer's previous recurring invoice."""

    NEW = "new"
    CHANGED = "changed"
    SAME = "same"
    MISSING = "missing"


@app.command("compare")
def compare(
    run_id: RunArg,
    threshold: Annotated[
        str, typer.Option(help="Percent: a draft further from the previous invoice is 'changed'.")
    ] = "10",
    change: Annotated[
        Change | None, typer.Option(help="Only the customers of this kind of change.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Each draft of a preview beside the customer's previous recurring invoice: new, changed
    (beyond the threshold), same; and customers billed before who get no draft (missing)."""
    percent = parse_decimal(threshold, field="threshold")
    with unit_of_work(write=False) as uow:
        found = billing_runs.compare(uow, run_id, threshold=percent)
    counts = {c.value: sum(x.change == c.value for x in found) for c in Change}
    data = [comparison_view(c) for c in found if change is None or c.change == change.value]
    if as_json:
        print_json({"run_id": run_id, "threshold": str(percent), "counts": counts, "data": data})
        return
    print_table(
        None,
        ["customer", "change", "draft", "total", "previous", "prev. total", "difference"],
        [
            [
                d["customer_id"],
                d["change"],
                d["draft_id"],
                d["draft_total"],
                d["previous_number"],
                d["previous_total"],
                d["difference"],
            ]
            for d in data
        ],
        right=["customer", "draft", "total", "prev. total", "difference"],
    )
    typer.echo(", ".join(f"{n} {c}" for c, n in counts.items()) + f" (threshold {percent}%)")


@app.command("confirm")
def confirm(run_id: RunArg, workers: WorkersOpt = 1, as_json: JsonOpt = False) -> None:
    """Issue every draft of a preview; a customer whose bill changed since is parked."""
    with unit_of_work(write=False) as uow:
        on = business_today(uow)
        billing_runs.check_preview(uow, run_id)
    with Bars() as bars:
        run = runs.confirm_preview(
            container(), run_id, actor=actor(), on=on, workers=workers,
            progress=bars.bar(f"Confirming run {run_id}"),
        )  # fmt: skip
    _finished(run, as_json)


@app.command("discard")
def discard(run_id: RunArg, as_json: JsonOpt = False) -> None:
    """Throw a preview's drafts away; nothing was issued."""
    with unit_of_work(write=False) as uow:
        drafts = len(
            billing_runs.drafted_customers(uow, billing_runs.check_preview(uow, run_id).id)
        )
    run = runs.discard_preview(container(), run_id, actor=actor())
    if as_json:
        _finished(run, as_json)
    else:
        typer.echo(
            f"discarded preview {run.id} for {run.date.isoformat()}: {drafts} draft(s) thrown away"
        )


@app.command("retry")
def retry(run_id: RunArg, workers: WorkersOpt = 1, as_json: JsonOpt = False) -> None:
    """Bill a run's parked customers again, once what failed is fixed."""
    with unit_of_work(write=False) as uow:
        on = business_today(uow)
        run = uow.runs.get(run_id)
        parked = billing_runs.parked_customers(uow, run_id)
    if not parked and not as_json:
        typer.echo(f"billing run {run_id} has no parked customer: nothing to retry")
        return
    if parked:
        with Bars() as bars:
            run = runs.retry_parked(
                container(), run_id, actor=actor(), on=on, workers=workers,
                progress=bars.bar(f"Retrying {len(parked)} parked"),
            )  # fmt: skip
    _finished(run, as_json)
