"""Dunning's benchmarks by hand (see docs/BENCHMARKS.md, Dunning):

python -m bench.dunning_by_hand hook --backend sqlite --rounds 3
    scenario 11 with the before-commit hook and without it, alternated in one process so
    that the machine's other work weighs on both alike; the medians side by side
python -m bench.dunning_by_hand statements --backend postgresql --profile full
    the day's dunning (scenario 10) with every statement timed: the statements that took
    the most time in all, and the plans of the slowest (EXPLAIN QUERY PLAN on SQLite,
    EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import event

from bench import databases
from bench.dunning_book import DunningBook
from bench.profiles import PROFILES, Profile
from bench.scenarios.dunning import (
    copy_of,
    customers_of,
    day_of_dunning,
    dunning_database,
    hook_side,
)

SHOWN = 300  # characters of a statement shown
TOP = 15  # statements listed
PLANNED = 5  # of which the plans are shown


def hook_rounds(backend: str, profile: Profile, rounds: int) -> dict[str, dict[str, float]]:
    """Scenario 11's measures with the hook and without, alternated `rounds` times; the
    medians of each."""
    found: dict[str, dict[str, list[float]]] = {
        "hook": defaultdict(list),
        "none": defaultdict(list),
    }
    for _ in range(rounds):
        for name, hooked in (("hook", True), ("none", False)):
            for key, number in hook_side(backend, profile, hooked=hooked).items():
                found[name][key].append(number)
    return {name: {k: statistics.median(v) for k, v in m.items()} for name, m in found.items()}


def statements_of_day(backend: str, profile: Profile) -> str:
    """The day's dunning on a copy of the book with every statement timed; the statements
    that took the most time in all, and the plans of the slowest."""
    book = dunning_database(backend, DunningBook(customers_of(profile)))
    database = copy_of(book, "dunning_statements")
    container = database.container()
    spent: dict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    first: dict[str, tuple[str, Any]] = {}
    starts: list[float] = []

    def before(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        starts.append(time.perf_counter())

    def after(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        key = " ".join(statement.split())
        spent[key] += time.perf_counter() - starts.pop()
        calls[key] += 1
        if not many:
            first.setdefault(key, (statement, params))

    event.listen(container.engine, "before_cursor_execute", before)
    event.listen(container.engine, "after_cursor_execute", after)
    try:
        metrics, _ = day_of_dunning(container)
    finally:
        event.remove(container.engine, "before_cursor_execute", before)
        event.remove(container.engine, "after_cursor_execute", after)
    out = [f"{json.dumps({k: round(v, 3) for k, v in metrics.items()})}\n"]
    out.append("ms in all, calls, ms a call, statement:\n")
    top = sorted(spent.items(), key=lambda item: -item[1])[:TOP]
    for key, seconds in top:
        each = seconds * 1000 / calls[key]
        out.append(f"{seconds * 1000:9.1f} {calls[key]:7,} {each:8.3f}  {key[:SHOWN]}\n")
    out.append(f"\nplans of the {PLANNED} slowest in all:\n")
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with container.engine.connect() as connection:
        raw: Any = connection.connection.driver_connection
        for key, _seconds in top[:PLANNED]:
            if key not in first:
                continue
            statement, params = first[key]
            cursor = raw.cursor()
            cursor.execute(prefix + statement, params)
            out.append(f"\n{key[:SHOWN]}\n")
            out.extend(f"    {' '.join(str(c) for c in row)}\n" for row in cursor.fetchall())
    container.dispose()
    databases.drop(database)
    return "".join(out)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dunning_by_hand", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("what", choices=("hook", "statements"))
    parser.add_argument("--backend", choices=databases.BACKENDS, default="sqlite")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--rounds", type=int, default=3, help="hook on and off, this many times")
    args = parser.parse_args(argv)
    databases.WORK.mkdir(parents=True, exist_ok=True)
    profile = PROFILES[args.profile]
    if args.what == "statements":
        print(statements_of_day(args.backend, profile))
        return
    found = hook_rounds(args.backend, profile, args.rounds)
    for key in found["hook"]:
        on, off = found["hook"][key], found["none"][key]
        ratio = on / off if off else 0.0
        print(f"{key:32} hook {on:12,.3f}   none {off:12,.3f}   hook/none {ratio:6.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
