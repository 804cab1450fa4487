"""The customer list filtered by what customers owe, sorted, paged by offset and counted, through
the service layer, on both databases (SPEC §1 signs, §3 customers, §12 lists).

Every expectation is computed in the test from the customers it makes (`PEOPLE`), never read
back from the database: the balance each one ends with is the sum of what was posted for it.

How accented names sort by name (the name lower-cased, then the id):
- SQLite: solde installs Python's `str.lower` as `lower()` (SQLite's own folds ASCII only), and
  SQLite compares text by code point, so accented initials come after "z": … "zoë zimmer",
  "åsa berg", "école dupont", "émile roux".
- PostgreSQL: the database's collation decides. In a `C` or `C.UTF-8` database (the test
  server's) the order is SQLite's; in a linguistic one (`en_US.UTF-8`, `fr_FR.UTF-8`, ICU) an
  accented letter sorts with its base letter: "alice dubois", "åsa berg", "bob martin", …
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import books
import pytest
from sqlalchemy import text

from solde.bootstrap import Container
from solde.domain.errors import InvalidInput
from solde.ledger import usecases as ledger
from solde.ledger.customers import CustomerStatus
from solde.ledger.ports import (
    MAX_OFFSET,
    MAX_PAGE,
    BalanceFilter,
    CustomerQuery,
    CustomerSort,
)
from solde.settlement import usecases as settlement

ON = books.ON
DAY = ON - timedelta(days=3)


@dataclass(frozen=True)
class Person:
    """A customer to make, and what to post for it (major units of its currency)."""

    name: str
    currency: str
    charges: tuple[str, ...] = ()
    payments: tuple[str, ...] = ()
    status: str = "active"
    email: str | None = None


#: In creation order (so in id order). Ties on purpose: three "Bob Martin" whatever the case,
#: two EUR customers owing 40.00, two in credit of 15.50, several settled; JPY has no decimals,
#: so 5000 JPY is 5000 minor units against 4000 for 40.00 EUR.
PEOPLE = (
    Person("Bob Martin", "EUR", charges=("40.00",)),
    Person("alice Dubois", "EUR", payments=("15.50",), email="alice@dubois.example"),
    Person("Zoë Zimmer", "EUR"),
    Person("École Dupont", "EUR", charges=("25.00", "15.00")),
    Person("bob martin", "EUR", charges=("10.00",), payments=("10.00",)),
    Person("Émile Roux", "JPY", charges=("5000",)),
    Person("Yann Kerr", "JPY", payments=("300",), status="blocked"),
    Person("BOB MARTIN", "JPY", charges=("1000",), payments=("1000",)),
    Person("ecole Martin", "EUR", charges=("12.34",), status="blocked"),
    Person("Åsa Berg", "EUR", charges=("4.50",), payments=("20.00",)),
    Person("Zack", "JPY", charges=("40",), email="zack@martin.example"),
    Person("adam", "EUR", charges=("0.01",)),
)
EXPONENT = {"EUR": 2, "JPY": 0}


def minor(amount: str, currency: str) -> int:
    """`amount` in minor units, computed without the code under test."""
    whole, _, fraction = amount.partition(".")
    places = EXPONENT[currency]
    return int(whole) * 10**places + int((fraction + "0" * places)[:places] or "0")


@dataclass(frozen=True)
class Made:
    """A customer as made: its id and the balance it must have, in minor units."""

    id: int
    person: Person
    balance: int


class Book(books.Book):
    """`books.Book` with posted charges and payments."""

    def make(self, person: Person) -> Made:
        values: dict[str, Any] = {
            "name": person.name,
            "currency": person.currency,
            "status": person.status,
            "email": person.email,
        }
        customer = int(self(ledger.create_customer, values).id)
        for price in person.charges:
            entry = {
                "kind": "debit",
                "type": "charge",
                "label": "charge",
                "unit_price": price,
                "date": DAY.isoformat(),
                "bill_on_next_invoice": False,
            }
            self(settlement.add_entry, customer, entry, on=ON)
        for amount in person.payments:
            payment = {"amount": amount, "method": "card", "date": DAY.isoformat()}
            self(settlement.record_payment, customer, payment, on=ON)
        balance = sum(minor(a, person.currency) for a in person.charges) - sum(
            minor(a, person.currency) for a in person.payments
        )
        return Made(customer, person, balance)

    def search(self, **filters: Any) -> tuple[list[int], bool]:
        with self.container.uow(actor="test", write=False) as uow:
            page = ledger.list_customers(uow, CustomerQuery.from_filters(**filters))
        return [c.id for c in page.items], page.has_more

    def ids(self, **filters: Any) -> list[int]:
        return self.search(**{"limit": MAX_PAGE, **filters})[0]

    def count(self, **filters: Any) -> int:
        with self.container.uow(actor="test", write=False) as uow:
            return ledger.count_customers(uow, CustomerQuery.from_filters(**filters))


@pytest.fixture
def book(container: Container) -> Book:
    return Book(container)


@pytest.fixture
def made(book: Book) -> list[Made]:
    everyone = [book.make(person) for person in PEOPLE]
    # what the ledger says agrees with what the test computed
    with book.container.uow(actor="test", write=False) as uow:
        for m in everyone:
            balance = uow.balances.get(m.id).balance
            assert balance.amount.scaleb(EXPONENT[m.person.currency]) == m.balance, m
    return everyone


# -- what the test expects, computed from PEOPLE ----------------------------------------------

KEEPS = {
    None: lambda m: True,
    BalanceFilter.OWES: lambda m: m.balance > 0,
    BalanceFilter.CREDIT: lambda m: m.balance < 0,
    BalanceFilter.SETTLED: lambda m: m.balance == 0,
}


def _code_point_name(m: Made) -> tuple[Any, ...]:
    return (m.person.name.lower(), m.id)


#: The base letter of the accented letters of PEOPLE, for a linguistic collation.
_BASE = str.maketrans("åäéëèöü", "aaeeeou")


def _linguistic_name(m: Made) -> tuple[Any, ...]:
    lowered = m.person.name.lower()
    return (lowered.translate(_BASE), lowered, m.id)


def order(people: list[Made], sort: CustomerSort, name_key: Any = _code_point_name) -> list[int]:
    """The ids of `people` in the order `sort` must give."""
    keys: dict[CustomerSort, Any] = {
        CustomerSort.NEWEST: lambda m: -m.id,
        CustomerSort.OLDEST: lambda m: m.id,
        CustomerSort.NAME: name_key,
        CustomerSort.BALANCE_DESC: lambda m: (-m.balance, m.id),
        CustomerSort.BALANCE_ASC: lambda m: (m.balance, m.id),
    }
    return [m.id for m in sorted(people, key=keys[sort])]


def name_key_of(book: Book, backend: str) -> Any:
    """How this database orders names (see the module's docstring)."""
    if backend == "sqlite":
        return _code_point_name
    with book.container.engine.connect() as connection:
        collation = connection.execute(
            text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    if collation in ("C", "POSIX") or collation.upper().startswith("C."):
        return _code_point_name
    return _linguistic_name


def matches(m: Made, text_: str | None) -> bool:
    """The text search of the list: name, e-mail or external reference, ignoring case."""
    if text_ is None:
        return True
    fields = (m.person.name, m.person.email or "")
    return any(text_.lower() in f.lower() for f in fields)


# -- filters ----------------------------------------------------------------------------------


def test_each_balance_filter_keeps_exactly_its_customers(book: Book, made: list[Made]) -> None:
    owes = {m.id for m in made if m.balance > 0}
    credit = {m.id for m in made if m.balance < 0}
    settled = {m.id for m in made if m.balance == 0}
    assert len(owes) == 6
    assert len(credit) == 3
    assert len(settled) == 2 + 1  # two settled by a payment, one never charged
    for balance, expected in [("owes", owes), ("credit", credit), ("settled", settled)]:
        ids = book.ids(balance=balance)
        assert ids == sorted(expected, reverse=True), balance  # newest first by default
        assert book.count(balance=balance) == len(expected), balance
    assert owes | credit | settled == set(book.ids())


def test_filters_combine(book: Book, made: list[Made]) -> None:
    currencies = [None, "EUR", "JPY"]
    texts = [None, "martin", "ÉCOLE", "example"]
    statuses = [None, CustomerStatus.ACTIVE, CustomerStatus.BLOCKED]
    for currency, balance, text_, status in itertools.product(currencies, KEEPS, texts, statuses):
        wanted = [
            m
            for m in made
            if (currency is None or m.person.currency == currency)
            and KEEPS[balance](m)
            and matches(m, text_)
            and (status is None or m.person.status == status.value)
        ]
        filters: dict[str, Any] = {
            "currency": currency,
            "balance": balance,
            "text": text_,
            "status": status,
        }
        assert book.ids(**filters, sort="balance_desc") == order(
            wanted, CustomerSort.BALANCE_DESC
        ), filters
        assert book.count(**filters) == len(wanted), filters


def test_one_combination_spelled_out(book: Book, made: list[Made]) -> None:
    bob, _alice, _zoe, _ecole, _bob2, _emile, _yann, _bob3, ecole_martin, *_ = made
    # EUR customers who owe, named "martin", whatever their status: Bob Martin and ecole Martin
    found = book.ids(currency="EUR", balance="owes", text="MARTIN", sort="name")
    assert found == [bob.id, ecole_martin.id]
    assert book.ids(
        currency="EUR", balance="owes", text="martin", status=CustomerStatus.BLOCKED
    ) == [ecole_martin.id]


def test_a_customer_whose_currency_changed_is_listed_in_its_new_currency(
    book: Book, made: list[Made]
) -> None:
    """Filters on currency and balance alone are answered from the aggregate rows, which hold
    the currency too: a change of currency (allowed while nothing is posted) moves both."""
    zoe = made[2]
    book(ledger.update_customer, zoe.id, {"currency": "JPY"})
    jpy = [m for m in made if m.person.currency == "JPY" and m.id != zoe.id] + [zoe]
    for balance in BalanceFilter:
        kept = [m for m in jpy if KEEPS[balance](m)]
        for sort in CustomerSort:
            if sort is CustomerSort.NAME:
                continue  # names live on the customer row: another statement
            assert book.ids(currency="JPY", balance=balance, sort=sort) == order(kept, sort)
        assert book.count(currency="JPY", balance=balance) == len(kept)
    assert zoe.id not in book.ids(currency="EUR", balance="settled")
    assert zoe.id in book.ids(currency="JPY", sort="balance_asc")


# -- orders -----------------------------------------------------------------------------------


def test_each_order_with_its_ties_broken_by_id(book: Book, made: list[Made], backend: str) -> None:
    name_key = name_key_of(book, backend)
    for sort in CustomerSort:
        assert book.ids(sort=sort) == order(made, sort, name_key), sort
        for balance in BalanceFilter:
            kept = [m for m in made if KEEPS[balance](m)]
            assert book.ids(sort=sort, balance=balance) == order(kept, sort, name_key), (
                sort,
                balance,
            )


def test_names_sort_ignoring_case_then_by_id(book: Book, made: list[Made], backend: str) -> None:
    by_name = book.ids(sort="name")
    names = {m.id: m.person.name for m in made}
    bobs = [i for i in by_name if names[i].lower() == "bob martin"]
    assert bobs == sorted(bobs)  # "Bob Martin", "bob martin", "BOB MARTIN": by id
    assert len(bobs) == 3
    listed = [names[i] for i in by_name]
    if name_key_of(book, backend) is _code_point_name:
        assert listed == [
            "adam", "alice Dubois", "Bob Martin", "bob martin", "BOB MARTIN", "ecole Martin",
            "Yann Kerr", "Zack", "Zoë Zimmer", "Åsa Berg", "École Dupont", "Émile Roux",
        ]  # fmt: skip
    else:
        assert listed == [
            "adam", "alice Dubois", "Åsa Berg", "Bob Martin", "bob martin", "BOB MARTIN",
            "École Dupont", "ecole Martin", "Émile Roux", "Yann Kerr", "Zack", "Zoë Zimmer",
        ]  # fmt: skip


def test_balance_orders_compare_minor_units_across_currencies(book: Book, made: list[Made]) -> None:
    """5000 JPY (5000 minor units) owes "more" than 40.00 EUR (4000): the balance orders are
    meant for one currency at a time."""
    bob, _alice, _zoe, ecole, _bob2, emile, *_ = made
    assert book.ids(sort="balance_desc", limit=3) == [emile.id, bob.id, ecole.id]
    eur = [m for m in made if m.person.currency == "EUR"]
    assert book.ids(sort="balance_desc", currency="EUR") == order(eur, CustomerSort.BALANCE_DESC)
    assert book.ids(sort="balance_asc", currency="EUR") == order(eur, CustomerSort.BALANCE_ASC)


# -- pages ------------------------------------------------------------------------------------


def _walk(book: Book, size: int, **filters: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    offset = 0
    while True:
        ids, has_more = book.search(limit=size, offset=offset, **filters)
        pages.append(ids)
        if not has_more:
            return pages
        assert len(ids) == size
        offset += size


def test_offset_pages_never_overlap_or_skip(book: Book, made: list[Made], backend: str) -> None:
    name_key = name_key_of(book, backend)
    for sort, balance, size in itertools.product(CustomerSort, KEEPS, (1, 3, 4, 5)):
        kept = [m for m in made if KEEPS[balance](m)]
        expected = order(kept, sort, name_key)
        pages = _walk(book, size, sort=sort, balance=balance)
        assert [i for page in pages for i in page] == expected, (sort, balance, size)
        assert pages == [expected[i : i + size] for i in range(0, len(expected), size)]


def test_a_page_exactly_full_has_nothing_after_it(book: Book, made: list[Made]) -> None:
    assert book.search(sort="name", limit=len(made)) == (book.ids(sort="name"), False)
    assert book.search(sort="name", limit=len(made) - 1)[1] is True
    assert book.search(sort="name", offset=len(made)) == ([], False)
    assert book.search(sort="oldest", offset=MAX_OFFSET) == ([], False)


def test_newest_first_pages_with_the_cursor_and_with_offset(book: Book, made: list[Made]) -> None:
    owes = order([m for m in made if m.balance > 0], CustomerSort.NEWEST)
    first, more = book.search(balance="owes", limit=3)
    assert (first, more) == (owes[:3], True)
    second, _ = book.search(balance="owes", limit=3, starting_after=first[-1])
    assert second == owes[3:6]
    assert book.search(balance="owes", limit=3, offset=3)[0] == second


def test_count_ignores_the_page(book: Book, made: list[Made]) -> None:
    everyone = len(made)
    assert book.count() == everyone
    assert book.count(limit=1) == everyone
    assert book.count(offset=5, sort="name") == everyone
    assert book.count(starting_after=made[3].id) == everyone
    assert book.count(currency="JPY", balance="settled") == 1
    assert book.count(text="nobody") == 0


# -- the query refuses what it cannot do (no database needed) ---------------------------------


def _refused(field: str, **values: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        CustomerQuery.from_filters(**values)
    assert [e.field for e in caught.value.errors] == [field], caught.value.errors
    return caught.value.errors[0].message


def test_a_cursor_goes_only_with_newest_first_and_no_offset() -> None:
    for sort in set(CustomerSort) - {CustomerSort.NEWEST}:
        message = _refused("starting_after", starting_after=10, sort=sort)
        assert "newest" in message
        with pytest.raises(InvalidInput):
            CustomerQuery(starting_after=10, sort=sort)
    assert "offset" in _refused("starting_after", starting_after=10, offset=20)
    assert CustomerQuery.from_filters(starting_after=10, sort="newest").starting_after == 10
    assert CustomerQuery.from_filters(offset=20, sort="name").offset == 20


def test_offset_bounds() -> None:
    _refused("offset", offset=-1)
    _refused("offset", offset=MAX_OFFSET + 1)
    assert CustomerQuery(offset=MAX_OFFSET).offset == MAX_OFFSET


def test_choices_as_typed() -> None:
    query = CustomerQuery.from_filters(balance=" owes ", sort="balance_asc")
    assert (query.balance, query.sort) == (BalanceFilter.OWES, CustomerSort.BALANCE_ASC)
    blank = CustomerQuery.from_filters(balance="", sort="")
    assert (blank.balance, blank.sort) == (None, CustomerSort.NEWEST)
    assert CustomerQuery.from_filters(sort=None).sort is CustomerSort.NEWEST
    assert "owes, credit, settled" in _refused("balance", balance="debt")
    assert "newest" in _refused("sort", sort="NAME")
