"""Dunning use cases: the calendar, the next block date, and the daily steps that block,
unblock, deactivate and remind. Each change of status and each reminder is an audit entry and
an event in the outbox, written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from solde.billing.recurring import anchor
from solde.domain.errors import FieldErrors, InvalidInput, InvalidState
from solde.domain.money import Money
from solde.domain.periods import add_months, period_containing
from solde.domain.values import as_date, clean_text
from solde.dunning.ports import DunningUnitOfWork, SentReminder
from solde.dunning.rules import (
    BY_DUNNING,
    Action,
    Calendar,
    DunningState,
    ReminderMessage,
    Rules,
    Standing,
    block_date,
    calendar,
    decide,
    first_blocked_on,
    may_lift,
    message_due,
    override_of,
)
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.posting import post
from solde.settlement.allocating import auto_settle
from solde.settlement.payments import fee_transaction


def latest_next_block_date(on: date) -> date:
    """The latest next block date an operator may choose on `on`: twelve months ahead."""
    return add_months(on, 12)


_STATUS_OF = {
    Action.BLOCK: CustomerStatus.BLOCKED,
    Action.UNBLOCK: CustomerStatus.ACTIVE,
    Action.DEACTIVATE: CustomerStatus.INACTIVE,
}
_EVENT_OF = {
    Action.BLOCK: "customer.blocked",
    Action.UNBLOCK: "customer.unblocked",
    Action.DEACTIVATE: "customer.deactivated",
}


def rules_of(uow: DunningUnitOfWork) -> Rules:
    """The company's dunning rules, from settings."""
    return Rules.of(uow.settings.get().dunning)


def standings(uow: DunningUnitOfWork, customers: Sequence[Customer]) -> dict[int, Standing]:
    """What dunning knows of each customer now (balances, open invoices, pending payments,
    kept state, reminders sent), read in a few queries for all of them."""
    ids = [c.id for c in customers]
    settings = uow.settings.get()
    balances = uow.balances.get_many(ids)
    invoices = uow.dunning.open_invoices_of(ids)
    pending = uow.dunning.pending_payments_of(ids)
    states = uow.dunning.states_of(ids)
    sent = uow.dunning.sent_of(ids)
    found = {}
    for customer in customers:
        zero = Money.zero(customer.currency)
        found[customer.id] = Standing(
            customer_id=customer.id,
            status=customer.details.status,
            status_by=customer.details.status_by,
            billing=customer.billing_settings(settings),
            balance=balances[customer.id].balance,
            pending_payments=pending.get(customer.id, zero),
            invoices=tuple(invoices.get(customer.id, ())),
            state=states.get(customer.id, DunningState()),
            sent=sent.get(customer.id, {}),
        )
    return found


def standing_as_of(uow: DunningUnitOfWork, customer: Customer, as_of: date) -> Standing:
    """What dunning knows of the customer at the end of `as_of`: the balance, the payments
    awaiting confirmation and the open invoices of that day; its status, kept state and
    reminders as they are now."""
    now = standings(uow, [customer])[customer.id]
    return replace(
        now,
        balance=uow.balances.as_of(customer.id, as_of).balance,
        pending_payments=uow.dunning.pending_payments_as_of(customer.id, as_of)
        or Money.zero(customer.currency),
        invoices=tuple(uow.dunning.open_invoices_as_of(customer.id, as_of)),
    )


def get_calendar(uow: DunningUnitOfWork, customer_id: int, *, as_of: date) -> Calendar:
    """The customer's dunning calendar as of `as_of` (SPEC §9)."""
    customer = uow.customers.get(customer_id)
    return calendar(standing_as_of(uow, customer, as_of), rules_of(uow), as_of)


def set_next_block_date(
    uow: DunningUnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Calendar:
    """Move the customer's next block date (SPEC §9): once per billing period, never for a
    blocked customer, to a date from today up to a year ahead. After that date passes the
    computed dates apply again. `{"date": null}` withdraws a date that still applies."""
    unknown = set(values) - {"date", "reason"}
    errors = FieldErrors()
    for name in sorted(unknown):
        errors.add(name, "unknown_field", "is not a field of the next block date")
    if "date" not in values:
        errors.add("date", "required", "is required (null withdraws the next block date)")
    errors.raise_if_any()
    chosen, reason = _date_and_reason(values, on)
    customer = uow.customers.lock(customer_id)
    if customer.details.status is CustomerStatus.BLOCKED:
        raise InvalidState("the customer is blocked: unblock it or take a payment first")
    standing = standings(uow, [customer])[customer_id]
    state = standing.state
    if chosen is None:
        return _withdraw(uow, standing, on, reason)
    _check_once_per_period(uow, customer, state, on)
    before = block_date(standing, rules_of(uow), on)
    uow.dunning.save_state(
        customer_id, replace(state, next_block_date=chosen, next_block_date_set_on=on)
    )
    details = {
        "date": chosen.isoformat(),
        "was": None if before is None else before.isoformat(),
        "reason": reason,
    }
    _tell(uow, "customer.next_block_date_set", customer_id, on, details)
    return get_calendar(uow, customer_id, as_of=on)


def _date_and_reason(values: Mapping[str, object], on: date) -> tuple[date | None, str]:
    """The chosen date (None: withdraw) and the reason, every fault reported at once."""
    errors = FieldErrors()
    chosen = None
    reason = ""
    try:
        if values["date"] is not None:
            chosen = as_date(values["date"], field="date")
            if not on <= chosen <= latest_next_block_date(on):
                errors.add(
                    "date", "out_of_range", f"must be between {on.isoformat()} and a year later"
                )
    except InvalidInput as exc:
        errors.absorb(exc)
    try:
        reason = clean_text(values.get("reason"), field="reason", max_length=500) or ""
    except InvalidInput as exc:
        errors.absorb(exc)
    errors.raise_if_any()
    return chosen, reason


def _withdraw(uow: DunningUnitOfWork, standing: Standing, on: date, reason: str) -> Calendar:
    withdrawn = override_of(standing, rules_of(uow), on)
    if withdrawn is None:
        raise InvalidState("the customer has no next block date to withdraw")
    state = standing.state
    uow.dunning.save_state(standing.customer_id, replace(state, next_block_date=None))
    details = {"date": state.next_block_date.isoformat() if state.next_block_date else None}
    _tell(
        uow,
        "customer.next_block_date_withdrawn",
        standing.customer_id,
        on,
        {**details, "reason": reason},
    )
    return get_calendar(uow, standing.customer_id, as_of=on)


def _check_once_per_period(
    uow: DunningUnitOfWork, customer: Customer, state: DunningState, on: date
) -> None:
    if state.next_block_date_set_on is None:
        return
    billing = customer.billing_settings(uow.settings.get())
    start = anchor(billing, uow.services.of_customer(customer.id))
    period = period_containing(on, start, billing.period_months)
    if period.start <= state.next_block_date_set_on <= period.end:
        raise InvalidState(
            f"the next block date was already moved on "
            f"{state.next_block_date_set_on.isoformat()}, in this billing period "
            f"({period.start.isoformat()} to {period.end.isoformat()}); it may be moved once "
            "per billing period"
        )


# -- the daily steps -------------------------------------------------------------------------


def review(uow: DunningUnitOfWork, customer_id: int, day: date) -> Action | None:
    """Block, unblock or deactivate the customer as the rules say on `day` (the daily cycle's
    step, one customer per transaction)."""
    customer = uow.customers.lock(customer_id)
    standing = standings(uow, [customer])[customer_id]
    action = decide(standing, rules_of(uow), day)
    if action is not None:
        apply_action(uow, customer, standing, action, day)
    return action


def apply_action(
    uow: DunningUnitOfWork, customer: Customer, standing: Standing, action: Action, day: date
) -> None:
    """Change the customer's status, keep the day it was blocked, and tell (audit, event).
    An active customer deactivated at once (a deactivation period of 0) is told blocked
    first."""
    details = replace(customer.details, status=_STATUS_OF[action], status_by=BY_DUNNING)
    uow.customers.update(Customer(customer.id, details))
    state = standing.state
    blocking = action is Action.BLOCK or standing.status is CustomerStatus.ACTIVE
    if action is Action.DEACTIVATE and blocking:
        _tell(uow, _EVENT_OF[Action.BLOCK], customer.id, day, _why(standing, day))
    if blocking:
        invoice = standing.due_invoice
        state = replace(
            state,
            blocked_on=first_blocked_on(standing) or day,
            blocked_invoice_id=None if invoice is None else invoice.id,
            next_block_date=None,
        )
    uow.dunning.save_state(customer.id, state)
    _tell(uow, _EVENT_OF[action], customer.id, day, _why(standing, day))


def _why(standing: Standing, day: date) -> dict[str, Any]:
    invoice = standing.due_invoice
    return {
        "date": day.isoformat(),
        "balance": str(standing.balance.amount),
        "pending_payments": str(standing.pending_payments.amount),
        "credit_limit": str(Money(standing.billing.credit_limit, standing.balance.currency).amount),
        "currency": standing.balance.currency,
        "invoice_id": None if invoice is None else invoice.id,
        "invoice_number": None if invoice is None else invoice.number,
        "due_date": None if invoice is None else invoice.due_date.isoformat(),
    }


def _tell(
    uow: DunningUnitOfWork, event: str, customer_id: int, day: date, details: Mapping[str, Any]
) -> None:
    tell(uow, event, customer_id, ("customer", customer_id), day, details)


def tell(
    uow: DunningUnitOfWork,
    event: str,
    customer_id: int,
    about: tuple[str, int],
    day: date,
    details: Mapping[str, Any],
) -> None:
    """Write what happened twice in the same transaction: an audit entry and an event of the
    outbox (`about` is the object's type and id)."""
    object_type, object_id = about
    uow.audit.record(
        event,
        customer_id=customer_id,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    uow.events.record(
        event,
        customer_id=customer_id,
        object_type=object_type,
        object_id=object_id,
        occurred_on=day,
        data={"customer_id": customer_id, **details},
    )


def lift_blocks(uow: DunningUnitOfWork, touched: Mapping[int, date]) -> list[int]:
    """A payment or credit just changed these customers' balances (customer -> business
    date): lift at once each block dunning made that no longer holds (SPEC §9)."""
    blocked = uow.dunning.blocked_by_dunning(sorted(touched))
    if not blocked:
        return []
    rules = rules_of(uow)
    customers = [uow.customers.get(i) for i in blocked]
    found = standings(uow, customers)
    lifted = []
    for customer in customers:
        day = touched[customer.id]
        if may_lift(found[customer.id], rules, day):
            apply_action(uow, customer, found[customer.id], Action.UNBLOCK, day)
            lifted.append(customer.id)
    return lifted


def remind(uow: DunningUnitOfWork, customer_id: int, day: date) -> SentReminder | None:
    """Record the customer's reminder message of `day`, if one is due, and post its fee as a
    collection cost (the daily cycle's step, one customer per transaction)."""
    customer = uow.customers.lock(customer_id)
    message = message_due(standings(uow, [customer])[customer_id], rules_of(uow), day)
    if message is None:
        return None
    fee_id = None
    if message.fee is not None and message.fee.is_positive():
        fee = post(
            uow,
            fee_transaction(
                customer_id,
                message.fee,
                label=f"Reminder fee (level {message.level})",
                day=day,
                related_id=None,
                on=day,
            ),
            on=day,
            action="reminder.fee",
        )
        fee_id = fee.id
        auto_settle(uow, customer, on=day)
    sent = uow.dunning.add_reminder(message, fee_id)
    details = {
        "reminder_id": sent.id,
        "date": day.isoformat(),
        "level": message.level,
        "fee": None if message.fee is None else str(message.fee.amount),
        "invoices": [dict(line) for line in sent.lines],
    }
    tell(uow, "reminder.due", customer_id, ("reminder", sent.id), day, details)
    return sent


# -- what a date holds (the dunning list, reminder previews) ---------------------------------


@dataclass(frozen=True, slots=True)
class DayPlan:
    """What the daily cycle of a date would do, as things stand: customers to block, unblock
    and deactivate, and the reminder messages due."""

    day: date
    actions: dict[Action, list[Calendar]] = field(default_factory=dict)
    messages: list[ReminderMessage] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # customer id -> name


def plan_day(uow: DunningUnitOfWork, day: date) -> DayPlan:
    """What dunning would do on `day` (nothing is changed): the list page and previews."""
    rules = rules_of(uow)
    plan = DayPlan(day, {action: [] for action in Action})
    for customer, standing in _standings_of(uow, uow.dunning.to_review(day)):
        action = decide(standing, rules, day)
        if action is not None:
            plan.actions[action].append(calendar(standing, rules, day))
            plan.names[customer.id] = customer.name
    offsets = rules.settings.reminder_offsets
    for customer, standing in _standings_of(uow, uow.dunning.to_remind(day, offsets)):
        message = message_due(standing, rules, day)
        if message is not None:
            plan.messages.append(message)
            plan.names[customer.id] = customer.name
    return plan


def _standings_of(
    uow: DunningUnitOfWork, customer_ids: Sequence[int], size: int = 500
) -> Iterator[tuple[Customer, Standing]]:
    """Each customer with its standing, read `size` customers at a time."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), size):
        customers = [uow.customers.get(i) for i in ids[start : start + size]]
        found = standings(uow, customers)
        for customer in customers:
            yield customer, found[customer.id]
