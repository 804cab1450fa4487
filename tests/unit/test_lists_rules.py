"""The rules of the lists of SPEC §12: a customer's last billing day, when unbilled lines are
stale, how a debit is aged, and reading the filters as every surface types them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solde.domain.errors import InvalidInput
from solde.ledger.customers import CustomerStatus
from solde.ledger.lists import (
    BalanceListQuery,
    BalanceSort,
    Bucket,
    ReceivableSort,
    ReceivablesQuery,
    Scope,
    bucket_of,
    first_due_of,
    is_stale,
    last_billing_day,
)
from solde.ledger.model import PaymentMethod

TODAY = date(2026, 3, 10)


def walked_back(as_of: date, billing_day: int, months: int, anchor: date) -> date:
    """The first day on or before `as_of` that is the billing day of a month a whole number
    of periods away from the anchor's month."""
    day = as_of
    while not (
        day.day == billing_day
        and ((day.year - anchor.year) * 12 + day.month - anchor.month) % months == 0
    ):
        day -= timedelta(days=1)
    return day


@given(
    as_of=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    billing_day=st.integers(1, 28),
    months=st.sampled_from([1, 3, 6, 12]),
    anchor_month=st.integers(1990 * 12, 2100 * 12),
)
def test_last_billing_day_is_the_latest_period_start(
    as_of: date, billing_day: int, months: int, anchor_month: int
) -> None:
    anchor = date(anchor_month // 12, anchor_month % 12 + 1, billing_day)
    found = last_billing_day(as_of, period_months=months, anchor=anchor)
    assert found == walked_back(as_of, billing_day, months, anchor)


def test_last_billing_day_examples() -> None:
    monthly = date(2000, 1, 10)
    assert last_billing_day(date(2026, 3, 10), period_months=1, anchor=monthly) == date(2026, 3, 10)
    assert last_billing_day(date(2026, 3, 9), period_months=1, anchor=monthly) == date(2026, 2, 10)
    quarterly = date(2025, 2, 15)  # periods start 15 Feb, May, Aug, Nov
    assert last_billing_day(date(2026, 3, 10), period_months=3, anchor=quarterly) == date(
        2026, 2, 15
    )
    assert last_billing_day(date(2025, 1, 1), period_months=3, anchor=quarterly) == date(
        2024, 11, 15
    )


def test_stale_means_a_line_dated_before_the_last_billing_day() -> None:
    billing = date(2026, 3, 5)
    assert is_stale(date(2026, 3, 4), billing)
    assert not is_stale(date(2026, 3, 5), billing)  # the run of that day may still come
    assert not is_stale(date(2026, 3, 9), billing)
    assert not is_stale(None, billing)


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (TODAY + timedelta(days=5), Bucket.NOT_DUE),
        (TODAY, Bucket.NOT_DUE),
        (TODAY - timedelta(days=1), Bucket.D1_30),
        (TODAY - timedelta(days=30), Bucket.D1_30),
        (TODAY - timedelta(days=31), Bucket.D31_60),
        (TODAY - timedelta(days=60), Bucket.D31_60),
        (TODAY - timedelta(days=61), Bucket.D61_90),
        (TODAY - timedelta(days=90), Bucket.D61_90),
        (TODAY - timedelta(days=91), Bucket.OVER_90),
        (date(1990, 1, 1), Bucket.OVER_90),
    ],
)
def test_a_debit_is_aged_by_days_past_due(due: date, bucket: Bucket) -> None:
    assert bucket_of(due, TODAY) is bucket
    first = first_due_of(bucket, TODAY)
    assert first is None or due >= first


def test_first_due_dates_of_the_buckets() -> None:
    assert first_due_of(Bucket.NOT_DUE, TODAY) == TODAY
    assert first_due_of(Bucket.D1_30, TODAY) == date(2026, 2, 8)
    assert first_due_of(Bucket.D61_90, TODAY) == date(2025, 12, 10)
    assert first_due_of(Bucket.OVER_90, TODAY) is None


# -- reading the filters ----------------------------------------------------------------------


def test_no_filter_gives_the_defaults() -> None:
    query = BalanceListQuery.from_filters({}, today=TODAY)
    assert query == BalanceListQuery(as_of=TODAY)
    assert (query.sort, query.descending, query.limit) == (BalanceSort.NAME, False, 50)
    receivables = ReceivablesQuery.from_filters({"format": "csv"}, today=TODAY)
    assert (receivables.scope, receivables.sort) == (Scope.OWING, ReceivableSort.NAME)


def test_typed_text_is_read_like_typed_values() -> None:
    typed = {"as_of": "2025-01-31", "currency": " usd ", "payment_method": "card",
             "status": "blocked", "segment": " pro ", "q": "Ada", "min_lines": "2",
             "stale_only": "on", "sort": "unbilled_gross", "desc": "true", "limit": "10",
             "starting_after": "42"}  # fmt: skip
    values = {"as_of": date(2025, 1, 31), "currency": "USD", "payment_method": PaymentMethod.CARD,
              "status": CustomerStatus.BLOCKED, "segment": "pro", "q": "Ada", "min_lines": 2,
              "stale_only": True, "sort": BalanceSort.UNBILLED_GROSS, "desc": True,
              "limit": 10, "starting_after": 42}  # fmt: skip
    read = BalanceListQuery.from_filters(typed, today=TODAY)
    assert read == BalanceListQuery.from_filters(values, today=TODAY)
    assert (read.currency, read.segment, read.text, read.min_lines) == ("USD", "pro", "Ada", 2)


def test_empty_text_means_not_given() -> None:
    blank = {"as_of": "", "currency": " ", "sort": "", "min_overdue": "", "limit": ""}
    assert ReceivablesQuery.from_filters(blank, today=TODAY) == ReceivablesQuery(as_of=TODAY)


def test_every_fault_is_reported_with_its_field() -> None:
    bad = {"as_of": "31/01/2025", "currency": "EURO", "payment_method": "gold", "status": "x",
           "min_lines": "1.5", "stale_only": "maybe", "sort": "stale ", "desc": "2",
           "limit": "0", "starting_after": "-3", "q": "a\x00b"}  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        BalanceListQuery.from_filters(bad, today=TODAY)
    fields = sorted(e.field for e in err.value.errors)
    assert fields == sorted(set(bad) - {"sort"})  # "stale " is "stale" once trimmed


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"scope": "nobody"}, "scope"),
        ({"min_overdue": "not_due"}, "min_overdue"),
        ({"min_overdue": "d1-30"}, "min_overdue"),
        ({"sort": "stale"}, "sort"),
        ({"limit": "501"}, "limit"),
        ({"as_of": "3000-01-01"}, "as_of"),
        ({"starting_after": "9" * 20}, "starting_after"),
    ],
)
def test_receivables_faults(values: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        ReceivablesQuery.from_filters(values, today=TODAY)
    assert [e.field for e in err.value.errors] == [field]


def test_not_due_is_no_overdue_bucket() -> None:
    with pytest.raises(InvalidInput):
        ReceivablesQuery(as_of=TODAY, min_overdue=Bucket.NOT_DUE)
