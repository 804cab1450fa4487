"""Runs one side of one scenario on one backend in this process and prints its metrics as
JSON, with the process's peak memory: `python -m bench.worker posting solde sqlite quick`."""

from __future__ import annotations

import json
import resource
import sys

from bench.profiles import PROFILES
from bench.scenarios import SCENARIOS


def main(argv: list[str]) -> None:
    key, side, backend, profile_name = argv
    scenario = SCENARIOS[key]
    run = scenario.solde if side == "solde" else scenario.baseline
    assert run is not None, f"{key} has no baseline"
    metrics = dict(run(backend, PROFILES[profile_name]))
    metrics["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(metrics))


if __name__ == "__main__":
    main(sys.argv[1:])
