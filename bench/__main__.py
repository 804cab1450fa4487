"""Run the benchmarks: `python3 tasks.py bench [--profile quick|full] [options]`.

Every scenario runs on SQLite and, when reachable, on PostgreSQL; each side (solde and its
baseline) runs `repeats` times, each time in a fresh child process. Results go to
bench/results/<profile>-<time>.json; with --write-docs the Markdown tables of
docs/BENCHMARKS.md are replaced too. `--merge FILE` starts from an earlier run of the same
profile and replaces only the scenarios run now (to re-measure one scenario after a change).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import databases, machine, report
from bench.profiles import PROFILES
from bench.scenarios import SCENARIOS, billing_run
from bench.stats import combine

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"


#: One side in a child process: `bench.worker`, once the billing run has registered itself
#: (it is imported here, not by bench/scenarios/__init__.py, so the worker imports it too).
WORKER = "import sys, bench.scenarios.billing_run, bench.worker; bench.worker.main(sys.argv[1:])"


def _side(key: str, side: str, backend: str, profile: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, key, side, backend, profile],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in out.stderr.splitlines() + out.stdout.splitlines()[:-1]:
        print(f"    {line}", flush=True)
    if out.returncode != 0:
        raise RuntimeError(f"{key} ({side}, {backend}) failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_scenario(key: str, backend: str, profile: str, repeats: int) -> dict[str, Any]:
    """Both sides of one scenario, repeated; their summaries and the headline ratio."""
    scenario = SCENARIOS[key]
    started = time.perf_counter()
    solde = combine([_side(key, "solde", backend, profile) for _ in range(repeats)])
    baseline = None
    if scenario.baseline is not None:
        baseline = combine([_side(key, "baseline", backend, profile) for _ in range(repeats)])
    medians = {name: value["median"] for name, value in solde.items()}
    base_medians = None if baseline is None else {k: v["median"] for k, v in baseline.items()}
    ratio = None
    theirs_name = scenario.baseline_metric or scenario.metric
    if base_medians is not None and theirs_name in base_medians:
        mine, theirs = medians[scenario.metric], base_medians[theirs_name]
        ratio = mine / theirs if scenario.higher_is_better else theirs / mine
    return {
        "scenario": key,
        "backend": backend,
        "solde": solde,
        "baseline": baseline,
        "baseline_name": scenario.baseline_name,
        "ratio": ratio,
        "target": scenario.target,
        "meets_target": scenario.passes(medians, base_medians),
        "seconds": time.perf_counter() - started,
    }


def _count(text: str) -> int:
    value = int(text)  # argparse reports a ValueError as an invalid value
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 tasks.py bench", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--backend", choices=databases.BACKENDS, action="append")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--repeats", type=int, help="runs of each side (default: profile's)")
    parser.add_argument("--write-docs", action="store_true", help="update docs/BENCHMARKS.md")
    parser.add_argument("--output", type=Path, help="the JSON results file")
    parser.add_argument(
        "--merge", type=Path, help="an earlier results file whose other scenarios are kept"
    )
    parser.add_argument(
        "--customers",
        type=_count,
        help="customers of the billing run's book (default: the profile's; full: 100,000)",
    )
    return parser.parse_args(argv)


def _merged(earlier: Path, profile: str) -> list[dict[str, Any]]:
    document = json.loads(earlier.read_text())
    if document.get("profile") != profile:
        found = document.get("profile")
        raise SystemExit(f"{earlier} holds the {found!r} profile, not {profile!r}")
    return list(document["results"])


def _put(results: list[dict[str, Any]], result: dict[str, Any]) -> None:
    """Add `result`, replacing an earlier one of the same scenario and database in place."""
    for index, old in enumerate(results):
        if (old["scenario"], old["backend"]) == (result["scenario"], result["backend"]):
            results[index] = result
            return
    results.append(result)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    profile = PROFILES[args.profile]
    if args.customers is not None:  # read by the billing run's side, in its child process
        os.environ[billing_run.CUSTOMERS_VARIABLE] = str(args.customers)
    backends = list(args.backend or databases.BACKENDS)
    problem = databases.postgres_problem()
    if "postgresql" in backends and problem is not None:
        print(f"PostgreSQL skipped: {problem}")
        backends.remove("postgresql")
    databases.WORK.mkdir(parents=True, exist_ok=True)
    described = machine.describe(databases.WORK, databases.postgres_version())
    print(f"machine: {described}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    output = args.output or RESULTS / f"{profile.name}-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    earlier = _merged(args.merge, profile.name) if args.merge else []
    document: dict[str, Any] = {"profile": profile.name, "machine": described, "results": earlier}
    for key in args.scenario or list(SCENARIOS):
        if SCENARIOS[key].baseline is None:
            print(f"{key}: baseline skipped: {SCENARIOS[key].baseline_name} is not available")
        for backend in backends:
            print(f"{key} on {backend} ...", flush=True)
            result = run_scenario(key, backend, profile.name, args.repeats or profile.repeats)
            print(f"  {report.headline(result)}", flush=True)
            _put(document["results"], result)
            # written after every scenario: a long run that is stopped keeps what it measured
            document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            output.write_text(json.dumps(document, indent=2))
    print(f"results: {output}")
    if args.write_docs:
        report.write_docs(document)
        print("docs/BENCHMARKS.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
