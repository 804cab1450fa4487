"""Scenario 2's server and load generator.

The server is `uvicorn solde.api.asgi:from_env` (one worker, as `solde serve` starts it) on
127.0.0.1. The load comes from another process (`python -m bench.http_load`), an asyncio httpx
client on keep-alive connections that posts lines and payments to many customers:

- fixed rate: requests are sent on a fixed schedule (open loop) and each latency counts from
  the moment the request was due, so a slow server is not hidden by a waiting client;
- saturation: N connections each send their next request as soon as the previous one answered.
  With Debian's `wrk` installed, wrk does it (bench/wrk_post.lua, one thread): a client in C
  costs the shared 2 cores far less than Python's, so the server, not the client, is what
  saturates. Without wrk the httpx client does it, and the report names which one ran.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.databases import Database
from bench.profiles import Profile
from bench.stats import latency_summary
from solde.storage.api_keys import Role

#: The two requests of scenarios 1 and 2 (and of bench/wrk_post.lua, which gets them from here).
LINE: dict[str, object] = {
    "kind": "debit",
    "type": "charge",
    "label": "Fibre subscription",
    "unit_price": "39.90",
    "tax_rate": "20",
    "date": "2026-10-15",
    "bill_on_next_invoice": False,
}
PAYMENT: dict[str, object] = {"amount": "47.88", "method": "card", "date": "2026-10-20"}


def _request(index: int, ids: list[int]) -> tuple[str, dict[str, object]]:
    customer_id = ids[(index // 2) % len(ids)]
    if index % 2 == 0:
        return f"/v1/customers/{customer_id}/transactions", LINE
    return f"/v1/customers/{customer_id}/payments", PAYMENT


async def _send(client: httpx.AsyncClient, index: int, ids: list[int]) -> bool:
    path, body = _request(index, ids)
    response = await client.post(path, json=body)
    return response.status_code == 201


async def fixed_rate(
    base: str, key: str, ids: list[int], rate: int, seconds: float
) -> dict[str, float]:
    """Open loop at `rate` requests per second."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        start = time.perf_counter()
        total = int(rate * seconds)

        async def one(index: int) -> None:
            nonlocal failures
            due = start + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if not await _send(client, index, ids):
                failures += 1
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return {"rps": len(latencies) / elapsed, "failures": failures, **latency_summary(latencies)}


async def saturation(
    base: str, key: str, ids: list[int], connections: int, seconds: float
) -> dict[str, float]:
    """Closed loop: `connections` clients, each sending as soon as it has its answer."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    failures = 0
    counter = iter(range(10**9))
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                if not await _send(client, next(counter), ids):
                    failures += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    return {"rps": len(latencies) / elapsed, "failures": failures, **latency_summary(latencies)}


WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"


def saturation_wrk(
    base: str, key: str, ids: list[int], connections: int, seconds: float
) -> dict[str, float]:
    """The closed loop of `saturation`, driven by wrk (one thread, `connections` connections)."""
    env = {
        **os.environ,
        "SOLDE_BENCH_IDS": ",".join(map(str, ids)),
        "SOLDE_BENCH_KEY": key,
        "SOLDE_BENCH_LINE": json.dumps(LINE),
        "SOLDE_BENCH_PAYMENT": json.dumps(PAYMENT),
    }
    wrk = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(WRK_SCRIPT), base],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed: {(wrk.stderr or wrk.stdout).strip()}")
    output = wrk.stdout
    found = json.loads(output.strip().splitlines()[-1])
    return {
        "rps": found["requests"] / found["seconds"],
        "failures": found["failures"],
        **{name: found[name] for name in ("p50_ms", "p90_ms", "p99_ms", "max_ms")},
        "client_is_wrk": 1.0,  # wrk's memory is not reported: it is not solde's
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within 60 s")


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _generate(phase: str, base: str, key: str, ids: list[int], profile: Profile) -> dict[str, Any]:
    """Run one load phase in a child process (the load generator)."""
    spec = {
        "phase": phase,
        "base": base,
        "key": key,
        "ids": ids,
        "rate": profile.http_rate,
        "connections": profile.http_connections,
        "seconds": profile.http_seconds,
    }
    out = subprocess.run(
        [sys.executable, "-m", "bench.http_load", json.dumps(spec)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(database: Database, ids: list[int], profile: Profile) -> dict[str, float]:
    """Start the server on `database`, load it at a fixed rate, then at saturation."""
    container = database.container()
    _key, secret = container.api_keys.create(name="bench", role=Role.ADMIN)
    container.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SOLDE_DATABASE_URL": database.url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "solde.api.asgi:from_env", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_until_up(base, server)
        fixed = _generate("fixed", base, secret, ids, profile)
        if shutil.which("wrk"):
            saturated = saturation_wrk(
                base, secret, ids, profile.http_connections, profile.http_seconds
            )
        else:
            saturated = _generate("saturation", base, secret, ids, profile) | {"client_is_wrk": 0.0}
        server_rss = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {f"fixed_{k}": v for k, v in fixed.items()}
    result |= {f"saturation_{k}": v for k, v in saturated.items()}
    return result | {"server_peak_rss_mib": server_rss}


def main(argv: list[str]) -> None:
    spec: dict[str, Any] = json.loads(argv[0])
    if spec["phase"] == "fixed":
        run = fixed_rate(spec["base"], spec["key"], spec["ids"], spec["rate"], spec["seconds"])
    else:
        run = saturation(
            spec["base"], spec["key"], spec["ids"], spec["connections"], spec["seconds"]
        )
    result = asyncio.run(run)
    result["client_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
