"""The business packages stay pure: the clock check finds clock reads, and there are none."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_clock", ROOT / "tools" / "check_clock.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_clock"] = module
    spec.loader.exec_module(module)
    return module


check_clock = _load_checker()


@pytest.mark.parametrize(
    "source",
    [
        "import datetime\nx = datetime.date.today()",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import datetime, UTC\nx = datetime.now(UTC)",
        "import datetime as dt\nx = dt.datetime.utcnow()",
        "import time\nx = time.time()",
        "import time\nx = time.monotonic_ns()",
        "from time import perf_counter",
        "from datetime import date\nclass A:\n    def f(self):\n        return date.today()",
    ],
)
def test_clock_reads_are_found(source: str) -> None:
    assert list(check_clock.offences(ast.parse(source)))


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import date\ndef f(on: date) -> date:\n    return on",
        "from datetime import timedelta\nx = timedelta(days=1)",
        "x = {'now': 1}['now']",
    ],
)
def test_dates_passed_in_are_not_clock_reads(source: str) -> None:
    assert list(check_clock.offences(ast.parse(source))) == []


def test_domain_ledger_and_settlement_never_read_the_clock() -> None:
    assert check_clock.check(ROOT / "src" / "solde") == []
