"""The dunning benchmarks keep working: scenarios 10 and 11 of the tiny profile on SQLite.

Their figures mean nothing at this size; what is checked is that the day's dunning blocks,
unblocks, deactivates and reminds exactly the customers the generated book was made for (the
scenario fails otherwise), that the driver baseline goes through the same customers, and that
with the before-commit hook a payment of the balance lifts a dunning block while without it
the block stays.
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


def test_the_dunning_scenarios_measure_the_day_and_the_hook(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", "--profile", "tiny", "--backend", "sqlite"]
    command += ["--scenario", "dunning", "--scenario", "dunning_hook", "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(tmp_path / "work")}
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = {r["scenario"]: r for r in json.loads(output.read_text())["results"]}

    day = {name: value["median"] for name, value in results["dunning"]["solde"].items()}
    assert day["customers"] == 300
    assert day["agrees_with_book"] == 1.0  # and with the preview: else the run fails
    # the book's first customers are one of each class: every action happens at least once
    assert day["blocked"] >= 1
    assert day["unblocked"] >= 1
    assert day["deactivated"] >= 1
    assert day["reminders"] >= day["reminder_fees"] >= 1
    assert day["review_customers"] > day["blocked"] + day["unblocked"] + day["deactivated"]
    assert day["customers_per_s"] > 0
    for step in ("remind", "review"):
        assert day[f"{step}_statements_per_customer"] > 1
        assert day[f"{step}_cpu_ms"] > 0
    raw = {name: value["median"] for name, value in results["dunning"]["baseline"].items()}
    assert raw["review_customers"] == day["review_customers"]
    assert raw["remind_customers"] == day["remind_customers"]
    assert results["dunning"]["ratio"] > 0

    hooked = {name: value["median"] for name, value in results["dunning_hook"]["solde"].items()}
    unhooked = {
        name: value["median"] for name, value in results["dunning_hook"]["baseline"].items()
    }
    assert hooked["blocked_payments"] == unhooked["blocked_payments"] >= 1
    assert hooked["blocks_lifted"] == hooked["blocked_payments"]
    assert unhooked["blocks_lifted"] == 0
    # lifting a block reads the customer's standing and writes the unblock: more statements
    assert hooked["blocked_payment_statements"] > unhooked["blocked_payment_statements"]
    # the time spent in the hook is measured inside it: none when the hook is disabled
    assert hooked["blocked_payment_hook_ms"] > hooked["payment_hook_ms"] > 0
    assert unhooked["payment_hook_ms"] == unhooked["blocked_payment_hook_ms"] == 0
    assert hooked["billing_invoices"] == unhooked["billing_invoices"] == 30
    assert results["dunning_hook"]["ratio"] > 0
