"""Dunning in the back office (SPEC §9): a customer's dunning calendar on its page, moving its
next block date (or withdrawing the date moved), and the Dunning page, which lists who the
daily cycle of a date blocks, unblocks, deactivates and reminds.

Nothing here changes a status or sends a reminder: the daily cycle does (`solde run-daily`).
The Dunning page is a preview of it, as things stand now.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from solde.domain.errors import InvalidInput
from solde.domain.values import as_date
from solde.dunning import usecases as dunning
from solde.dunning.rules import Action, Calendar
from solde.ledger import usecases as ledger
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.actions import Outcome, Screen, form_page, submit
from solde.web.context import Viewer, is_htmx, object_id, signed_in, writer
from solde.web.formatting import Format
from solde.web.forms import Form, Reader
from solde.web.labels import STATUS_LABELS
from solde.web.render import render

router = APIRouter()
#: Rows each list of the Dunning page shows (the count covers them all).
SHOWN = 500
#: What the daily cycle does to a customer, as the calendar and the Dunning page say it.
ACTION_LABELS = {
    Action.BLOCK: "blocks the customer",
    Action.UNBLOCK: "lifts the block",
    Action.DEACTIVATE: "deactivates the customer",
}
LABELS: dict[str, Any] = {"statuses": STATUS_LABELS, "action_labels": ACTION_LABELS}


def _day(typed: str, default: date, field: str) -> tuple[date, str | None]:
    """The date typed in a date field, or `default` and what is wrong with it."""
    if not typed:
        return default, None
    try:
        return as_date(typed[:20], field=field), None
    except InvalidInput as exc:
        return default, exc.errors[0].message


# -- the calendar on the customer page ------------------------------------------------------


def calendar_section(
    uow: SqlUnitOfWork, customer_id: int, typed: str, *, default: date
) -> dict[str, Any]:
    """What the customer page's Dunning section shows: the calendar as of the date typed in
    its *As of* field (`default`, the page's date, when empty or wrong)."""
    day, error = _day(typed.strip(), default, "dunning_as_of")
    return {
        "dunning": dunning.get_calendar(uow, customer_id, as_of=day),
        "dunning_typed": typed if error else day.isoformat(),
        "dunning_error": error,
        **LABELS,
    }


@router.get("/customers/{customer_id}/dunning", include_in_schema=False)
def calendar_part(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The Dunning section of the customer page as of another date (htmx); without htmx,
    the customer page with it."""
    typed = request.query_params.get("dunning_as_of", "")[:20]
    if not is_htmx(request):
        query = urlencode({"dunning_as_of": typed}) if typed else ""
        target = f"/customers/{object_id(customer_id, 'customer')}"
        return RedirectResponse(f"{target}?{query}#customer-dunning", status_code=303)
    with viewer.uow() as uow:
        customer = ledger.get_customer(uow, object_id(customer_id, "customer"))
        section = calendar_section(uow, customer.id, typed, default=viewer.today(uow))
        fmt = viewer.format(uow)
    return render(
        request, "customers/_dunning.html", viewer=viewer, fmt=fmt, customer=customer, **section
    )


# -- the next block date --------------------------------------------------------------------


def _move_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = ledger.get_customer(uow, object_id(customer_id, "customer"))
    today = Viewer.today(uow)
    context = {
        "customer": customer,
        "dunning": dunning.get_calendar(uow, customer.id, as_of=today),
        "today": today,
        "latest": dunning.latest_next_block_date(today),
        **LABELS,
    }
    return Screen("dunning/next_block_date.html", f"/customers/{customer.id}", context)


@router.get("/customers/{customer_id}/next-block-date", include_in_schema=False)
def next_block_date_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Move the customer's next block date, or withdraw the date moved."""

    def initial(_uow: SqlUnitOfWork, screen: Screen) -> Form:
        cal = screen.context["dunning"]
        chosen = cal.standing.state.next_block_date if cal.override else None
        return Form({"date": chosen.isoformat() if chosen else ""})

    return form_page(request, viewer, lambda uow: _move_screen(uow, customer_id), initial)


@router.post("/customers/{customer_id}/next-block-date", include_in_schema=False)
def move_next_block_date(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Set the next block date: once per billing period, not for a blocked customer, from
    today to a year ahead. After it passes, the computed dates apply again."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        chosen = reader.form.text("date")
        if chosen is None:
            raise InvalidInput.single("date", "required", "choose the date to block on")
        values = {"date": chosen, "reason": reader.form.get("reason").strip()}
        cal = dunning.set_next_block_date(uow, customer_id, values, on=today)
        return Outcome(f"Next block date moved to {_date_of(cal, reader)}.")

    return submit(request, posted, lambda uow: _move_screen(uow, customer_id), act)


def _date_of(cal: Calendar, reader: Reader) -> str:
    """The date chosen, and the day it moves to when blocking may not happen on it."""
    fmt = Format(reader.locale)
    chosen, moved = cal.standing.state.next_block_date, cal.override
    if moved is None or moved == chosen:
        return fmt.date(chosen)
    return f"{fmt.date(chosen)} (a day without blocks: {fmt.date(moved)})"


@router.post("/customers/{customer_id}/next-block-date/withdraw", include_in_schema=False)
def withdraw_next_block_date(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Withdraw the next block date moved by hand: the computed dates apply again."""

    def act(uow: SqlUnitOfWork, _reader: Reader, today: date) -> Outcome:
        dunning.set_next_block_date(uow, customer_id, {"date": None}, on=today)
        return Outcome("Next block date withdrawn: the computed dates apply again.")

    return submit(request, posted, lambda uow: _move_screen(uow, customer_id), act)


# -- the Dunning page -----------------------------------------------------------------------


@router.get("/dunning", include_in_schema=False)
def dunning_page(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Who the daily cycle of a date (today unless chosen) blocks, unblocks, deactivates and
    reminds, as things stand now."""
    typed = request.query_params.get("date", "").strip()[:20]
    with viewer.uow() as uow:
        today = viewer.today(uow)
        day, error = _day(typed, today, "date")
        form = Form({"date": typed if error else day.isoformat()})
        plan = None
        if error:
            form.errors["date"] = error
        else:
            plan = dunning.plan_day(uow, day)
        return render(
            request,
            "dunning/list.html",
            viewer=viewer,
            fmt=viewer.format(uow),
            status=422 if error else 200,
            form=form,
            plan=plan,
            today=today,
            lists=_lists(plan),
            shown=SHOWN,
            **LABELS,
        )


def _lists(plan: dunning.DayPlan | None) -> list[dict[str, Any]]:
    """The three lists of status changes: to block, to unblock, to deactivate."""
    if plan is None:
        return []
    titles = {
        Action.BLOCK: ("To block", "Nobody is blocked."),
        Action.UNBLOCK: ("To unblock", "No block is lifted."),
        Action.DEACTIVATE: ("To deactivate", "Nobody is deactivated."),
    }
    return [
        {
            "action": action,
            "title": titles[action][0],
            "empty": titles[action][1],
            "rows": plan.actions.get(action, []),
        }
        for action in (Action.BLOCK, Action.UNBLOCK, Action.DEACTIVATE)
    ]
