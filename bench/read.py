"""Benchmark the public read path (issue #3): home, catalog search and dataset pages vs Datasette.

One run seeds the demo content into a fresh instance (optionally with extra catalog-only
datasets so the search covers thousands of entries), starts the real server (`uvicorn
app.web.asgi:factory`, Flask and Datasette in one process) on a free 127.0.0.1 port, and drives it
with a bounded load: a fixed number of requests per target from a few client threads, and a time
cap. It reports requests per second and p50/p95 latency for each target, with Datasette's own
table JSON page as the reference, and the same figures when clients send If-None-Match (304s).

    .venv/bin/python bench/read.py                       # 600 requests per target, 4 clients
    .venv/bin/python bench/read.py --requests 200 --clients 2 --extra 10000 --json
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BUDGET = "byudzhet-na-obshtina-levski"
TARGETS = {
    "home": "/",
    "catalog search": "/datasets?q=byudzhet",
    "dataset page": f"/datasets/{BUDGET}",
    "datasette table JSON": f"/sql/{BUDGET}/byudzhet_na_obshtina_levski.json",
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(instance: Path, extra: int) -> None:
    env = {**os.environ, "OTKRITO_INSTANCE": str(instance)}
    for command in (["init"], ["demo"]):
        subprocess.run([sys.executable, "-m", "app.cli", *command], cwd=REPO, env=env, check=True,
                       capture_output=True)
    if extra:
        sys.path.insert(0, str(REPO))
        from app.state import open_portal
        from publishers.store import datasets

        portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
        now = datetime.now(timezone.utc)
        with portal.engine.begin() as conn:
            conn.execute(datasets.insert(), [dict(
                slug=f"bench-{i}", publisher_id=1, title_bg=f"Отчет {i} за транспорт и бюджет {i % 97}",
                title_en=f"Report {i}", description_bg="Данни за сравнение", themes=["TRAN"],
                keywords=[f"дума{i % 50}"], licence="CC-BY-4.0", frequency="ANNUAL", sample=True,
                created_at=now, updated_at=now) for i in range(extra)])
        portal.engine.dispose()


def _load(url: str, *, requests: int, clients: int, cap: float,
          headers: dict[str, str]) -> dict[str, float]:
    """Send `requests` GETs from `clients` threads (stopping at `cap` seconds); return the figures."""
    latencies: list[float] = []
    errors = [0]
    left = [requests]
    lock = threading.Lock()
    deadline = time.monotonic() + cap

    def worker() -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                with lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code not in (200, 304):
                        errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"requests": len(ordered), "errors": errors[0], "rps": round(len(ordered) / wall, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2)}


def run(*, requests: int, clients: int, cap: float, extra: int) -> dict[str, object]:
    """Seed, serve, load every target plainly and conditionally; return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        _seed(instance, extra)
        port = _port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env={**os.environ, "OTKRITO_INSTANCE": str(instance)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    httpx.get(base + "/", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            results: dict[str, object] = {}
            for name, path in TARGETS.items():
                warm = httpx.get(base + path, timeout=30)
                plain = _load(base + path, requests=requests, clients=clients, cap=cap, headers={})
                etag = warm.headers.get("ETag")
                conditional = (_load(base + path, requests=requests, clients=clients, cap=cap,
                                     headers={"If-None-Match": etag}) if etag else None)
                results[name] = {"status": warm.status_code, "bytes": len(warm.content),
                                 "plain": plain, "if_none_match": conditional}
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {"requests_per_target": requests, "clients": clients, "catalog_datasets": 4 + extra,
            "targets": results}


def _print(result: dict[str, object]) -> None:
    print(f"{result['catalog_datasets']} datasets in the catalog; {result['requests_per_target']} "
          f"requests per target from {result['clients']} clients on 127.0.0.1, one uvicorn worker")
    print(f"{'target':<22}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}   {'304 req/s':>9}{'p50':>8}{'p95':>8}")
    for name, figures in result["targets"].items():  # type: ignore[attr-defined]
        plain, cond = figures["plain"], figures["if_none_match"]
        tail = f"   {cond['rps']:>9}{cond['p50_ms']:>8}{cond['p95_ms']:>8}" if cond else "   (no ETag)"
        print(f"{name:<22}{plain['rps']:>8}{plain['p50_ms']:>9}{plain['p95_ms']:>9}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per target and mode")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds at most per target and mode")
    parser.add_argument("--extra", type=int, default=0, help="extra catalog-only datasets to search")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    result = run(requests=args.requests, clients=args.clients, cap=args.cap, extra=args.extra)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)


if __name__ == "__main__":
    main()
