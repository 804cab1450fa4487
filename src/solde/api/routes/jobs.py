"""/v1/jobs: the daily cycle, for a scheduler that calls the API (SPEC §10)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from solde import daily
from solde.api.context import Caller, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.billing_runs import DailyIn, DailyOut, DayOut
from solde.domain.errors import InvalidInput
from solde.domain.values import as_date

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], route_class=ExactJSONRoute)


def day_out(report: daily.DayReport) -> DayOut:
    """What the cycle did on one date."""
    return DayOut(
        date=report.date,
        run_id=report.run_id,
        invoiced=report.invoiced,
        skipped=report.skipped,
        parked=report.parked,
        settled_customers=report.settled_customers,
        overdue_invoices=len(report.overdue_invoices),
        reminders=report.reminders,
        reminder_fees=report.reminder_fees,
        blocked=report.blocked,
        unblocked=report.unblocked,
        deactivated=report.deactivated,
        failed={str(k): v for k, v in report.failed.items()},
        already_done=report.already_done,
    )


@router.post("/daily", response_model=DailyOut, summary="Run the daily cycle")
def run_daily(body: DailyIn | None = None, caller: Caller = Depends(writer)) -> DailyOut:
    """Run the daily cycle for `date` (default today) and answer when it is done: the billing
    run of the date, settlement, invoices becoming overdue. Each date runs once: a date already
    processed answers `already_done`. Dates missed since the last cycle are caught up first,
    oldest first (at most 1096 at once); the very first cycle runs `date` alone. The request
    lasts as long as the cycle: a scheduler of a large base should prefer `solde run-daily`
    (worker processes, no HTTP time-out)."""
    values = body.values() if body is not None else {}
    with caller.uow(write=False) as uow:
        today = caller.today(uow)
    day = today if values.get("date") is None else as_date(values["date"], field="date")
    if day > today:
        raise InvalidInput.single(
            "date", "in_future", f"cannot be after today ({today.isoformat()})"
        )
    reports = daily.run_daily(caller.container, up_to=day, actor=caller.actor, on=today)
    return DailyOut(date=day, days=[day_out(r) for r in reports])
