"""The figures users read: the balance card and the transaction rows of a customer (today and
as of a past day), the list of all of a customer's transactions, and the dashboard. Expected
figures are computed here from the operations, not read back from the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from webclient import Web
from webhtml import NBSP, balance_class, card, eur, parse, row, us_date

from solde.ledger import usecases


@dataclass
class Item:
    """A posted transaction as the test follows it."""

    id: int
    kind: str  # debit or credit
    amount: Decimal
    open: Decimal = Decimal(0)
    links: dict[int, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.open = self.amount


def settle(items: list[Item]) -> None:
    """SPEC §6 for standalone debits: open credits, oldest first, settle open debits, oldest
    first (the items are listed oldest first)."""
    for credit in (i for i in items if i.kind == "credit"):
        for debit in (i for i in items if i.kind == "debit"):
            take = min(credit.open, debit.open)
            if take:
                credit.open -= take
                debit.open -= take
                credit.links[debit.id] = credit.links.get(debit.id, Decimal(0)) + take
                debit.links[credit.id] = debit.links.get(credit.id, Decimal(0)) + take


def links_text(item: Item) -> str:
    return ", ".join(f"#{i}{NBSP}{eur(a)}" for i, a in sorted(item.links.items()))


def test_the_card_and_the_rows_add_up(web: Web) -> None:
    book = web.book
    today = book.today()
    cid = book.customer("Figures Ltd")
    a = book.line(
        cid, unit_price="100.00", bill_on_next_invoice=False, date=str(today - timedelta(days=20))
    )
    b = book.line(
        cid,
        unit_price="12.50",
        quantity="2",
        tax_rate="20",
        bill_on_next_invoice=False,
        date=str(today - timedelta(days=10)),
    )
    p = book.pay(cid, "120.00", date=str(today - timedelta(days=5)))
    c = book.line(cid, type="collection_cost", unit_price="7.25", bill_on_next_invoice=False)
    book.pay(cid, "40.00", status="pending")
    book.line(cid, unit_price="10", quantity="3", tax_rate="10", bill_on_next_invoice=True)
    book.line(
        cid,
        kind="credit",
        type="gift",
        unit_price="5",
        bill_on_next_invoice=True,
        date=str(today + timedelta(days=3)),
    )
    items = [
        Item(a, "debit", Decimal("100.00")),
        Item(b, "debit", Decimal("30.00")),  # 2 × 12.50 + 20 % tax
        Item(p, "credit", Decimal("120.00")),
    ]
    settle(items)
    items.append(Item(c, "debit", Decimal("7.25")))
    settle(items)
    debit = sum(i.open for i in items if i.kind == "debit")
    credit = -sum(i.open for i in items if i.kind == "credit")
    balance = sum(i.amount if i.kind == "debit" else -i.amount for i in items)
    assert balance == debit + credit

    doc = parse(web.page(f"/customers/{cid}"))
    figures = card(doc)
    assert figures["balance"] == eur(balance)
    assert figures["debit"] == eur(debit)
    assert figures["credit"] == eur(credit)
    assert figures["awaiting"] == eur(-40)
    assert figures["unbilled"] == (
        f"Unbilled lines 2 lines waiting for the next invoice: {eur(25)} excl. tax, "
        f"{eur(28)} incl. tax, dated {us_date(today)} to {us_date(today + timedelta(days=3))}."
    )
    assert balance_class(doc) == "debit"
    assert "The customer owes this amount." in doc.text
    for item in items:
        shown = row(doc, item.id)
        assert shown["open"] == eur(item.open), item
        assert shown["links"] == links_text(item), item
        assert shown["section"] == ("open" if item.open else "closed"), item
        assert shown[item.kind] == eur(item.amount), item
    bar = {r.get("class"): r.get("width") for r in doc.find_all("rect")}
    assert bar["inner debit"] == "100.00"
    assert bar["inner credit"] == "0.00"
    assert bar["track debit"] == "100"


def test_the_card_as_of_a_past_day(web: Web) -> None:
    book = web.book
    today = book.today()
    cid = book.customer("History Ltd")
    book.line(
        cid, unit_price="100.00", bill_on_next_invoice=False, date=str(today - timedelta(days=20))
    )
    book.line(
        cid, unit_price="30.00", bill_on_next_invoice=False, date=str(today - timedelta(days=10))
    )
    book.pay(cid, "150.00", date=str(today - timedelta(days=5)))
    expected = {
        today - timedelta(days=25): ("0", "zero"),
        today - timedelta(days=15): ("100", "debit"),
        today - timedelta(days=7): ("130", "debit"),
        today - timedelta(days=5): ("-20", "credit"),
        today: ("-20", "credit"),
    }
    for day, (balance, colour) in expected.items():
        doc = parse(web.page(f"/customers/{cid}?as_of={day.isoformat()}"))
        assert card(doc)["balance"] == eur(balance), day
        assert balance_class(doc) == colour, day
        assert doc.one(id="as-of").get("value") == day.isoformat()
        title = doc.one(id="card-title").text
        if day == today:
            assert title == "Balance"
        else:
            assert title == f"Balance at the end of {us_date(day)}"
    past = parse(web.page(f"/customers/{cid}?as_of={(today - timedelta(days=15)).isoformat()}"))
    assert (card(past)["debit"], card(past)["credit"]) == (eur(100), eur(0))
    assert (
        "Settled: nothing owed, no credit."
        in parse(
            web.page(f"/customers/{cid}?as_of={(today - timedelta(days=25)).isoformat()}")
        ).text
    )
    wrong = parse(web.page(f"/customers/{cid}?as_of=2026-02-30"))
    assert wrong.one(id="as-of-error").text == "must be a date (YYYY-MM-DD)"
    assert card(wrong)["balance"] == eur(-20)


def test_all_transactions_by_state_and_by_pages(web: Web) -> None:
    cid = web.book.customer("Many Lines")

    def lines(uow: object) -> list[int]:
        from solde.settlement import usecases as settlement

        made = []
        for i in range(55):
            tx = settlement.add_entry(
                uow,
                cid,
                {
                    "kind": "debit",
                    "label": f"Line {i}",
                    "unit_price": "1",
                    "bill_on_next_invoice": True,
                },
                on=web.book.today(),
            )
            made.append(tx.id)
        return made

    ids = web.book.run(lines)
    posted = web.book.line(cid, label="Posted", unit_price="2.00", bill_on_next_invoice=False)
    first = parse(web.page(f"/customers/{cid}/transactions?state=unbilled"))
    rows = [tr.get("id") for tr in first.one("tbody").find_all("tr")]
    assert rows == [f"tx-{i}" for i in reversed(ids)][:50]
    tabs = {a.text: a.has("aria-current") for a in first.one("nav", class_="tabs").find_all("a")}
    assert tabs["Unbilled"] is True
    older = first.one("a", rel="next").get("href")
    assert older == f"/customers/{cid}/transactions?state=unbilled&after={ids[5]}"
    second = parse(web.page(older))
    assert [tr.get("id") for tr in second.one("tbody").find_all("tr")] == [
        f"tx-{i}" for i in reversed(ids[:5])
    ]
    assert second.find("a", rel="next") is None
    assert "← Newest" in second.text
    open_tab = parse(web.page(f"/customers/{cid}/transactions?state=open"))
    assert [tr.get("id") for tr in open_tab.one("tbody").find_all("tr")] == [f"tx-{posted}"]
    void = parse(web.page(f"/customers/{cid}/transactions?state=void"))
    assert "No transaction here." in void.text
    everything = parse(web.page(f"/customers/{cid}/transactions?state=bogus&after=abc"))
    assert len(everything.one("tbody").find_all("tr")) == 50
    assert everything.one("tbody").find_all("tr")[0].get("id") == f"tx-{posted}"
    # the customer page shows 10 of each kind and links to the rest
    page = parse(web.page(f"/customers/{cid}"))
    section = page.one(id="section-unbilled")
    assert len(section.one("tbody").find_all("tr")) == 10
    assert section.one("a", href=f"/customers/{cid}/transactions?state=unbilled").text == "Show all"


def test_the_dashboard_totals_per_currency(web: Web) -> None:
    empty = parse(web.page("/"))
    assert "No customers yet" in empty.text
    assert empty.find("a", href="/customers/new") is not None
    book = web.book
    owes = book.customer("Owes EUR", currency="EUR")
    book.line(owes, unit_price="17.25", bill_on_next_invoice=False)
    credit = book.customer("Credit EUR", currency="EUR")
    book.pay(credit, "20.00")
    book.pay(credit, "3.00", status="pending")
    book.customer("Settled EUR", currency="EUR")
    usd = book.customer("Owes USD", currency="USD")
    book.line(usd, unit_price="5.00", bill_on_next_invoice=False)
    doc = parse(web.page("/"))
    assert "4 customers" in doc.one("div", class_="page-head").text
    eur_block = doc.one("section", **{"aria-labelledby": "cur-EUR"})
    stats = {
        s.one("p", class_="stat-label").text: s.one("p", class_="stat-value").text
        for s in eur_block.find_all("div", class_="stat")
    }
    assert stats == {
        "Total owed": eur("17.25"),
        "Total credit": eur("-20.00"),
        "Net balance": eur("-2.75"),
        "Awaiting bank confirmation": eur("-3.00"),
    }
    notes = {a.text: a.get("href") for a in eur_block.find_all("a")}
    assert notes == {
        "1 owe": "/customers?currency=EUR&balance=owes&sort=balance_desc",
        "1 in credit": "/customers?currency=EUR&balance=credit&sort=balance_asc",
        "1 settled": "/customers?currency=EUR&balance=settled",
    }
    usd_block = doc.one("section", **{"aria-labelledby": "cur-USD"})
    assert "$5.00" in usd_block.text
    figures = eur_block.one("details").one("tbody").find_all("tr")
    assert figures[-1].find_all("td")[1].text == eur("-2.75")
    with web.container.uow(actor="test", write=False) as uow:
        assert usecases.get_customer(uow, owes).currency == "EUR"
    points = eur_block.find_all("circle")
    assert len(points) == len(figures)


def test_the_unbilled_summary_follows_edits_and_cancellations(web: Web) -> None:
    cid = web.book.customer("Summary Ltd")
    today = web.book.today()
    later = today + timedelta(days=5)
    first = web.book.line(cid, unit_price="10.00", bill_on_next_invoice=True)
    last = web.book.line(cid, unit_price="4.00", bill_on_next_invoice=True, date=later.isoformat())
    summary = card(parse(web.page(f"/customers/{cid}")))["unbilled"]
    assert summary.endswith(f"{eur(14)} incl. tax, dated {us_date(today)} to {us_date(later)}.")
    assert web.post(f"/transactions/{last}/cancel", {"reason": "no"}).status_code == 303
    summary = card(parse(web.page(f"/customers/{cid}")))["unbilled"]
    assert summary == (
        f"Unbilled lines 1 line waiting for the next invoice: {eur(10)} excl. tax, "
        f"{eur(10)} incl. tax, dated {us_date(today)}."
    )
    edited = web.post(
        f"/transactions/{first}/edit", {"date": later.isoformat(), "unit_price": "12"}
    )
    assert edited.status_code == 303
    summary = card(parse(web.page(f"/customers/{cid}")))["unbilled"]
    assert summary.endswith(f"{eur(12)} incl. tax, dated {us_date(later)}.")
    assert web.post(f"/transactions/{first}/cancel", {}).status_code == 303
    assert card(parse(web.page(f"/customers/{cid}")))["unbilled"] == "Unbilled lines None."
