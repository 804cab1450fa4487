"""/v1/reports: the balance report behind the dashboard; the totals of invoices and payments."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, object_id, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.invoices import DayParam
from solde.api.schemas.reports import (
    BalanceReportOut,
    CountAmountOut,
    CurrencyTotalsOut,
    PaidByMethodOut,
    TotalsOut,
)
from solde.billing import reading
from solde.domain.money import Money, money_sum
from solde.domain.values import check_date
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


_CATEGORIES = ("invoiced", "paid", "unpaid", "overdue", "void")


def _currency_totals(totals: reading.Totals, currency: str) -> CurrencyTotalsOut:
    zero = CountAmountOut(count=0, amount=str(Money.zero(currency)))
    found = {
        t.category: CountAmountOut(count=t.count, amount=str(t.amount))
        for t in totals.invoiced
        if t.currency == currency
    }
    paid = [p for p in totals.paid if p.currency == currency]
    return CurrencyTotalsOut(
        currency=currency,
        **{name: found.get(name, zero) for name in _CATEGORIES},
        payments=CountAmountOut(
            count=sum(p.count for p in paid),
            amount=str(money_sum([p.amount for p in paid], currency)),
        ),
        paid_by_method=[
            PaidByMethodOut(method=p.method, count=p.count, amount=str(p.amount)) for p in paid
        ],
    )


@router.get("/totals", response_model=TotalsOut, summary="Get the totals report")
def get_totals(
    caller: Caller = Depends(reader),
    customer_id: int | None = Query(None, description="One customer (default: all)"),
    as_of: DayParam | None = Query(None, description="At the end of this day (default: today)"),
) -> TotalsOut:
    """Per currency: total invoiced (count and amount), paid (partially paid included), unpaid
    (partially paid and overdue included), overdue and void, and the confirmed payments by
    method, for one customer or all, counting invoices and payments dated up to `as_of`."""
    with caller.uow(write=False) as uow:
        day = check_date(as_of or caller.today(uow), field="as_of")
        who = None if customer_id is None else object_id(customer_id, "customer")
        totals = reading.totals(uow, customer_id=who, as_of=day)
    currencies = sorted({t.currency for t in totals.invoiced} | {p.currency for p in totals.paid})
    return TotalsOut(
        as_of=day,
        customer_id=who,
        currencies=[_currency_totals(totals, c) for c in currencies],
    )
