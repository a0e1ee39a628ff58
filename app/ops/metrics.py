"""The portal's Prometheus metrics, and their text for /metrics.

prometheus-client decides at import whether values live in this process or in files of
PROMETHEUS_MULTIPROC_DIR (`otkrito serve --workers N` sets it before the workers start), so
what this module read at import is also what `exposition()` must read from.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

HTTP_REQUESTS = Counter("otkrito_http_requests", "HTTP requests answered, by route template, "
                        "method and status.", ("route", "method", "status"))
HTTP_SECONDS = Histogram("otkrito_http_request_duration_seconds", "Time to answer an HTTP request.",
                         ("route", "method"),
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
PUBLISHES = Counter("otkrito_publishes", "Publishes, by outcome (published, invalid, failed).",
                    ("outcome",))
PUBLISH_SECONDS = Histogram("otkrito_publish_duration_seconds", "Time a publish took, by outcome.",
                            ("outcome",), buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800))
SQL_QUERIES = Counter("otkrito_sql_queries", "SQL API requests that reached a dataset's database.")
SQL_TIMEOUTS = Counter("otkrito_sql_timeouts", "SQL API queries stopped by OTKRITO_SQL_TIME_LIMIT_MS.")
MAIL = Counter("otkrito_mail_deliveries", "Subscribers' e-mail handed to the SMTP server, by outcome "
               "(sent, retry, failed).", ("outcome",))
WEBHOOKS = Counter("otkrito_webhook_deliveries", "Webhook deliveries, by outcome (delivered, retry, "
                   "failed).", ("outcome",))
FETCHES = Counter("otkrito_source_fetches", "Checks of scheduled sources, by outcome (the check's "
                  "outcome, or error).", ("outcome",))


@contextmanager
def timed_publish() -> Iterator[Callable[[str], None]]:
    """Count one publish and its duration: the block says its outcome; an exception is `failed`."""
    outcome = ["failed"]
    start = time.perf_counter()
    try:
        yield lambda said: outcome.__setitem__(0, said)
    finally:
        PUBLISHES.labels(outcome[0]).inc()
        PUBLISH_SECONDS.labels(outcome[0]).observe(time.perf_counter() - start)


def count_outcomes(counter: Counter, counts: Any, names: Iterable[str]) -> None:
    """Add a sender's Counts (a dataclass with one int per outcome) to a counter."""
    for name in names:
        amount = getattr(counts, name)
        if amount:
            counter.labels(name).inc(amount)


class _Gauges:
    """A collector of gauges read when /metrics is asked (the queue's depth, say)."""

    def __init__(self, read: Callable[[], list[Metric]]) -> None:
        self.read = read

    def collect(self) -> list[Metric]:
        return self.read()


class _Chain:
    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def queue_depth_family(rows: Iterable[tuple[str, str, int]]) -> GaugeMetricFamily:
    family = GaugeMetricFamily("otkrito_queue_jobs", "Jobs on the durable queue now, by queue and "
                               "status (todo, doing).", labels=("queue", "status"))
    for queue, status, count in rows:
        family.add_metric([queue, status], count)
    return family


def exposition(extra: Callable[[], list[Metric]] | None = None) -> bytes:
    """The text of /metrics: this process's metrics, or every worker's summed (multiprocess)."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROC_DIR:
        MultiProcessCollector(registry, path=MULTIPROC_DIR)
    else:
        registry.register(_Chain(REGISTRY))
    if extra is not None:
        registry.register(_Gauges(extra))
    return generate_latest(registry)


def process_exited(pid: int | None = None) -> None:
    """A worker stops: drop its live gauges from the multiprocess files (counters stay summed)."""
    if MULTIPROC_DIR:
        mark_process_dead(pid or os.getpid(), MULTIPROC_DIR)


def serve_worker_metrics(port: int) -> None:
    """`otkrito worker`'s own /metrics on 127.0.0.1 (a thread of prometheus-client's server):
    a worker is a process of its own, often on another node, so it is scraped on its own."""
    from prometheus_client import start_http_server

    start_http_server(port, addr="127.0.0.1")
