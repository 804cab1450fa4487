"""The export writers alone (solde.exports.tabular) on synthetic rows: how fast each format is
written and how much memory the process holds while writing, each format in its own process.

The rows have the shape of the balance-by-customer list (names, codes, a count, four amounts,
two dates, a flag) and are made as they are written, one at a time, so that what the process
holds is the writer's own memory plus the interpreter's. The baseline writes the same rows with
the standard `csv` module, each value through `str()`: what writing text costs without
solde's formatting (exact decimals of each currency, formula-safe text, JSON and XLSX).

`python -m bench.export_writers csv 1000000` prints one JSON line: seconds, bytes, rows per
second and the peak memory of the process.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from solde.exports.tabular import Column, ExportFormat, Kind, export
from solde.storage import units

#: The columns of the synthetic rows: those of the balance-by-customer list.
COLUMNS = (
    Column("customer_id", Kind.INTEGER),
    Column("name"),
    Column("currency"),
    Column("segment"),
    Column("payment_method"),
    Column("unbilled_count", Kind.INTEGER),
    Column("unbilled_net", Kind.MONEY),
    Column("unbilled_gross", Kind.MONEY),
    Column("first_line", Kind.DATE),
    Column("last_line", Kind.DATE),
    Column("balance", Kind.MONEY),
    Column("stale", Kind.BOOLEAN),
)
_CURRENCIES = ("EUR", "USD", "GBP", "JPY")
_SEGMENTS = ("residential", "business", "wholesale", None)
_METHODS = ("sepa_debit", "card", "bank_transfer", "check")
_DAY = date(2026, 10, 1)


def synthetic_rows(count: int) -> Iterator[tuple[Any, ...]]:
    """`count` rows made one at a time, amounts as `Money` from minor units (as the read models
    make them), a third of the customers with no unbilled line (no dates)."""
    for i in range(count):
        currency = _CURRENCIES[i % 4]
        lines = i % 3
        net = (i * 7_919) % 500_000 if lines else 0
        yield (
            i + 1,
            f"Customer {i + 1:07d}",
            currency,
            _SEGMENTS[i % 4],
            _METHODS[i % 4],
            lines,
            units.from_minor(net, currency),
            units.from_minor(net * 6 // 5, currency),
            _DAY + timedelta(days=i % 28) if lines else None,
            _DAY + timedelta(days=28 + i % 3) if lines else None,
            units.from_minor((i * 104_729) % 2_000_000 - 1_000_000, currency),
            lines == 2 and i % 5 == 0,
        )


def write_solde(fmt: str, count: int) -> dict[str, float]:
    """The rows through solde's writer of `fmt`, the chunks counted and dropped."""
    written = 0
    start = time.perf_counter()
    for chunk in export(COLUMNS, synthetic_rows(count), ExportFormat(fmt), sheet="Bench"):
        written += len(chunk)
    return _result(start, written, count)


def write_plain(count: int) -> dict[str, float]:
    """The same rows with the standard csv module and `str()` of each value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.key for c in COLUMNS])
    written = 0
    start = time.perf_counter()
    for n, row in enumerate(synthetic_rows(count), start=1):
        writer.writerow(["" if v is None else str(getattr(v, "amount", v)) for v in row])
        if n % 500 == 0:
            written += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    written += len(buffer.getvalue().encode())
    return _result(start, written, count)


def _result(start: float, written: int, count: int) -> dict[str, float]:
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "bytes": float(written),
        "rows_per_s": count / seconds,
        "peak_rss_mib": peak_mib(),
    }


def peak_mib() -> float:
    """The most memory this process has held, in MiB: the kernel's high-water mark of its
    resident set (`VmHWM`). `ru_maxrss` is not used: on Linux a process started by another
    inherits its parent's peak as its own at `exec`, so a small export started by a large
    benchmark process would report the parent's memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(fmt: str, count: int) -> dict[str, float]:
    """One writer (`csv`, `json`, `xlsx`, or `plain` for the baseline) in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.export_writers", fmt, str(count)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"the {fmt} writer failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    name, rows = sys.argv[1], int(sys.argv[2])
    print(json.dumps(write_plain(rows) if name == "plain" else write_solde(name, rows)))
