"""The dashboard: what customers owe and have in credit, per currency, and how it moved."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.ledger.reports import balance_report
from solde.web.charts import line_chart
from solde.web.context import Viewer, signed_in
from solde.web.render import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def dashboard(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Totals per currency and the total balance at the end of each of the last 12 months."""
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        report = balance_report(uow, on=viewer.today(uow), months=12)
    charts = {c.currency: line_chart(c.history) for c in report.currencies}
    return render(
        request,
        "dashboard.html",
        viewer=viewer,
        fmt=fmt,
        report=report,
        charts=charts,
        customers=sum(c.customers for c in report.currencies),
    )
