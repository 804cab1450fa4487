#!/usr/bin/env python3
"""The business packages never read the clock: every date they need arrives as a parameter.

Walks the source of solde.domain, solde.ledger, solde.settlement, solde.billing and
solde.dunning and fails on any call that reads the current time or date (`date.today()`,
`datetime.now()`, `time.time()`, ...), on imports of the clock-reading functions, and on
imports of modules that are clocks by nature.
Exit status 1 lists every offence as `path:line: what`.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("domain", "ledger", "settlement", "billing", "dunning")

#: Attribute calls that read the clock, whatever object they are reached through.
CLOCK_METHODS = frozenset({"today", "now", "utcnow", "utcfromtimestamp_now"})
#: Functions of the `time` module that read a clock.
TIME_FUNCTIONS = frozenset(
    {
        "time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns",
        "process_time", "process_time_ns", "localtime", "gmtime", "ctime", "asctime",
    }
)  # fmt: skip
#: Modules whose only purpose is to tell the time.
CLOCK_MODULES = frozenset({"time", "freezegun", "pendulum", "arrow"})


def _call_offence(call: ast.Call) -> str | None:
    if not isinstance(call.func, ast.Attribute):
        return None
    name = call.func.attr
    if name in CLOCK_METHODS:
        return f"calls .{name}()"
    owner = call.func.value
    if isinstance(owner, ast.Name) and owner.id == "time" and name in TIME_FUNCTIONS:
        return f"calls time.{name}()"
    return None


def _import_offences(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] in CLOCK_MODULES:
                yield f"imports {alias.name}"
        return
    module = node.module or ""
    if module.split(".")[0] in CLOCK_MODULES:
        yield f"imports from {module}"
    for alias in node.names:
        if alias.name in CLOCK_METHODS:
            yield f"imports {alias.name} from {module}"


def offences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every clock read in one module's syntax tree, as (line, description)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (what := _call_offence(node)):
            yield node.lineno, what
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for what in _import_offences(node):
                yield node.lineno, what


def check(source_root: Path) -> list[str]:
    """Offences in every module of the pure packages under `source_root` (src/solde)."""
    found: list[str] = []
    for package in PURE_PACKAGES:
        for path in sorted((source_root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, what in offences(tree):
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    return found


def main() -> int:
    found = check(ROOT / "src" / "solde")
    for offence in found:
        print(offence)
    if found:
        print(f"{len(found)} clock read(s) in the business packages: pass the date in instead")
        return 1
    print(f"clock check: {', '.join(PURE_PACKAGES)} never read the clock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
