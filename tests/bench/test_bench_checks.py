"""A benchmark that reads the wrong figures fails: scenario 7 compares solde's balance report
with the same figures read in plain SQL and stops the run when they differ."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _dashboard_side(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.worker", "dashboard", "solde", "sqlite", "tiny"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_dashboard_scenario_fails_when_solde_and_plain_sql_disagree(tmp_path: Path) -> None:
    work = tmp_path / "work"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLDE_BENCH_WORK": str(work)}
    agreeing = _dashboard_side(env)
    assert agreeing.returncode == 0, agreeing.stderr[-3000:]
    assert '"agrees_with_sql": 1.0' in agreeing.stdout
    (book,) = work.glob("book_*.db")
    connection = sqlite3.connect(book, isolation_level=None)
    # one customer's aggregate row no longer says what its transactions add up to
    connection.execute(
        "UPDATE customer_balances SET balance = balance + 1, debit = debit + 1 "
        "WHERE customer_id = (SELECT MIN(customer_id) FROM customer_balances)"
    )
    connection.close()
    disagreeing = _dashboard_side(env)
    assert disagreeing.returncode != 0
    assert "the balance report differs from plain SQL on sqlite" in disagreeing.stderr
