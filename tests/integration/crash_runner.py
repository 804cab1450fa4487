"""The billing run of one date as a process of its own, for the crash test to kill and restart.

    python crash_runner.py DATABASE_URL 2026-05-01 WORKERS

It prints `started` once the program is loaded, `progress DONE TOTAL` as customers are billed
and `finished RUN_ID STATUS` at the end. The date is also the business day of the run. With
WORKERS above 1 the run starts worker processes ("spawn"), hence the `__main__` guard.
"""

from __future__ import annotations

import sys
from datetime import date

from solde.bootstrap import Config, Container
from solde.runs import run_billing


def _say(*words: object) -> None:
    print(*words, flush=True)


def main(arguments: list[str]) -> int:
    """Bill every customer of the date, as `solde billing run` does."""
    url, day, workers = arguments
    container = Container(Config(url))
    _say("started")
    try:
        run = run_billing(
            container,
            {"date": day},
            actor="crash test",
            on=date.fromisoformat(day),
            workers=int(workers),
            progress=lambda done, total: _say("progress", done, total),
        )
    finally:
        container.dispose()
    _say("finished", run.id, run.status.value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
