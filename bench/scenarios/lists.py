"""The lists of SPEC §12 (issue: lists, exports, imports): balance by customer and receivables,
one page as the API reads it and the whole list as a file (12), and the longest export, a
million rows, with the writers alone beside it (13).

12 runs on the lists book (bench/lists_book.py: scenario 4's long history, with unbilled
lines and invoices added). Each page is what `GET /v1/lists/...` reads: the query made from
the filters, the page (and, for receivables, the totals per currency) in one read unit of
work. Each full export is `solde.downloads.lists`, what the API, the CLI and the back office
stream, run in a process of its own so that its peak memory is its own. The baseline reads the
same pages and writes the same CSV files with the driver and plain SQL written here, and
solde's side fails unless what it read equals what that SQL reads.

13 exports the balance-by-customer list of the million book (N customers, one unbilled line
each) in each format through the same path, each in its own process, and measures the writers
of solde.exports.tabular alone on N synthetic rows (bench/export_writers.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench import export_writers, generator, lists_book
from bench.databases import Database
from bench.profiles import Profile
from bench.scenarios import Metrics, Scenario, register
from bench.stats import timed
from solde.bootstrap import Container

TODAY = generator.TODAY
#: The past day receivables are also asked for: four months before the book's last day.
PAST = TODAY - timedelta(days=120)
#: Rows of a page, as the API gives them by default.
PAGE = 50
FORMATS = ("csv", "json", "xlsx")


class Disagreement(AssertionError):
    """solde and plain SQL read different figures from the same database."""


def _mark(backend: str) -> str:
    return "?" if backend == "sqlite" else "%s"


def _day(backend: str, day: date) -> Any:
    return day.isoformat() if backend == "sqlite" else day


# -- plain SQL, written here from SPEC §12 and the schema -------------------------------------

_BALANCE_SQL = (
    "SELECT c.id, b.unbilled_count, b.unbilled_net, b.unbilled_gross, b.unbilled_first, "
    "b.unbilled_last, b.balance, c.external_ref, c.name, c.currency, c.segment, "
    "c.payment_method, c.status "
    "FROM customers c JOIN customer_balances b ON b.customer_id = c.id"
)


def _aging(due: str, mark: str) -> str:
    """Five sums of `amt` by days past due at the end of the day: not due (due on or after
    it), 1-30, 31-60, 61-90, over 90 (the bounds are parameters, the day and the day less 30,
    60 and 90 days)."""
    return (
        f"SUM(CASE WHEN {due} >= {mark} THEN amt ELSE 0 END) AS not_due, "
        f"SUM(CASE WHEN {due} < {mark} AND {due} >= {mark} THEN amt ELSE 0 END) AS d1_30, "
        f"SUM(CASE WHEN {due} < {mark} AND {due} >= {mark} THEN amt ELSE 0 END) AS d31_60, "
        f"SUM(CASE WHEN {due} < {mark} AND {due} >= {mark} THEN amt ELSE 0 END) AS d61_90, "
        f"SUM(CASE WHEN {due} < {mark} THEN amt ELSE 0 END) AS over_90"
    )


def _aging_params(backend: str, day: date) -> list[Any]:
    b30, b60, b90 = (day - timedelta(days=n) for n in (30, 60, 90))
    return [_day(backend, d) for d in (day, day, b30, b30, b60, b60, b90, b90)]


#: A debit is due on its invoice's due date when it is an invoice's, else on its own date.
_DUE = "COALESCE(doc.due_date, t.date)"
_DOC = "LEFT JOIN documents doc ON doc.transaction_id = t.id AND t.type = 'invoice'"


def receivables_now_sql(mark: str) -> str:
    """Per customer now: the aggregate row's figures and its open debits aged (the open
    amount of each posted debit)."""
    return (
        "SELECT c.id, b.balance, b.debit, b.credit, b.awaiting, "
        "COALESCE(a.not_due, 0), COALESCE(a.d1_30, 0), COALESCE(a.d31_60, 0), "
        "COALESCE(a.d61_90, 0), COALESCE(a.over_90, 0), c.name, c.currency "
        "FROM customers c JOIN customer_balances b ON b.customer_id = c.id LEFT JOIN ("
        f"SELECT customer_id, {_aging('due', mark)} FROM (SELECT t.customer_id, "
        f"{_DUE} AS due, t.open_amount AS amt FROM transactions t {_DOC} "
        "WHERE t.state = 'open' AND t.kind = 'debit') x GROUP BY customer_id"
        ") a ON a.customer_id = c.id WHERE b.balance > 0"
    )


def receivables_then_sql(mark: str) -> str:
    """Per customer at the end of a past day, from the dated history: posted rows dated up to
    it, each open by its amount less its allocations dated up to it; payments awaiting
    confirmation entered by then and not yet resolved."""
    return (
        "WITH settled AS (SELECT customer_id, tx, SUM(amount) AS s FROM ("
        f"SELECT customer_id, debit_id AS tx, amount FROM allocations WHERE date <= {mark} "
        f"UNION ALL SELECT customer_id, credit_id, amount FROM allocations WHERE date <= {mark}"
        ") y GROUP BY customer_id, tx), "
        "posted AS (SELECT t.customer_id, t.kind, t.amount, "
        f"t.amount - COALESCE(s.s, 0) AS amt, {_DUE} AS due FROM transactions t "
        f"LEFT JOIN settled s ON s.customer_id = t.customer_id AND s.tx = t.id {_DOC} "
        f"WHERE t.state IN ('open', 'closed') AND t.date <= {mark}), "
        "figures AS (SELECT customer_id, "
        "SUM(CASE WHEN kind = 'debit' THEN amount ELSE -amount END) AS balance, "
        "SUM(CASE WHEN kind = 'debit' THEN amt ELSE 0 END) AS debit, "
        "-SUM(CASE WHEN kind = 'credit' THEN amt ELSE 0 END) AS credit "
        "FROM posted GROUP BY customer_id), "
        f"aged AS (SELECT customer_id, {_aging('due', mark)} FROM posted "
        "WHERE kind = 'debit' GROUP BY customer_id), "
        "waiting AS (SELECT customer_id, "
        "SUM(CASE WHEN kind = 'debit' THEN amount ELSE -amount END) AS awaiting "
        f"FROM transactions WHERE origin = 'pending' AND entered_on <= {mark} "
        f"AND (resolved_on IS NULL OR resolved_on > {mark}) GROUP BY customer_id) "
        "SELECT c.id, f.balance, f.debit, f.credit, COALESCE(w.awaiting, 0), "
        "COALESCE(a.not_due, 0), COALESCE(a.d1_30, 0), COALESCE(a.d31_60, 0), "
        "COALESCE(a.d61_90, 0), COALESCE(a.over_90, 0), c.name, c.currency "
        "FROM customers c JOIN figures f ON f.customer_id = c.id "
        "LEFT JOIN aged a ON a.customer_id = c.id LEFT JOIN waiting w ON w.customer_id = c.id "
        "WHERE f.balance > 0"
    )


def _then_params(backend: str, day: date) -> list[Any]:
    d = _day(backend, day)
    return [d, d, d, *_aging_params(backend, day), d, d]


@dataclass(frozen=True, slots=True)
class Case:
    """One page: the API's filters, and when a baseline reads the same, its plain SQL."""

    name: str  # its metric: `<name>_ms`
    which: str  # "balance" or "receivables"
    filters: dict[str, Any]
    sql: str | None = None  # the whole list in order; the page is its first PAGE rows
    offset: int = 0  # rows of the plain SQL skipped (the deep page)
    params: list[Any] = field(default_factory=list)

    def page_sql(self, mark: str) -> str:
        """The page in plain SQL."""
        assert self.sql is not None
        return f"{self.sql.replace('?', mark)} LIMIT {PAGE} OFFSET {self.offset}"


def cases(backend: str, profile: Profile, deep_after: dict[str, int]) -> list[Case]:
    """The pages measured: each list's default page, two other orders, filters, a deep page
    (after the customer at `lists_deep_row` of the name order) and, for receivables, a past
    day. Those with `sql` are read by the baseline and checked against it."""
    mark = _mark(backend)
    by_name = " ORDER BY lower(c.name), c.id"
    eur = ["EUR"]
    now = receivables_now_sql(mark)
    now_params = _aging_params(backend, TODAY)
    then_params = _then_params(backend, PAST)
    deep = profile.lists_deep_row
    return [
        Case("bbc_first", "balance", {}, _BALANCE_SQL + by_name),
        Case(
            "bbc_balance_eur", "balance", {"currency": "EUR", "sort": "balance", "desc": True},
            _BALANCE_SQL + " WHERE c.currency = ? ORDER BY b.balance DESC, c.id DESC", params=eur,
        ),
        Case("bbc_unbilled", "balance", {"sort": "unbilled_gross", "desc": True}),
        Case("bbc_filtered", "balance", {"segment": "business", "min_lines": 2}),
        Case("bbc_stale", "balance", {"stale_only": True}),
        Case(
            "bbc_deep", "balance", {"starting_after": deep_after["balance"]},
            _BALANCE_SQL + by_name, offset=deep,
        ),
        Case("rcv_first", "receivables", {}, now + by_name, params=now_params),
        Case("rcv_over90", "receivables", {"sort": "over_90", "desc": True}),
        Case(
            "rcv_balance_eur", "receivables", {"currency": "EUR", "sort": "balance", "desc": True},
        ),
        Case("rcv_overdue", "receivables", {"min_overdue": "d61_90"}),
        Case(
            "rcv_deep", "receivables", {"starting_after": deep_after["receivables"]},
            now + by_name, offset=deep, params=now_params,
        ),
        Case(
            "rcv_past", "receivables", {"as_of": PAST.isoformat()},
            receivables_then_sql(mark) + by_name, params=then_params,
        ),
    ]  # fmt: skip


def sql_page(connection: Any, backend: str, case: Case) -> list[tuple[Any, ...]]:
    """The page in plain SQL with the driver."""
    rows = connection.execute(case.page_sql(_mark(backend)), case.params).fetchall()
    if backend == "postgresql":
        connection.rollback()
    return [tuple(row) for row in rows]


def _deep_after(connection: Any, backend: str, profile: Profile) -> dict[str, int]:
    """The customer after which the deep page starts, in each list's name order (the last of
    the rows before it)."""
    mark = _mark(backend)
    found: dict[str, int] = {}
    for which, sql, params in (
        ("balance", _BALANCE_SQL, []),
        ("receivables", receivables_now_sql(mark), _aging_params(backend, TODAY)),
    ):
        query = f"{sql} ORDER BY lower(c.name), c.id LIMIT 1 OFFSET {profile.lists_deep_row - 1}"
        row = connection.execute(query, params).fetchone()
        found[which] = int(row[0]) if row else 0
    if backend == "postgresql":
        connection.rollback()
    return found


# -- solde's side ------------------------------------------------------------------------------


def solde_page(container: Container, case: Case) -> list[Any]:
    """What `GET /v1/lists/...` reads for the page: the query from the filters, the page, and
    for receivables the totals per currency, in one read unit of work."""
    from solde.ledger.lists import BalanceListQuery, ReceivablesQuery

    with container.uow(actor="bench", write=False) as uow:
        if case.which == "balance":
            query = BalanceListQuery.from_filters({"limit": PAGE, **case.filters}, today=TODAY)
            return list(uow.lists.balance_page(query).items)
        wanted = ReceivablesQuery.from_filters({"limit": PAGE, **case.filters}, today=TODAY)
        page = uow.lists.receivables_page(wanted)
        uow.lists.receivables_totals(wanted)
        return list(page.items)


def _figures_of(case: Case, row: Any) -> tuple[int, ...]:
    """What is compared of a row of solde's page, in minor units."""
    if case.which == "balance":
        return (
            row.id, row.unbilled_count, row.unbilled_net.minor, row.unbilled_gross.minor,
            row.balance.minor,
        )  # fmt: skip
    amounts = (
        row.balance, row.debit, row.credit, row.awaiting_confirmation, row.not_due, row.d1_30,
        row.d31_60, row.d61_90, row.over_90,
    )  # fmt: skip
    return (row.id, *(a.minor for a in amounts))


def _sql_figures(case: Case, row: tuple[Any, ...]) -> tuple[int, ...]:
    if case.which == "balance":
        return tuple(int(row[i]) for i in (0, 1, 2, 3, 6))
    return tuple(int(value) for value in row[:10])


def _check(database: Database, shown: dict[str, list[Any]], checked: list[Case]) -> None:
    connection = database.raw()
    try:
        for case in checked:
            expected = [
                _sql_figures(case, row) for row in sql_page(connection, database.backend, case)
            ]
            mine = [_figures_of(case, row) for row in shown[case.name]]
            if mine != expected or not expected:
                raise Disagreement(
                    f"{case.name} differs from plain SQL on {database.backend}:\n"
                    f"  solde: {mine[:5]} ...\n  SQL:   {expected[:5]} ..."
                )
    finally:
        connection.close()


#: Sets the generated transactions of the lists book in any profile (its customers stay).
TRANSACTIONS_VARIABLE = "SOLDE_BENCH_LISTS_TRANSACTIONS"


def book_of(backend: str, profile: Profile) -> Database:
    """The lists book of the profile's sizes (`SOLDE_BENCH_LISTS_TRANSACTIONS=N`: N
    generated transactions instead of the profile's)."""
    count = int(os.environ.get(TRANSACTIONS_VARIABLE) or profile.lists_transactions)
    size = lists_book.ListsBook(profile.lists_customers, count)
    return lists_book.lists_book(backend, size)


def lists_solde(backend: str, profile: Profile) -> Metrics:
    """Every page `lists_calls` times, the pages taken in turn (medians), then each list's
    full export in each format, each in a process of its own; then the checks."""
    database = book_of(backend, profile)
    connection = database.raw()
    deep_after = _deep_after(connection, backend, profile)
    connection.close()
    container = database.container()
    pages = cases(backend, profile, deep_after)
    seconds: dict[str, list[float]] = {case.name: [] for case in pages}
    shown: dict[str, list[Any]] = {}
    for _ in range(profile.lists_calls):
        for case in pages:

            def call(case: Case = case) -> None:
                shown[case.name] = solde_page(container, case)

            seconds[case.name].append(timed(call))
    container.dispose()
    _check(database, shown, [case for case in pages if case.sql is not None])
    result: Metrics = {f"{name}_ms": statistics.median(s) * 1000 for name, s in seconds.items()}
    for which, prefix, as_of in (
        ("balance", "bbc", None), ("receivables", "rcv", None), ("receivables", "rcv_past", PAST),
    ):  # fmt: skip
        for fmt in FORMATS if as_of is None else ("csv",):
            done = export_in_child(database, which, fmt, as_of)
            result[f"{prefix}_{fmt}_ms"] = done["seconds"] * 1000
            result[f"{prefix}_{fmt}_mib"] = done["peak_rss_mib"]
            if fmt == "csv":
                result[f"{prefix}_rows"] = done["rows"]
    _check_counts(database, result)
    result["agrees_with_sql"] = 1.0
    return result


def _check_counts(database: Database, result: Metrics) -> None:
    """Every customer is in the balance file, every owing one in the receivables files."""
    connection = database.raw()
    mark = _mark(database.backend)
    backend = database.backend
    expected = {
        "bbc_rows": connection.execute("SELECT COUNT(*) FROM customers").fetchone()[0],
        "rcv_rows": len(connection.execute(
            receivables_now_sql(mark), _aging_params(backend, TODAY)).fetchall()),
        "rcv_past_rows": len(connection.execute(
            receivables_then_sql(mark), _then_params(backend, PAST)).fetchall()),
    }  # fmt: skip
    connection.close()
    found = {name: int(result[name]) for name in expected}
    if found != {name: int(count) for name, count in expected.items()}:
        raise Disagreement(f"exported rows {found}, plain SQL counts {expected}")


# -- one export in a process of its own -------------------------------------------------------


def export_in_child(
    database: Database, which: str, fmt: str, as_of: date | None = None
) -> dict[str, float]:
    """`solde.downloads.lists` of the whole list in a fresh process: seconds, bytes, rows (CSV)
    and the process's peak memory."""
    code = "import sys, bench.scenarios.lists as m; m.child(sys.argv[1:])"
    argv = [database.backend, database.name, which, fmt, as_of.isoformat() if as_of else ""]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"the {which} export ({fmt}) failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def child(argv: list[str]) -> None:
    """The export, the file's chunks counted and dropped; prints the figures as JSON."""
    from solde.downloads import lists as downloads
    from solde.exports.tabular import ExportFormat
    from solde.ledger.lists import BalanceListQuery, ReceivablesQuery

    backend, name, which, fmt, as_of = argv
    container = Database(backend, name).container()
    filters = {"as_of": as_of} if as_of else {}
    start = time.perf_counter()
    if which == "balance":
        query = BalanceListQuery.from_filters(filters, today=TODAY)
        chunks = downloads.balance_by_customer_file(
            container, query, ExportFormat(fmt), actor="bench"
        )
    else:
        wanted = ReceivablesQuery.from_filters(filters, today=TODAY)
        chunks = downloads.receivables_file(container, wanted, ExportFormat(fmt), actor="bench")
    size = lines = 0
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    seconds = time.perf_counter() - start
    container.dispose()
    peak = export_writers.peak_mib()
    figures = {"seconds": seconds, "bytes": size, "rows": lines - 1, "peak_rss_mib": peak}
    print(json.dumps(figures))


# -- the baseline --------------------------------------------------------------------------


def plain_csv(connection: Any, sql: str, params: list[Any]) -> tuple[float, int]:
    """The whole list in plain SQL written with the csv module, amounts as integers of minor
    units (no `Decimal`, no currency): seconds and rows."""
    start = time.perf_counter()
    cursor = connection.execute(sql, params)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    count = 0
    while rows := cursor.fetchmany(5_000):
        writer.writerows(rows)
        count += len(rows)
        buffer.seek(0)
        buffer.truncate()
    return time.perf_counter() - start, count


def lists_sql(backend: str, profile: Profile) -> Metrics:
    """The pages that have plain SQL, in the same turns, and the same CSV files."""
    database = book_of(backend, profile)
    connection = database.raw()
    pages = [case for case in cases(backend, profile, _deep_after(connection, backend, profile))
             if case.sql is not None]  # fmt: skip
    seconds: dict[str, list[float]] = {case.name: [] for case in pages}
    for _ in range(profile.lists_calls):
        for case in pages:

            def call(case: Case = case) -> None:
                sql_page(connection, backend, case)

            seconds[case.name].append(timed(call))
    result: Metrics = {f"{name}_ms": statistics.median(s) * 1000 for name, s in seconds.items()}
    mark = _mark(backend)
    for prefix, sql, params in (
        ("bbc", _BALANCE_SQL + " ORDER BY lower(c.name), c.id", []),
        ("rcv", receivables_now_sql(mark) + " ORDER BY lower(c.name), c.id",
         _aging_params(backend, TODAY)),
        ("rcv_past", receivables_then_sql(mark) + " ORDER BY lower(c.name), c.id",
         _then_params(backend, PAST)),
    ):  # fmt: skip
        took, count = plain_csv(connection, sql, params)
        if backend == "postgresql":
            connection.rollback()
        result[f"{prefix}_csv_ms"] = took * 1000
        result[f"{prefix}_rows"] = float(count)
    connection.close()
    return result


def _first_pages(s: Metrics) -> float:
    return max(s["bbc_first_ms"], s["rcv_first_ms"])


register(
    Scenario(
        key="lists",
        title="12. Balance by customer and receivables: pages and full exports",
        metric="bbc_first_ms",
        higher_is_better=False,
        solde=lists_solde,
        baseline=lists_sql,
        baseline_name="plain SQL with the driver, CSV by the csv module",
        target="first page under 200 ms, full CSV export under 5 s",
        passes=lambda s, b: _first_pages(s) < 200 and max(s["bbc_csv_ms"], s["rcv_csv_ms"]) < 5000,
    )
)


# -- 13. a million rows ----------------------------------------------------------------------


def million_solde(backend: str, profile: Profile) -> Metrics:
    """The writers alone on `export_rows` synthetic rows, then the million book's balance by
    customer through `solde.downloads.lists`, each format in a process of its own."""
    result: Metrics = {}
    for fmt in FORMATS:
        done = export_writers.measure(fmt, profile.export_rows)
        result[f"writer_{fmt}_rows_per_s"] = done["rows_per_s"]
        result[f"writer_{fmt}_mib"] = done["peak_rss_mib"]
    database = lists_book.million_book(backend, profile.export_rows)
    for fmt in FORMATS:
        done = export_in_child(database, "balance", fmt)
        result[f"million_{fmt}_ms"] = done["seconds"] * 1000
        result[f"million_{fmt}_mib"] = done["peak_rss_mib"]
        if fmt == "csv":
            if int(done["rows"]) != profile.export_rows:
                raise Disagreement(f"{done['rows']} rows exported, {profile.export_rows} made")
            result["million_rows"] = done["rows"]
    return result


def million_plain(backend: str, profile: Profile) -> Metrics:
    """The same synthetic rows with the csv module and `str()`; the million book's list in
    plain SQL written by the csv module."""
    done = export_writers.measure("plain", profile.export_rows)
    database = lists_book.million_book(backend, profile.export_rows)
    connection = database.raw()
    took, count = plain_csv(connection, _BALANCE_SQL + " ORDER BY lower(c.name), c.id", [])
    connection.close()
    return {
        "writer_csv_rows_per_s": done["rows_per_s"],
        "million_csv_ms": took * 1000,
        "million_rows": float(count),
    }


register(
    Scenario(
        key="export_million",
        title="13. Export of a million rows (and the writers alone)",
        metric="million_csv_ms",
        higher_is_better=False,
        solde=million_solde,
        baseline=million_plain,
        baseline_name="plain SQL and the csv module",
        target="every format under 300 MiB of memory",
        passes=lambda s, b: max(s[f"million_{fmt}_mib"] for fmt in FORMATS) < 300,
    )
)
