"""The two-node cluster's figures (run_all.py section 6, issue #13).

`deploy/local-cluster.sh` starts the cluster anyone can start (PostgreSQL 15, SeaweedFS, two
`otkrito serve` nodes), here under `ulimit -n 1024`, which every process it starts inherits.
`bench/many.py` then writes N live datasets into its catalog and bucket, and each node is
measured as section 5 measures one instance: the /sql/ index and /sql/.json, a pass through
every dataset's table JSON (each node's cache starts empty: its pass fetches every file from the
store; a second pass then finds them cached), the peak RSS of each serving process, errors.
Last, `publishes` releases are published through A's API, and for each the time from A's 201
(sent once the release is committed) to the first /sql/ answer on B that holds its rows.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import many as bench_many
import servers

SCRIPT = servers.REPO / "deploy" / "local-cluster.sh"
SLUG = "nabor-obnovyavan"  # the dataset published again and again
FILE_LIMIT = 1024


def _settings(state: Path) -> dict[str, str]:
    text = (state / "cluster.env").read_text()
    return dict(re.findall(r"^(?:export )?(\w+)='?([^'\n]*)'?$", text, re.M))


@contextmanager
def running_cluster(log: Path, *, file_limit: int = FILE_LIMIT) -> Iterator[dict[str, Any]]:
    """Start deploy/local-cluster.sh in a state directory of its own; stop and delete it after.

    The directory is a fresh one under the system's temporary folder: PostgreSQL runs as the
    `postgres` user when this runs as root, and must reach it.
    """
    state = Path(tempfile.mkdtemp(prefix="otkrito-bench-cluster-"))
    env = {**os.environ, "OTKRITO_PYTHON": servers.PYTHON}
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit))  # noqa: E731
    try:
        with log.open("ab") as out:
            done = subprocess.run([str(SCRIPT), "start", str(state)], stdout=out,
                                  stderr=subprocess.STDOUT, env=env, preexec_fn=limit, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"deploy/local-cluster.sh failed: {log.read_text()[-3000:]}")
        settings = _settings(state)
        settings["pids"] = {p.stem: int(p.read_text()) for p in (state / "pids").glob("*.pid")}
        settings["state"] = str(state)
        yield settings
    finally:
        with log.open("ab") as out:
            subprocess.run([str(SCRIPT), "stop", str(state)], stdout=out, stderr=subprocess.STDOUT,
                           env=env, timeout=300)
        shutil.rmtree(state, ignore_errors=True)


@contextmanager
def cluster_environment(settings: dict[str, Any]) -> Iterator[None]:
    """This process reads the cluster's settings for the block (boto3 reads the store's there)."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in settings.items() if k.startswith(("OTKRITO_", "AWS_"))})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _token(database_url: str) -> str:
    """A publishing token for the publisher many.py made (user and token made here)."""
    from publishers.store import connect
    from publishers.tokens import create_token
    from publishers.users import add_user, grant

    engine = connect(database_url)
    try:
        user = add_user(engine, "bench@mnogo.bg", password="bench password, never used")
        grant(engine, user.email, "editor", publisher="obshtina-mnogo")
        from datasets.catalog import create_dataset

        create_dataset(engine, SLUG, publisher="obshtina-mnogo", title_bg="Обновяван набор",
                       title_en="A dataset published again and again", licence="CC-BY-4.0")
        return create_token(engine, publisher_id=1, user_id=user.id, name="bench", actor="bench")[1]
    finally:
        engine.dispose()


def _get(base: str, path: str, timeout: float = 30) -> tuple[int, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def propagation(a: str, b: str, token: str, work: Path, *, publishes: int) -> dict[str, Any]:
    """Publish `publishes` releases through A; seconds from each 201 to B's first /sql/ read of it."""
    import httpx

    table = SLUG.replace("-", "_")
    latencies: list[float] = []
    errors = 0
    for version in range(1, publishes + 1):
        csv = work / f"release-{version}.csv"
        csv.write_text("id,version\n" + "".join(f"{n},{version}\n" for n in range(20)),
                       encoding="utf-8")
        with csv.open("rb") as handle:
            answer = httpx.post(f"{a}/api/v1/datasets/{SLUG}/releases", timeout=300,
                                headers={"Authorization": f"Bearer {token}"},
                                files={"file": (csv.name, handle, "text/csv")})
        committed = time.perf_counter()
        if answer.status_code != 201:
            errors += 1
            continue
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # bounded: a release B never shows is an error
            status, body = _get(b, f"/sql/{SLUG}/{table}.json?_shape=array&_size=1")
            if status == 200 and json.loads(body)[0].get("version") == version:
                latencies.append(time.perf_counter() - committed)
                break
            time.sleep(0.002)  # a poll interval: the figure's resolution
        else:
            errors += 1
    ordered = sorted(latencies) or [0.0]
    return {"publishes": publishes, "seen": len(latencies), "errors": errors,
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def section(args: Any, work: Path, *, measure: Callable[[str, list[str]], Any],
            say: Callable[[str], None], index: dict[str, tuple[str, ...]]) -> tuple[list[tuple], dict]:
    """Run the section; return its figures as (name, value, unit, target, passed) and details."""
    n = args.sql_datasets
    last = str(-(-n // 100))
    with running_cluster(work / "cluster.log") as cluster, cluster_environment(cluster):
        started = time.perf_counter()
        slugs = bench_many.generate(work / "cluster-scratch", datasets=n,
                                    catalog_url=cluster["OTKRITO_DATABASE_URL"],
                                    storage_url=cluster["OTKRITO_STORAGE_URL"])
        nodes = {"A": cluster["CLUSTER_NODE_A"], "B": cluster["CLUSTER_NODE_B"]}
        say(f"\n== 6. the two-node cluster (deploy/local-cluster.sh: PostgreSQL, SeaweedFS, 2 nodes "
            f"of 1 process each, under ulimit -n {FILE_LIMIT}); {n} live datasets in the catalog "
            f"and the bucket (written in {time.perf_counter() - started:.1f} s); each node like "
            f"section 5, its cache empty at first")
        results: dict[str, Any] = {}
        figures: list[tuple] = []
        for name, base in nodes.items():
            pid = cluster["pids"][f"node-{name.lower()}"]
            for label, paths in index.items():
                load = measure(base, [p.replace("=last", "=" + last) for p in paths])
                results[f"{label} on {name}"] = load.as_json()
                figures.append((f"{label} p95 on node {name}, {n} datasets", load.p95_ms, " ms",
                                "<= 200", load.p95_ms <= 200 and load.errors == 0, load.errors))
            passed = bench_many.table_pass(base, slugs, server_pid=pid,
                                           deadline_s=max(60.0, n * 0.3))
            # Again, every file now in the node's cache: what a visitor sees once a node is warm.
            warm = bench_many.table_pass(base, slugs, server_pid=pid, deadline_s=max(60.0, n * 0.3))
            results[f"table pass on {name}"] = passed.as_json()
            results[f"second table pass on {name}"] = warm.as_json()
            peak = bench_many.rss_mb(pid, "VmHWM")
            results[f"rss_mb on {name}"] = {"now": bench_many.rss_mb(pid), "peak": peak}
            figures.append((f"table JSON p95 on node {name}, a pass through {n} datasets",
                            passed.p95_ms, " ms", "<= 50", passed.p95_ms <= 50 and passed.errors == 0,
                            passed.errors))
            figures.append((f"table JSON p95 on node {name}, a second pass (files cached)",
                            warm.p95_ms, " ms", "<= 50", warm.p95_ms <= 50 and warm.errors == 0,
                            warm.errors))
            figures.append((f"peak RSS of node {name}'s serving process", peak, " MB", "<= 400",
                            peak <= 400, 0))
            say(f"  node {name}: first table pass p50 {passed.p50_ms} ms, p95 {passed.p95_ms} ms, "
                f"second p50 {warm.p50_ms} ms, p95 {warm.p95_ms} ms; "
                f"{passed.requests} requests, {passed.errors} errors, most open files "
                f"{passed.most_files}; RSS {bench_many.rss_mb(pid)} MB, peak {peak} MB")
        spread = propagation(nodes["A"], nodes["B"], _token(cluster["OTKRITO_DATABASE_URL"]),
                             work, publishes=args.cluster_publishes)
        results["propagation"] = spread
        say(f"  publish on A -> first /sql/ read on B, {spread['publishes']} publishes: p50 "
            f"{spread['p50_ms']} ms, p95 {spread['p95_ms']} ms, max {spread['max_ms']} ms, "
            f"{spread['errors']} errors")
    errors = sum(f[5] for f in figures) + spread["errors"]
    out = [f[:5] for f in figures]
    out.append((f"publish on A -> first /sql/ read on B, p95 of {spread['publishes']}",
                spread["p95_ms"], " ms", "<= 2000", spread["p95_ms"] <= 2000 and spread["errors"] == 0))
    out.append((f"cluster errors under ulimit -n {FILE_LIMIT}", errors, "", "= 0", errors == 0))
    return out, results
