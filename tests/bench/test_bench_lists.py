"""The lists benchmarks keep working: scenarios 12 and 13 of the tiny profile on SQLite.

Their figures mean nothing at this size; what is checked is that each page of balance by
customer and receivables (today and a past day) holds what plain SQL written in the harness
reads from the same book (the scenario fails otherwise), that every full export holds every
customer of its list, that each export and writer reports its own process's memory, and that
the million book's export holds one row per customer made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_lists_scenarios_measure_pages_and_exports(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", "--profile", "tiny", "--backend", "sqlite"]
    command += ["--scenario", "lists", "--scenario", "export_million", "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(tmp_path / "work")}
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = {r["scenario"]: r for r in json.loads(output.read_text())["results"]}

    pages = {name: value["median"] for name, value in results["lists"]["solde"].items()}
    plain = {name: value["median"] for name, value in results["lists"]["baseline"].items()}
    assert pages["agrees_with_sql"] == 1.0  # each checked page: else the run fails
    for name in ("bbc_first", "bbc_unbilled", "bbc_deep", "rcv_first", "rcv_over90", "rcv_past"):
        assert pages[f"{name}_ms"] > 0, name
    # the balance file holds every customer of the book; the receivables files the owing ones,
    # as many as plain SQL finds today and on the past day
    assert pages["bbc_rows"] == plain["bbc_rows"] == 60
    assert 0 < pages["rcv_rows"] == plain["rcv_rows"] < 60
    assert 0 < pages["rcv_past_rows"] == plain["rcv_past_rows"] < 60
    for name in ("bbc", "rcv"):
        for fmt in ("csv", "json", "xlsx"):
            assert pages[f"{name}_{fmt}_ms"] > 0
            # each export's own process, a fresh interpreter: not the harness's memory
            assert 0 < pages[f"{name}_{fmt}_mib"] < 300
    assert results["lists"]["ratio"] > 0

    million = {name: value["median"] for name, value in results["export_million"]["solde"].items()}
    assert million["million_rows"] == 2_000
    for fmt in ("csv", "json", "xlsx"):
        assert million[f"writer_{fmt}_rows_per_s"] > 0
        assert 0 < million[f"writer_{fmt}_mib"] < 300
        assert million[f"million_{fmt}_ms"] > 0
    assert results["export_million"]["baseline"]["million_rows"]["median"] == 2_000
    assert results["export_million"]["meets_target"] is True
