"""The Lists menu of the back office: balance by customer and receivables — every figure of a
row checked against what this test worked out from the lines, invoices and payments it made;
filters, sortable headings, Next and Previous pages, the Export buttons (CSV, JSON, XLSX,
whole filtered list), roles, and malformed addresses that show a message instead of failing.

Expected figures are computed here from the amounts given to the use cases (quantity × unit
price, tax per line rounded half up, due dates from the invoice dates), never by asking solde.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pytest
from webclient import Web
from webhtml import NBSP, NNBSP, Node, eur, parse, set_locale, snapshot, us_date

from solde.billing import usecases as billing
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role
from solde.web.routes import lists as lists_module

BALANCE = "/lists/balance-by-customer"
RECEIVABLES = "/lists/receivables"
LINE_DAY = date(2026, 5, 10)
CENT = Decimal("0.01")


def tax(net: Decimal, rate: str) -> Decimal:
    return (net * Decimal(rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class Lines:
    """Unbilled lines added through the use cases, with the figures they must add up to."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.count: dict[int, int] = {}
        self.net: dict[int, Decimal] = {}
        self.gross: dict[int, Decimal] = {}
        self.dates: dict[int, list[date]] = {}
        self.balance: dict[int, Decimal] = {}

    def customer(self, name: str, **values: Any) -> int:
        billing_settings = {"billing_day": 1, "period_months": 1}
        cid = self.web.book.customer(name, billing=billing_settings, **values)
        self.count[cid], self.net[cid], self.gross[cid] = 0, Decimal(0), Decimal(0)
        self.dates[cid], self.balance[cid] = [], Decimal(0)
        return cid

    def unbilled(self, cid: int, price: str, rate: str, day: date, *, credit: bool = False) -> None:
        body = {
            "kind": "credit" if credit else "debit",
            "type": "gift" if credit else "charge",
            "label": "Line",
            "unit_price": price,
            "tax_rate": rate,
            "date": day.isoformat(),
            "bill_on_next_invoice": True,
        }
        self.web.book.run(settlement.add_entry, cid, body, on=self.web.book.today())
        net = Decimal(price) * (-1 if credit else 1)
        self.count[cid] += 1
        self.net[cid] += net
        self.gross[cid] += net + tax(net, rate)
        self.dates[cid].append(day)

    def posted(self, cid: int, price: str, day: date) -> None:
        body = {
            "kind": "debit",
            "type": "charge",
            "label": "Posted",
            "unit_price": price,
            "date": day.isoformat(),
            "bill_on_next_invoice": False,
        }
        self.web.book.run(settlement.add_entry, cid, body, on=self.web.book.today())
        self.balance[cid] += Decimal(price)


def money(amount: Decimal, currency: str = "EUR") -> str:
    """How en_US shows an amount of this test's currencies."""
    if currency == "EUR":
        return eur(amount)
    return ("-" if amount < 0 else "") + f"${abs(amount):,.2f}"


def table_rows(doc: Node, testid: str) -> dict[int, list[str]]:
    table = doc.find(**{"data-testid": testid})
    if table is None:
        return {}
    found = {}
    for tr in table.one("tbody").find_all("tr"):
        found[int(tr.get("id").removeprefix("customer-"))] = [td.text for td in tr.find_all("td")]
    return found


def listed_ids(doc: Node, testid: str = "balance-list") -> list[int]:
    return list(table_rows(doc, testid))


def query(**params: str) -> str:
    return "?" + urlencode(params)


@pytest.fixture
def book(web: Web) -> tuple[Lines, dict[str, int]]:
    """Four customers: two in EUR (retail, card; pro, SEPA), one in USD (retail, transfer),
    one without lines; lines before and after the June billing day."""
    lines = Lines(web)
    ada = lines.customer("Ada", segment="retail", payment_method="card", external_ref="A-1")
    bob = lines.customer("Bob", segment="pro", payment_method="sepa_debit")
    cyd = lines.customer("Cyd", currency="USD", segment="retail", payment_method="bank_transfer")
    dee = lines.customer("Dee", segment="pro", payment_method="card")
    lines.unbilled(ada, "10.00", "20", LINE_DAY)
    lines.unbilled(ada, "33.33", "5.5", date(2026, 6, 20))
    lines.unbilled(ada, "5.00", "20", date(2026, 6, 21), credit=True)
    lines.unbilled(bob, "0.05", "20", date(2026, 6, 2))
    lines.unbilled(cyd, "1234.56", "0", date(2026, 4, 30))
    lines.unbilled(cyd, "0.10", "10", date(2026, 6, 3))
    lines.posted(bob, "99.99", date(2026, 6, 2))
    lines.posted(dee, "12.00", date(2026, 6, 2))
    return lines, {"ada": ada, "bob": bob, "cyd": cyd, "dee": dee}


# -- balance by customer --------------------------------------------------------------------


def test_every_row_shows_the_lines_their_totals_dates_balance_and_stale_flag(
    web: Web, book: tuple[Lines, dict[str, int]]
) -> None:
    lines, ids = book
    # as of 15 June the last billing day is 1 June: Ada (10 May) and Cyd (30 April) are stale
    doc = parse(web.page(BALANCE + query(as_of="2026-06-15")))
    rows = table_rows(doc, "balance-list")
    assert list(rows) == [ids["ada"], ids["bob"], ids["cyd"], ids["dee"]]  # by name
    currencies = {ids["cyd"]: "USD"}
    for name, cid in ids.items():
        cur = currencies.get(cid, "EUR")
        dates = lines.dates[cid]
        assert rows[cid][0].startswith(name.capitalize())
        assert rows[cid][1:] == [
            cur,
            {"ada": "retail", "bob": "pro", "cyd": "retail", "dee": "pro"}[name],
            {"ada": "Card", "bob": "SEPA direct debit", "cyd": "Bank transfer", "dee": "Card"}[
                name
            ],
            str(lines.count[cid]),
            money(lines.net[cid], cur),
            money(lines.gross[cid], cur),
            us_date(min(dates)) if dates else "",
            us_date(max(dates)) if dates else "",
            money(lines.balance[cid], cur),
            "Stale" if name in ("ada", "cyd") else "",
        ], name
    # Ada: 10.00 + 33.33 − 5.00 excl. tax; 12.00 + 35.16 − 6.00 incl. tax
    assert rows[ids["ada"]][5:7] == ["€38.33", "€41.16"]
    # the balance is coloured by its sign: Bob owes (red), Ada's is zero (grey)
    assert (
        "debit" in doc.by_id(f"customer-{ids['bob']}").find_all("span", class_="amount")[-1].classes
    )
    assert (
        "zero" in doc.by_id(f"customer-{ids['ada']}").find_all("span", class_="amount")[-1].classes
    )
    # each row links to its customer
    link = doc.by_id(f"customer-{ids['cyd']}").find("a")
    assert link is not None
    assert link.get("href") == f"/customers/{ids['cyd']}"
    # as of 20 May the last billing day is 1 May: only Cyd's line of 30 April is stale
    doc = parse(web.page(BALANCE + query(as_of="2026-05-20")))
    stale = [cid for cid, cells in table_rows(doc, "balance-list").items() if cells[-1] == "Stale"]
    assert stale == [ids["cyd"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"segment": "retail"}, ["ada", "cyd"]),
        ({"currency": "usd"}, ["cyd"]),
        ({"payment_method": "card"}, ["ada", "dee"]),
        ({"min_lines": "2"}, ["ada", "cyd"]),
        ({"min_lines": "1", "segment": "pro"}, ["bob"]),
        ({"stale_only": "true", "as_of": "2026-06-15"}, ["ada", "cyd"]),
        ({"stale_only": "true", "as_of": "2026-06-15", "currency": "EUR"}, ["ada"]),
        ({"q": "A-1"}, ["ada"]),
        ({"segment": "nobody"}, []),
    ],
)
def test_filters_keep_exactly_the_customers_they_describe(
    web: Web, book: tuple[Lines, dict[str, int]], filters: dict[str, str], expected: list[str]
) -> None:
    _lines, ids = book
    doc = parse(web.page(BALANCE + query(**filters)))
    assert listed_ids(doc) == [ids[name] for name in expected]
    for name, value in filters.items():
        node = doc.find(id=f"f-{name}")
        if node is not None and node.tag == "input" and node.get("type") != "checkbox":
            assert node.get("value") == value, name
    if not expected:
        assert "No customer matches these filters." in doc.testid("count").text


def test_headings_sort_the_list_and_a_second_click_turns_the_order(
    web: Web, book: tuple[Lines, dict[str, int]]
) -> None:
    lines, ids = book
    doc = parse(web.page(BALANCE + query(currency="EUR")))
    heading = next(a for a in doc.find_all("a", class_="sort") if a.text == "Balance")
    by_balance = heading.get("href")
    assert "currency=EUR" in by_balance
    doc = parse(web.page(by_balance))
    eur_ids = [ids[n] for n in ("ada", "bob", "dee")]
    want = sorted(eur_ids, key=lambda cid: (lines.balance[cid], cid), reverse=True)
    assert listed_ids(doc) == want  # the first click on an amount: largest first
    current = doc.one("th", **{"aria-sort": "descending"})
    assert current.text.startswith("Balance")
    again = next(a for a in doc.find_all("a", class_="sort") if a.text.startswith("Balance"))
    doc = parse(web.page(again.get("href")))
    assert listed_ids(doc) == list(reversed(want))
    assert doc.one("th", **{"aria-sort": "ascending"}).text.startswith("Balance")
    # lines: most first, then ids in the same direction
    doc = parse(web.page(BALANCE + query(sort="unbilled_count", desc="true")))
    counts = [lines.count[cid] for cid in listed_ids(doc)]
    assert counts == sorted(counts, reverse=True)
    # the filter form keeps the order when filtering again
    form = doc.one("form", role="search")
    hidden = {i.get("name"): i.get("value") for i in form.find_all("input", type="hidden")}
    assert hidden == {"sort": "unbilled_count", "desc": "true"}


def test_next_and_previous_walk_every_customer_once(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists_module, "PAGE_SIZE", 3)
    names = [f"Customer {i:02d}" for i in range(10)]
    ids = {name: web.book.customer(name) for name in names}
    seen: list[int] = []
    pages: list[str] = []
    url: str | None = BALANCE + query(sort="name")
    while url:
        doc = parse(web.page(url))
        pages.append(url)
        seen.extend(listed_ids(doc))
        nxt = doc.find("a", rel="next")
        url = nxt.get("href") if nxt is not None else None
    assert seen == [ids[n] for n in names]
    assert len(pages) == 4
    # Previous from the last page goes back through the same pages
    doc = parse(web.page(pages[-1]))
    for back in reversed(pages[:-1]):
        prev = doc.one("a", rel="prev")
        doc = parse(web.page(prev.get("href")))
        assert listed_ids(doc) == listed_ids(parse(web.page(back)))
    assert doc.find("a", rel="prev") is None  # the first page
    # descending, the walk is the same customers the other way round
    seen = []
    url = BALANCE + query(sort="name", desc="true")
    while url:
        doc = parse(web.page(url))
        seen.extend(listed_ids(doc))
        nxt = doc.find("a", rel="next")
        url = nxt.get("href") if nxt is not None else None
    assert seen == [ids[n] for n in reversed(names)]


# -- exports --------------------------------------------------------------------------------


def test_export_buttons_download_the_whole_filtered_list_with_exact_amounts(
    web: Web, book: tuple[Lines, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists_module, "PAGE_SIZE", 1)  # the file is not the page
    lines, ids = book
    doc = parse(web.page(BALANCE + query(segment="retail", as_of="2026-06-15")))
    buttons = {a.text: a.get("href") for a in doc.find_all("a", download=True)}
    assert set(buttons) == {"CSV", "JSON", "XLSX"}

    response = web.get(buttons["CSV"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="balance-by-customer-2026-06-15.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == [ids["ada"], ids["cyd"]]
    for r in rows:
        cid = int(r["id"])
        assert r["unbilled_count"] == str(lines.count[cid])
        assert Decimal(r["unbilled_net"]) == lines.net[cid]
        assert r["unbilled_gross"] == f"{lines.gross[cid]:.2f}"
        assert r["first_line_date"] == min(lines.dates[cid]).isoformat()
        assert r["stale"] == "true"

    response = web.get(buttons["JSON"])
    assert response.headers["content-type"] == "application/json"
    data = json.loads(response.text)
    assert [row["id"] for row in data] == [ids["ada"], ids["cyd"]]
    assert data[1]["unbilled_gross"] == f"{lines.gross[ids['cyd']]:.2f}"  # a string, exact

    response = web.get(buttons["XLSX"])
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [v[header.index("id")] for v in values] == [ids["ada"], ids["cyd"]]
    net = values[0][header.index("unbilled_net")]
    assert Decimal(str(net)) == lines.net[ids["ada"]]


def test_a_viewer_reads_and_exports_the_lists_but_is_offered_no_import(
    web: Web, book: tuple[Lines, dict[str, int]]
) -> None:
    viewer = web.as_role(Role.VIEWER)
    doc = parse(viewer.page(BALANCE))
    assert len(listed_ids(doc)) == 4
    tabs = [a.text for a in doc.one("nav", **{"aria-label": "Lists"}).find_all("a")]
    assert tabs == ["Balance by customer", "Receivables"]
    assert viewer.get(BALANCE + "/export?format=csv").status_code == 200
    assert viewer.page(RECEIVABLES)
    tabs = [
        a.text for a in parse(web.page(BALANCE)).one("nav", **{"aria-label": "Lists"}).find_all("a")
    ]
    assert tabs == ["Balance by customer", "Receivables", "Import"]


def test_signed_out_users_are_sent_to_sign_in(web: Web) -> None:
    anonymous = web.anonymous()
    for path in (BALANCE, RECEIVABLES, BALANCE + "/export?format=csv"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"currency": "EURO"}, "currency", "Currency"),
        ({"min_lines": "-1"}, "min_lines", "Lines at least: must be a whole number"),
        ({"min_lines": "1e9"}, "min_lines", "Lines at least: must be a whole number"),
        ({"as_of": "2026-02-30"}, "as_of", "As of"),
        ({"stale_only": "maybe"}, "stale_only", "Stale only: must be true or false"),
        ({"sort": "bogus"}, "sort", "Sort"),
        ({"payment_method": "gold"}, "payment_method", "Payment method"),
        ({"starting_after": "abc"}, "starting_after", "Page: is not a cursor"),
        ({"starting_after": "99999"}, "starting_after", "Page: is not a cursor"),
    ],
)
def test_a_wrong_filter_is_named_and_what_was_typed_is_kept(
    web: Web, book: tuple[Lines, dict[str, int]], params: dict[str, str], field: str, message: str
) -> None:
    before = snapshot(web.container)
    response = web.get(BALANCE + query(**params))
    assert response.status_code == 422
    doc = parse(response.text)
    assert message in doc.testid("filter-errors").text
    assert listed_ids(doc) == []
    assert doc.find("a", download=True) is None  # no export of a list that cannot be read
    node = doc.find(id=f"f-{field}")
    if node is not None and node.tag == "input" and node.get("type") not in ("checkbox",):
        assert node.get("value") == params[field]
        assert node.get("aria-invalid") == "true"
    assert snapshot(web.container) == before
    if field == "starting_after":
        first = doc.testid("filter-errors").one("a")
        assert first.get("href") == BALANCE


@pytest.mark.parametrize(
    "path",
    [
        BALANCE + "?currency=%ff%fe",
        BALANCE + "?trail=1,2,%00&starting_after=1",
        BALANCE + "?desc=%E2%80%AE",
        BALANCE + "?as_of=99999-01-01",
        RECEIVABLES + "?min_overdue=not_due",
        RECEIVABLES + "?scope=everyone&as_of=0000-00-00",
        BALANCE + "/export?format=pdf",
        BALANCE + "/export",
        BALANCE + "/export?format=csv&currency=XXXX",
        RECEIVABLES + "/export?format=xlsx&min_overdue=d0",
        "/lists/nothing",
    ],
)
def test_malformed_addresses_show_a_page_with_a_message(web: Web, path: str) -> None:
    response = web.get(path)
    assert "text/html" in response.headers["content-type"]
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert "text/html" in response.headers["content-type"]
    assert "unexpected error" not in response.text


def test_a_search_too_long_is_cut_rather_than_refused(web: Web) -> None:
    cid = web.book.customer("x" * 200)
    doc = parse(web.page(BALANCE + "?q=" + "x" * 5000))
    assert listed_ids(doc) == [cid]
    assert doc.by_id("f-q").get("value") == "x" * 200


# -- receivables ----------------------------------------------------------------------------


def _invoice(web: Web, cid: int, day: date, price: str, due_days: int) -> Any:
    body = {
        "type": "one_time",
        "date": day.isoformat(),
        "due_date": (day + timedelta(days=due_days)).isoformat(),
        "items": [{"description": "Plan", "unit_price": price}],
    }
    return web.book.run(billing.create_invoice, cid, body, on=day)


def test_receivables_age_each_open_debit_and_total_each_currency(web: Web) -> None:
    as_of = date(2026, 6, 30)
    ada = web.book.customer("Ada")
    bob = web.book.customer("Bob")
    cyd = web.book.customer("Cyd", currency="USD")
    eve = web.book.customer("Eve")  # settled: not in the default list
    # (customer, invoice day, price, days to pay): due 10 June → 20 days late on 30 June
    invoices = [
        (ada, date(2026, 6, 1), "100.00", 9),  # due 10 June: 1–30
        (ada, date(2026, 6, 20), "40.00", 30),  # due 20 July: not due
        (ada, date(2026, 3, 1), "7.77", 0),  # due 1 March: 121 days, over 90
        (bob, date(2026, 4, 15), "55.55", 0),  # due 15 April: 76 days, 61–90
        (cyd, date(2026, 5, 1), "300.00", 0),  # due 1 May: 60 days, 31–60
        (eve, date(2026, 6, 1), "20.00", 0),
    ]
    for cid, day, price, days in invoices:
        _invoice(web, cid, day, price, days)
    payments = [(bob, "5.55", date(2026, 6, 2)), (eve, "20.00", date(2026, 6, 2))]
    for cid, amount, day in payments:
        web.book.run(
            settlement.record_payment,
            cid,
            {"amount": amount, "date": day.isoformat()},
            on=day,
        )
    web.book.run(
        settlement.record_payment,
        cyd,
        {"amount": "50.00", "date": "2026-06-29", "status": "pending", "method": "sepa_debit"},
        on=date(2026, 6, 29),
    )

    def bucket(due: date) -> str:
        late = (as_of - due).days
        if late <= 0:
            return "not_due"
        return (
            "d1_30"
            if late <= 30
            else "d31_60"
            if late <= 60
            else "d61_90"
            if late <= 90
            else "over_90"
        )

    expected: dict[int, dict[str, Decimal]] = {}
    for cid, day, price, days in invoices:
        figures = expected.setdefault(cid, {})
        key = bucket(day + timedelta(days=days))
        figures[key] = figures.get(key, Decimal(0)) + Decimal(price)
    # payments settle the oldest invoice first
    expected[bob]["d61_90"] -= Decimal("5.55")
    del expected[eve]

    doc = parse(web.page(RECEIVABLES + query(as_of=as_of.isoformat())))
    assert doc.one("h1").text == f"Receivables at the end of {us_date(as_of)}"
    rows = table_rows(doc, "receivables-list")
    assert list(rows) == [ada, bob, cyd]
    order = ["not_due", "d1_30", "d31_60", "d61_90", "over_90"]
    for cid, figures in expected.items():
        cur = "USD" if cid == cyd else "EUR"
        debit = sum(figures.values(), Decimal(0))
        awaiting = Decimal("-50.00") if cid == cyd else Decimal(0)  # a credit to come
        assert rows[cid][1:] == [
            money(debit, cur),
            money(debit, cur),
            money(Decimal(0), cur),
            money(awaiting, cur),
            *[money(figures.get(b, Decimal(0)), cur) for b in order],
        ], cid
    totals = doc.testid("totals")
    eur_row = [c.text for c in totals.by_id("total-EUR").find_all("td")]
    eur_sum = {
        b: sum((expected[c].get(b, Decimal(0)) for c in (ada, bob)), Decimal(0)) for b in order
    }
    eur_debit = sum(eur_sum.values(), Decimal(0))
    assert eur_row == [
        "2",
        eur(eur_debit),
        eur(eur_debit),
        eur("0"),
        eur("0"),
        *[eur(eur_sum[b]) for b in order],
    ]
    usd_row = [c.text for c in totals.by_id("total-USD").find_all("td")]
    assert usd_row[:2] == ["1", "$300.00"]
    # the rows link to the customer page as of the list's day
    link = doc.by_id(f"customer-{bob}").find("a")
    assert link is not None
    assert link.get("href") == f"/customers/{bob}?as_of=2026-06-30"
    # filters: overdue by 61 days or more keeps Ada (over 90) and Bob (61–90)
    doc = parse(web.page(RECEIVABLES + query(as_of="2026-06-30", min_overdue="d61_90")))
    assert list(table_rows(doc, "receivables-list")) == [ada, bob]
    assert [c.text for c in doc.testid("totals").find_all("th", scope="row")] == ["EUR"]
    # every customer, settled ones included
    doc = parse(web.page(RECEIVABLES + query(as_of="2026-06-30", scope="all")))
    assert list(table_rows(doc, "receivables-list")) == [ada, bob, cyd, eve]
    # before anything was invoiced, nobody owes
    doc = parse(web.page(RECEIVABLES + query(as_of="2026-02-01")))
    assert table_rows(doc, "receivables-list") == {}
    assert "No customer matches these filters." in doc.testid("count").text
    # the export holds the same figures, as exact decimals
    response = web.get(RECEIVABLES + "/export" + query(format="csv", as_of="2026-06-30"))
    assert response.headers["content-disposition"] == (
        'attachment; filename="receivables-2026-06-30.csv"'
    )
    exported = {int(r["id"]): r for r in csv.DictReader(io.StringIO(response.text))}
    assert list(exported) == [ada, bob, cyd]
    for cid, figures in expected.items():
        for b in order:
            assert Decimal(exported[cid][b]) == figures.get(b, Decimal(0)), (cid, b)


def test_names_are_shown_as_text_and_amounts_in_the_users_locale(web: Web) -> None:
    lines = Lines(web)
    cid = lines.customer("<script>alert(1)</script>")
    lines.unbilled(cid, "1234.56", "0", LINE_DAY)
    html = web.page(BALANCE)
    assert "<script>alert(1)</script>" not in html
    doc = parse(html)
    assert table_rows(doc, "balance-list")[cid][0] == "<script>alert(1)</script>"
    set_locale(web, "fr_FR")
    cells = table_rows(parse(web.page(BALANCE)), "balance-list")[cid]
    assert cells[5] == f"1{NNBSP}234,56{NBSP}€"
    assert cells[7] == "10 mai 2026"
