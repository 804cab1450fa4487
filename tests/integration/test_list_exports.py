"""The invoices and customers lists as CSV, JSON and XLSX files (SPEC §12), on both databases.

Every figure a test expects is computed IN THE TEST from the raw tables (minor units turned
into major units with the currency's exponent written here), never by the code under test:
balances are sums of the posted rows, open debits and credits sums of their open amounts,
awaiting confirmation the pending rows, the unbilled lines their rows; an invoice's figures
are its row in `documents`, its invoice balance the open amount of its ledger transaction.
The files are read back with the csv module, json and openpyxl (`exportfiles`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from invoicebook import InvoiceBook, item
from openpyxl import load_workbook
from sqlalchemy import select

import exportfiles as files
from solde.billing import groups as billing_groups
from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import DocType, Status
from solde.billing.ports import Compare, InvoiceQuery
from solde.bootstrap import Container
from solde.downloads import customers as customer_download
from solde.downloads import invoices as invoice_download
from solde.exports import customers as customer_columns
from solde.exports import invoices as invoice_columns
from solde.exports import tabular
from solde.exports.tabular import ExportFormat
from solde.ledger import usecases as ledger
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import MAX_PAGE, BalanceFilter, CustomerQuery, CustomerSort
from solde.storage.tables import (
    customers,
    documents,
    invoice_group_members,
    invoice_groups,
    transactions,
)

ON = date(2026, 3, 10)
#: The currencies of the story and their decimals (ISO 4217), written here on purpose.
EXPONENT = {"EUR": 2, "JPY": 0, "KWD": 3}
FORMATS = list(ExportFormat)


def major(minor: int, currency: str) -> Decimal:
    """Minor units as an exact amount in major units."""
    return Decimal(minor).scaleb(-EXPONENT[currency])


@dataclass
class Story:
    """The ids the story made."""

    ada: int
    ecole: int
    tanaka: int
    kuwait: int
    bob: int
    group: int


def _customer(book: InvoiceBook, **values: Any) -> int:
    return int(book(ledger.create_customer, values).id)


def make_story(container: Container) -> Story:
    """Five customers in three currencies: invoices with tax, partly and fully paid, void,
    credited, a proforma, a pending payment, unbilled lines, an invoice group."""
    book = InvoiceBook(container)
    day = ON - timedelta(days=40)
    ada = _customer(
        book,
        name="=SUM(A1:A2)",
        external_ref="A-1",
        currency="EUR",
        segment="pro",
        payment_method="sepa_debit",
        email="ada@example.com",
    )
    ecole = _customer(
        book,
        name="École Dupont",
        currency="EUR",
        segment="home",
        billing={"period_months": 3, "credit_limit": "50.00", "reminders": False},
        billing_address={"line1": "1 rue de la Paix", "city": "Paris", "country": "FR"},
    )
    tanaka = _customer(book, name="Tanaka KK", currency="JPY", segment="pro", external_ref="T")
    kuwait = _customer(book, name="Kuwait Co", currency="KWD", payment_method="card")
    bob = _customer(book, name="bob", currency="EUR", segment="home")

    a1 = book.invoice(ada, on=day, items=[item("12.34", "20"), item("0.99", "5.5")])
    book.pay(ada, "10.00", on=day + timedelta(days=1))
    a2 = book.invoice(ada, on=ON - timedelta(days=5), items=[item("100.00", "20")])
    book.charge(ada, "5.00", ON - timedelta(days=4), on=ON)
    book.line(ada, "7.00", ON - timedelta(days=1), on=ON, rate="20")
    book.line(ada, "2.50", ON - timedelta(days=2), on=ON, kind="credit")
    book.pay(ada, "3.00", on=ON, status="pending")
    book.invoice(ada, on=ON, type="proforma", items=[item("40.00")])

    e1 = book.invoice(ecole, on=day, items=[item("50.00", "20")])
    book.pay(ecole, "60.00", on=day + timedelta(days=2), invoice_id=e1.id)
    e2 = book.invoice(ecole, on=day + timedelta(days=3), items=[item("30.00")])
    book.credit_note(e2.id, on=ON, amount="10.00")
    e3 = book.invoice(ecole, on=day + timedelta(days=4), items=[item("8.00")])
    book.void(e3.id, on=ON, reason="sent twice")

    t1 = book.invoice(tanaka, on=day, items=[item("1000", "10")])
    book.pay(tanaka, "2000", on=day + timedelta(days=1))
    book.invoice(kuwait, on=day, items=[item("1.234")])
    book(billing.mark_sent, a1.id, at=datetime(2026, 2, 1, 9, 30, tzinfo=UTC))

    group = book(billing_groups.create_group, {"name": "Chase; Q1"}).id
    book(billing_groups.add_to_group, group, [a2.id, t1.id])
    return Story(ada, ecole, tanaka, kuwait, bob, group)


@pytest.fixture
def story(container: Container) -> Story:
    return make_story(container)


def download(chunks: Any) -> bytes:
    return b"".join(chunks)


def invoices_file(container: Container, fmt: ExportFormat, **filters: Any) -> bytes:
    query = InvoiceQuery(as_of=ON, **filters)
    return download(invoice_download.stream(container, query, fmt, actor="test"))


def customers_file(container: Container, fmt: ExportFormat, **filters: Any) -> bytes:
    query = CustomerQuery.from_filters(**filters)
    return download(customer_download.stream(container, query, fmt, actor="test"))


# -- what the raw tables say ----------------------------------------------------------------


def raw_cards(container: Container) -> dict[int, dict[str, Any]]:
    """Per customer, from the transactions table alone: balance, open debit, open credit,
    awaiting confirmation, unbilled count/net/gross/first/last."""
    with container.engine.connect() as connection:
        people = {r.id: r.currency for r in connection.execute(select(customers))}
        rows = connection.execute(select(transactions)).all()
    cards: dict[int, dict[str, Any]] = {cid: defaultdict(int, dates=[]) for cid in people}
    for r in rows:
        card = cards[r.customer_id]
        sign = 1 if r.kind == "debit" else -1
        if r.state in ("open", "closed"):
            card["balance"] += sign * r.amount
            card["debit" if sign > 0 else "credit"] += sign * r.open_amount
        elif r.state == "pending":
            card["awaiting"] += sign * r.amount
        elif r.state == "unbilled":
            card["count"] += 1
            card["net"] += sign * r.net
            card["gross"] += sign * r.amount
            card["dates"].append(r.date)
    found = {}
    for cid, card in cards.items():
        cur = people[cid]
        found[cid] = {
            "balance": major(card["balance"], cur),
            "debit": major(card["debit"], cur),
            "credit": major(card["credit"], cur),
            "awaiting_confirmation": major(card["awaiting"], cur),
            "unbilled_count": card["count"],
            "unbilled_net": major(card["net"], cur),
            "unbilled_gross": major(card["gross"], cur),
            "unbilled_first_date": min(card["dates"], default=None),
            "unbilled_last_date": max(card["dates"], default=None),
        }
    return found


def raw_documents(container: Container) -> dict[int, dict[str, Any]]:
    """Invoices and proformas from the documents table, with the open amount of their ledger
    transaction and the names of their groups."""
    with container.engine.connect() as connection:
        open_of = {r.id: r.open_amount for r in connection.execute(select(transactions))}
        names = {r.id: r.name for r in connection.execute(select(invoice_groups))}
        member = defaultdict(list)
        for m in connection.execute(select(invoice_group_members)):
            member[m.document_id].append(names[m.group_id])
        docs = connection.execute(select(documents).where(documents.c.type != "credit_note")).all()
        people = {r.id: r for r in connection.execute(select(customers))}
    found = {}
    for d in docs:
        cur = d.currency
        if d.state == "void":
            open_minor = 0
        elif d.transaction_id is None:
            open_minor = d.total
        else:
            open_minor = open_of[d.transaction_id]
        found[d.id] = {
            "number": d.number,
            "type": d.type,
            "customer_id": d.customer_id,
            "customer_name": people[d.customer_id].name,
            "customer_external_ref": people[d.customer_id].external_ref,
            "currency": cur,
            "document_date": d.document_date,
            "due_date": d.due_date,
            "net": major(d.net, cur),
            "tax": major(d.tax, cur),
            "total": major(d.total, cur),
            "open_amount": major(open_minor, cur),
            "groups": "; ".join(member[d.id]) or None,
            "voided_on": d.voided_on,
        }
    return found


# -- invoices -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_invoices_file_holds_every_invoice_with_the_raw_figures(
    container: Container, story: Story, fmt: ExportFormat
) -> None:
    content = invoices_file(container, fmt)
    assert files.header(content, fmt) == [c.key for c in invoice_columns.COLUMNS]
    rows = files.read(content, fmt)
    docs = raw_documents(container)
    cards = raw_cards(container)
    assert [files.integer(r["id"]) for r in rows] == sorted(docs, reverse=True)
    for r in rows:
        doc = docs[files.integer(r["id"])]
        for key in ("net", "tax", "total", "open_amount"):
            assert files.amount(r[key]) == doc[key], (key, r)
        for key in ("document_date", "due_date", "voided_on"):
            assert files.day(r[key]) == doc[key], (key, r)
        for key in ("number", "type", "currency", "customer_external_ref", "groups"):
            assert r[key] == doc[key], (key, r)
        assert files.text(r["customer_name"]) == doc["customer_name"]
        assert files.integer(r["customer_id"]) == doc["customer_id"]
        assert files.amount(r["account_balance"]) == cards[doc["customer_id"]]["balance"]
        assert files.day(r["status_as_of"]) == ON


def test_amounts_keep_the_decimals_of_their_currency_as_text(
    container: Container, story: Story
) -> None:
    """1 234,56 never becomes 1234.5600000001: CSV and JSON write the exact text with the
    currency's decimals (none for JPY, three for KWD)."""
    for fmt in (ExportFormat.CSV, ExportFormat.JSON):
        rows = files.read(invoices_file(container, fmt), fmt)
        totals = {(r["currency"], r["total"]) for r in rows}
        assert ("JPY", "1100") in totals
        assert ("KWD", "1.234") in totals
        assert ("EUR", "15.85") in totals  # 12.34 + 20% (2.47) + 0.99 + 5.5% (0.05)
        net_tax = {(r["net"], r["tax"]) for r in rows}
        assert ("13.33", "2.52") in net_tax


def test_an_xlsx_amount_is_a_number_shown_with_its_currency_decimals(
    container: Container, story: Story
) -> None:
    content = invoices_file(container, ExportFormat.XLSX)
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    total = header.index("total") + 1
    currency = header.index("currency") + 1
    name = header.index("customer_name") + 1
    seen = {}
    for line in range(2, sheet.max_row + 1):
        cell = sheet.cell(line, total)
        assert isinstance(cell.value, int | float)
        seen[sheet.cell(line, currency).value] = cell.number_format
        assert sheet.cell(line, name).data_type == "s"  # '=SUM(A1:A2)' stays text
    assert seen == {"EUR": "#,##0.00", "JPY": "#,##0", "KWD": "#,##0.000"}
    assert sheet.freeze_panes == "A2"


def test_csv_guards_text_that_a_spreadsheet_would_run(container: Container, story: Story) -> None:
    content = invoices_file(container, ExportFormat.CSV, customer_id=story.ada)
    assert b",'=SUM(A1:A2)," in content
    as_json = files.read(invoices_file(container, ExportFormat.JSON, customer_id=story.ada), "json")
    assert {r["customer_name"] for r in as_json} == {"=SUM(A1:A2)"}


def test_the_invoices_file_applies_the_filters_of_the_list(
    container: Container, story: Story
) -> None:
    docs = raw_documents(container)
    cards = raw_cards(container)

    def ids(**filters: Any) -> list[int]:
        content = invoices_file(container, ExportFormat.JSON, **filters)
        return [r["id"] for r in files.read(content, "json")]

    expected = sorted((i for i, d in docs.items() if d["customer_id"] == story.ecole), reverse=True)
    assert ids(customer_id=story.ecole) == expected
    assert ids(currency="JPY") == [i for i, d in docs.items() if d["currency"] == "JPY"]
    assert ids(group_id=story.group) == sorted(
        (i for i, d in docs.items() if d["groups"]), reverse=True
    )
    assert ids(types=frozenset({DocType.PROFORMA})) == [
        i for i, d in docs.items() if d["type"] == "proforma"
    ]
    voided = ids(statuses=frozenset({Status.VOID}))
    assert voided == [i for i, d in docs.items() if d["voided_on"] is not None]
    # invoices left to pay of customers who owe: computed from the raw figures
    owing = ids(
        invoice_balance=((Compare.GT, Decimal(0)),), account_balance=((Compare.GT, Decimal(0)),)
    )
    assert owing == sorted(
        (
            i
            for i, d in docs.items()
            if d["open_amount"] > 0 and cards[d["customer_id"]]["balance"] > 0
        ),
        reverse=True,
    )
    assert owing  # the story has some
    since = ON - timedelta(days=5)
    assert ids(date_from=since) == sorted(
        (i for i, d in docs.items() if d["document_date"] >= since), reverse=True
    )


def test_the_invoices_file_is_the_list_read_whole(
    container: Container, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two give the same rows, in the same order, as one page of the list."""
    monkeypatch.setattr(invoice_download, "BATCH", 2)
    with container.uow(actor="test", write=False) as uow:
        page = reading.list_invoices(uow, InvoiceQuery(as_of=ON, limit=MAX_PAGE))
    expected = [(r.document.id, r.status.value, str(r.open_amount.amount)) for r in page.items]
    rows = files.read(invoices_file(container, ExportFormat.CSV), "csv")
    assert [(int(r["id"]), r["status"], r["open_amount"]) for r in rows] == expected


def test_status_and_invoice_balance_are_told_as_of_the_lists_date(
    container: Container, story: Story
) -> None:
    """Ada's first invoice (15.85) was partly paid the day after it was issued: on the day
    of issue it was unpaid in full."""
    issued = ON - timedelta(days=40)
    rows = files.read(invoices_file(container, ExportFormat.JSON, customer_id=story.ada), "json")
    first = min((r for r in rows if r["type"] == "one_time"), key=lambda r: r["id"])
    assert (first["status"], first["open_amount"]) == ("overdue", "5.85")
    query = InvoiceQuery(as_of=issued, customer_id=story.ada)
    content = download(invoice_download.stream(container, query, ExportFormat.JSON, actor="t"))
    then = {r["id"]: r for r in files.read(content, "json")}[first["id"]]
    assert (then["status"], then["open_amount"], then["status_as_of"]) == (
        "unpaid",
        "15.85",
        issued.isoformat(),
    )
    assert first["sent_at"].startswith("2026-02-01T09:30:00")


def test_an_empty_list_is_a_file_with_its_header_only(container: Container) -> None:
    for fmt in FORMATS:
        content = invoices_file(container, fmt)
        assert files.read(content, fmt) == []
    assert invoices_file(container, ExportFormat.JSON) == b"[]\n"
    assert invoices_file(container, ExportFormat.CSV).decode().splitlines() == [
        ",".join(c.key for c in invoice_columns.COLUMNS)
    ]


# -- customers ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_customers_file_holds_every_balance_card_from_the_raw_rows(
    container: Container, story: Story, fmt: ExportFormat
) -> None:
    content = customers_file(container, fmt)
    assert files.header(content, fmt) == [c.key for c in customer_columns.COLUMNS]
    rows = files.read(content, fmt)
    cards = raw_cards(container)
    assert [files.integer(r["id"]) for r in rows] == sorted(cards, reverse=True)
    for r in rows:
        card = cards[files.integer(r["id"])]
        for key in ("balance", "debit", "credit", "awaiting_confirmation"):
            assert files.amount(r[key]) == card[key], (key, r)
        for key in ("unbilled_net", "unbilled_gross"):
            assert files.amount(r[key]) == card[key], (key, r)
        assert files.integer(r["unbilled_count"]) == card["unbilled_count"]
        assert files.day(r["unbilled_first_date"]) == card["unbilled_first_date"]
        assert files.day(r["unbilled_last_date"]) == card["unbilled_last_date"]
    by_id = {files.integer(r["id"]): r for r in rows}
    ada, ecole = by_id[story.ada], by_id[story.ecole]
    assert files.text(ada["name"]) == "=SUM(A1:A2)"
    assert (ada["external_ref"], ada["email"], ada["payment_method"]) == (
        "A-1",
        "ada@example.com",
        "sepa_debit",
    )
    assert files.integer(ecole["period_months"]) == 3
    assert files.amount(ecole["credit_limit"]) == Decimal("50.00")
    assert (files.flag(ecole["reminders"]), files.flag(ada["reminders"])) == (False, True)
    assert (ecole["address_city"], ecole["address_country"]) == ("Paris", "FR")
    assert (ecole["timing"], ecole["proration"], files.integer(ecole["billing_day"])) == (
        "advance",
        "daily",
        1,
    )


def test_the_story_has_every_part_of_a_balance_card(container: Container, story: Story) -> None:
    """The figures above are worth checking: the story has debit, credit, awaiting and
    unbilled lines in them (Ada: 5.85 + 120.00 + 5.00 owed, 3.00 awaiting, two lines)."""
    cards = raw_cards(container)
    ada = cards[story.ada]
    assert ada["balance"] == Decimal("130.85")
    assert ada["awaiting_confirmation"] == Decimal("-3.00")
    assert (ada["unbilled_count"], ada["unbilled_net"]) == (2, Decimal("4.50"))
    assert cards[story.tanaka]["credit"] == Decimal("-900")
    assert cards[story.kuwait]["balance"] == Decimal("1.234")


@pytest.mark.parametrize("sort", list(CustomerSort))
def test_every_order_is_read_in_keyset_batches_as_the_list_pages_it(
    container: Container, story: Story, sort: CustomerSort, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of one and of two customers: the file's order is the list's, for every
    order (ties on the balance and on the name included)."""
    book = InvoiceBook(container)
    for name in ("Bob", "BOB", "bob"):
        cid = _customer(book, name=name, currency="EUR")
        book.charge(cid, "5.00", ON, on=ON)
    with container.uow(actor="test", write=False) as uow:
        page = ledger.list_customers(uow, CustomerQuery(sort=sort, limit=MAX_PAGE))
    expected = [c.id for c in page.items]
    for size in (1, 2):
        monkeypatch.setattr(customer_download, "BATCH", size)
        rows = files.read(customers_file(container, ExportFormat.CSV, sort=sort), "csv")
        assert [int(r["id"]) for r in rows] == expected, size


def test_the_customers_file_applies_the_filters_of_the_list(
    container: Container, story: Story
) -> None:
    cards = raw_cards(container)

    def ids(**filters: Any) -> set[int]:
        return {
            r["id"]
            for r in files.read(customers_file(container, ExportFormat.JSON, **filters), "json")
        }

    s = story
    assert ids(segment="pro") == {s.ada, s.tanaka}
    assert ids(currency="eur") == {s.ada, s.ecole, s.bob}
    assert ids(payment_method=PaymentMethod.CARD) == {s.kuwait}
    assert ids(text="école") == {s.ecole}
    assert ids(balance=BalanceFilter.OWES) == {c for c, k in cards.items() if k["balance"] > 0}
    assert ids(balance=BalanceFilter.CREDIT) == {c for c, k in cards.items() if k["balance"] < 0}
    assert ids(balance=BalanceFilter.SETTLED, segment="home") == {s.bob}
    assert ids(status=CustomerStatus.ACTIVE) == set(cards)


def test_the_file_is_one_moments_list_even_while_others_post(
    container: Container, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is read in one read-only unit of work: a payment committed after the first
    rows were written is not in the rows that follow (on PostgreSQL too, where the unit of
    work asks for a repeatable read)."""
    monkeypatch.setattr(customer_download, "BATCH", 1)
    monkeypatch.setattr(tabular, "ROWS_PER_CHUNK", 1)
    query = CustomerQuery.from_filters(sort=CustomerSort.OLDEST)
    chunks = customer_download.stream(container, query, ExportFormat.CSV, actor="test")
    first = next(chunks)
    assert first.count(b"\r\n") == 2  # the header and Ada
    InvoiceBook(container).pay(story.bob, "25.00", on=ON)
    rest = b"".join(chunks)
    rows = files.read(first + rest, "csv")
    assert {int(r["id"]): r["balance"] for r in rows}[story.bob] == "0.00"
    assert raw_cards(container)[story.bob]["balance"] == Decimal("-25.00")
