"""The web back office's most visited read paths (issue: web back office), each with the same
figures read in plain SQL with the driver as its baseline: the dashboard's balance report (7)
and one page of the customer list (8).

solde's side checks, outside the timed calls, that what it read equals what plain SQL reads
from the same database, and fails the scenario when it does not.
"""

from __future__ import annotations

import statistics
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bench import databases, generator
from bench.databases import Database
from bench.profiles import Profile
from bench.scenarios import Metrics, Scenario, register
from bench.stats import percentile, timed
from solde.bootstrap import Container
from solde.ledger import usecases as ledger
from solde.ledger.balance import Balance
from solde.ledger.customers import Customer
from solde.ledger.ports import CustomerQuery
from solde.ledger.reports import BalanceReport, balance_report
from solde.storage.tables import customer_balances, customers

TODAY = generator.TODAY
#: Month ends of the dashboard's history, as the web asks for them.
MONTHS = 12
#: Customers on one page of the list, as the web shows them (solde.web.routes.customers).
PAGE_SIZE = 25


class Disagreement(AssertionError):
    """solde and plain SQL read different figures from the same database."""


def _mark(backend: str) -> str:
    return "?" if backend == "sqlite" else "%s"


def _end(connection: Any, backend: str) -> None:
    """End the read transaction, as a read unit of work does (PostgreSQL opens one)."""
    if backend == "postgresql":
        connection.rollback()


# -- 7. the dashboard's balance report --------------------------------------------------------

#: A currency's figures: customers, owing, in credit, settled, owed, credit, awaiting (minor
#: units), then the net balance at each month end.
Figures = dict[str, tuple[int, ...]]

_TOTALS_SQL = (
    "SELECT currency, COUNT(*), "
    "SUM(CASE WHEN balance > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN balance < 0 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN balance > 0 THEN balance ELSE 0 END), "
    "SUM(CASE WHEN balance < 0 THEN balance ELSE 0 END), SUM(awaiting) "
    "FROM customer_balances GROUP BY currency"
)


def _history_sql(backend: str, days: int) -> str:
    """Per currency, the posted transactions dated up to each day, signed, in one scan."""
    signed = "CASE WHEN kind = 'debit' THEN amount ELSE -amount END"
    day = f"SUM(CASE WHEN date <= {_mark(backend)} THEN {signed} ELSE 0 END)"
    return (
        f"SELECT currency, {', '.join([day] * days)} FROM transactions "
        "WHERE state IN ('open', 'closed') GROUP BY currency"
    )


def month_ends(on: date, months: int) -> list[date]:
    """The last day of each of the `months - 1` months before `on`'s, then `on`: written here
    again, so that the baseline does not take its days from solde."""
    ends = [on]
    year, month = on.year, on.month
    for _ in range(months - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(date(year, month, monthrange(year, month)[1]))
    return ends[::-1]


def _report_book(backend: str, profile: Profile) -> Database:
    """Scenario 5's book: the same generator and sizes, so its cached book is reused."""
    size = generator.BookSize(profile.all_customers, profile.all_transactions)
    return databases.book(backend, size)


def sql_figures(connection: Any, backend: str, days: Sequence[date]) -> Figures:
    """The balance report's figures read with the driver: the totals in one GROUP BY over the
    aggregate rows, the history in one pass over the posted transactions."""
    params = [day.isoformat() if backend == "sqlite" else day for day in days]
    totals = connection.execute(_TOTALS_SQL).fetchall()
    history = connection.execute(_history_sql(backend, len(days)), params).fetchall()
    _end(connection, backend)
    posted = {row[0]: [int(value or 0) for value in row[1:]] for row in history}
    figures: Figures = {}
    for currency, count, owing, in_credit, owed, credit, awaiting in totals:
        owing, in_credit = int(owing or 0), int(in_credit or 0)
        figures[currency] = (
            int(count), owing, in_credit, int(count) - owing - in_credit,
            int(owed or 0), int(credit or 0), int(awaiting or 0),
            *posted.get(currency, [0] * len(days)),
        )  # fmt: skip
    return figures


def report_figures(report: BalanceReport) -> Figures:
    """The same figures from solde's report, in minor units."""
    figures: Figures = {}
    for s in report.currencies:
        amounts = (s.owed, s.credit, s.awaiting_confirmation, *(b for _day, b in s.history))
        counts = (s.customers, s.owing, s.in_credit, s.settled)
        figures[s.currency] = (*counts, *(amount.minor for amount in amounts))
    return figures


def _check_report(database: Database, report: BalanceReport, days: list[date]) -> None:
    connection = database.raw()
    expected = sql_figures(connection, database.backend, days)
    connection.close()
    mine = report_figures(report)
    shown = {tuple(day for day, _ in s.history) for s in report.currencies}
    if mine != expected or shown != {tuple(days)}:
        raise Disagreement(
            f"the balance report differs from plain SQL on {database.backend}:\n"
            f"  days:  solde {sorted(shown)}, expected {days}\n"
            f"  solde: {mine}\n  SQL:   {expected}"
        )


def _latencies(seconds: Sequence[float]) -> Metrics:
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def report_solde(backend: str, profile: Profile) -> Metrics:
    """`balance_report(months=12)` in a read unit of work, as the dashboard asks for it; then
    the check that its figures are those plain SQL reads."""
    database = _report_book(backend, profile)
    container = database.container()
    made: list[BalanceReport] = []

    def call() -> None:
        with container.uow(actor="bench", write=False) as uow:
            made[:] = [balance_report(uow, on=TODAY, months=MONTHS)]

    seconds = [timed(call) for _ in range(profile.report_calls)]
    container.dispose()
    _check_report(database, made[0], month_ends(TODAY, MONTHS))
    return {**_latencies(seconds), "currencies": len(made[0].currencies), "agrees_with_sql": 1.0}


def report_sql(backend: str, profile: Profile) -> Metrics:
    """The same figures with the driver: one GROUP BY, one SUM(CASE ...) per month end."""
    database = _report_book(backend, profile)
    connection = database.raw()
    days = month_ends(TODAY, MONTHS)
    seconds = [
        timed(lambda: sql_figures(connection, backend, days)) for _ in range(profile.report_calls)
    ]
    connection.close()
    return _latencies(seconds)


register(
    Scenario(
        key="dashboard",
        title="7. Dashboard balance report (12 month ends)",
        metric="p50_ms",
        higher_is_better=False,
        solde=report_solde,
        baseline=report_sql,
        baseline_name="the same figures in plain SQL with the driver",
        target="under 1 s",
        passes=lambda s, b: s["p50_ms"] < 1000,
    )
)


# -- 8. one page of the customer list ---------------------------------------------------------

_ID_AT = 0  # `SELECT c.*, b.*`: the customer's id first, its aggregate row's balance further
_BALANCE_AT = len(customers.columns) + list(customer_balances.columns.keys()).index("balance")


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of the list: the web's filters, and the same rows and count in plain SQL."""

    name: str  # its metric: `<name>_ms`
    filters: dict[str, Any]  # `CustomerQuery.from_filters` arguments, as the web passes them
    where: str  # plain SQL over `customers c` joined to `customer_balances b`
    order: str
    params: tuple[Any, ...]
    count: str  # the count in plain SQL, with `params`

    def rows_sql(self, mark: str) -> str:
        """The page's customers and their aggregate rows in one statement."""
        offset = int(self.filters.get("offset", 0))
        return (
            "SELECT c.*, b.* FROM customers c JOIN customer_balances b ON b.customer_id = c.id"
            f"{self.where} ORDER BY {self.order} LIMIT {PAGE_SIZE} OFFSET {offset}"
        ).replace("?", mark)


def search_text(profile: Profile) -> str:
    """Part of a customer number, as staff type it: the middle customer's number without its
    last two digits (about 100 customers match, by name and by external reference)."""
    return f"{profile.list_customers // 2:07d}"[:-2]


def list_pages(profile: Profile) -> list[ListPage]:
    """Name order page 1 and a deep page; owes most first in EUR; a search (newest first,
    the web's default order)."""
    by_name = "lower(c.name), c.id"
    pattern = f"%{search_text(profile).lower()}%"
    found = " WHERE lower(c.name) LIKE ? OR lower(c.email) LIKE ? OR lower(c.external_ref) LIKE ?"
    deep = (profile.list_page - 1) * PAGE_SIZE
    return [
        ListPage(
            "name_first", {"sort": "name", "limit": PAGE_SIZE, "offset": 0}, "", by_name, (),
            "SELECT COUNT(*) FROM customers",
        ),
        ListPage(
            "name_deep", {"sort": "name", "limit": PAGE_SIZE, "offset": deep}, "", by_name, (),
            "SELECT COUNT(*) FROM customers",
        ),
        ListPage(
            "owes_eur",
            {"balance": "owes", "currency": "EUR", "sort": "balance_desc", "limit": PAGE_SIZE},
            " WHERE b.currency = ? AND b.balance > 0", "b.balance DESC, c.id", ("EUR",),
            "SELECT COUNT(*) FROM customer_balances WHERE currency = ? AND balance > 0",
        ),
        ListPage(
            "search", {"text": search_text(profile), "limit": PAGE_SIZE}, found, "c.id DESC",
            (pattern, pattern, pattern), f"SELECT COUNT(*) FROM customers c{found}",
        ),
    ]  # fmt: skip


def _list_book(backend: str, profile: Profile) -> Database:
    """In the full profile, scenario 4's short history: the same sizes, so the same book."""
    size = generator.BookSize(profile.list_customers, profile.list_transactions)
    return databases.book(backend, size)


Shown = tuple[list[tuple[Customer, Balance]], int]


def solde_page(container: Container, filters: dict[str, Any]) -> Shown:
    """What the web's customer list reads: the page, the count, the page's balances."""
    with container.uow(actor="bench", write=False) as uow:
        query = CustomerQuery.from_filters(**filters)
        found = ledger.list_customers(uow, query)
        total = ledger.count_customers(uow, query)
        balances = uow.balances.get_many([c.id for c in found.items])
        rows = [(c, balances[c.id]) for c in found.items]
    return rows, total


def sql_page(connection: Any, backend: str, page: ListPage) -> tuple[list[Any], int]:
    """The same page with the driver: one statement for the rows, one for the count."""
    mark = _mark(backend)
    rows = connection.execute(page.rows_sql(mark), page.params).fetchall()
    total = connection.execute(page.count.replace("?", mark), page.params).fetchone()[0]
    _end(connection, backend)
    return rows, int(total)


def _check_pages(database: Database, pages: list[ListPage], shown: dict[str, Shown]) -> None:
    connection = database.raw()
    for page in pages:
        rows, total = sql_page(connection, database.backend, page)
        expected = ([(r[_ID_AT], int(r[_BALANCE_AT])) for r in rows], total)
        mine_rows, mine_total = shown[page.name]
        mine = ([(c.id, b.balance.minor) for c, b in mine_rows], mine_total)
        if mine != expected or not rows:
            connection.close()
            raise Disagreement(
                f"the customer list ({page.name}) differs from plain SQL on "
                f"{database.backend}:\n  solde: {mine}\n  SQL:   {expected}"
            )
    connection.close()


def list_solde(backend: str, profile: Profile) -> Metrics:
    """Each page as the web reads it, the pages taken in turn, `list_calls` times; then the
    check that each page holds the rows and count plain SQL reads."""
    database = _list_book(backend, profile)
    container = database.container()
    pages = list_pages(profile)
    seconds: dict[str, list[float]] = {page.name: [] for page in pages}
    shown: dict[str, Shown] = {}
    for _ in range(profile.list_calls):
        for page in pages:

            def call(page: ListPage = page) -> None:
                shown[page.name] = solde_page(container, page.filters)

            seconds[page.name].append(timed(call))
    container.dispose()
    _check_pages(database, pages, shown)
    result = {f"{name}_ms": statistics.median(s) * 1000 for name, s in seconds.items()}
    result["search_customers"] = float(shown["search"][1])
    result["owing_eur_customers"] = float(shown["owes_eur"][1])
    result["agrees_with_sql"] = 1.0
    return result


def list_sql(backend: str, profile: Profile) -> Metrics:
    """The same pages with the driver, in the same turns."""
    database = _list_book(backend, profile)
    connection = database.raw()
    pages = list_pages(profile)
    seconds: dict[str, list[float]] = {page.name: [] for page in pages}
    for _ in range(profile.list_calls):
        for page in pages:

            def call(page: ListPage = page) -> None:
                sql_page(connection, backend, page)

            seconds[page.name].append(timed(call))
    connection.close()
    return {f"{name}_ms": statistics.median(s) * 1000 for name, s in seconds.items()}


register(
    Scenario(
        key="customer_list",
        title="8. Customer list page (25 customers, their count and balances)",
        metric="name_first_ms",
        higher_is_better=False,
        solde=list_solde,
        baseline=list_sql,
        baseline_name="one plain SQL query and a count with the driver",
        target="first page under 200 ms",
        passes=lambda s, b: max(s["name_first_ms"], s["owes_eur_ms"], s["search_ms"]) < 200,
    )
)
