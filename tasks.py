#!/usr/bin/env python3
"""solde's task runner: needs only Python 3.11+, installs what each task needs by itself.

    python3 tasks.py demo    # back office with demo data on SQLite, http://127.0.0.1:8000
    python3 tasks.py test    # ruff, mypy, import-linter, clock check, then every test
    python3 tasks.py bench   # benchmarks against the raw database and ledger (docs/BENCHMARKS.md)
    python3 tasks.py lock    # re-pin requirements/*.lock after changing pyproject.toml

Each task creates `.venv` beside this file on first use and installs the pinned versions of
`requirements/*.lock` into it; later runs reinstall only when a lock file changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = ROOT / "requirements"
UV_VERSION = "0.13.9"
DEMO_DATABASE = ROOT / "demo.db"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)


def _ensure_env(lock: str) -> None:
    """Create .venv and install `requirements/<lock>.lock` plus solde itself (editable)."""
    if sys.version_info < (3, 11):
        raise SystemExit("solde needs Python 3.11 or newer")
    if not PYTHON.exists():
        print(f"creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    lock_file = LOCKS / f"{lock}.lock"
    digest = hashlib.sha256(
        lock_file.read_bytes() + (ROOT / "pyproject.toml").read_bytes() + UV_VERSION.encode()
    ).hexdigest()
    stamp = VENV / f".installed-{lock}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing {lock_file.relative_to(ROOT)} ...", flush=True)
    _run(
        PYTHON,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        f"uv=={UV_VERSION}",
    )
    uv = BIN / "uv"
    _run(uv, "pip", "install", "--quiet", "--python", PYTHON, "-r", lock_file)
    _run(uv, "pip", "install", "--quiet", "--python", PYTHON, "--no-deps", "-e", ROOT)
    for other in VENV.glob(".installed-*"):
        other.unlink()
    stamp.write_text(digest)


def demo(args: list[str]) -> None:
    """Start the back office on the demo SQLite database (demo.db), creating it on first use.

    `solde demo` loads the demo data only into a database without customers, makes sure the
    demo admin (admin@example.com / solde-demo) exists and prints a new admin API key.
    `--fresh` discards demo.db and loads the demo data again. Other arguments go to
    `solde serve` (e.g. `--port 8080`).
    """
    _ensure_env("runtime")
    env = {**os.environ, "SOLDE_DATABASE_URL": f"sqlite:///{DEMO_DATABASE}"}
    if "--fresh" in args:
        args = [a for a in args if a != "--fresh"]
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
    solde = BIN / "solde"
    _run(solde, "init", env=env)
    _run(solde, "demo", env=env)
    _run(solde, "serve", *args, env=env)


def check(_args: list[str]) -> None:
    """The static checks: formatting, lint, types, layering, the clock rule."""
    _ensure_env("dev")
    _run(BIN / "ruff", "format", "--check", "src", "tests", "tools", "bench", "tasks.py")
    _run(BIN / "ruff", "check", "src", "tests", "tools", "bench", "tasks.py")
    _run(BIN / "mypy")
    _run(BIN / "lint-imports")
    _run(PYTHON, "tools/check_clock.py")


def test(args: list[str]) -> None:
    """Every check, then the whole test suite (on SQLite, and on PostgreSQL when reachable)."""
    check([])
    workers = os.environ.get("SOLDE_TEST_WORKERS", "2")
    _run(PYTHON, "-m", "pytest", "-n", workers, *args)


def bench(args: list[str]) -> None:
    """The benchmarks (`--profile quick|full`, `--help` for the rest); see docs/BENCHMARKS.md."""
    _ensure_env("dev")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    _run(PYTHON, "-m", "bench", *args, env=env)


def lock(_args: list[str]) -> None:
    """Re-pin requirements/runtime.lock and requirements/dev.lock from pyproject.toml."""
    _ensure_env("dev")
    uv = BIN / "uv"
    common = ("pip", "compile", "--quiet", "--python-version", "3.11", "pyproject.toml")
    _run(uv, *common, "-o", LOCKS / "runtime.lock")
    _run(uv, *common, "--extra", "dev", "-o", LOCKS / "dev.lock")


TASKS = {"demo": demo, "test": test, "check": check, "bench": bench, "lock": lock}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in TASKS:
        print(__doc__)
        raise SystemExit(2)
    TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
