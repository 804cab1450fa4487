"""The dunning rules of SPEC §9 as tables: block dates, deactivation dates, the decision of a
day, overrides, credit limits, pending payments, exemptions and reminders.

Each row states its dates in a comment, worked out by hand from these calendars:

    June 2026        Mo  1  8 15 22 29 | Tu  2  9 16 23 30 | We  3 10 17 24 | Th  4 11 18 25
                     Fr  5 12 19 26    | Sa  6 13 20 27    | Su  7 14 21 28
    July 2026        We 1, Su 12, Mo 13, Tu 14 (FR National Day), We 15
    August 2026      Fr 14, Sa 15 (FR Assumption), Su 16, Mo 17
    November 2026    Tu 10, We 11 (FR Armistice), Th 12
    December 2025    We 24, Th 25, Fr 26, Sa 27, Su 28, Mo 29, Tu 30, We 31 | Th 1, Fr 2 Jan 2026
    December 2026    Th 24, Fr 25, Sa 26, Su 27, Mo 28, Tu 29, We 30, Th 31
    January 2027     Fr 1, Sa 2, Su 3, Mo 4
    January 2026     Mo 5, Tu 6 (Epiphany in Bavaria), We 7
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from solde.domain.money import Money
from solde.dunning.rules import (
    Action,
    DunningState,
    OpenInvoice,
    Rules,
    Standing,
    block_date,
    calendar,
    computed_block_date,
    deactivation_date,
    decide,
    may_lift,
    message_due,
    reminders,
)
from solde.ledger.billing import BillingSettings
from solde.ledger.customers import CustomerStatus
from solde.ledger.dunning_settings import DunningSettings

D = date
DAY = timedelta(days=1)
ACTIVE = CustomerStatus.ACTIVE
BLOCKED = CustomerStatus.BLOCKED
INACTIVE = CustomerStatus.INACTIVE

CHRISTMAS_2025 = (D(2025, 12, 25), D(2025, 12, 26))
NEW_YEAR_2026 = (D(2026, 1, 1),)
NEW_YEAR_2027 = (D(2027, 1, 1),)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def invoice(
    due: date,
    *,
    document: date | None = None,
    id: int = 1,
    amount: str = "50.00",
    pending: bool = False,
) -> OpenInvoice:
    """An open invoice due on `due` (document date 10 days before unless given)."""
    return OpenInvoice(
        id=id,
        number=f"INV{id}",
        document_date=document or due - timedelta(days=10),
        due_date=due,
        open_amount=eur(amount),
        pending=pending,
    )


def standing(
    *invoices: OpenInvoice,
    balance: str = "50.00",
    pending: str = "0.00",
    status: CustomerStatus = ACTIVE,
    by: str | None = None,
    state: DunningState | None = None,
    sent: dict[tuple[int, int], date] | None = None,
    **billing: Any,
) -> Standing:
    """A customer of the default billing settings with `invoices` (oldest first)."""
    if "credit_limit" in billing:
        billing["credit_limit"] = Decimal(billing["credit_limit"])
    return Standing(
        customer_id=7,
        status=status,
        status_by=by,
        billing=BillingSettings(**billing),
        balance=eur(balance),
        pending_payments=eur(pending),
        invoices=invoices,
        state=state or DunningState(),
        sent=sent or {},
    )


def rules(**settings: Any) -> Rules:
    return Rules.of(DunningSettings(**settings))


DEFAULT = rules()


# -- block dates -----------------------------------------------------------------------------

BLOCK_DATES = [
    # (due date, billing settings, dunning settings, expected block date)
    pytest.param(
        # SPEC example: document 1 June + 10 days = due Thu 11 June -> blocked from Fri 12 June
        D(2026, 6, 11),
        {},
        {},
        D(2026, 6, 12),
        id="spec-example",
    ),
    pytest.param(
        # due Wed 10 June + 0 + 1 = Thu 11 June
        D(2026, 6, 10),
        {"blocking_period_days": 0},
        {},
        D(2026, 6, 11),
        id="grace-0",
    ),
    pytest.param(
        # due Mon 8 June + 1 = Tue 9 June
        D(2026, 6, 8),
        {},
        {},
        D(2026, 6, 9),
        id="monday-due",
    ),
    pytest.param(
        # due Fri 12 June + 1 = Sat 13 -> Mon 15 June
        D(2026, 6, 12),
        {},
        {},
        D(2026, 6, 15),
        id="saturday-moves-to-monday",
    ),
    pytest.param(
        # due Sat 13 June + 1 = Sun 14 -> Mon 15 June
        D(2026, 6, 13),
        {},
        {},
        D(2026, 6, 15),
        id="sunday-moves-to-monday",
    ),
    pytest.param(
        # block_on_weekends: Sat 13 June stays
        D(2026, 6, 12),
        {},
        {"block_on_weekends": True},
        D(2026, 6, 13),
        id="saturday-allowed",
    ),
    pytest.param(
        # block_on_weekends: Sun 14 June stays
        D(2026, 6, 13),
        {},
        {"block_on_weekends": True},
        D(2026, 6, 14),
        id="sunday-allowed",
    ),
    pytest.param(
        # holiday Fri 12 June, then the weekend -> Mon 15 June
        D(2026, 6, 11),
        {},
        {"holidays": (D(2026, 6, 12),)},
        D(2026, 6, 15),
        id="friday-holiday",
    ),
    pytest.param(
        # block_on_holidays: the holiday Fri 12 June stays
        D(2026, 6, 11),
        {},
        {"holidays": (D(2026, 6, 12),), "block_on_holidays": True},
        D(2026, 6, 12),
        id="friday-holiday-allowed",
    ),
    pytest.param(
        # due Fri 12: Sat 13 -> Sun 14 -> Mon 15 is a holiday -> Tue 16 June
        D(2026, 6, 12),
        {},
        {"holidays": (D(2026, 6, 15),)},
        D(2026, 6, 16),
        id="monday-holiday-after-weekend",
    ),
    pytest.param(
        # due Sun 14: Mon 15 is a holiday -> Tue 16 June
        D(2026, 6, 14),
        {},
        {"holidays": (D(2026, 6, 15),)},
        D(2026, 6, 16),
        id="monday-holiday",
    ),
    pytest.param(
        # weekends allowed, Monday holiday: Sat 13 June stays
        D(2026, 6, 12),
        {},
        {"holidays": (D(2026, 6, 15),), "block_on_weekends": True},
        D(2026, 6, 13),
        id="monday-holiday-weekend-allowed",
    ),
    pytest.param(
        # holidays Fri 12 and Mon 15 around the weekend -> Tue 16 June
        D(2026, 6, 11),
        {},
        {"holidays": (D(2026, 6, 12), D(2026, 6, 15))},
        D(2026, 6, 16),
        id="long-weekend",
    ),
    pytest.param(
        # due Thu 11 + 1 grace day + 1 = Sat 13 -> Mon 15 June
        D(2026, 6, 11),
        {"blocking_period_days": 1},
        {},
        D(2026, 6, 15),
        id="grace-1",
    ),
    pytest.param(
        # due Thu 11 + 2 + 1 = Sun 14 -> Mon 15 June
        D(2026, 6, 11),
        {"blocking_period_days": 2},
        {},
        D(2026, 6, 15),
        id="grace-2",
    ),
    pytest.param(
        # due Thu 11 + 3 + 1 = Mon 15 June
        D(2026, 6, 11),
        {"blocking_period_days": 3},
        {},
        D(2026, 6, 15),
        id="grace-3",
    ),
    pytest.param(
        # due Wed 24 Dec 2025 + 1 = Thu 25 (Christmas), Fri 26 (St Stephen), weekend -> Mon 29
        D(2025, 12, 24),
        {},
        {"holidays": CHRISTMAS_2025},
        D(2025, 12, 29),
        id="christmas-two-days",
    ),
    pytest.param(
        # due on Christmas Thu 25 Dec 2025 + 1 = Fri 26 (holiday), weekend -> Mon 29
        D(2025, 12, 25),
        {},
        {"holidays": CHRISTMAS_2025},
        D(2025, 12, 29),
        id="due-on-christmas",
    ),
    pytest.param(
        # year end: due Tue 30 Dec 2025 -> Wed 31 Dec 2025
        D(2025, 12, 30),
        {},
        {"holidays": NEW_YEAR_2026},
        D(2025, 12, 31),
        id="year-end-31-dec",
    ),
    pytest.param(
        # year end: due Wed 31 Dec 2025 -> Thu 1 Jan 2026 (holiday) -> Fri 2 Jan 2026
        D(2025, 12, 31),
        {},
        {"holidays": NEW_YEAR_2026},
        D(2026, 1, 2),
        id="new-year-thursday",
    ),
    pytest.param(
        # due Wed 30 Dec 2026 -> Thu 31 Dec 2026
        D(2026, 12, 30),
        {},
        {"holidays": NEW_YEAR_2027},
        D(2026, 12, 31),
        id="due-30-dec",
    ),
    pytest.param(
        # due Thu 31 Dec 2026 -> Fri 1 Jan 2027 (holiday), weekend -> Mon 4 Jan 2027
        D(2026, 12, 31),
        {},
        {"holidays": NEW_YEAR_2027},
        D(2027, 1, 4),
        id="new-year-friday",
    ),
    pytest.param(
        # due Wed 30 Dec 2026 + 1 grace + 1 = Fri 1 Jan 2027 -> Mon 4 Jan 2027
        D(2026, 12, 30),
        {"blocking_period_days": 1},
        {"holidays": NEW_YEAR_2027},
        D(2027, 1, 4),
        id="grace-over-new-year",
    ),
    pytest.param(
        # due Mon 21 Dec 2026 + 10 grace + 1 = Fri 1 Jan 2027 -> Mon 4 Jan 2027
        D(2026, 12, 21),
        {"blocking_period_days": 10},
        {"holidays": (*NEW_YEAR_2027, D(2026, 12, 25))},
        D(2027, 1, 4),
        id="long-grace-over-year-end",
    ),
    pytest.param(
        # France: due Mon 13 July + 1 = Tue 14 July (National Day) -> Wed 15 July
        D(2026, 7, 13),
        {},
        {"holiday_country": "FR"},
        D(2026, 7, 15),
        id="fr-14-july",
    ),
    pytest.param(
        # France: due Fri 14 Aug + 1 = Sat 15 Aug (Assumption, a Saturday) -> Mon 17 Aug
        D(2026, 8, 14),
        {},
        {"holiday_country": "FR"},
        D(2026, 8, 17),
        id="fr-15-august",
    ),
    pytest.param(
        # France: due Tue 10 Nov + 1 = Wed 11 Nov (Armistice) -> Thu 12 Nov
        D(2026, 11, 10),
        {},
        {"holiday_country": "FR"},
        D(2026, 11, 12),
        id="fr-11-november",
    ),
    pytest.param(
        # France, weekends allowed: Sat 15 Aug is still a holiday -> Sun 16 Aug
        D(2026, 8, 14),
        {},
        {"holiday_country": "FR", "block_on_weekends": True},
        D(2026, 8, 16),
        id="fr-15-august-weekends-allowed",
    ),
    pytest.param(
        # Bavaria: due Mon 5 Jan 2026 + 1 = Tue 6 Jan (Epiphany) -> Wed 7 Jan
        D(2026, 1, 5),
        {},
        {"holiday_country": "DE", "holiday_subdivision": "BY"},
        D(2026, 1, 7),
        id="de-by-epiphany",
    ),
    pytest.param(
        # Germany without a subdivision: Tue 6 Jan 2026 is a working day
        D(2026, 1, 5),
        {},
        {"holiday_country": "DE"},
        D(2026, 1, 6),
        id="de-no-epiphany",
    ),
    pytest.param(
        # Germany: due Thu 24 Dec 2026 -> Fri 25, Sat 26 (both holidays), Sun 27 -> Mon 28 Dec
        D(2026, 12, 24),
        {},
        {"holiday_country": "DE"},
        D(2026, 12, 28),
        id="de-christmas",
    ),
]


@pytest.mark.parametrize(("due", "billing", "settings", "expected"), BLOCK_DATES)
def test_block_date(
    due: date, billing: dict[str, Any], settings: dict[str, Any], expected: date
) -> None:
    customer = standing(invoice(due), **billing)
    company = rules(**settings)
    assert computed_block_date(customer, company) == expected
    assert block_date(customer, company, due) == expected
    # not blocked the day before, blocked on the day and every day after
    assert decide(customer, company, expected - DAY) is None
    assert decide(customer, company, expected) is Action.BLOCK
    assert decide(customer, company, expected + DAY) is Action.BLOCK


def test_no_open_invoice_no_block_date() -> None:
    customer = standing(balance="0.00")
    assert computed_block_date(customer, DEFAULT) is None
    assert block_date(customer, DEFAULT, D(2026, 6, 12)) is None
    assert decide(customer, DEFAULT, D(2026, 6, 12)) is None


def test_the_oldest_open_invoice_sets_the_block_date() -> None:
    # oldest due Thu 11 June -> Fri 12 June; the newer one (due Thu 25 June) waits its turn
    customer = standing(
        invoice(D(2026, 6, 11), id=1), invoice(D(2026, 6, 25), id=2), balance="100.00"
    )
    assert computed_block_date(customer, DEFAULT) == D(2026, 6, 12)


def test_payment_due_days_0_blocks_the_day_after_the_document() -> None:
    # document = due = Wed 10 June (payment_due_days 0) -> blocked from Thu 11 June
    customer = standing(invoice(D(2026, 6, 10), document=D(2026, 6, 10)), payment_due_days=0)
    assert computed_block_date(customer, DEFAULT) == D(2026, 6, 11)
    assert decide(customer, DEFAULT, D(2026, 6, 10)) is None
    assert decide(customer, DEFAULT, D(2026, 6, 11)) is Action.BLOCK


# -- credit limits and pending payments ------------------------------------------------------

DUE_11_JUNE = invoice(D(2026, 6, 11))  # blocks from Fri 12 June
BLOCK_DAY = D(2026, 6, 12)


@pytest.mark.parametrize(
    ("limit", "balance", "pending", "blocked"),
    [
        # credit limit 0: must pay in full
        ("0", "50.00", "0.00", True),
        ("0", "0.01", "0.00", True),
        ("0", "0.00", "0.00", False),
        # credit limit 50: may stay 50 in debt
        ("50", "50.00", "0.00", False),
        ("50", "50.01", "0.00", True),
        ("50", "49.99", "0.00", False),
        # credit limit -20: must keep 20 in credit
        ("-20", "-20.00", "0.00", False),
        ("-20", "-25.00", "0.00", False),
        ("-20", "-19.99", "0.00", True),
        ("-20", "0.00", "0.00", True),
        # pending payments count as paid: 50 - 50 = 0 <= 0
        ("0", "50.00", "50.00", False),
        # 50 - 20 = 30 > 0
        ("0", "50.00", "20.00", True),
        # more pending than owed: 50 - 60 = -10 <= 0
        ("0", "50.00", "60.00", False),
        # 80 - 30 = 50 <= 50: within the limit
        ("50", "80.00", "30.00", False),
        # 80 - 29.99 = 50.01 > 50
        ("50", "80.00", "29.99", True),
        # -20 limit: 10 - 30 = -20 <= -20
        ("-20", "10.00", "30.00", False),
    ],
)
def test_credit_limit(limit: str, balance: str, pending: str, blocked: bool) -> None:
    customer = standing(DUE_11_JUNE, balance=balance, pending=pending, credit_limit=limit)
    assert customer.over_limit is blocked
    assert decide(customer, DEFAULT, BLOCK_DAY) is (Action.BLOCK if blocked else None)
    assert decide(customer, DEFAULT, BLOCK_DAY - DAY) is None


@pytest.mark.parametrize(
    ("billing", "exempt"),
    [
        ({}, False),
        ({"dunning_enabled": False}, True),
        ({"billing_enabled": False}, True),
        ({"dunning_enabled": False, "billing_enabled": False}, True),
    ],
)
def test_exempt_customers_are_never_blocked(billing: dict[str, Any], exempt: bool) -> None:
    customer = standing(DUE_11_JUNE, balance="500.00", **billing)
    assert customer.exempt is exempt
    for day in (BLOCK_DAY, D(2026, 8, 1), D(2027, 6, 12)):
        assert decide(customer, DEFAULT, day) is (None if exempt else Action.BLOCK)
    cal = calendar(customer, DEFAULT, BLOCK_DAY - DAY)
    assert cal.next_block_date == (None if exempt else BLOCK_DAY)
    assert (cal.next_deactivation_date is None) is exempt
    assert (cal.reminders == ()) is exempt


# -- what a day decides for a customer in each status ------------------------------------------

BLOCKED_ON_12_JUNE = DunningState(blocked_on=BLOCK_DAY)


@pytest.mark.parametrize(
    ("status", "by", "balance", "pending", "day", "action"),
    [
        # blocked by hand: dunning neither lifts (paid) nor deactivates (long after)
        (BLOCKED, "hand", "0.00", "0.00", D(2026, 6, 20), None),
        (BLOCKED, "hand", "50.00", "0.00", D(2026, 9, 1), None),
        # blocked before dunning kept who did it: left alone as well
        (BLOCKED, None, "0.00", "0.00", D(2026, 6, 20), None),
        # blocked by dunning and paid: unblocked
        (BLOCKED, "dunning", "0.00", "0.00", D(2026, 6, 20), Action.UNBLOCK),
        # blocked by dunning, a pending payment covers the balance: unblocked
        (BLOCKED, "dunning", "50.00", "50.00", D(2026, 6, 20), Action.UNBLOCK),
        # blocked by dunning, still owing: stays blocked until the deactivation date
        (BLOCKED, "dunning", "50.00", "0.00", D(2026, 6, 20), None),
        # blocked Fri 12 June + 30 = Sun 12 July -> Mon 13 July: nothing on the Sunday
        (BLOCKED, "dunning", "50.00", "0.00", D(2026, 7, 12), None),
        (BLOCKED, "dunning", "50.00", "0.00", D(2026, 7, 13), Action.DEACTIVATE),
        (BLOCKED, "dunning", "50.00", "0.00", D(2026, 7, 20), Action.DEACTIVATE),
        # inactive: dunning never reactivates, whoever deactivated
        (INACTIVE, "dunning", "0.00", "0.00", D(2026, 7, 20), None),
        (INACTIVE, "hand", "50.00", "0.00", D(2026, 7, 20), None),
        # unblocked by hand while still owing: the rules block again
        (ACTIVE, "hand", "50.00", "0.00", D(2026, 6, 20), Action.BLOCK),
        (ACTIVE, "dunning", "50.00", "0.00", D(2026, 6, 20), Action.BLOCK),
    ],
)
def test_decide_by_status(
    status: CustomerStatus,
    by: str | None,
    balance: str,
    pending: str,
    day: date,
    action: Action | None,
) -> None:
    customer = standing(
        DUE_11_JUNE,
        balance=balance,
        pending=pending,
        status=status,
        by=by,
        state=BLOCKED_ON_12_JUNE if status is BLOCKED else DunningState(),
    )
    assert decide(customer, DEFAULT, day) is action


@pytest.mark.parametrize(
    ("status", "by", "balance", "lifts"),
    [
        (BLOCKED, "dunning", "0.00", True),
        (BLOCKED, "dunning", "0.01", False),
        (BLOCKED, "hand", "0.00", False),
        (ACTIVE, None, "0.00", False),
        (INACTIVE, "dunning", "0.00", False),
    ],
)
def test_may_lift(status: CustomerStatus, by: str | None, balance: str, lifts: bool) -> None:
    customer = standing(DUE_11_JUNE, balance=balance, status=status, by=by)
    assert may_lift(customer, DEFAULT, D(2026, 6, 15)) is lifts


# -- deactivation dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocked_on", "period", "settings", "expected"),
    [
        # Fri 12 June + 30 = Sun 12 July -> Mon 13 July
        (D(2026, 6, 12), 30, {}, D(2026, 7, 13)),
        # weekends allowed: Sun 12 July stays
        (D(2026, 6, 12), 30, {"block_on_weekends": True}, D(2026, 7, 12)),
        # period 0: the day of blocking itself
        (D(2026, 6, 12), 0, {}, D(2026, 6, 12)),
        # Fri 12 June + 1 = Sat 13 -> Mon 15 June
        (D(2026, 6, 12), 1, {}, D(2026, 6, 15)),
        # France: Fri 12 June + 32 = Tue 14 July (National Day) -> Wed 15 July
        (D(2026, 6, 12), 32, {"holiday_country": "FR"}, D(2026, 7, 15)),
        # France: Fri 12 June + 31 = Mon 13 July, a working day
        (D(2026, 6, 12), 31, {"holiday_country": "FR"}, D(2026, 7, 13)),
        # Thu 3 Dec 2026 + 22 = Fri 25 Dec, Sat 26 holiday, Sun 27 -> Mon 28 Dec
        (D(2026, 12, 3), 22, {"holidays": (D(2026, 12, 25), D(2026, 12, 26))}, D(2026, 12, 28)),
        # Wed 2 Dec 2026 + 30 = Fri 1 Jan 2027 (holiday), weekend -> Mon 4 Jan 2027
        (D(2026, 12, 2), 30, {"holidays": NEW_YEAR_2027}, D(2027, 1, 4)),
    ],
)
def test_deactivation_date(
    blocked_on: date, period: int, settings: dict[str, Any], expected: date
) -> None:
    company = rules(**settings)
    customer = standing(
        invoice(blocked_on - DAY),
        status=BLOCKED,
        by="dunning",
        state=DunningState(blocked_on=blocked_on),
        deactivation_period_days=period,
    )
    assert deactivation_date(customer, company, blocked_on) == expected
    if expected > blocked_on:
        assert decide(customer, company, expected - DAY) is None
    assert decide(customer, company, expected) is Action.DEACTIVATE


def test_deactivation_date_of_an_active_customer_counts_from_the_coming_block_date() -> None:
    # block date Fri 12 June + 30 = Sun 12 July -> Mon 13 July
    customer = standing(DUE_11_JUNE)
    assert deactivation_date(customer, DEFAULT, D(2026, 6, 1)) == D(2026, 7, 13)
    # the block date passed without a block yet (the cycle of 20 June has not run):
    # Sat 20 June + 30 = Mon 20 July
    assert deactivation_date(customer, DEFAULT, D(2026, 6, 20)) == D(2026, 7, 20)
    # with a period of 30 days, turned to 0: Fri 12 June itself
    zero = standing(DUE_11_JUNE, deactivation_period_days=0)
    assert deactivation_date(zero, DEFAULT, D(2026, 6, 1)) == D(2026, 6, 12)


def test_no_deactivation_date_for_a_customer_blocked_by_hand_or_inactive() -> None:
    for status, by in ((BLOCKED, "hand"), (INACTIVE, "dunning"), (INACTIVE, "hand")):
        customer = standing(DUE_11_JUNE, status=status, by=by, state=BLOCKED_ON_12_JUNE)
        assert deactivation_date(customer, DEFAULT, D(2026, 6, 20)) is None


# -- the operator's next block date ----------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "day", "expected", "action"),
    [
        # computed block date Fri 12 June; earlier date Tue 9 June, the day before: not yet
        (D(2026, 6, 9), D(2026, 6, 8), D(2026, 6, 9), None),
        # ... on the day: blocked
        (D(2026, 6, 9), D(2026, 6, 9), D(2026, 6, 9), Action.BLOCK),
        # ... after it passed (Wed 10): the computed Fri 12 June applies again
        (D(2026, 6, 9), D(2026, 6, 10), D(2026, 6, 12), None),
        (D(2026, 6, 9), D(2026, 6, 12), D(2026, 6, 12), Action.BLOCK),
        # later date Wed 17 June: not on the computed Fri 12, nor Tue 16
        (D(2026, 6, 17), D(2026, 6, 12), D(2026, 6, 17), None),
        (D(2026, 6, 17), D(2026, 6, 16), D(2026, 6, 17), None),
        # ... on the day: blocked
        (D(2026, 6, 17), D(2026, 6, 17), D(2026, 6, 17), Action.BLOCK),
        # ... after it passed: the computed Fri 12 June again, long past: blocked
        (D(2026, 6, 17), D(2026, 6, 18), D(2026, 6, 12), Action.BLOCK),
        # the same date as computed
        (D(2026, 6, 12), D(2026, 6, 12), D(2026, 6, 12), Action.BLOCK),
        (D(2026, 6, 12), D(2026, 6, 11), D(2026, 6, 12), None),
    ],
)
def test_next_block_date_override(
    chosen: date, day: date, expected: date, action: Action | None
) -> None:
    customer = standing(
        DUE_11_JUNE,
        state=DunningState(next_block_date=chosen, next_block_date_set_on=D(2026, 6, 1)),
    )
    assert computed_block_date(customer, DEFAULT) == D(2026, 6, 12)
    assert block_date(customer, DEFAULT, day) == expected
    assert decide(customer, DEFAULT, day) is action
    cal = calendar(customer, DEFAULT, day)
    assert cal.next_block_date == expected
    assert cal.override == (chosen if day <= chosen else None)


def test_an_override_blocks_nobody_within_the_credit_limit() -> None:
    customer = standing(
        DUE_11_JUNE, balance="0.00", state=DunningState(next_block_date=D(2026, 6, 9))
    )
    assert decide(customer, DEFAULT, D(2026, 6, 9)) is None


def test_an_override_on_a_weekend_moves_to_the_next_working_day() -> None:
    # chosen Sat 20 June, weekends not allowed -> Mon 22 June; not on Sat 20 nor Sun 21
    customer = standing(DUE_11_JUNE, state=DunningState(next_block_date=D(2026, 6, 20)))
    assert decide(customer, DEFAULT, D(2026, 6, 20)) is None
    assert decide(customer, DEFAULT, D(2026, 6, 21)) is None
    assert decide(customer, DEFAULT, D(2026, 6, 22)) is Action.BLOCK


# -- reminders -------------------------------------------------------------------------------

FEES = rules(reminder_fees={"EUR": (Decimal(0), Decimal("5.00"), Decimal("10.00"))})


def test_reminder_dates_and_days_left() -> None:
    # document Mon 1 June, offsets 3, 7, 14 -> Thu 4, Mon 8, Mon 15 June
    customer = standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)))
    found = reminders(customer, DEFAULT, D(2026, 6, 1))
    assert [(r.level, r.date, r.days_left) for r in found] == [
        (1, D(2026, 6, 4), 3),
        (2, D(2026, 6, 8), 7),
        (3, D(2026, 6, 15), 14),
    ]
    # as of 10 June, the first two are behind: days left negative
    later = reminders(customer, DEFAULT, D(2026, 6, 10))
    assert [r.days_left for r in later] == [-6, -2, 5]
    assert all(r.open_amount == eur("50.00") and r.sent_on is None for r in found)


def test_reminders_follow_the_offsets_of_settings() -> None:
    # document Mon 1 June, offsets 0, 30 -> Mon 1 June, Wed 1 July
    customer = standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)))
    found = reminders(customer, rules(reminder_offsets=(0, 30)), D(2026, 6, 1))
    assert [(r.level, r.date) for r in found] == [(1, D(2026, 6, 1)), (2, D(2026, 7, 1))]
    assert reminders(customer, rules(reminder_offsets=()), D(2026, 6, 1)) == []


def test_reminders_are_consolidated_per_day() -> None:
    # invoice 1 of Mon 1 June: levels on 4, 8, 15 June; invoice 2 of Fri 5 June: 8, 12, 19 June
    # -> Mon 8 June: one message with invoice 1 level 2 and invoice 2 level 1
    customer = standing(
        invoice(D(2026, 6, 11), document=D(2026, 6, 1), id=1),
        invoice(D(2026, 6, 15), document=D(2026, 6, 5), id=2, amount="30.00"),
        balance="80.00",
    )
    message = message_due(customer, FEES, D(2026, 6, 8))
    assert message is not None
    assert [(line.invoice_id, line.level) for line in message.lines] == [(1, 2), (2, 1)]
    assert message.level == 2
    assert message.fee == eur("5.00")  # the fee of its highest level, once
    assert message_due(customer, FEES, D(2026, 6, 9)) is None  # nothing due on Tue 9 June


@pytest.mark.parametrize(
    ("day", "level", "fee"),
    [
        (D(2026, 6, 4), 1, None),  # level 1 costs 0: no fee
        (D(2026, 6, 8), 2, eur("5.00")),
        (D(2026, 6, 15), 3, eur("10.00")),
    ],
)
def test_fee_per_level(day: date, level: int, fee: Money | None) -> None:
    customer = standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)))
    message = message_due(customer, FEES, day)
    assert message is not None
    assert (message.level, message.fee) == (level, fee)


def test_no_fee_for_another_currency_or_a_level_beyond_the_list() -> None:
    # fees listed for JPY only and for two levels: an EUR customer pays none
    company = rules(reminder_fees={"JPY": (Decimal(500), Decimal(1000))})
    customer = standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)))
    assert message_due(customer, company, D(2026, 6, 8)).fee is None  # type: ignore[union-attr]
    eur_two = rules(reminder_fees={"EUR": (Decimal(1), Decimal(2))})
    third = message_due(customer, eur_two, D(2026, 6, 15))
    assert third is not None
    assert (third.level, third.fee) == (3, None)


def test_a_reminder_is_sent_once() -> None:
    customer = standing(
        invoice(D(2026, 6, 11), document=D(2026, 6, 1)), sent={(1, 1): D(2026, 6, 4)}
    )
    assert message_due(customer, DEFAULT, D(2026, 6, 4)) is None
    assert reminders(customer, DEFAULT, D(2026, 6, 4))[0].sent_on == D(2026, 6, 4)


def test_one_invoice_already_reminded_leaves_the_other_in_the_message() -> None:
    customer = standing(
        invoice(D(2026, 6, 11), document=D(2026, 6, 1), id=1),
        invoice(D(2026, 6, 15), document=D(2026, 6, 5), id=2),
        sent={(1, 2): D(2026, 6, 8)},
    )
    message = message_due(customer, DEFAULT, D(2026, 6, 8))
    assert message is not None
    assert [(line.invoice_id, line.level) for line in message.lines] == [(2, 1)]


@pytest.mark.parametrize(
    ("customer", "why"),
    [
        (
            standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1), pending=True)),
            "a pending payment names the invoice",
        ),
        (standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)), reminders=False), "off"),
        (
            standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)), dunning_enabled=False),
            "exempt",
        ),
        (
            standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)), billing_enabled=False),
            "billing off",
        ),
    ],
)
def test_no_reminders(customer: Standing, why: str) -> None:
    assert reminders(customer, DEFAULT, D(2026, 6, 1)) == [], why
    assert message_due(customer, DEFAULT, D(2026, 6, 4)) is None, why


def test_a_pending_payment_spares_only_the_invoice_it_names() -> None:
    customer = standing(
        invoice(D(2026, 6, 11), document=D(2026, 6, 1), id=1, pending=True),
        invoice(D(2026, 6, 15), document=D(2026, 6, 5), id=2),
        balance="100.00",
        pending="50.00",
    )
    message = message_due(customer, DEFAULT, D(2026, 6, 8))
    assert message is not None
    assert [line.invoice_id for line in message.lines] == [2]


# -- the calendar ----------------------------------------------------------------------------


def test_calendar_of_the_spec_example() -> None:
    # document Mon 1 June, due Thu 11 June, block Fri 12 June, deactivation Fri 12 June + 30 =
    # Sun 12 July -> Mon 13 July; reminders 4, 8, 15 June
    customer = standing(invoice(D(2026, 6, 11), document=D(2026, 6, 1)))
    cal = calendar(customer, DEFAULT, D(2026, 6, 1))
    assert cal.billing_due_date == D(2026, 6, 11)
    assert cal.computed_block_date == D(2026, 6, 12)
    assert cal.next_block_date == D(2026, 6, 12)
    assert cal.next_deactivation_date == D(2026, 7, 13)
    assert cal.action is None
    assert [r.date for r in cal.reminders] == [D(2026, 6, 4), D(2026, 6, 8), D(2026, 6, 15)]
    assert calendar(customer, DEFAULT, D(2026, 6, 12)).action is Action.BLOCK


def test_calendar_of_a_blocked_customer() -> None:
    customer = standing(
        DUE_11_JUNE, status=BLOCKED, by="dunning", state=DunningState(blocked_on=BLOCK_DAY)
    )
    cal = calendar(customer, DEFAULT, D(2026, 6, 20))
    assert cal.next_block_date is None  # already blocked
    assert cal.next_deactivation_date == D(2026, 7, 13)
    assert cal.action is None
    paid = replace(customer, balance=eur("0.00"))
    assert calendar(paid, DEFAULT, D(2026, 6, 20)).action is Action.UNBLOCK


def test_calendar_without_open_invoices() -> None:
    cal = calendar(standing(balance="0.00"), DEFAULT, D(2026, 6, 1))
    assert (cal.billing_due_date, cal.computed_block_date, cal.next_block_date) == (None,) * 3
    assert cal.next_deactivation_date is None
    assert cal.reminders == ()


def test_a_message_takes_the_highest_fee_of_its_levels() -> None:
    # fees {"EUR": ["5.00"]}: level 1 of invoice B carries 5.00, level 2 of invoice A none;
    # the message of that day still posts 5.00 (one fee per message, the highest)
    from solde.dunning.rules import Reminder, ReminderMessage

    day = date(2026, 6, 8)
    open_amount = Money(Decimal("50.00"), "EUR")
    lines = (
        Reminder(1, "A", 2, day, 0, open_amount, fee=None),
        Reminder(2, "B", 1, day, 0, open_amount, fee=Money(Decimal("5.00"), "EUR")),
    )
    message = ReminderMessage(7, day, lines)
    assert message.level == 2
    assert message.fee == Money(Decimal("5.00"), "EUR")
    assert ReminderMessage(7, day, lines[:1]).fee is None
