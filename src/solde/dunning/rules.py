"""The dunning rules of SPEC §9, as pure functions of what is known of one customer on a date.

    billing due date   = due date of the oldest invoice with an open amount
    block date         = billing due date + blocking_period_days + 1, moved to a working day
                         (or the operator's next block date, until it passes)
    blocked            = on or after the block date, while balance − pending payments > credit limit
    deactivation date  = day of blocking + deactivation_period_days, moved to a working day
    reminder k         = document date + reminder_offsets[k-1], for each open invoice that no
                         payment awaiting bank confirmation names

Only blocks that dunning made are lifted or turned into deactivations by dunning; a block set
by hand stays until someone lifts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from solde.domain.money import Money
from solde.dunning.workdays import WorkingDays
from solde.ledger.billing import BillingSettings
from solde.ledger.customers import CustomerStatus
from solde.ledger.dunning_settings import DunningSettings

ONE_DAY = timedelta(days=1)
BY_DUNNING = "dunning"
BY_HAND = "hand"


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An issued invoice with an open amount."""

    id: int
    number: str | None
    document_date: date
    due_date: date
    open_amount: Money
    pending: bool = False  # a payment awaiting bank confirmation names it


@dataclass(frozen=True, slots=True)
class DunningState:
    """What dunning keeps for a customer: when it blocked it, and the operator's next block
    date (with the day it was set, for the once-per-period rule)."""

    blocked_on: date | None = None
    #: the invoice whose due date the block counted from: a block lifted by a payment that
    #: later failed comes back with its first day of blocking (the dates come back into force)
    blocked_invoice_id: int | None = None
    next_block_date: date | None = None
    next_block_date_set_on: date | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """Everything the rules need to know about one customer on a date."""

    customer_id: int
    status: CustomerStatus
    status_by: str | None  # who set the status: "dunning", "hand", or None (never changed)
    billing: BillingSettings
    balance: Money
    pending_payments: Money  # payments awaiting bank confirmation (≥ 0)
    invoices: tuple[OpenInvoice, ...]  # oldest first
    state: DunningState = DunningState()
    sent: Mapping[tuple[int, int], date] = field(default_factory=dict)  # (invoice, level)

    @property
    def exempt(self) -> bool:
        """Dunning leaves the customer alone (`dunning_enabled` or `billing_enabled` off)."""
        return not (self.billing.dunning_enabled and self.billing.billing_enabled)

    @property
    def blocked_by_dunning(self) -> bool:
        """Blocked, and by dunning (not by hand)."""
        return self.status is CustomerStatus.BLOCKED and self.status_by == BY_DUNNING

    @property
    def over_limit(self) -> bool:
        """Owes more than the credit limit once pending payments count as paid."""
        limit = Money(self.billing.credit_limit, self.balance.currency)
        return self.balance - self.pending_payments > limit

    @property
    def owes(self) -> bool:
        """Owes something once its credit and pending payments count."""
        return (self.balance - self.pending_payments).is_positive()

    @property
    def due_invoice(self) -> OpenInvoice | None:
        """The oldest invoice with an open amount: its due date is the billing due date."""
        return self.invoices[0] if self.invoices else None


class Action(StrEnum):
    """A change of status that dunning makes."""

    BLOCK = "block"
    UNBLOCK = "unblock"
    DEACTIVATE = "deactivate"


@dataclass(frozen=True, slots=True)
class Rules:
    """The company's dunning settings, ready to evaluate."""

    days: WorkingDays
    settings: DunningSettings

    @classmethod
    def of(cls, settings: DunningSettings) -> Rules:
        """Rules from the dunning settings."""
        return cls(WorkingDays.of(settings), settings)


def computed_block_date(standing: Standing, rules: Rules) -> date | None:
    """Billing due date + blocking period + 1 day, moved to a day blocking may happen on."""
    invoice = standing.due_invoice
    if invoice is None:
        return None
    raw = invoice.due_date + timedelta(days=standing.billing.blocking_period_days + 1)
    return rules.days.next_allowed(raw)


def override_of(standing: Standing, rules: Rules, day: date) -> date | None:
    """The operator's next block date (moved to a day blocking may happen on, like any block
    date) while it applies: until it passes."""
    chosen = standing.state.next_block_date
    if chosen is None:
        return None
    moved = rules.days.next_allowed(chosen)
    return moved if day <= moved else None


def block_date(standing: Standing, rules: Rules, day: date) -> date | None:
    """The block date in force on `day`."""
    return override_of(standing, rules, day) or computed_block_date(standing, rules)


def must_block(standing: Standing, rules: Rules, day: date) -> bool:
    """SPEC §9: on or after the block date, a customer over its credit limit is blocked."""
    if standing.exempt or not standing.over_limit:
        return False
    when = block_date(standing, rules, day)
    return when is not None and day >= when


def deactivation_date(standing: Standing, rules: Rules, day: date) -> date | None:
    """When a block turns into a deactivation: the day of blocking (or the coming block date)
    plus the deactivation period, moved to a working day."""
    period = timedelta(days=standing.billing.deactivation_period_days)
    if standing.status is CustomerStatus.BLOCKED:
        if not standing.blocked_by_dunning:
            return None
        start = standing.state.blocked_on or day
    else:
        when = block_date(standing, rules, day)
        if when is None or standing.status is not CustomerStatus.ACTIVE:
            return None
        start = first_blocked_on(standing) or max(when, day)
    return rules.days.next_allowed(start + period)


def first_blocked_on(standing: Standing) -> date | None:
    """The day dunning first blocked the customer for the invoice now due, when a block for it
    was lifted since (by a payment that then failed): blocking again keeps that day."""
    invoice = standing.due_invoice
    state = standing.state
    if invoice is None or state.blocked_invoice_id != invoice.id:
        return None
    return state.blocked_on


def decide(standing: Standing, rules: Rules, day: date) -> Action | None:
    """The change of status due on `day`, if any."""
    if standing.status is CustomerStatus.ACTIVE:
        if not must_block(standing, rules, day):
            return None
        when = deactivation_date(standing, rules, day)  # same day with a period of 0
        return Action.DEACTIVATE if when is not None and day >= when else Action.BLOCK
    if not standing.blocked_by_dunning:
        return None
    if not must_block(standing, rules, day):
        return Action.UNBLOCK
    when = deactivation_date(standing, rules, day)
    if when is not None and day >= when:
        return Action.DEACTIVATE
    return None


def may_lift(standing: Standing, rules: Rules, day: date) -> bool:
    """A payment or credit just came in: lift a block dunning made when it no longer holds."""
    return standing.blocked_by_dunning and not must_block(standing, rules, day)


# -- reminders -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """Reminder `level` of an invoice, due on `date`."""

    invoice_id: int
    number: str | None
    level: int
    date: dt.date
    days_left: int
    open_amount: Money
    sent_on: dt.date | None = None
    fee: Money | None = None


def reminders(standing: Standing, rules: Rules, as_of: date) -> list[Reminder]:
    """Every reminder of the customer's open invoices, by date: the preview of SPEC §9.
    None when reminders are off, dunning exempts the customer, the customer owes nothing once
    its credit and pending payments count (automatic settlement off), it was made inactive by
    hand, or a pending payment names the invoice."""
    if standing.exempt or not standing.billing.reminders or not standing.owes:
        return []
    if standing.status is CustomerStatus.INACTIVE and standing.status_by != BY_DUNNING:
        return []
    found = []
    currency = standing.balance.currency
    for invoice in standing.invoices:
        if invoice.pending:
            continue
        for level, offset in enumerate(rules.settings.reminder_offsets, start=1):
            when = invoice.document_date + timedelta(days=offset)
            found.append(
                Reminder(
                    invoice_id=invoice.id,
                    number=invoice.number,
                    level=level,
                    date=when,
                    days_left=(when - as_of).days,
                    open_amount=invoice.open_amount,
                    sent_on=standing.sent.get((invoice.id, level)),
                    fee=rules.settings.fee(level, currency),
                )
            )
    return sorted(found, key=lambda r: (r.date, r.invoice_id, r.level))


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    """The one message a customer receives on a date, listing every reminder due that day,
    with one fee: the highest of its levels' fees."""

    customer_id: int
    date: dt.date
    lines: tuple[Reminder, ...]

    @property
    def level(self) -> int:
        """The highest level among its reminders."""
        return max(line.level for line in self.lines)

    @property
    def fee(self) -> Money | None:
        """The fee it posts as a collection cost: the highest fee among its reminders' levels
        (one fee per message), None if none has one."""
        fees = [line.fee for line in self.lines if line.fee is not None]
        return max(fees, key=lambda fee: fee.amount) if fees else None


def message_due(standing: Standing, rules: Rules, day: date) -> ReminderMessage | None:
    """The reminders due on `day` and not sent yet, consolidated into one message."""
    lines = tuple(r for r in reminders(standing, rules, day) if r.date == day and r.sent_on is None)
    return ReminderMessage(standing.customer_id, day, lines) if lines else None


# -- the calendar ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Calendar:
    """A customer's dunning calendar as of a date (SPEC §9, `GET /customers/{id}/dunning`)."""

    as_of: date
    standing: Standing
    billing_due_date: date | None
    computed_block_date: date | None
    next_block_date: date | None
    next_deactivation_date: date | None
    action: Action | None  # what the daily cycle of `as_of` does, as things stand
    reminders: tuple[Reminder, ...]
    override: date | None = None  # the operator's next block date while it applies


def calendar(standing: Standing, rules: Rules, as_of: date) -> Calendar:
    """The dunning calendar of a customer as of `as_of`."""
    invoice = standing.due_invoice
    blocked = standing.status is not CustomerStatus.ACTIVE
    return Calendar(
        as_of=as_of,
        standing=standing,
        billing_due_date=None if invoice is None else invoice.due_date,
        computed_block_date=computed_block_date(standing, rules),
        next_block_date=None if blocked or standing.exempt else block_date(standing, rules, as_of),
        next_deactivation_date=None
        if standing.exempt
        else deactivation_date(standing, rules, as_of),
        action=decide(standing, rules, as_of),
        reminders=tuple(reminders(standing, rules, as_of)),
        override=override_of(standing, rules, as_of),
    )
