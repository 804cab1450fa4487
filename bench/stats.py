"""Summaries of repeated measurements: median, spread, percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def timed(action: Callable[[], object]) -> float:
    """How many seconds `action` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile (0.99 for p99) by the nearest-rank method."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max of latencies, in milliseconds."""
    return {
        "p50_ms": percentile(seconds, 0.50) * 1000,
        "p90_ms": percentile(seconds, 0.90) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def combine(runs: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """For each metric of repeated runs: the median, min, max and spread ((max−min)/median)."""
    result: dict[str, dict[str, float]] = {}
    for name in runs[0]:
        values = [float(run[name]) for run in runs if name in run]
        median = statistics.median(values)
        spread = (max(values) - min(values)) / median if median else 0.0
        result[name] = {
            "median": median,
            "min": min(values),
            "max": max(values),
            "spread": spread,
            "runs": len(values),
        }
    return result
