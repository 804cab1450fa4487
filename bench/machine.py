"""What the figures were measured on: processor, cores, memory, the disk's fsync rate, versions."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def fsync_rate(directory: Path, seconds: float = 1.0) -> float:
    """Durable 4 KiB writes per second in `directory` (write + fsync), what bounds commits."""
    path = directory / ".fsync-probe"
    block = os.urandom(4096)
    count = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            os.pwrite(fd, block, 0)
            os.fsync(fd)
            count += 1
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return count / elapsed


def _ledger_version() -> str | None:
    if shutil.which("ledger") is None:
        return None
    out = subprocess.run(["ledger", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0].strip() if out.stdout else None


def describe(work: Path, postgres_version: str | None) -> dict[str, Any]:
    """The machine and software the run measured."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "fsync_per_s": round(fsync_rate(work)),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
        "ledger": _ledger_version(),
    }
