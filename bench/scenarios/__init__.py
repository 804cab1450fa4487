"""The scenarios: each measures solde and its baseline on one backend, in a child process.

A scenario is registered with `@scenario(...)`; its two sides are functions
`(backend, profile) -> metrics`. Later capabilities add their own modules here and import
them at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.profiles import Profile

Metrics = dict[str, float]
Side = Callable[[str, Profile], Metrics]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One benchmark: what it measures and how it compares."""

    key: str
    title: str
    metric: str  # the headline metric, in both sides' results
    higher_is_better: bool
    solde: Side
    baseline: Side | None
    baseline_name: str
    target: str  # what the issue asks, in words
    passes: Callable[[Metrics, Metrics | None], bool | None]
    baseline_metric: str = ""  # the baseline's comparable metric, when named differently


SCENARIOS: dict[str, Scenario] = {}


def register(item: Scenario) -> Scenario:
    """Add a scenario to the run."""
    SCENARIOS[item.key] = item
    return item


from bench.scenarios import ledger_core  # noqa: E402,F401  (registers its scenarios)

# registered in the order of their numbers: 1 to 6, then 7 and 8
# isort: split
from bench.scenarios import back_office  # noqa: E402,F401  (registers its scenarios)

# 9 (the billing run, imported by dunning), then 10 and 11
# isort: split
from bench.scenarios import dunning  # noqa: E402,F401  (registers its scenarios)

# 12 and 13: the lists of SPEC §12 and their exports
# isort: split
from bench.scenarios import lists  # noqa: E402,F401  (registers its scenarios)
