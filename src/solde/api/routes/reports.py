"""/v1/reports: the balance report behind the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.reports import BalanceReportOut
from solde.ledger import reports
from solde.ledger.reports import MAX_MONTHS

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=ExactJSONRoute)


@router.get("/balances", response_model=BalanceReportOut, summary="Get the balance report")
def get_balance_report(
    caller: Caller = Depends(reader),
    months: int = Query(
        12,
        ge=1,
        le=MAX_MONTHS,
        description="Points of the history: the last `months - 1` month ends, then today",
    ),
) -> BalanceReportOut:
    """Per currency: customers, how many owe, are in credit or are settled, the total owed
    (≥ 0), the total credit (≤ 0), the net balance and what awaits bank confirmation, today;
    and the net balance at the end of each of the last month ends and of today, oldest first."""
    with caller.uow(write=False) as uow:
        report = reports.balance_report(uow, on=caller.today(uow), months=months)
    return BalanceReportOut.model_validate(views.balance_report(report))
