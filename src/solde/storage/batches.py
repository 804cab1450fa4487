"""Splitting long lists of ids for `IN (...)` queries, which databases limit in size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

#: Ids per `IN (...)` list: far below SQLite's 32,766 bound parameters, and quick to plan.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    """`values` in consecutive slices of at most `size`."""
    return [values[i : i + size] for i in range(0, len(values), size)]
