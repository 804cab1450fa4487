"""Dunning (SPEC §9): a customer's calendar, the next block date an operator moves, the
reminders recorded, and what dunning would do on a date."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.dunning import (
    CalendarOut,
    DayPlanOut,
    NextBlockDateIn,
    SentReminderOut,
    SentRemindersOut,
)
from solde.api.schemas.invoices import DayParam
from solde.domain.values import check_date
from solde.dunning import usecases as dunning
from solde.ledger.ports import MAX_PAGE

customer_router = APIRouter(
    prefix="/v1/customers/{customer_id}", tags=["dunning"], route_class=ExactJSONRoute
)
router = APIRouter(prefix="/v1/dunning", tags=["dunning"], route_class=ExactJSONRoute)


def _day(today: date, value: date | None, field: str) -> date:
    return check_date(value or today, field=field)


@customer_router.get(
    "/dunning", response_model=CalendarOut, summary="Get a customer's dunning calendar"
)
def get_calendar(
    customer_id: int,
    caller: Caller = Depends(reader),
    as_of: DayParam | None = Query(None, description="The calendar of this day (default today)"),
) -> CalendarOut:
    """Billing due date (the due date of the oldest invoice with an open amount), next block
    date, next deactivation date, status and every reminder of the open invoices with its date
    and the days left, as of `as_of`. The balance and open invoices are those of the end of
    `as_of`; pending payments, the next block date an operator set and the reminders recorded
    are as they are now."""
    with caller.uow(write=False) as uow:
        day = _day(caller.today(uow), as_of, "as_of")
        cal = dunning.get_calendar(uow, object_id(customer_id, "customer"), as_of=day)
    return CalendarOut.model_validate(views.dunning_calendar(cal))


@customer_router.put(
    "/next-block-date", response_model=CalendarOut, summary="Move the next block date"
)
def put_next_block_date(
    customer_id: int, body: NextBlockDateIn, caller: Caller = Depends(writer)
) -> CalendarOut:
    """Set the customer's next block date to `date`, from today to twelve months later, in
    place of the computed one (on a weekend or holiday it moves to the next working day, like
    any block date); after it passes the computed dates apply again. Allowed once per
    billing period of the customer, and never while the customer is blocked (`409`).
    `{"date": null}` withdraws a date that still applies (it still counts as the period's
    move). Answers the calendar as of today."""
    with caller.uow() as uow:
        cal = dunning.set_next_block_date(
            uow, object_id(customer_id, "customer"), body.values(), on=caller.today(uow)
        )
        out = CalendarOut.model_validate(views.dunning_calendar(cal))
        uow.commit()
    return out


@customer_router.get(
    "/reminders", response_model=SentRemindersOut, summary="List a customer's reminders"
)
def list_reminders(
    customer_id: int,
    caller: Caller = Depends(reader),
    limit: int = Query(50, ge=1, le=MAX_PAGE, description="At most this many, newest first"),
) -> SentRemindersOut:
    """The reminder messages recorded for the customer by the daily cycle, newest first, each
    with the invoices it named and the collection cost it posted."""
    with caller.uow(write=False) as uow:
        customer = uow.customers.get(object_id(customer_id, "customer"))
        found = uow.dunning.reminders_of(customer.id, limit)
    return SentRemindersOut(
        data=[SentReminderOut.model_validate(views.sent_reminder(r)) for r in found]
    )


@router.get("", response_model=DayPlanOut, summary="Preview a date's dunning")
def get_day_plan(
    caller: Caller = Depends(reader),
    date: DayParam | None = Query(None, description="The date to preview (default today)"),
) -> DayPlanOut:
    """What the daily cycle of `date` would do, as things stand now: the customers it would
    block, unblock and deactivate (each with its calendar) and the reminder messages due that
    day. A preview: nothing is changed."""
    with caller.uow(write=False) as uow:
        day = _day(caller.today(uow), date, "date")
        plan = dunning.plan_day(uow, day)
    return DayPlanOut.model_validate(views.day_plan(plan))
