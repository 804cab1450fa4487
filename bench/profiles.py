"""How big each scenario is in each profile. `quick` keeps the harness honest in about a
minute per database; `full` gives the figures of docs/BENCHMARKS.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    """Sizes of one benchmark profile."""

    name: str
    repeats: int
    posting_ops: int  # scenario 1: single postings per run
    http_seconds: float  # scenario 2: length of each load phase
    http_rate: int  # scenario 2: offered requests per second in the fixed-rate phase, below
    # the saturation rate measured on a 2-core machine, so that its latencies are those of a
    # server under steady load and not of a queue that grows for the whole phase
    http_connections: int  # scenario 2: concurrent connections at saturation
    import_rows: int  # scenario 3: rows imported per run
    import_batch: int  # scenario 3: rows per unit of work
    card_customers: int  # scenario 4: customers of both data sets
    card_small: int  # scenario 4: transactions of the short history
    card_large: int  # scenario 4: transactions of the long history
    card_reads: int  # scenario 4: balance cards read per run
    all_customers: int  # scenario 5: customers
    all_transactions: int  # scenario 5: transactions
    open_debits: int  # scenario 6: open debits one payment settles
    report_calls: int  # scenario 7: balance reports per run (on scenario 5's book)
    list_customers: int  # scenario 8: customers of its book
    list_transactions: int  # scenario 8: transactions of its book
    list_page: int  # scenario 8: the deep page of the name order (25 customers a page)
    list_calls: int  # scenario 8: calls of each page per run
    lists_customers: int  # scenario 12: customers of the lists book (scenario 4's long history)
    lists_transactions: int  # scenario 12: generated transactions of the lists book
    lists_calls: int  # scenario 12: calls of each page per run
    lists_deep_row: int  # scenario 12: the deep page starts after this row of the name order
    export_rows: int  # scenario 13: customers of the million book, and synthetic rows written


def _profile(name: str, **sizes: float) -> Profile:
    return Profile(name, **sizes)  # type: ignore[arg-type]


PROFILES = {
    "tiny": _profile(
        "tiny", repeats=1, posting_ops=40, http_seconds=1.0, http_rate=50,
        http_connections=4, import_rows=500, import_batch=250, card_customers=20,
        card_small=300, card_large=1_000, card_reads=100, all_customers=20,
        all_transactions=600, open_debits=50, report_calls=5, list_customers=60,
        list_transactions=300, list_page=3, list_calls=5, lists_customers=60,
        lists_transactions=1_200, lists_calls=3, lists_deep_row=30, export_rows=2_000,
    ),
    "quick": _profile(
        "quick", repeats=3, posting_ops=200, http_seconds=2.0, http_rate=100,
        http_connections=16, import_rows=10_000, import_batch=5_000, card_customers=1_000,
        card_small=10_000, card_large=50_000, card_reads=500, all_customers=1_000,
        all_transactions=50_000, open_debits=1_000, report_calls=30, list_customers=1_000,
        list_transactions=10_000, list_page=40, list_calls=30, lists_customers=1_000,
        lists_transactions=50_000, lists_calls=10, lists_deep_row=500, export_rows=100_000,
    ),
    "full": _profile(
        "full", repeats=3, posting_ops=2_000, http_seconds=10.0, http_rate=100,
        http_connections=32, import_rows=200_000, import_batch=10_000,
        card_customers=100_000, card_small=200_000, card_large=2_000_000, card_reads=5_000,
        all_customers=50_000, all_transactions=1_000_000, open_debits=1_000,
        report_calls=30, list_customers=100_000, list_transactions=200_000, list_page=50,
        list_calls=30, lists_customers=100_000, lists_transactions=2_000_000, lists_calls=5,
        lists_deep_row=50_000, export_rows=1_000_000,
    ),
}  # fmt: skip
