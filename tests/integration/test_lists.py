"""Balance by customer and receivables (SPEC §12) against a ledger of many customers built
through the use cases, on both databases.

Every figure of both lists is checked against values this test computes itself from the raw
`customers`, `services`, `transactions`, `allocations` and `documents` tables, with its own
plain Python (never with solde's code): the balance and unbilled lines of each customer, its
staleness (last billing day found by walking back day by day), and, as of several days past,
present and future, every open amount (amount less the allocations dated up to the day), the
due date of each debit and its age.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from solde.billing import editing, subscriptions
from solde.billing import usecases as billing
from solde.bootstrap import Container, is_timezone
from solde.domain.errors import InvalidInput, SoldeError
from solde.ledger import usecases as ledger
from solde.ledger.lists import BalanceListQuery, ReceivablesQuery
from solde.settlement import usecases as settlement
from solde.storage.tables import (
    allocations,
    customer_balances,
    customers,
    documents,
    services,
    transactions,
)

START = date(2025, 9, 1)
TODAY = date(2026, 3, 10)
EXPONENT = {"EUR": 2, "USD": 2, "JPY": 0}
NAMES = ["alpha", "Alpha", "bravo", "charlie", "Delta", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliett", "kilo", "lima", "mike", "november"]  # fmt: skip
#: Days the receivables are checked on: before anything, in the middle of the story, the
#: last day of the story, and later (debits grow older with no new activity).
AS_OF = [date(2025, 8, 1), date(2025, 11, 17), date(2026, 1, 31), TODAY, date(2026, 9, 30)]


# -- the book ----------------------------------------------------------------------------------


class ListsBook:
    """Customers of three currencies, several billing days and periods, with unbilled lines
    (some billed, some waiting, some dated ahead), invoices with due dates, charges, payments
    partial and pending (confirmed, failed, still pending), credit notes, voids, refunds and
    hand allocations, one committed unit of work per action in date order."""

    def __init__(self, container: Container, seed: int = 8) -> None:
        self.container = container
        self.rng = random.Random(seed)
        self.invoices: dict[int, list[int]] = {}
        self.pending: list[tuple[int, int]] = []

    def __call__(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.container.uow(actor="test") as uow:
            result = action(uow, *args, **kwargs)
            uow.commit()
        return result

    def attempt(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """An action a finance user might try; one the rules refuse changes nothing."""
        try:
            return self(action, *args, **kwargs)
        except SoldeError:
            return None

    def price(self, currency: str, low: int = 5, high: int = 400) -> str:
        whole = self.rng.randint(low, high)
        if currency == "JPY":
            return str(whole * 100)
        return f"{whole}.{self.rng.randint(0, 99):02d}"

    def build(self, count: int = 16) -> list[int]:
        self(
            ledger.update_settings,
            {"billing": {"billing_day": 12, "period_months": 1}},
            is_timezone=is_timezone,
            on=START,
        )
        ids = [self.customer(i) for i in range(count)]
        day = START
        while day <= TODAY:
            for cid in self.rng.sample(ids, k=5):
                self.act(cid, day)
            day += timedelta(days=self.rng.randint(3, 8))
        return ids + self.offsetting(count)

    def offsetting(self, count: int) -> list[int]:
        """Two customers settled by hand whose open debit a payment not yet allocated
        offsets: one in credit, one at zero. The default scope leaves both out and `nonzero`
        the second, though each has an open debit aged in a bucket."""
        made = []
        for index, paid in ((count, "150.00"), (count + 1, "80.00")):
            values = {"name": f"Offset {index}", "currency": "EUR",
                      "external_ref": f"REF-{index:03d}",
                      "billing": {"auto_settlement": False}}  # fmt: skip
            cid = int(self(ledger.create_customer, values).id)
            charge = {"kind": "debit", "type": "charge", "label": "charge", "unit_price": "80.00",
                      "date": (TODAY - timedelta(days=45)).isoformat(),
                      "bill_on_next_invoice": False}  # fmt: skip
            self(settlement.add_entry, cid, charge, on=TODAY)
            payment = {"amount": paid, "date": TODAY.isoformat()}
            self(settlement.record_payment, cid, payment, on=TODAY)
            self.invoices[cid] = []
            made.append(cid)
        return made

    def customer(self, index: int) -> int:
        rng = self.rng
        billing: dict[str, Any] = {
            "payment_due_days": rng.choice([0, 7, 14, 30]),
            "auto_settlement": rng.random() > 0.2,
        }
        if index % 5:  # every fifth customer follows the defaults of settings
            billing["billing_day"] = rng.randint(1, 28)
            billing["period_months"] = rng.choice([1, 1, 3, 6, 12])
        values = {
            "name": NAMES[index % len(NAMES)],
            "currency": ["EUR", "EUR", "USD", "JPY"][index % 4],
            "segment": ["retail", "pro", None][index % 3],
            "payment_method": ["card", "sepa_debit", "bank_transfer"][index % 3],
            "external_ref": f"REF-{index:03d}",
            "billing": billing,
        }
        cid = int(self(ledger.create_customer, values).id)
        self.invoices[cid] = []
        if index % 3 == 1:  # the first service's start fixes the period anchor
            start = START + timedelta(days=rng.randint(0, 120))
            service = {"description": "Fibre", "unit_price": "30", "start_date": start.isoformat()}
            self(subscriptions.add_service, cid, service, on=START)
        return cid

    def currency(self, cid: int) -> str:
        with self.container.uow(actor="test", write=False) as uow:
            return uow.customers.get(cid).currency

    def act(self, cid: int, day: date) -> None:
        rng = self.rng
        currency = self.currency(cid)
        roll = rng.random()
        if roll < 0.30:
            self.line(cid, currency, day)
        elif roll < 0.45:
            self.invoice(cid, currency, day)
        elif roll < 0.53:
            self.posted(cid, currency, day)
        elif roll < 0.70:
            self.pay(cid, currency, day)
        elif roll < 0.78:
            self.pending_payment(cid, currency, day)
        elif roll < 0.81:
            self.credit_note(cid, currency, day)
        elif roll < 0.83:
            self.void(cid, day)
        elif roll < 0.90:
            self.edit(cid, currency, day)
        elif roll < 0.93:
            self.refund(cid, currency, day)
        else:
            self.attempt(settlement.settle, cid, on=day)
        self.answer_pending(day)

    def line(self, cid: int, currency: str, day: date) -> None:
        credit = self.rng.random() < 0.2
        values = {
            "kind": "credit" if credit else "debit",
            "type": "gift" if credit else "charge",
            "label": "line",
            "unit_price": self.price(currency, 1, 40 if credit else 300),
            "tax_rate": self.rng.choice(["0", "20", "5.5"]),
            "date": (day + timedelta(days=self.rng.choice([0, 0, 3, 25]))).isoformat(),
            "bill_on_next_invoice": True,
        }
        self(settlement.add_entry, cid, values, on=day)

    def invoice(self, cid: int, currency: str, day: date) -> None:
        values: dict[str, Any] = {
            "date": day.isoformat(),
            "items": [
                {"description": "Work", "unit_price": self.price(currency), "tax_rate": "20"}
            ],
            "include_unbilled": self.rng.random() < 0.7,
        }
        if self.rng.random() < 0.4:
            values["due_date"] = (day + timedelta(days=self.rng.randint(0, 75))).isoformat()
        doc = self.attempt(billing.create_invoice, cid, values, on=day)
        if doc is not None:
            self.invoices[cid].append(doc.id)

    def posted(self, cid: int, currency: str, day: date) -> None:
        kind, tx_type = self.rng.choice(
            [
                ("debit", "charge"),
                ("debit", "collection_cost"),
                ("debit", "adjustment"),
                ("credit", "adjustment"),
                ("credit", "gift"),
            ]
        )
        values = {
            "kind": kind,
            "type": tx_type,
            "label": tx_type,
            "unit_price": self.price(currency, 1, 120),
            "date": day.isoformat(),
            "bill_on_next_invoice": False,
        }
        self(settlement.add_entry, cid, values, on=day)

    def pay(self, cid: int, currency: str, day: date) -> None:
        values: dict[str, Any] = {"amount": self.price(currency, 5, 300), "date": day.isoformat()}
        if self.invoices[cid] and self.rng.random() < 0.3:
            values["invoice_id"] = self.rng.choice(self.invoices[cid])
        self.attempt(settlement.record_payment, cid, values, on=day)

    def pending_payment(self, cid: int, currency: str, day: date) -> None:
        values = {"amount": self.price(currency, 5, 200), "date": day.isoformat(),
                  "status": "pending", "method": "sepa_debit"}  # fmt: skip
        tx = self.attempt(settlement.record_payment, cid, values, on=day)
        if tx is not None:
            self.pending.append((tx.id, cid))

    def answer_pending(self, day: date) -> None:
        """Some pending payments are answered: confirmed, or failed with a fee."""
        for tx_id, _cid in list(self.pending):
            roll = self.rng.random()
            if roll < 0.15:
                self.attempt(settlement.confirm_payment, tx_id, {}, on=day)
            elif roll < 0.25:
                self.attempt(settlement.fail_payment, tx_id, {"fee": "2"}, on=day)
            else:
                continue
            self.pending.remove((tx_id, _cid))

    def credit_note(self, cid: int, currency: str, day: date) -> None:
        if self.invoices[cid]:
            doc = self.rng.choice(self.invoices[cid])
            values = {"reason": "goodwill", "amount": self.price(currency, 1, 30)}
            self.attempt(billing.issue_credit_note, doc, values, on=day)

    def edit(self, cid: int, currency: str, day: date) -> None:
        """Move an invoice's due date, or change its items (which posts it again): the
        receivables must age it by its due date after either."""
        if not self.invoices[cid]:
            return
        doc = self.rng.choice(self.invoices[cid])
        changes: dict[str, Any] = {
            "due_date": (day + timedelta(days=self.rng.randint(-10, 60))).isoformat()
        }
        if self.rng.random() < 0.4:
            item = {"description": "Work, revised", "unit_price": self.price(currency),
                    "tax_rate": "20"}  # fmt: skip
            changes = {"items": [item]} if self.rng.random() < 0.5 else {**changes, "items": [item]}
        self.attempt(editing.update_invoice, doc, changes, on=day)

    def void(self, cid: int, day: date) -> None:
        if self.invoices[cid]:
            self.attempt(billing.void_invoice, self.invoices[cid][-1], {}, on=day)

    def refund(self, cid: int, currency: str, day: date) -> None:
        values = {"amount": "-" + self.price(currency, 1, 20), "date": day.isoformat()}
        self.attempt(settlement.record_payment, cid, values, on=day)


# -- what the lists must say, from the raw tables ------------------------------------------


@dataclass
class Raw:
    customers: list[Any]
    transactions: list[Any]
    allocations: list[Any]
    documents: dict[tuple[int, int], Any]
    starts: dict[int, date]


def read_raw(container: Container) -> Raw:
    with container.engine.connect() as c:
        starts: dict[int, date] = {}
        for row in c.execute(select(services.c.customer_id, services.c.start_date)):
            starts[row.customer_id] = min(
                row.start_date, starts.get(row.customer_id, row.start_date)
            )
        return Raw(
            customers=list(c.execute(select(customers))),
            transactions=list(c.execute(select(transactions))),
            allocations=list(c.execute(select(allocations))),
            documents={(r.customer_id, r.id): r for r in c.execute(select(documents))},
            starts=starts,
        )


def major(minor: int, currency: str) -> Decimal:
    return (
        Decimal(minor).scaleb(-EXPONENT[currency]).quantize(Decimal(1).scaleb(-EXPONENT[currency]))
    )


def last_billing_day(as_of: date, billing_day: int, months: int, first_start: date | None) -> date:
    """Walk back from `as_of` to the first day that starts a period: the billing day of a
    month a whole number of periods from the anchor month."""
    if first_start is None:
        anchor = date(2000, 1, billing_day)
    else:
        anchor = first_start.replace(day=billing_day)
        if anchor > first_start:
            month = first_start.month - 1 or 12
            anchor = date(first_start.year - (first_start.month == 1), month, billing_day)
    day = as_of
    while True:
        apart = (day.year - anchor.year) * 12 + day.month - anchor.month
        if day.day == billing_day and apart % months == 0:
            return day
        day -= timedelta(days=1)


def expected_balances(raw: Raw, as_of: date) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for cust in raw.customers:
        cur = cust.currency
        mine = [t for t in raw.transactions if t.customer_id == cust.id]
        lines = [t for t in mine if t.state == "unbilled"]
        posted = [t for t in mine if t.state in ("open", "closed")]
        sign = {"debit": 1, "credit": -1}
        dates = [t.date for t in lines]
        billing_day = cust.billing_day or 12
        months = cust.period_months or 1
        last = last_billing_day(as_of, billing_day, months, raw.starts.get(cust.id))
        rows[cust.id] = {
            "id": cust.id,
            "external_ref": cust.external_ref,
            "name": cust.name,
            "currency": cur,
            "segment": cust.segment,
            "payment_method": cust.payment_method,
            "status": cust.status,
            "unbilled_count": len(lines),
            "unbilled_net": major(sum(sign[t.kind] * t.net for t in lines), cur),
            "unbilled_gross": major(sum(sign[t.kind] * t.amount for t in lines), cur),
            "first_line_date": min(dates, default=None),
            "last_line_date": max(dates, default=None),
            "balance": major(sum(sign[t.kind] * t.amount for t in posted), cur),
            "stale": any(d < last for d in dates),
        }
    return rows


def bucket(due: date, as_of: date) -> str:
    late = (as_of - due).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "d1_30"
    if late <= 60:
        return "d31_60"
    if late <= 90:
        return "d61_90"
    return "over_90"


BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")
FIGURES = ("balance", "debit", "credit", "awaiting_confirmation", *BUCKETS)


def expected_receivables(raw: Raw, as_of: date) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for cust in raw.customers:
        cur = cust.currency
        figures = dict.fromkeys(FIGURES, 0)
        for t in raw.transactions:
            if t.customer_id != cust.id:
                continue
            signed = t.amount if t.kind == "debit" else -t.amount
            if (
                t.origin == "pending"
                and t.entered_on <= as_of
                and (t.resolved_on is None or t.resolved_on > as_of)
            ):
                figures["awaiting_confirmation"] += signed
            if t.state not in ("open", "closed") or t.date > as_of:
                continue
            figures["balance"] += signed
            side = "debit_id" if t.kind == "debit" else "credit_id"
            settled = sum(
                a.amount
                for a in raw.allocations
                if a.customer_id == cust.id and getattr(a, side) == t.id and a.date <= as_of
            )
            open_amount = t.amount - settled
            assert 0 <= open_amount <= t.amount
            if t.kind == "credit":
                figures["credit"] -= open_amount
                continue
            figures["debit"] += open_amount
            due = t.date
            if t.type == "invoice":
                due = raw.documents[(cust.id, t.invoice_id)].due_date
            figures[bucket(due, as_of)] += open_amount
        rows[cust.id] = {
            "id": cust.id,
            "external_ref": cust.external_ref,
            "name": cust.name,
            "currency": cur,
            "segment": cust.segment,
            "payment_method": cust.payment_method,
            "status": cust.status,
            **{name: major(value, cur) for name, value in figures.items()},
        }
    return rows


def as_dict(row: Any) -> dict[str, Any]:
    """A row of the read model with amounts as plain decimals."""
    out: dict[str, Any] = {}
    for name in row.__dataclass_fields__:
        value = getattr(row, name)
        out[name] = value.amount if hasattr(value, "amount") else value
    return out


# -- fixtures and walking the pages ---------------------------------------------------------


@pytest.fixture
def ledger_book(container: Container) -> tuple[Container, list[int], Raw]:
    ids = ListsBook(container).build()
    return container, ids, read_raw(container)


def pages(container: Container, read: Callable[[Any], Any], query: Any) -> Iterator[Any]:
    """Every row, page after page, following `next_cursor` (the last id of a page)."""
    after = None
    while True:
        with container.uow(actor="test", write=False) as uow:
            page = read(uow)(_with(query, starting_after=after))
        yield from page.items
        if not page.has_more:
            return
        assert page.items
        after = page.items[-1].id


def _with(query: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(query, **changes)


def balance_query(**filters: Any) -> BalanceListQuery:
    return BalanceListQuery.from_filters(filters, today=TODAY)


def receivables_query(**filters: Any) -> ReceivablesQuery:
    return ReceivablesQuery.from_filters(filters, today=TODAY)


def by_pages(container: Container, query: Any) -> list[dict[str, Any]]:
    if isinstance(query, BalanceListQuery):
        rows = list(pages(container, lambda uow: uow.lists.balance_page, query))
    else:
        rows = list(pages(container, lambda uow: uow.lists.receivables_page, query))
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids)), "a customer shows on two pages"
    return [as_dict(r) for r in rows]


def streamed(container: Container, query: Any) -> list[dict[str, Any]]:
    with container.uow(actor="test", write=False) as uow:
        if isinstance(query, BalanceListQuery):
            return [as_dict(r) for r in uow.lists.each_balance(query)]
        return [as_dict(r) for r in uow.lists.each_receivable(query)]


# -- the balance-by-customer list ----------------------------------------------------------


def test_the_ledger_has_every_kind_of_story(ledger_book: tuple[Container, list[int], Raw]) -> None:
    """The generated ledger is varied enough for the comparisons below to mean something."""
    container, ids, raw = ledger_book
    types = {(t.kind, t.type, t.state) for t in raw.transactions}
    kinds = {(k, ty) for k, ty, _s in types}
    wanted = {("debit", "invoice"), ("credit", "payment"), ("credit", "credit_note"),
              ("debit", "charge"), ("debit", "refund"), ("debit", "collection_cost")}  # fmt: skip
    assert wanted <= kinds
    states = {s for _k, _t, s in types}
    assert {"unbilled", "billed", "pending", "open", "closed", "void"} <= states
    assert any(a.amount for a in raw.allocations)
    stale = expected_balances(raw, TODAY)
    assert {row["stale"] for row in stale.values()} == {True, False}
    assert len(ids) == 18
    # the scopes leave out customers with an open debit: one in credit, one at zero
    now = expected_receivables(raw, TODAY).values()
    assert any(row["debit"] > 0 and row["balance"] < 0 for row in now)
    assert any(row["debit"] > 0 and row["balance"] == 0 for row in now)
    # the days checked read both the aggregates (on or after every customer's latest change)
    # and the dated history (before)
    with container.engine.connect() as c:
        latest = c.execute(select(func.max(customer_balances.c.activity))).scalar()
    assert AS_OF[2] < latest <= TODAY


def test_every_figure_of_the_balance_list_matches_the_raw_ledger(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    container, _ids, raw = ledger_book
    for as_of in (TODAY, date(2025, 12, 1), date(2026, 6, 15)):
        expected = expected_balances(raw, as_of)
        query = balance_query(as_of=as_of.isoformat(), limit="5")
        got = {row["id"]: row for row in by_pages(container, query)}
        assert got == expected, as_of


def _sorted(rows: list[dict[str, Any]], sort: str, desc: bool) -> list[int]:
    def key(row: dict[str, Any]) -> Any:
        value = row[sort]
        if sort == "name":
            value = value.lower()
        elif isinstance(value, Decimal):
            value = int(value.scaleb(EXPONENT[row["currency"]]))  # minor units
        elif sort.endswith("_date"):
            value = value or (date.min if desc else date.max)
        return (value, row["id"])

    return [row["id"] for row in sorted(rows, key=key, reverse=desc)]


BALANCE_SORTS = ["name", "balance", "unbilled_count", "unbilled_gross", "first_line_date",
                 "last_line_date", "stale"]  # fmt: skip


def test_balance_list_pages_walk_every_order_without_gaps_or_repeats(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    """All pages put together are the whole list in its order, for every order both ways,
    and the export's stream holds the same rows in the same order."""
    container, _ids, raw = ledger_book
    expected = list(expected_balances(raw, TODAY).values())
    for sort in BALANCE_SORTS:
        for desc in (False, True):
            query = balance_query(sort=sort, desc=str(desc).lower(), limit="3")
            walked = [row["id"] for row in by_pages(container, query)]
            assert walked == _sorted(expected, sort, desc), (sort, desc)
            assert [row["id"] for row in streamed(container, query)] == walked


FILTERS: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
    ({"segment": "retail"}, lambda r: r["segment"] == "retail"),
    ({"currency": "usd"}, lambda r: r["currency"] == "USD"),
    ({"payment_method": "card"}, lambda r: r["payment_method"] == "card"),
    ({"q": "ALPHA"}, lambda r: r["name"].lower() == "alpha"),
    ({"q": "ref-00"}, lambda r: r["external_ref"].startswith("REF-00")),
]


def test_balance_list_filters(ledger_book: tuple[Container, list[int], Raw]) -> None:
    container, _ids, raw = ledger_book
    expected = expected_balances(raw, TODAY)
    for filters, keep in FILTERS:
        got = by_pages(container, balance_query(**filters, limit="4"))
        wanted = _sorted([r for r in expected.values() if keep(r)], "name", False)
        assert [r["id"] for r in got] == wanted, filters
        assert got


def test_balance_list_min_lines_and_stale_only(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    container, _ids, raw = ledger_book
    for as_of in (TODAY, date(2026, 1, 20)):
        expected = expected_balances(raw, as_of)
        stale = by_pages(container, balance_query(as_of=as_of, stale_only="true"))
        assert {r["id"] for r in stale} == {i for i, r in expected.items() if r["stale"]}
    expected = expected_balances(raw, TODAY)
    counts = sorted({r["unbilled_count"] for r in expected.values()})
    for least in (1, counts[len(counts) // 2], counts[-1] + 1):
        got = by_pages(container, balance_query(min_lines=str(least)))
        assert {r["id"] for r in got} == {
            i for i, r in expected.items() if r["unbilled_count"] >= least
        }
    both = by_pages(container, balance_query(min_lines="2", stale_only="1", currency="EUR"))
    assert {r["id"] for r in both} == {
        i for i, r in expected.items()
        if r["unbilled_count"] >= 2 and r["stale"] and r["currency"] == "EUR"
    }  # fmt: skip


# -- receivables ------------------------------------------------------------------------------


def test_every_figure_of_receivables_matches_the_raw_ledger_as_of_any_day(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    container, _ids, raw = ledger_book
    for as_of in AS_OF:
        expected = expected_receivables(raw, as_of)
        query = receivables_query(as_of=as_of.isoformat(), scope="all", limit="6")
        got = {row["id"]: row for row in by_pages(container, query)}
        assert got == expected, as_of
        for row in got.values():
            assert sum(row[b] for b in BUCKETS) == row["debit"]
            assert row["debit"] + row["credit"] == row["balance"]


def test_receivables_agree_with_each_customer_balance_card(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    """The list and the balance card of SPEC §15 say the same as of every day."""
    container, ids, _raw = ledger_book
    for as_of in AS_OF:
        rows = {
            r["id"]: r for r in by_pages(container, receivables_query(as_of=as_of, scope="all"))
        }
        with container.uow(actor="test", write=False) as uow:
            for cid in ids:
                card = ledger.get_balance(uow, cid, as_of=as_of)
                row = rows[cid]
                assert (row["balance"], row["debit"], row["credit"]) == (
                    card.balance.amount,
                    card.debit.amount,
                    card.credit.amount,
                )
                assert row["awaiting_confirmation"] == card.awaiting_confirmation.amount


def test_receivables_scope_and_overdue_filters(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    container, _ids, raw = ledger_book
    for as_of in (date(2026, 1, 31), TODAY, date(2026, 9, 30)):
        expected = expected_receivables(raw, as_of)
        cases: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
            ({}, lambda r: r["balance"] > 0),
            ({"scope": "nonzero"}, lambda r: r["balance"] != 0),
            ({"scope": "all"}, lambda r: True),
            ({"scope": "all", "min_overdue": "d1_30"}, lambda r: any(r[b] for b in BUCKETS[1:])),
            ({"scope": "all", "min_overdue": "d61_90"}, lambda r: any(r[b] for b in BUCKETS[3:])),
            ({"min_overdue": "over_90"}, lambda r: r["balance"] > 0 and r["over_90"] > 0),
            (
                {"scope": "all", "currency": "JPY", "segment": "pro"},
                lambda r: r["currency"] == "JPY" and r["segment"] == "pro",
            ),
        ]
        for filters, keep in cases:
            got = by_pages(container, receivables_query(as_of=as_of, limit="4", **filters))
            wanted = _sorted([r for r in expected.values() if keep(r)], "name", False)
            assert [r["id"] for r in got] == wanted, (as_of, filters)


RECEIVABLE_SORTS = ["name", "balance", "debit", "credit", "awaiting_confirmation", *BUCKETS]


def test_receivables_pages_walk_every_order(ledger_book: tuple[Container, list[int], Raw]) -> None:
    container, _ids, raw = ledger_book
    for as_of in (date(2026, 1, 31), TODAY):
        expected = list(expected_receivables(raw, as_of).values())
        for sort in RECEIVABLE_SORTS:
            for desc in (False, True):
                query = receivables_query(as_of=as_of, scope="all", sort=sort, desc=desc, limit="3")
                walked = [row["id"] for row in by_pages(container, query)]
                assert walked == _sorted(expected, sort, desc), (as_of, sort, desc)
                assert [row["id"] for row in streamed(container, query)] == walked


def test_receivables_totals_per_currency(ledger_book: tuple[Container, list[int], Raw]) -> None:
    container, _ids, raw = ledger_book
    for as_of in AS_OF:
        for filters in (
            {"scope": "all"},
            {},
            {"segment": "retail", "scope": "nonzero"},
            {"min_overdue": "d31_60"},
            {"scope": "all", "min_overdue": "d1_30", "currency": "EUR"},
        ):
            query = receivables_query(as_of=as_of, **filters)
            kept = [r for r in by_pages(container, query)]
            wanted: dict[str, dict[str, Any]] = {}
            for row in expected_receivables(raw, as_of).values():
                if row["id"] not in {r["id"] for r in kept}:
                    continue
                sums = wanted.setdefault(
                    row["currency"], {"customers": 0, **dict.fromkeys(FIGURES, Decimal(0))}
                )
                sums["customers"] += 1
                for name in FIGURES:
                    sums[name] += row[name]
            with container.uow(actor="test", write=False) as uow:
                totals = uow.lists.receivables_totals(query)
            got = {t.currency: as_dict(t) for t in totals}
            for found in got.values():
                del found["currency"]
            assert got == wanted, (as_of, filters)
            assert [t.currency for t in totals] == sorted(got)


# -- cursors and bad filters -------------------------------------------------------------


def test_a_cursor_of_an_unknown_customer_is_refused(container: Container) -> None:
    with container.uow(actor="test", write=False) as uow, pytest.raises(InvalidInput) as err:
        uow.lists.balance_page(balance_query(starting_after="999"))
    assert err.value.errors[0].field == "starting_after"


def test_a_cursor_stays_valid_when_its_customer_leaves_the_filter(
    ledger_book: tuple[Container, list[int], Raw],
) -> None:
    """A page after a customer that the filters no longer keep starts where it would have."""
    container, _ids, raw = ledger_book
    expected = _sorted(list(expected_balances(raw, TODAY).values()), "name", False)
    outsider = next(r for r in expected_balances(raw, TODAY).values() if r["currency"] != "EUR")
    query = balance_query(currency="EUR", starting_after=str(outsider["id"]), limit="500")
    with container.uow(actor="test", write=False) as uow:
        got = [r.id for r in uow.lists.balance_page(query).items]
    eur = {i for i, r in expected_balances(raw, TODAY).items() if r["currency"] == "EUR"}
    after = expected[expected.index(outsider["id"]) + 1 :]
    assert got == [i for i in after if i in eur]
