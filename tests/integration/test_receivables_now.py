"""Receivables on a day of the aggregate rows (on or after every customer's latest change),
when neither the order nor a filter is an aged amount: the rows are chosen from the customers
and their aggregate rows first and only those customers' open debits are aged, a page at a
time, and the totals age the filtered customers' open debits in one pass. The export, which
reads every customer, must hold the same rows as the pages.

Every row and total is checked, figure by figure, against what `test_lists` computes itself
from the raw tables (never with solde's code), for every such order both ways, with filters,
on pages of a few rows and on an export stream cut into batches smaller than the list.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from test_lists import (
    FIGURES,
    TODAY,
    Raw,
    _sorted,
    by_pages,
    expected_receivables,
    ledger_book,
    receivables_query,
    streamed,
)

from solde.bootstrap import Container
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.storage.repositories import lists as read_model

__all__ = ["ledger_book"]

#: Days the aggregate rows hold: the book's last day, and a later one (debits grow older).
NOW_DAYS = [TODAY, date(2026, 9, 30)]
#: The orders that need no aged amount.
SORTS = ["name", "balance", "debit", "credit", "awaiting_confirmation"]
FILTERS: list[dict[str, str]] = [
    {"scope": "all"},
    {},
    {"scope": "nonzero", "currency": "EUR"},
    {"scope": "all", "segment": "retail", "q": "a"},
    {"scope": "all", "payment_method": "card"},
]


def _keep(row: dict[str, Any], filters: dict[str, str]) -> bool:
    scope = filters.get("scope", "owing")
    if scope == "owing" and not row["balance"] > 0:
        return False
    if scope == "nonzero" and row["balance"] == 0:
        return False
    if "currency" in filters and row["currency"] != filters["currency"]:
        return False
    if "segment" in filters and row["segment"] != filters["segment"]:
        return False
    if "payment_method" in filters and row["payment_method"] != filters["payment_method"]:
        return False
    if "q" in filters:
        text = filters["q"].lower()
        fields = (row["name"], row["external_ref"] or "", row.get("email") or "")
        if not any(text in field.lower() for field in fields):
            return False
    return True


def test_pages_and_batched_exports_hold_every_figure_in_every_order(
    ledger_book: tuple[Container, list[int], Raw], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of three rows, and an export read in batches of four customers, hold the rows
    and figures the raw ledger gives, in the order asked, for each filter and order."""
    monkeypatch.setattr(read_model, "STREAM_BATCH", 4)
    container, _ids, raw = ledger_book
    emails = {c.id: c.email for c in raw.customers}
    for as_of in NOW_DAYS:
        expected = expected_receivables(raw, as_of)
        for filters in FILTERS:
            kept = {i: r for i, r in expected.items() if _keep({**r, "email": emails[i]}, filters)}
            assert kept or filters.get("currency"), filters
            for sort in SORTS:
                for desc in (False, True):
                    query = receivables_query(
                        as_of=as_of, sort=sort, desc=desc, limit="3", **filters
                    )
                    order = _sorted(list(kept.values()), sort, desc)
                    wanted = [kept[i] for i in order]
                    case = (as_of, filters, sort, desc)
                    assert by_pages(container, query) == wanted, case
                    assert streamed(container, query) == wanted, case


def test_totals_per_currency_hold_the_filtered_customers(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    container, _ids, raw = ledger_book
    emails = {c.id: c.email for c in raw.customers}
    for as_of in NOW_DAYS:
        expected = expected_receivables(raw, as_of)
        for filters in FILTERS:
            wanted: dict[str, dict[str, Any]] = {}
            for row in expected.values():
                if not _keep({**row, "email": emails[row["id"]]}, filters):
                    continue
                sums = wanted.setdefault(
                    row["currency"], {"customers": 0, **dict.fromkeys(FIGURES, Decimal(0))}
                )
                sums["customers"] += 1
                for name in FIGURES:
                    sums[name] += row[name]
            with container.uow(actor="test", write=False) as uow:
                totals = uow.lists.receivables_totals(receivables_query(as_of=as_of, **filters))
            got = {}
            for total in totals:
                got[total.currency] = {
                    name: getattr(total, name) for name in ("customers", *FIGURES)
                }
                for name in FIGURES:
                    got[total.currency][name] = got[total.currency][name].amount
            assert got == wanted, (as_of, filters)
            assert [t.currency for t in totals] == sorted(wanted)


@pytest.mark.parametrize(
    ("late", "kept_from"),
    [(1, "d1_30"), (30, "d1_30"), (31, "d31_60"), (60, "d31_60"), (61, "d61_90"), (91, "over_90")],
)
def test_min_overdue_keeps_a_debit_from_its_first_day_in_a_bucket(
    container: Container, late: int, kept_from: str
) -> None:
    """A debit `late` days past due, read on a day of the aggregate rows: `min_overdue` keeps
    its customer for its own bucket and every younger one, not for an older one; the totals
    count it under the same filters."""
    due = date(2026, 1, 15)
    as_of = due + timedelta(days=late)
    with container.uow(actor="test") as uow:
        customer = ledger.create_customer(uow, {"name": "Late", "currency": "EUR"})
        charge = {"kind": "debit", "type": "charge", "label": "charge", "unit_price": "12.00",
                  "date": due.isoformat(), "bill_on_next_invoice": False}  # fmt: skip
        settlement.add_entry(uow, customer.id, charge, on=due)
        uow.commit()
    order = ["d1_30", "d31_60", "d61_90", "over_90"]
    for bucket in order:
        query = receivables_query(as_of=as_of.isoformat(), min_overdue=bucket)
        with container.uow(actor="test", write=False) as uow:
            rows = uow.lists.receivables_page(query).items
            totals = uow.lists.receivables_totals(query)
        kept = order.index(bucket) <= order.index(kept_from)
        assert [r.id for r in rows] == ([customer.id] if kept else []), bucket
        assert [(t.currency, t.customers) for t in totals] == ([("EUR", 1)] if kept else [])
        if kept:
            assert getattr(totals[0], kept_from).amount == Decimal("12.00")
