"""What a service's days cost (SPEC §2, §8): the period anchor, the share of periods a range of
days is worth under each proration, the line amount rounded once half-up, the billed days given
back by charge, and the service lines a recurring invoice of a date holds.

Every expected amount is worked out by hand in the row's comment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from solde.billing.recurring import billed_up_to, is_billing_day, service_lines
from solde.billing.services import Charge, Service, anchor_of, given_back, priced_item, share_of
from solde.domain.tax import LinePrice
from solde.ledger.billing import BillingSettings, Proration, Timing

D = date
F = Fraction
DAILY, THIRTY, NONE = Proration.DAILY, Proration.THIRTY_DAY, Proration.NONE


# -- the anchor ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("billing_day", "starts", "anchor"),
    [
        (1, [D(2026, 4, 21)], D(2026, 4, 1)),
        (15, [D(2026, 4, 21)], D(2026, 4, 15)),
        (28, [D(2026, 4, 21)], D(2026, 3, 28)),  # the 28th on or before 21 April
        (28, [D(2026, 4, 28)], D(2026, 4, 28)),  # a start on the billing day is the anchor
        (15, [D(2026, 1, 10)], D(2025, 12, 15)),  # back across the year end
        (28, [D(2026, 3, 1)], D(2026, 2, 28)),
        (1, [D(2026, 6, 1), D(2026, 3, 5)], D(2026, 3, 1)),  # the first service's start
        (10, [], D(2000, 1, 10)),  # no service yet: the calendar year
    ],
)
def test_the_anchor_is_the_billing_day_on_or_before_the_first_start(
    billing_day: int, starts: list[date], anchor: date
) -> None:
    assert anchor_of(billing_day, starts) == anchor


# -- the share of periods --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "anchor", "months", "proration", "share"),
    [
        # SPEC §8: 21 April–31 May, billing day 1: 10/30 + 1 = 4/3
        (D(2026, 4, 21), D(2026, 5, 31), D(2026, 4, 1), 1, DAILY, F(4, 3)),
        (D(2026, 4, 21), D(2026, 5, 31), D(2026, 4, 1), 1, THIRTY, F(4, 3)),  # 10/30 + 1
        (D(2026, 4, 21), D(2026, 5, 31), D(2026, 4, 1), 1, NONE, F(2)),  # 1 + 1
        # 21–31 January: 11/31 by days; 10/30 by 30-day months (the 31st counts as the 30th)
        (D(2026, 1, 21), D(2026, 1, 31), D(2026, 1, 1), 1, DAILY, F(11, 31)),
        (D(2026, 1, 21), D(2026, 1, 31), D(2026, 1, 1), 1, THIRTY, F(1, 3)),
        (D(2026, 1, 21), D(2026, 1, 31), D(2026, 1, 1), 1, NONE, F(1)),
        # a whole February is one period whatever its length
        (D(2026, 2, 1), D(2026, 2, 28), D(2026, 1, 1), 1, DAILY, F(1)),
        (D(2028, 2, 1), D(2028, 2, 29), D(2028, 1, 1), 1, THIRTY, F(1)),
        # second half of February: 14/28 by days; 15th to "30th" = 16/30 by 30-day months
        (D(2026, 2, 15), D(2026, 2, 28), D(2026, 1, 1), 1, DAILY, F(1, 2)),
        (D(2026, 2, 15), D(2026, 2, 28), D(2026, 1, 1), 1, THIRTY, F(8, 15)),
        # leap February: 15/29 by days, still 16/30 by 30-day months
        (D(2028, 2, 15), D(2028, 2, 29), D(2028, 1, 1), 1, DAILY, F(15, 29)),
        (D(2028, 2, 15), D(2028, 2, 29), D(2028, 1, 1), 1, THIRTY, F(8, 15)),
        # quarterly, billing day 15 (15 Jan–14 Apr = 90 days): 1 Mar–14 Apr = 31 + 14 = 45/90
        (D(2026, 3, 1), D(2026, 4, 14), D(2026, 1, 15), 3, DAILY, F(1, 2)),
        # … by 30-day months 30 + 14 = 44 of 90
        (D(2026, 3, 1), D(2026, 4, 14), D(2026, 1, 15), 3, THIRTY, F(22, 45)),
        (D(2026, 3, 1), D(2026, 4, 14), D(2026, 1, 15), 3, NONE, F(1)),
        # 1 Feb–14 Jul: 73/90 (28 + 31 + 14) + a full quarter = 163/90
        (D(2026, 2, 1), D(2026, 7, 14), D(2026, 1, 15), 3, DAILY, F(163, 90)),
        # … by 30-day months: 30 + 30 + 14 = 74/90 + 1 = 164/90
        (D(2026, 2, 1), D(2026, 7, 14), D(2026, 1, 15), 3, THIRTY, F(82, 45)),
        # half-yearly from 1 Jan (181 days to 30 Jun): April–June = 30 + 31 + 30 = 91/181
        (D(2026, 4, 1), D(2026, 6, 30), D(2026, 1, 1), 6, DAILY, F(91, 181)),
        (D(2026, 4, 1), D(2026, 6, 30), D(2026, 1, 1), 6, THIRTY, F(1, 2)),  # 90/180
        # yearly over a leap year: July–December 2028 = 184/366
        (D(2028, 7, 1), D(2028, 12, 31), D(2028, 1, 1), 12, DAILY, F(92, 183)),
        (D(2028, 7, 1), D(2028, 12, 31), D(2028, 1, 1), 12, THIRTY, F(1, 2)),  # 180/360
        (D(2028, 7, 1), D(2028, 12, 31), D(2028, 1, 1), 12, NONE, F(1)),
        # billing day 28: 10–27 Feb = 18/31 (28 Jan–27 Feb), 28 Feb–3 Mar = 4/28:
        # 18/31 + 1/7 = (126 + 31)/217
        (D(2026, 2, 10), D(2026, 3, 3), D(2026, 1, 28), 1, DAILY, F(157, 217)),
        # … by 30-day months: 10th–27th = 18, 28 Feb ("28–30") + 1–3 Mar = 6: 24/30
        (D(2026, 2, 10), D(2026, 3, 3), D(2026, 1, 28), 1, THIRTY, F(4, 5)),
        # two partial periods: 10/30 + 10/31 = 610/930 by days, 10/30 + 10/30 by 30-day months
        (D(2026, 4, 21), D(2026, 5, 10), D(2026, 4, 1), 1, DAILY, F(61, 93)),
        (D(2026, 4, 21), D(2026, 5, 10), D(2026, 4, 1), 1, THIRTY, F(2, 3)),
        (D(2026, 4, 21), D(2026, 5, 10), D(2026, 4, 1), 1, NONE, F(2)),
        # the last day of February by 30-day months counts 3 (28, 29, 30): 3/30 + March
        (D(2026, 2, 28), D(2026, 3, 31), D(2026, 1, 1), 1, THIRTY, F(11, 10)),
        # two full months
        (D(2026, 5, 1), D(2026, 6, 30), D(2026, 4, 1), 1, DAILY, F(2)),
        # nothing to bill
        (D(2026, 5, 2), D(2026, 5, 1), D(2026, 4, 1), 1, DAILY, F(0)),
    ],
)
def test_the_share_of_periods_a_range_of_days_is_worth(
    first: date, last: date, anchor: date, months: int, proration: Proration, share: Fraction
) -> None:
    assert share_of(first, last, anchor=anchor, months=months, proration=proration) == share


# -- a line's amount -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "rate", "share", "currency", "sign", "expected"),
    [
        # SPEC §8: 60 × 4/3 = 80.00; tax 20 % = 16.00; gross 96.00
        ("1", "60.00", "20", F(4, 3), "EUR", 1, ("80.00", "16.00", "96.00", "80.000000")),
        # 10 × 1/3 = 3.333… → 3.33; the price shown for the days: 3.333333
        ("1", "10.00", "0", F(1, 3), "EUR", 1, ("3.33", "0.00", "3.33", "3.333333")),
        # 10 × 2/3 = 6.666… → 6.67 (and not 3.33 + 3.33: rounded once per line)
        ("1", "10.00", "0", F(2, 3), "EUR", 1, ("6.67", "0.00", "6.67", "6.666667")),
        # a credit line: −3.333… → −3.33
        ("1", "10.00", "0", F(1, 3), "EUR", -1, ("-3.33", "0.00", "-3.33", "-3.333333")),
        # 0.01 × 1/2 = 0.005 → 0.01 half-up, and −0.005 → −0.01 (away from zero)
        ("1", "0.01", "0", F(1, 2), "EUR", 1, ("0.01", "0.00", "0.01", "0.005000")),
        ("1", "0.01", "0", F(1, 2), "EUR", -1, ("-0.01", "0.00", "-0.01", "-0.005000")),
        # 3 × 0.005 × 1/3 = 0.005 → 0.01 (rounding the prorated price 0.001667 first gives 0)
        ("3", "0.005", "0", F(1, 3), "EUR", 1, ("0.01", "0.00", "0.01", "0.001667")),
        # 1.00 × 1/200 = 0.005 → 0.01; 0.99 × 1/198 = 0.005 → 0.01
        ("1", "1.00", "0", F(1, 200), "EUR", 1, ("0.01", "0.00", "0.01", "0.005000")),
        ("1", "0.99", "0", F(1, 198), "EUR", 1, ("0.01", "0.00", "0.01", "0.005000")),
        # 60 × 11/31 = 21.2903… → 21.29
        ("1", "60.00", "0", F(11, 31), "EUR", 1, ("21.29", "0.00", "21.29", "21.290323")),
        # 60 × 21/31 = 40.6451… → 40.65; tax 20 % of 40.65 = 8.13; gross 48.78
        ("1", "60.00", "20", F(21, 31), "EUR", 1, ("40.65", "8.13", "48.78", "40.645161")),
        # 2 × 15.50 × 1/2 = 15.50; tax 5.5 % = 0.8525 → 0.85 (per line, half-up)
        ("2", "15.50", "5.5", F(1, 2), "EUR", 1, ("15.50", "0.85", "16.35", "7.750000")),
        # 0.30 × 1/3 = 0.10; tax 5 % = 0.005 → 0.01
        ("1", "0.30", "5", F(1, 3), "EUR", 1, ("0.10", "0.01", "0.11", "0.100000")),
        # JPY has no minor unit: 1000 × 1/3 = 333.3 → 333; tax 10 % = 33.3 → 33
        ("1", "1000", "10", F(1, 3), "JPY", 1, ("333", "33", "366", "333.333333")),
        ("1", "1000", "0", F(2, 3), "JPY", 1, ("667", "0", "667", "666.666667")),  # 666.7
        ("1", "5", "0", F(1, 10), "JPY", 1, ("1", "0", "1", "0.500000")),  # 0.5 → 1
        ("1", "5", "0", F(1, 11), "JPY", 1, ("0", "0", "0", "0.454545")),  # 0.45 → 0
        # KWD has three decimals: 10 × 2/3 = 6.6666… → 6.667
        ("1", "10.000", "0", F(2, 3), "KWD", 1, ("6.667", "0.000", "6.667", "6.666667")),
        # nothing covered costs nothing
        ("1", "100.00", "20", F(0), "EUR", 1, ("0.00", "0.00", "0.00", "0.000000")),
    ],
)
def test_a_line_is_rounded_once_half_up(
    quantity: str,
    price: str,
    rate: str,
    share: Fraction,
    currency: str,
    sign: int,
    expected: tuple[str, str, str, str],
) -> None:
    item = priced_item(
        "Fibre",
        LinePrice(Decimal(quantity), Decimal(price), Decimal(rate)),
        share,
        first=D(2026, 4, 21),
        last=D(2026, 5, 31),
        currency=currency,
        service_id=7,
        sign=sign,
    )
    assert (str(item.net.amount), str(item.tax.amount), str(item.gross.amount)) == expected[:3]
    assert str(item.unit_price) == expected[3]
    assert item.net.currency == item.gross.currency == currency
    assert (item.period_start, item.period_end, item.service_id) == (
        D(2026, 4, 21),
        D(2026, 5, 31),
        7,
    )
    assert item.quantity == Decimal(quantity)
    assert item.tax_rate == Decimal(rate)


def test_two_thirds_of_a_month_over_two_periods_are_rounded_once() -> None:
    # thirty_day, 21 April–10 May: 10/30 + 10/30 = 2/3; 10.00 × 2/3 = 6.67 (3.33 + 3.33 = 6.66)
    share = share_of(
        D(2026, 4, 21), D(2026, 5, 10), anchor=D(2026, 4, 1), months=1, proration=THIRTY
    )
    price = LinePrice(Decimal(1), Decimal("10.00"), Decimal(0))
    item = priced_item(
        "Fibre",
        price,
        share,
        first=D(2026, 4, 21),
        last=D(2026, 5, 10),
        currency="EUR",
        service_id=1,
    )
    assert str(item.net.amount) == "6.67"


# -- days given back -------------------------------------------------------------------------


def _charge(first: date, last: date, price: str) -> Charge:
    return Charge(1, 1, 10, first, last, LinePrice(Decimal(1), Decimal(price), Decimal(0)))


def test_days_given_back_are_split_by_the_charge_that_billed_them() -> None:
    may = _charge(D(2026, 5, 1), D(2026, 5, 31), "60.00")
    june = _charge(D(2026, 6, 1), D(2026, 6, 30), "90.00")
    assert given_back([june, may], D(2026, 5, 21), D(2026, 6, 30)) == [
        (may, D(2026, 5, 21), D(2026, 5, 31)),
        (june, D(2026, 6, 1), D(2026, 6, 30)),
    ]
    assert given_back([may, june], D(2026, 6, 11), D(2026, 6, 30)) == [
        (june, D(2026, 6, 11), D(2026, 6, 30))
    ]
    assert given_back([may], D(2026, 6, 1), D(2026, 6, 30)) == []


# -- the service lines of a recurring invoice ------------------------------------------------


def _service(
    start: date,
    price: str = "60.00",
    *,
    ident: int = 1,
    rate: str = "20",
    end: date | None = None,
    billed_through: date | None = None,
) -> Service:
    return Service(
        id=ident,
        customer_id=1,
        description="Fibre",
        unit_price=Decimal(price),
        quantity=Decimal(1),
        tax_rate=Decimal(rate),
        start_date=start,
        end_date=end,
        billed_through=billed_through,
    )


def _lines(
    services: list[Service], day: date, *, activation_only: bool = False, **billing: object
) -> list[tuple[date, date, str]]:
    settings = BillingSettings(**billing)  # type: ignore[arg-type]
    found = service_lines(services, settings, day, "EUR", activation_only=activation_only)
    return [(x.first, x.last, str(x.item.net.amount)) for x in found]


def test_a_service_started_mid_period_is_billed_with_the_next_period_in_one_line() -> None:
    # SPEC §8: 60.00 monthly, billing day 1, started 21 April: 60 × 10/30 + 60 = 80.00
    started = _service(D(2026, 4, 21))
    assert _lines([started], D(2026, 5, 1)) == [(D(2026, 4, 21), D(2026, 5, 31), "80.00")]


def test_arrears_bill_up_to_the_day_before() -> None:
    # 21–30 April: 60 × 10/30 = 20.00
    started = _service(D(2026, 4, 21))
    assert _lines([started], D(2026, 5, 1), timing=Timing.ARREARS) == [
        (D(2026, 4, 21), D(2026, 4, 30), "20.00")
    ]


def test_the_end_date_caps_the_line() -> None:
    # 21 April–15 May: 60 × (10/30 + 15/31) = 20 + 29.0322… = 49.03
    ending = _service(D(2026, 4, 21), end=D(2026, 5, 15))
    assert _lines([ending], D(2026, 5, 1)) == [(D(2026, 4, 21), D(2026, 5, 15), "49.03")]
    # an end already billed through leaves nothing
    done = _service(D(2026, 4, 21), end=D(2026, 5, 15), billed_through=D(2026, 5, 15))
    assert _lines([done], D(2026, 6, 1)) == []


def test_a_billed_service_continues_from_the_day_after_billed_through() -> None:
    # June alone: 60.00; a second service started 10 June adds 60 × 21/30 = 42.00
    billed = _service(D(2026, 4, 21), billed_through=D(2026, 5, 31))
    second = _service(D(2026, 6, 10), ident=2)
    assert _lines([billed, second], D(2026, 6, 1)) == [
        (D(2026, 6, 1), D(2026, 6, 30), "60.00"),
        (D(2026, 6, 10), D(2026, 6, 30), "42.00"),
    ]


def test_activation_bills_only_services_never_billed_that_have_started() -> None:
    billed = _service(D(2026, 4, 1), billed_through=D(2026, 5, 31))
    started = _service(D(2026, 5, 11), ident=2)
    later = _service(D(2026, 5, 20), ident=3)
    # 11–31 May: 60 × 21/31 = 40.645… → 40.65
    assert _lines([billed, started, later], D(2026, 5, 11), activation_only=True) == [
        (D(2026, 5, 11), D(2026, 5, 31), "40.65")
    ]


def test_a_quarter_is_billed_on_its_first_day_only() -> None:
    settings = BillingSettings(billing_day=15, period_months=3)
    services = [_service(D(2026, 2, 1), "90.00")]  # anchor 15 January
    assert [is_billing_day(D(2026, m, 15), settings, services) for m in range(1, 13)] == [
        m in (1, 4, 7, 10) for m in range(1, 13)
    ]
    assert not is_billing_day(D(2026, 4, 16), settings, services)
    assert billed_up_to(D(2026, 4, 15), settings, services) == D(2026, 7, 14)
    # 1 Feb–14 Apr at 1.00 a day (90 days for 90.00) = 73.00, then a quarter 90.00
    assert _lines(services, D(2026, 4, 15), billing_day=15, period_months=3, proration=DAILY) == [
        (D(2026, 2, 1), D(2026, 7, 14), "163.00")
    ]


def test_arrears_bill_through_the_day_before_the_billing_day() -> None:
    settings = BillingSettings(billing_day=10, timing=Timing.ARREARS)
    assert billed_up_to(D(2026, 3, 10), settings, []) == D(2026, 3, 9)
