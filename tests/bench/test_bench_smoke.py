"""The benchmark harness keeps working: a run of the tiny profile on SQLite.

The figures of this run mean nothing (tiny sizes, one run, a loaded machine); what is checked
is that each scenario runs both its sides, writes its results, that the balances solde
reports for every customer are those `ledger` computes from the same postings, and that the
back office's balance report and customer list read what plain SQL reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_tiny_profile_measures_solde_and_its_baselines(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    scenarios = [
        "posting", "import", "card", "all_balances", "settle", "dashboard", "customer_list",
    ]  # fmt: skip
    command = [sys.executable, "-m", "bench", "--profile", "tiny", "--backend", "sqlite"]
    for key in scenarios:
        command += ["--scenario", key]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(tmp_path / "work")}
    run = subprocess.run(
        [*command, "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads(output.read_text())
    assert document["machine"]["cores"] >= 1
    assert document["machine"]["fsync_per_s"] > 0
    results = {r["scenario"]: r for r in document["results"]}
    assert sorted(results) == sorted(scenarios)
    for key in ("posting", "import", "card", "settle", "dashboard", "customer_list"):
        assert results[key]["baseline"] is not None, key
        assert results[key]["ratio"] > 0, key
    assert results["posting"]["solde"]["ops_per_s"]["median"] > 0
    assert results["import"]["solde"]["rows_per_s"]["median"] > 0
    card = results["card"]["solde"]
    assert card["short_p99_ms"]["median"] >= card["short_p50_ms"]["median"] > 0
    assert results["all_balances"]["solde"]["customers"]["median"] == 20
    dashboard = results["dashboard"]["solde"]
    assert dashboard["agrees_with_sql"]["median"] == 1.0  # else the scenario fails
    assert dashboard["currencies"]["median"] == 3
    assert dashboard["p95_ms"]["median"] >= dashboard["p50_ms"]["median"] > 0
    listed = results["customer_list"]["solde"]
    assert listed["agrees_with_sql"]["median"] == 1.0
    assert listed["search_customers"]["median"] > 0
    assert listed["owing_eur_customers"]["median"] > 0
    for page in ("name_first_ms", "name_deep_ms", "owes_eur_ms", "search_ms"):
        assert listed[page]["median"] > 0, page
        assert results["customer_list"]["baseline"][page]["median"] > 0, page
    if shutil.which("ledger"):
        assert results["all_balances"]["solde"]["agrees_with_ledger"]["median"] == 1.0
        assert results["all_balances"]["baseline"]["customers"]["median"] > 0
    else:
        assert results["all_balances"]["baseline"] is None


def test_the_http_scenario_loads_a_real_server_at_a_fixed_rate_and_at_saturation(
    tmp_path: Path,
) -> None:
    output = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", "--profile", "tiny", "--backend", "sqlite"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(tmp_path / "work")}
    run = subprocess.run(
        [*command, "--scenario", "http", "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    (result,) = json.loads(output.read_text())["results"]
    solde = result["solde"]
    # every request of both phases was answered 201 by the server
    assert solde["fixed_failures"]["median"] == 0
    assert solde["saturation_failures"]["median"] == 0
    assert solde["fixed_rps"]["median"] > 0
    assert solde["saturation_rps"]["median"] > 0
    assert solde["saturation_p99_ms"]["median"] >= solde["saturation_p50_ms"]["median"] > 0
    # the saturation load comes from wrk when it is installed, else from the Python client
    assert solde["saturation_client_is_wrk"]["median"] == (1.0 if shutil.which("wrk") else 0.0)
    assert result["baseline"]["ops_per_s"]["median"] > 0


def test_the_billing_run_scenario_bills_every_customer_with_one_and_two_workers(
    tmp_path: Path,
) -> None:
    output = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", "--profile", "tiny", "--backend", "sqlite"]
    command += ["--scenario", "billing_run", "--customers", "12", "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(tmp_path / "work")}
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    (result,) = json.loads(output.read_text())["results"]
    solde, baseline = result["solde"], result["baseline"]
    # --customers replaces the profile's 30; each run bills its own copy of the same book, and
    # fails unless every customer was invoiced (or skipped for a total of zero)
    assert solde["customers"]["median"] == 12
    assert solde["invoices"]["median"] == baseline["invoices"]["median"] == 12
    assert solde["w1_invoices_per_s"]["median"] > 0
    assert solde["w2_invoices_per_s"]["median"] > 0
    assert solde["invoices_per_s"]["median"] == max(
        solde["w1_invoices_per_s"]["median"], solde["w2_invoices_per_s"]["median"]
    )
    # the invoice, its items, its number, the ledger, the services, the outcome: more than ten
    assert solde["statements_per_invoice"]["median"] > 10
    assert baseline["statements_per_invoice"]["median"] > 10
    assert result["ratio"] > 0
    assert result["meets_target"] in (True, False)
    # the book is kept for the next run; the copies each run billed are not
    kept = [p.name for p in (tmp_path / "work").glob("*.db")]
    assert len(kept) == 1
    assert kept[0].startswith("billing_12c_s42_")
