"""`solde run-daily` and `solde simulate`: the daily cycle a scheduler runs, and its rehearsal
on a copy of the database (SPEC §10)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer

from solde import daily, runs
from solde.cli.context import actor, business_today, container, parse_day, print_json, unit_of_work
from solde.cli.run_output import Bars, dunning_lines
from solde.domain.errors import InvalidInput
from solde.domain.values import as_date
from solde.runs import OnProgress

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _report_view(report: daily.DayReport, *, simulated: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"date": report.date.isoformat(), "already_done": report.already_done}
    data.update(report.summary())
    data["overdue_invoices"] = len(report.overdue_invoices)
    if simulated:
        del data["run_id"]  # the run of a copy: it does not exist
        data["totals"] = _totals(report.invoices)
        data["invoices"] = report.invoices
    return data


def _totals(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Invoices of a simulated date per currency: count and total."""
    sums: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for invoice in invoices:
        found = sums[invoice["currency"]]
        found[0] += 1
        found[1] += Decimal(invoice["total"])
    return [
        {"currency": currency, "count": count, "total": str(total)}
        for currency, (count, total) in sorted(sums.items())
    ]


def _line(data: dict[str, Any], summary: dict[str, Any] | None) -> str:
    if data["already_done"]:
        if not summary:
            return f"{data['date']} already done"
        data = {**data, **summary, "overdue_invoices": len(summary["overdue_invoices"])}
        return f"{data['date']} already done (billing run {data['run_id']}: {_counts(data)})"
    line = f"{data['date']}: billing run {data['run_id']}: {_counts(data)}"
    if data["parked"]:
        line += f" — PARKED: solde billing-runs show {data['run_id']} --outcome parked"
    return line


def _counts(data: dict[str, Any]) -> str:
    return (
        f"{data['invoiced']} invoiced, {data['skipped']} skipped, {data['parked']} parked, "
        f"{data['settled_customers']} settled, {data['overdue_invoices']} overdue"
    )


def run_daily(
    date_: Annotated[
        str | None, typer.Option("--date", help="Run up to this date (default today), catching up.")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=runs.MAX_WORKERS, help="Worker processes for each date's billing run."
        ),
    ] = 1,
    as_json: JsonOpt = False,
) -> None:
    """The daily cycle, for cron or a scheduler: for each date not done yet up to the date,
    oldest first, the billing run, settlement, overdue invoices, reminders, then blocking,
    unblocking and deactivation. A date already done is not run again."""
    with unit_of_work(write=False) as uow:
        today = business_today(uow)
        day = parse_day(date_, "date") or today
        last = uow.cycles.last_completed()
    if day > today:
        raise InvalidInput.single("date", "in_future", f"cannot be after today ({today})")
    with Bars() as bars:

        def progress(each: date) -> OnProgress:
            return bars.bar(f"Billing {each.isoformat()}")

        reports = daily.run_daily(
            container(), up_to=day, actor=actor(), workers=workers, progress=progress, on=today
        )
    data = [_report_view(r) for r in reports]
    if as_json:
        print_json({"date": day.isoformat(), "days": data})
        return
    if not data:
        since = f" (last date done: {last})" if last else ""
        typer.echo(f"nothing to run for {day}: the daily cycle started after it{since}")
        return
    with unit_of_work(write=False) as uow:
        for item in data:
            done = (
                uow.cycles.summary(date.fromisoformat(item["date"]))
                if item["already_done"]
                else None
            )
            typer.echo(_line(item, done))
            for line in dunning_lines(done or item):
                typer.echo(line)


def simulate(
    date_from: Annotated[str, typer.Option("--from", help="First date simulated.")],
    date_to: Annotated[str, typer.Option("--to", help="Last date simulated.")],
    as_json: JsonOpt = False,
) -> None:
    """Run the daily cycle over a range of dates on a copy of the database and print, per
    date, what would be invoiced. Nothing is changed."""
    start, end = as_date(date_from, field="from"), as_date(date_to, field="to")
    reports = daily.simulate(container(), start=start, end=end, actor=actor())
    data = [_report_view(r, simulated=True) for r in reports]
    if as_json:
        print_json(
            {"from": start.isoformat(), "to": end.isoformat(), "simulated": True,
             "changed": False, "days": data}
        )  # fmt: skip
        return
    typer.echo(f"simulation from {start} to {end} on a copy of the database: nothing was changed")
    for item in data:
        typer.echo(_simulated_line(item))
        for line in dunning_lines(item):
            typer.echo(line)


def _simulated_line(data: dict[str, Any]) -> str:
    if data["already_done"]:
        return f"{data['date']} already done (not simulated again)"
    if not data["totals"]:
        text = "nothing invoiced"
    else:
        count = sum(t["count"] for t in data["totals"])
        amounts = ", ".join(f"{t['total']} {t['currency']}" for t in data["totals"])
        text = f"{count} invoice(s), {amounts}"
    extra = [f"{data['parked']} parked"] if data["parked"] else []
    if data["overdue_invoices"]:
        extra.append(f"{data['overdue_invoices']} overdue")
    return f"{data['date']}: {text}" + (f" ({', '.join(extra)})" if extra else "")
