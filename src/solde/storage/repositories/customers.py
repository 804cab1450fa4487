"""Customer records and their mapping to and from `Customer`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from solde.domain.errors import NotFound
from solde.domain.money import Money
from solde.domain.values import is_possible_id
from solde.ledger.billing import BILLING_FIELDS, BillingOverrides, Proration, Timing
from solde.ledger.customers import Address, Customer, CustomerDetails, CustomerStatus
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import BalanceFilter, CustomerQuery, CustomerSort, Page
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.tables import customer_balances, customers, transactions


def _now() -> datetime:
    return datetime.now(UTC)


def _overrides_row(billing: BillingOverrides, currency: str) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(billing, name) for name in BILLING_FIELDS}
    for name in ("timing", "proration"):
        row[name] = None if row[name] is None else row[name].value
    limit = billing.credit_limit
    row["credit_limit"] = None if limit is None else units.to_minor(Money(limit, currency))
    return row


def fold_name(name: str) -> str:
    """A name as the lists order and search it: in lower case, every script folded (SQLite's own
    lower() folds ASCII only)."""
    return name.lower()


def details_row(details: CustomerDetails) -> dict[str, Any]:
    """The columns of a customer."""
    return {
        "external_ref": details.external_ref,
        "name": details.name,
        "name_folded": fold_name(details.name),
        "email": details.email,
        "currency": details.currency,
        "segment": details.segment,
        "payment_method": details.payment_method.value,
        "partner_id": details.partner_id,
        "locale": details.locale,
        "billing_address": details.billing_address.as_dict(),
        "status": details.status.value,
        "status_by": details.status_by,
        **_overrides_row(details.billing, details.currency),
    }


def _overrides(row: Row[Any]) -> BillingOverrides:
    values: dict[str, Any] = {name: getattr(row, name) for name in BILLING_FIELDS}
    if values["timing"] is not None:
        values["timing"] = Timing(values["timing"])
    if values["proration"] is not None:
        values["proration"] = Proration(values["proration"])
    if values["credit_limit"] is not None:
        values["credit_limit"] = units.from_minor(values["credit_limit"], row.currency).amount
    for name in ("billing_enabled", "auto_invoice", "auto_settlement", "reminders",
                 "bill_on_activation", "dunning_enabled"):  # fmt: skip
        if values[name] is not None:
            values[name] = bool(values[name])
    return BillingOverrides(**values)


def to_customer(row: Row[Any]) -> Customer:
    """A customer from its row."""
    address = row.billing_address or {}
    return Customer(
        id=row.id,
        details=CustomerDetails(
            name=row.name,
            currency=row.currency,
            external_ref=row.external_ref,
            email=row.email,
            segment=row.segment,
            payment_method=PaymentMethod(row.payment_method),
            partner_id=row.partner_id,
            locale=row.locale,
            billing_address=Address(**address),
            status=CustomerStatus(row.status),
            billing=_overrides(row),
            status_by=row.status_by,
        ),
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: Statements of every posting, built once: SQLAlchemy then reuses their compiled form.
_GET = select(customers).where(customers.c.id == bindparam("id"))
_LOCK = (
    select(customers)
    .join(customer_balances, customer_balances.c.customer_id == customers.c.id)
    .where(customers.c.id == bindparam("id"))
    .with_for_update(of=customer_balances)
)

#: The balance filters, on the aggregate row (minor units: the sign is all that counts).
_BALANCE: dict[BalanceFilter, ColumnElement[bool]] = {
    BalanceFilter.OWES: customer_balances.c.balance > 0,
    BalanceFilter.CREDIT: customer_balances.c.balance < 0,
    BalanceFilter.SETTLED: customer_balances.c.balance == 0,
}
_BY_BALANCE = (CustomerSort.BALANCE_DESC, CustomerSort.BALANCE_ASC)


def _order(
    sort: CustomerSort, ids: ColumnElement[Any], balances: ColumnElement[Any]
) -> tuple[ColumnElement[Any], ...]:
    """The order of the list, ending with the id so that no two customers tie. Names compare
    folded (`name_folded`, indexed with the id): on SQLite code point by code point, on
    PostgreSQL in the database's collation. Balances compare in minor units."""
    if sort == CustomerSort.NEWEST:
        return (ids.desc(),)
    if sort == CustomerSort.NAME:
        return (customers.c.name_folded.asc(), ids.asc())
    if sort == CustomerSort.BALANCE_DESC:
        return (balances.desc(), ids.asc())
    if sort == CustomerSort.BALANCE_ASC:
        return (balances.asc(), ids.asc())
    return (ids.asc(),)


def _paged(
    stmt: Select[Any], query: CustomerQuery, ids: ColumnElement[Any], balances: ColumnElement[Any]
) -> Select[Any]:
    """`stmt` in the query's order, cut to its page (one row more, to tell whether more follow)."""
    stmt = stmt.order_by(*_order(query.sort, ids, balances)).limit(query.limit + 1)
    if query.offset:
        stmt = stmt.offset(query.offset)
    if query.starting_after is not None:
        stmt = stmt.where(ids < query.starting_after)
    return stmt


def _by_customer_columns(query: CustomerQuery) -> bool:
    """True when a filter reads a column only the customer row holds (the aggregate row holds
    the currency too)."""
    return bool(
        query.segment is not None
        or query.payment_method is not None
        or query.status is not None
        or query.text
    )


def _on_balances(stmt: Select[Any], query: CustomerQuery) -> Select[Any]:
    """`stmt` over the aggregate rows of the customers of the query's currency and balance:
    narrow rows of one table, which filter and sort several times faster than customers
    joined to them. The aggregate row's currency is the customer's (set together; changed
    together, while the balance is empty)."""
    b = customer_balances.c
    stmt = stmt.select_from(customer_balances)
    if query.currency is not None:
        stmt = stmt.where(b.currency == query.currency)
    if query.balance is not None:
        stmt = stmt.where(_BALANCE[query.balance])
    return stmt


def _matching(stmt: Select[Any], query: CustomerQuery, *, with_balances: bool) -> Select[Any]:
    """`stmt` over the customers that match the query's filters, joined to their aggregate
    rows when `with_balances` (for the balance filter or order)."""
    c = customers.c
    if with_balances:
        stmt = stmt.select_from(
            customers.join(customer_balances, customer_balances.c.customer_id == c.id)
        )
    else:
        stmt = stmt.select_from(customers)
    if query.balance is not None:
        stmt = stmt.where(_BALANCE[query.balance])
    if query.segment is not None:
        stmt = stmt.where(c.segment == query.segment)
    if query.currency is not None:
        stmt = stmt.where(c.currency == query.currency)
    if query.payment_method is not None:
        stmt = stmt.where(c.payment_method == query.payment_method.value)
    if query.status is not None:
        stmt = stmt.where(c.status == query.status.value)
    if query.text:
        pattern = _like(query.text)
        stmt = stmt.where(
            or_(
                c.name_folded.like(pattern, escape="\\"),
                func.lower(c.email).like(pattern, escape="\\"),
                func.lower(c.external_ref).like(pattern, escape="\\"),
            )
        )
    return stmt


def _search(query: CustomerQuery) -> Select[Any]:
    """The statement of one page of the list. When the balance filter or order is all that
    needs the aggregate rows, and the order is not by name, the page's ids are chosen on the
    aggregate rows alone and only the page's customers are read."""
    with_balances = query.balance is not None or query.sort in _BY_BALANCE
    if with_balances and query.sort != CustomerSort.NAME and not _by_customer_columns(query):
        b = customer_balances.c
        found = _on_balances(select(b.customer_id.label("id"), b.balance), query)
        page = _paged(found, query, b.customer_id, b.balance).subquery()
        return (
            select(customers)
            .join(page, page.c.id == customers.c.id)
            .order_by(*_order(query.sort, page.c.id, page.c.balance))
        )
    found = _matching(select(customers), query, with_balances=with_balances)
    return _paged(found, query, customers.c.id, customer_balances.c.balance)


#: What the keyset of an order compares: the sort value (None in the id orders) and the id.
Keyset = tuple[Any, int]


def _batch(query: CustomerQuery, after: Keyset | None, size: int) -> Select[Any]:
    """The next `size` customers of the list in its order, after the row whose keyset is
    `after` (the start when None): filters as `_matching`, every order, no offset."""
    b = customer_balances.c
    c = customers.c
    name = c.name_folded
    stmt = _matching(
        select(customers, name.label("sort_name"), b.balance.label("sort_balance")),
        query,
        with_balances=True,
    )
    stmt = stmt.order_by(*_order(query.sort, c.id, b.balance)).limit(size)
    if after is None:
        return stmt
    value, last = after
    if query.sort == CustomerSort.NEWEST:
        return stmt.where(c.id < last)
    if query.sort == CustomerSort.OLDEST:
        return stmt.where(c.id > last)
    column: Any = name if query.sort == CustomerSort.NAME else b.balance
    beyond = column < value if query.sort == CustomerSort.BALANCE_DESC else column > value
    return stmt.where(or_(beyond, and_(column == value, c.id > last)))


def _keyset(sort: CustomerSort, row: Row[Any]) -> Keyset:
    """Where the next batch starts, after `row`."""
    if sort == CustomerSort.NAME:
        return row.sort_name, row.id
    if sort in _BY_BALANCE:
        return row.sort_balance, row.id
    return None, row.id


def _count(query: CustomerQuery) -> Select[Any]:
    """The statement counting the customers that match the query's filters."""
    if query.balance is not None and not _by_customer_columns(query):
        return _on_balances(select(func.count()), query)
    return _matching(select(func.count()), query, with_balances=query.balance is not None)


class SqlCustomers:
    """Customers in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, details: CustomerDetails) -> Customer:
        """Insert the customer and its empty aggregate row."""
        now = _now()
        row = {**details_row(details), "created_at": now, "updated_at": now}
        customer_id = self._c.execute(
            insert(customers).values(row).returning(customers.c.id)
        ).scalar_one()
        self._c.execute(
            insert(customer_balances).values(
                customer_id=customer_id,
                currency=details.currency,
                balance=0,
                debit=0,
                credit=0,
                awaiting=0,
                unbilled_count=0,
                unbilled_net=0,
                unbilled_gross=0,
            )
        )
        return Customer(id=customer_id, details=details)

    def get(self, customer_id: int) -> Customer:
        """The customer, or NotFound."""
        if not is_possible_id(customer_id):
            raise NotFound("customer", customer_id)
        row = self._c.execute(_GET, {"id": customer_id}).first()
        if row is None:
            raise NotFound("customer", customer_id)
        return to_customer(row)

    def lock(self, customer_id: int) -> Customer:
        """The customer; on PostgreSQL its aggregate row stays locked until commit (read and
        locked in one round trip). SQLite's writers are serialised already."""
        if not is_possible_id(customer_id):
            raise NotFound("customer", customer_id)
        if self._c.dialect.name != "postgresql":
            return self.get(customer_id)
        row = self._c.execute(_LOCK, {"id": customer_id}).first()
        if row is None:
            raise NotFound("customer", customer_id)
        return to_customer(row)

    def lock_many(self, customer_ids: Sequence[int]) -> dict[int, Customer]:
        """The customers among `customer_ids` that exist, locked in id order on PostgreSQL."""
        wanted = sorted({i for i in customer_ids if is_possible_id(i)})
        found: dict[int, Customer] = {}
        for chunk in chunks(wanted):
            if self._c.dialect.name == "postgresql":
                self._c.execute(
                    select(customer_balances.c.customer_id)
                    .where(customer_balances.c.customer_id.in_(chunk))
                    .order_by(customer_balances.c.customer_id)
                    .with_for_update()
                ).all()
            rows = self._c.execute(select(customers).where(customers.c.id.in_(chunk)))
            found.update((row.id, to_customer(row)) for row in rows)
        return found

    def update(self, customer: Customer) -> None:
        """Save changed details."""
        self._c.execute(
            update(customers)
            .where(customers.c.id == customer.id)
            .values(**details_row(customer.details), updated_at=_now())
        )

    def id_of_external_ref(self, external_ref: str) -> int | None:
        """The customer holding this external reference."""
        query = select(customers.c.id).where(customers.c.external_ref == external_ref)
        found: int | None = self._c.execute(query).scalar()
        return found

    def search(self, query: CustomerQuery) -> Page[Customer]:
        """Customers matching the filters, in the query's order, one page."""
        rows = self._c.execute(_search(query)).all()
        return Page(tuple(to_customer(r) for r in rows[: query.limit]), len(rows) > query.limit)

    def batches(self, query: CustomerQuery, *, size: int = 1_000) -> Iterator[list[Customer]]:
        """Every customer matching the filters, in the query's order, `size` at a time (the
        query's page is ignored). Each batch starts where the last one ended by the order's
        own key, so a long list is never read with an offset nor held whole in memory."""
        after: Keyset | None = None
        while True:
            rows = self._c.execute(_batch(query, after, size)).all()
            if not rows:
                return
            yield [to_customer(r) for r in rows]
            if len(rows) < size:
                return
            after = _keyset(query.sort, rows[-1])

    def get_many(self, customer_ids: Sequence[int]) -> dict[int, Customer]:
        """The customers among `customer_ids` that exist, by id (read, never locked)."""
        found: dict[int, Customer] = {}
        for chunk in chunks(sorted({i for i in customer_ids if is_possible_id(i)})):
            rows = self._c.execute(select(customers).where(customers.c.id.in_(chunk)))
            found.update((row.id, to_customer(row)) for row in rows)
        return found

    def count(self, query: CustomerQuery) -> int:
        """How many customers match the filters."""
        found: int = self._c.execute(_count(query)).scalar_one()
        return found

    def has_entries(self, customer_id: int) -> bool:
        """True once the customer has any transaction or line."""
        query = select(exists().where(transactions.c.customer_id == customer_id))
        return bool(self._c.execute(query).scalar())
