"""A small load generator: threads with httpx against a live server on 127.0.0.1.

Used instead of wrk, which CI may not have. Every response is recorded with its latency; the
tests assert on errors only and print the latency figures.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import httpx

from tests.conftest import HTTP_TIMEOUT

Check = Callable[[str, httpx.Response], None]


@dataclass(frozen=True)
class Hit:
    """One request: what, how it ended (0 for a transport error), how long, and why not OK."""

    path: str
    status: int
    seconds: float
    problem: str = ""


def hammer(base: str, paths: Sequence[str], *, workers: int, until: Callable[[], bool],
           at_least: int, check: Check | None = None) -> list[Hit]:
    """Request paths round-robin from `workers` threads until `until()` and `at_least` hits.

    `check(path, response)` may raise AssertionError to mark a 200 response as wrong.
    """
    hits: list[Hit] = []
    lock = threading.Lock()

    def done() -> bool:
        with lock:
            return until() and len(hits) >= at_least

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=HTTP_TIMEOUT) as client:
            turn = offset
            while not done():
                path = paths[turn % len(paths)]
                turn += 1
                start = time.perf_counter()
                try:
                    response = client.get(path)
                    problem = "" if response.status_code == 200 else response.text[:300]
                    if not problem and check is not None:
                        check(path, response)
                    hit = Hit(path, response.status_code, time.perf_counter() - start, problem)
                except (httpx.HTTPError, AssertionError) as error:
                    hit = Hit(path, 0, time.perf_counter() - start, repr(error)[:300])
                with lock:
                    hits.append(hit)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return hits


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the value below which `fraction` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def errors(hits: Sequence[Hit]) -> list[Hit]:
    """Return the hits that were not a correct 200."""
    return [hit for hit in hits if hit.status != 200 or hit.problem]


def report(hits: Sequence[Hit], seconds: float) -> str:
    """Return a one-screen summary: totals, throughput, p50/p95/max overall and per kind."""
    lines = [f"{len(hits)} requests in {seconds:.1f} s ({len(hits) / seconds:.0f}/s), "
             f"{len(errors(hits))} errors"]
    kinds: dict[str, list[float]] = {}
    for hit in hits:
        kinds.setdefault(kind_of(hit.path), []).append(hit.seconds)
    kinds["all"] = [hit.seconds for hit in hits]
    for kind, values in kinds.items():
        lines.append(f"  {kind:<9} n={len(values):<5} p50={percentile(values, 0.5) * 1000:7.1f} ms  "
                     f"p95={percentile(values, 0.95) * 1000:7.1f} ms  max={max(values) * 1000:7.1f} ms")
    return "\n".join(lines)


def kind_of(path: str) -> str:
    """Return which part of the portal a path belongs to, for the report."""
    if path.startswith("/sql/"):
        return "sql"
    if path.startswith(("/feeds/", "/catalog.", "/api/3/")):
        return "feeds"
    if "/releases/" in path and path.count("/") >= 5:
        return "download"
    if "?q=" in path:
        return "search"
    return "page"
