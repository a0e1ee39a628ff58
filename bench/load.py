"""Bounded HTTP load on 127.0.0.1: `wrk` when installed, else a small Python client.

A load generator shares the machine's cores with the server it measures. `wrk` (C, epoll, one
thread here) needs a small fraction of a core for thousands of requests per second; the Python
fallback (threads over http.client) needs much more, so its figures are lower bounds. Every
result says which tool produced it.
"""
from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"  # the only address these benchmarks ever load
# When set, every load sends this many requests (with the Python client) instead of running for
# a time: the smoke tests' quick runs only check that each figure prints, and a load bounded by
# count costs the same CPU on any machine, where a timed one keeps both cores busy throughout.
COUNT: int | None = None
COUNT_SECONDS = 120.0  # the time bound of a counted load: only a hang reaches it
WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, "p95_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(95)))
end
"""


@dataclass(frozen=True)
class Load:
    """What one bounded load measured."""

    tool: str
    connections: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def tool() -> str:
    """Name the load generator this machine will use."""
    if COUNT is not None:
        return "python"
    return "wrk" if shutil.which("wrk") else "python"


def run_load(base: str, paths: list[str], *, connections: int, seconds: float,
             headers: dict[str, str] | None = None) -> Load:
    """GET the paths in turn from `connections` keep-alive connections for `seconds`."""
    if urlsplit(base).hostname != HOST:
        raise ValueError(f"load only ever goes to {HOST}, not {base}")
    if COUNT is not None:
        return _python(base, paths, connections=connections, seconds=COUNT_SECONDS,
                       headers=headers or {}, count=COUNT)
    if tool() == "wrk":
        return _wrk(base, paths, connections=connections, seconds=seconds, headers=headers or {})
    return _python(base, paths, connections=connections, seconds=seconds, headers=headers or {})


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _wrk(base: str, paths: list[str], *, connections: int, seconds: float,
         headers: dict[str, str]) -> Load:
    script = WRK_SCRIPT % {
        "paths": ", ".join(_lua(p) for p in paths),
        "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
             "-s", handle.name, base], capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(handle.name).unlink()
    line = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if done.returncode != 0 or not line:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    figures = json.loads(line[-1])
    wall = figures["duration_us"] / 1e6
    return Load("wrk", connections, figures["requests"], figures["errors"], round(wall, 2),
                round(figures["requests"] / wall, 1), round(figures["p50_us"] / 1000, 2),
                round(figures["p95_us"] / 1000, 2))


def _python(base: str, paths: list[str], *, connections: int, seconds: float,
            headers: dict[str, str], count: int | None = None) -> Load:
    parts = urlsplit(base)
    tickets = threading.Semaphore(count) if count is not None else None
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        failed = 0
        i = offset
        try:
            while time.monotonic() < deadline:
                if tickets is not None and not tickets.acquire(blocking=False):
                    break  # the count is sent
                started = time.perf_counter()
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                failed += response.status >= 400
                i += 1
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return Load("python", connections, len(latencies), errors[0], round(wall, 2),
                round(len(latencies) / wall, 1), round(statistics.median(ordered) * 1000, 2),
                round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2))
