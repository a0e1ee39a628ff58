"""Measure every figure of issue #8 in one run and print each with its ratio and PASS/FAIL.

  1. publish of the N-row file against `csv + sqlite3.executemany + FTS5` (at most 2.0x) and
     against `frictionless validate` + `sqlite-utils insert` + `enable-fts` (at least 4x faster);
  2. peak RSS of a publish (at most 300 MB) and its growth from N to 5N rows (at most 1.2x);
  3. the SQL API's table JSON on the N-row release against standalone, tuned Datasette on the
     same file (at least 0.8x), home / catalog search / dataset pages (at least 1.0x that, p95
     under 100 ms at 20 connections), and 2 workers against 1 on those pages (at least 1.7x);
  4. a generated catalog of 10,000 datasets and 100,000 releases: catalog search p95 <= 50 ms,
     feeds and DCAT <= 100 ms, CKAN package_search <= 100 ms (one client: service latency);
  5. the SQL API over 5,000 live datasets (real release files) under `ulimit -n 1024`: the
     /sql/ index page and /sql/.json p95 <= 200 ms, table JSON p95 <= 50 ms over a pass through
     every dataset, RSS of each serving process <= 400 MB, no errors (issue #13);
  6. the same on each node of the two-node cluster (deploy/local-cluster.sh), and the time from
     a publish's commit on A to its first successful /sql/ read on B, p95 (bench/cluster.py);
  7. a scheduled source's unchanged re-checks over its first fetch (#14, bench/sources.py).

It measures; it never fails on a target (exit 0). Load goes only to 127.0.0.1, bounded in time.

    .venv/bin/python bench/run_all.py                        # the real sizes (an hour or so)
    .venv/bin/python bench/run_all.py --rows 200000 --keep   # a quicker run
    .venv/bin/python bench/run_all.py --quick --json         # seconds: the smoke test's run
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench_catalog  # noqa: E402
import cluster as bench_cluster  # noqa: E402
import load  # noqa: E402
import many as bench_many  # noqa: E402
import publish as bench_publish  # noqa: E402
import servers  # noqa: E402
import sources as bench_sources  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLUG = bench_publish.SLUG
PAGES = {"home": "/", "catalog search": "/datasets?q=" + quote("бенчмарк"),
         "dataset page": f"/datasets/{SLUG}"}
SCALE = {
    "catalog search": ("/datasets?q=" + quote("бюджет"), "/datasets?q=" + quote("транспорт Левски"),
                       "/datasets?q=" + quote("дума7"), "/datasets?theme=TRAN"),
    "feeds": ("/feeds/releases.atom", "/feeds/releases.rss", "/feeds/datasets/nabor-5.atom",
              "/feeds/publishers/obshtina-3.atom", "/feeds/themes/TRAN.atom"),
    "DCAT": ("/catalog.ttl", "/catalog.jsonld", "/datasets/nabor-7.ttl", "/catalog.ttl?page=2"),
    "CKAN package_search": ("/api/3/action/package_search?q=" + quote("бюджет"),
                            "/api/3/action/package_search?q=" + quote("транспорт") + "&rows=20",
                            "/api/3/action/package_search?fq=" + quote("tags:дума7")),
}
# Workers share one listening socket and the first to wake accepts every waiting connection:
# 20 keep-alive connections opened at once all land on one worker. A connection per request
# spreads them as many distinct visitors would (for 1 worker and 2 alike).
NEW_CONNECTIONS = {"Connection": "close"}
SCALE_P95_MS = {"catalog search": 50.0, "feeds": 100.0, "DCAT": 100.0,
                "CKAN package_search": 100.0}
FILE_LIMIT = 1024  # a stock systemd service's `ulimit -n`
SQL_INDEX = {"/sql/ index page": ("/sql/", "/sql/?page=2", "/sql/?page=last"),
             "/sql/.json": ("/sql/.json", "/sql/.json?page=2", "/sql/.json?page=last")}


@dataclass(frozen=True)
class Figure:
    """One figure of issue #8: a value, its target and whether the value meets it."""

    section: str
    name: str
    value: float | None
    unit: str
    target: str
    passed: bool

    def line(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:g}{self.unit}"
        verdict = "PASS" if self.passed else "FAIL"
        return f"  {self.name:<58} {shown:>10}  target {self.target:<9} {verdict}"


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def at_most(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def at_least(value: float | None, limit: float) -> bool:
    return value is not None and value >= limit


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def say(text: str = "") -> None:
    print(text, file=sys.stderr if OPTIONS.get("json") else sys.stdout, flush=True)


OPTIONS: dict[str, Any] = {}


# 1 and 2: publish and memory -------------------------------------------------------------------

def publish_section(args: argparse.Namespace, work: Path) -> tuple[list[Figure], dict[str, Any]]:
    say(f"\n== 1. publish ({args.rows} rows) and 2. memory; {loadavg()}")
    csv_path = bench_publish.data_file(args.rows, keep=args.keep)
    runs = [bench_publish.run_ours(csv_path, args.rows, work),
            bench_publish.run_baseline1(csv_path, args.rows, work),
            bench_publish.run_baseline2(csv_path, args.rows, work)]
    say(f"   ({loadavg()} before the second size)")
    big = bench_publish.data_file(args.mem_rows, keep=args.keep)
    runs.append(bench_publish.run_ours(big, args.mem_rows, work, name="ours_rows2"))
    ours, b1, b2, ours2 = runs
    say(bench_publish.render(runs, bench_publish.ratios(ours, b1, b2, ours2)).split("\n\n")[0])
    over_b2, b1_over = ratio(ours.seconds, b2.seconds), ratio(b1.seconds, ours.seconds)
    peak = round(max(ours.peak_rss_mb, ours2.peak_rss_mb))
    growth = ratio(ours2.peak_rss_mb, ours.peak_rss_mb)
    ok = all(r.returncode == 0 for r in runs)
    figures = [
        Figure("1", "publish / (csv + executemany + FTS5)", over_b2, "x", "<= 2.0",
               ok and at_most(over_b2, 2.0)),
        Figure("1", "(frictionless + sqlite-utils) / publish", b1_over, "x", ">= 4.0",
               ok and at_least(b1_over, 4.0)),
        Figure("2", f"peak RSS of a publish (largest of {args.rows} and {args.mem_rows} rows)",
               peak, " MB", "<= 300", ok and at_most(peak, 300)),
        Figure("2", f"peak RSS({args.mem_rows}) / peak RSS({args.rows})", growth, "x", "<= 1.2",
               ok and at_most(growth, 1.2)),
    ]
    return figures, {"runs": {r.name: r.as_json() for r in runs}}


# 3: reading ------------------------------------------------------------------------------------

FIRST_VIEWS: dict[str, float] = {}  # seconds of the first GET of each URL on each server


def _warm(base: str, paths: list[str], *, times: int = 1) -> dict[str, int]:
    """GET each path `times` times on fresh connections (a worker's first view may be slow)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    statuses = {}
    for path in paths:
        for _ in range(times):
            started = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=900)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[path] = response.status
            FIRST_VIEWS.setdefault(f"{base}{path}", time.perf_counter() - started)
    return statuses


def _measure(base: str, paths: list[str], args: argparse.Namespace, *,
             connections: int, workers: int = 1,
             headers: dict[str, str] | None = None) -> load.Load:
    # With several workers, enough fresh connections that each worker likely saw each page.
    statuses = _warm(base, paths, times=1 if workers == 1 else 4 * workers)
    bad = {p: s for p, s in statuses.items() if s != 200}
    if bad:
        say(f"   warning: not 200: {bad}")
    if load.COUNT is not None:  # --quick: a counted load, nothing left queued, no warm-up
        return load.run_load(base, paths, connections=connections, seconds=args.seconds,
                             headers=headers)
    # Unmeasured first: every worker up, caches and connections warm. A worker's first dataset
    # page sizes the JSON export (10 s at 1,000,000 rows): with several, warm long enough for each.
    warm = min(2.0, args.seconds) if workers == 1 else 1.5 * args.seconds
    load.run_load(base, paths, connections=connections, seconds=warm, headers=headers)
    # The server finishes what the closed connections left queued (the SQL API admits 34
    # requests per client address, running and waiting, and refuses more with 429).
    time.sleep(1)
    measured = load.run_load(base, paths, connections=connections, seconds=args.seconds,
                             headers=headers)
    time.sleep(1)
    return measured


def _row(name: str, result: load.Load) -> str:
    return (f"  {name:<46} {result.rps:>9.1f} {result.p50_ms:>8.1f} {result.p95_ms:>8.1f} "
            f"{result.requests:>8} {result.errors:>6}")


def read_section(args: argparse.Namespace, work: Path, table: str) -> tuple[list[Figure], dict]:
    say(f"\n== 3. reading the {args.rows}-row release, {args.connections} connections, "
        f"{args.seconds:g} s per target, load by {load.tool()}; {loadavg()}")
    instance = work / "instance-ours"
    db = instance / "releases" / SLUG / "1" / f"{SLUG}.db"
    json_path = f"/{SLUG}/{table}.json?_size=10"
    results: dict[str, load.Load] = {}
    c = args.connections
    with servers.datasette(db, work / "inspect.json", log=work / "datasette.log") as base:
        results["datasette"] = _measure(base, [json_path], args, connections=c)
    with servers.portal(instance, workers=1, log=work / "portal1.log") as base:
        results["sql"] = _measure(base, ["/sql" + json_path], args, connections=c)
        for name, path in PAGES.items():
            results[name] = _measure(base, [path], args, connections=c)
        results["pages, 1 worker"] = _measure(base, list(PAGES.values()), args, connections=c,
                                              headers=NEW_CONNECTIONS)
    with servers.portal(instance, workers=2, log=work / "portal2.log") as base:
        results["pages, 2 workers"] = _measure(base, list(PAGES.values()), args, connections=c,
                                               workers=2, headers=NEW_CONNECTIONS)
    labels = {"datasette": "standalone datasette: table JSON ?_size=10",
              "sql": "otkrito /sql/: table JSON ?_size=10",
              "pages, 1 worker": "pages in turn, new connections, 1 worker",
              "pages, 2 workers": "pages in turn, new connections, 2 workers"}
    say(f"  {'target':<46} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'requests':>8} "
        f"{'errors':>6}")
    for name, result in results.items():
        say(_row(labels.get(name, name), result))
    slow = {url.split("/", 3)[-1]: round(s, 1) for url, s in FIRST_VIEWS.items() if s > 1}
    if slow:
        say(f"  first views over 1 s (seconds; not in the figures above): {slow}")
    reference = results["datasette"].rps
    sql = ratio(results["sql"].rps, reference)
    figures = [Figure("3", "/sql/ table JSON / standalone datasette", sql, "x", ">= 0.8",
                      at_least(sql, 0.8) and results["sql"].errors == 0)]
    for name in PAGES:
        value = ratio(results[name].rps, reference)
        figures.append(Figure("3", f"{name} / standalone datasette", value, "x", ">= 1.0",
                              at_least(value, 1.0) and results[name].errors == 0))
        figures.append(Figure("3", f"{name} p95 at {c} connections", results[name].p95_ms,
                              " ms", "< 100", results[name].p95_ms < 100))
    workers = ratio(results["pages, 2 workers"].rps, results["pages, 1 worker"].rps)
    figures.append(Figure("3", "pages: 2 workers / 1 worker", workers, "x", ">= 1.7",
                          at_least(workers, 1.7)))
    return figures, {name: r.as_json() for name, r in results.items()}


# 4: scale of the catalog -----------------------------------------------------------------------

def scale_section(args: argparse.Namespace, work: Path) -> tuple[list[Figure], dict]:
    instance = work / "instance-catalog"
    started = time.perf_counter()
    bench_catalog.generate(instance, datasets=args.datasets, releases=args.releases)
    say(f"\n== 4. catalog of {args.datasets} datasets and {args.releases} releases (generated in "
        f"{time.perf_counter() - started:.1f} s), 1 connection, {args.seconds:g} s per target, "
        f"load by {load.tool()}; {loadavg()}")
    results: dict[str, load.Load] = {}
    with servers.portal(instance, workers=1, log=work / "portal-catalog.log") as base:
        for name, paths in SCALE.items():
            results[name] = _measure(base, list(paths), args, connections=1)
    say(f"  {'target (URLs in turn)':<46} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'requests':>8} {'errors':>6}")
    figures = []
    for name, result in results.items():
        say(_row(name, result))
        limit = SCALE_P95_MS[name]
        figures.append(Figure("4", f"{name} p95", result.p95_ms, " ms", f"<= {limit:g}",
                              result.p95_ms <= limit and result.errors == 0))
    return figures, {name: r.as_json() for name, r in results.items()}


# 5: the SQL API over many live datasets -------------------------------------------------------

def sql_scale_section(args: argparse.Namespace, work: Path) -> tuple[list[Figure], dict]:
    instance, n = work / "instance-many", args.sql_datasets
    started = time.perf_counter()
    slugs = bench_many.generate(instance, datasets=n)
    last = str(-(-n // 100))  # the index's last page (100 a page)
    say(f"\n== 5. SQL API over {n} live datasets (generated in {time.perf_counter() - started:.1f}"
        f" s), 2 workers under ulimit -n {FILE_LIMIT}, index: 1 client, a connection per request,"
        f" {args.seconds:g} s per target, load by {load.tool()}; {loadavg()}")
    results: dict[str, load.Load] = {}
    with servers.portal(instance, workers=2, log=work / "portal-many.log",
                        file_limit=FILE_LIMIT) as base:
        for name, paths in SQL_INDEX.items():
            paths = [p.replace("=last", "=" + last) for p in paths]
            # A connection per request, as in section 3 with 2 workers: it spreads them, and
            # spares keep-alive the 40 ms delayed-ACK stalls of uvicorn's worker sockets.
            results[name] = _measure(base, paths, args, connections=1, workers=2,
                                     headers=NEW_CONNECTIONS)
        passed = bench_many.table_pass(base, slugs, server_pid=base.pid,
                                       deadline_s=max(60.0, n * 0.2))
        workers = bench_many.processes(base.pid)
        rss = {pid: (bench_many.rss_mb(pid), bench_many.rss_mb(pid, "VmHWM")) for pid in workers}
    say(f"  {'target':<46} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'requests':>8} "
        f"{'errors':>6}")
    for name, result in results.items():
        say(_row(name + " (pages 1, 2, last in turn)", result))
    say(f"  {'table JSON, one pass through every dataset':<46} "
        f"{passed.requests / max(passed.seconds, 0.001):>9.1f} {passed.p50_ms:>8.1f} "
        f"{passed.p95_ms:>8.1f} {passed.requests:>8} {passed.errors:>6}")
    say("  serving processes (RSS / peak MB): "
        + ", ".join(f"{now:g} / {peak:g}" for now, peak in rss.values())
        + f"; most open files in one: {passed.most_files} (limit {FILE_LIMIT})")
    peak = max(p for _, p in rss.values())
    errors = passed.errors + sum(r.errors for r in results.values())
    figures = [Figure("5", f"{name} p95, {n} datasets", r.p95_ms, " ms", "<= 200",
                      r.p95_ms <= 200 and r.errors == 0) for name, r in results.items()]
    figures += [
        Figure("5", f"table JSON p95, a pass through {n} datasets", passed.p95_ms, " ms",
               "<= 50", passed.p95_ms <= 50 and passed.errors == 0),
        Figure("5", "peak RSS of each serving process (largest)", peak, " MB", "<= 400",
               peak <= 400),
        Figure("5", f"errors under ulimit -n {FILE_LIMIT}", errors, "", "= 0", errors == 0),
    ]
    return figures, {**{name: r.as_json() for name, r in results.items()},
                     "table pass": passed.as_json(),
                     "rss_mb": {str(pid): {"now": a, "peak": b} for pid, (a, b) in rss.items()}}


# the run ---------------------------------------------------------------------------------------

def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True)
    return done.stdout.strip() or "?"


SECTIONS = ("publish", "read", "scale", "sql-scale", "cluster", "sources")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the publish file")
    parser.add_argument("--mem-rows", type=int, help="rows of the memory run (default 5x rows)")
    parser.add_argument("--datasets", type=int, default=10_000, help="generated catalog datasets")
    parser.add_argument("--releases", type=int, default=100_000, help="generated releases")
    parser.add_argument("--sql-datasets", type=int, default=5_000,
                        help="live datasets (real release files) for the SQL API's scale")
    parser.add_argument("--cluster-publishes", type=int, default=20,
                        help="publishes through node A timed until node B's /sql/ shows them")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=20, help="connections for section 3")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and 1 s loads: checks that every figure prints")
    parser.add_argument("--keep", action="store_true", help="reuse cached CSVs in bench/out/")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only these sections (read alone publishes without baselines)")
    parser.add_argument("--json", action="store_true", help="JSON on stdout, the text on stderr")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.datasets, args.releases, args.seconds = 2000, 200, 2000, 1
        args.sql_datasets = 200  # still three times what one process keeps mounted
        args.cluster_publishes = 5
        args.mem_rows = args.mem_rows or 4000
        load.COUNT = 40
    args.mem_rows = args.mem_rows or args.rows * 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    OPTIONS["json"] = args.json
    only = set(args.only or SECTIONS)
    say(f"otkrito bench/run_all.py  {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC  "
        f"commit {_commit()}  {os.cpu_count()} CPUs  Python {sys.version.split()[0]}  "
        f"load generator: {load.tool()}  {loadavg()}")
    figures: list[Figure] = []
    details: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="otkrito-run-all-") as tmp:
        work = Path(tmp)
        if "publish" in only:
            found, details["publish"] = publish_section(args, work)
            figures += found
        if "read" in only:
            if "publish" not in only:  # the release to read, without the baselines
                details["publish"] = {"runs": {"ours": bench_publish.run_ours(
                    bench_publish.data_file(args.rows, keep=args.keep), args.rows,
                    work).as_json()}}
            table = details["publish"]["runs"]["ours"]["detail"].get("table", SLUG)
            found, details["read"] = read_section(args, work, table)
            figures += found
        for name, section in (("scale", scale_section), ("sql-scale", sql_scale_section)):
            if name in only:
                found, details[name] = section(args, work)
                figures += found
        if "cluster" in only:  # 6: bench/cluster.py, the index measured as in section 5
            found, details["cluster"] = bench_cluster.section(args, work, say=say, index=SQL_INDEX,
                measure=lambda base, paths: _measure(base, paths, args, connections=1,
                                                     headers=NEW_CONNECTIONS))
            figures += [Figure("6", *figure) for figure in found]
        if "sources" in only:  # 7: bench/sources.py
            found, details["sources"] = bench_sources.section(args, work, say=say)
            figures += [Figure("7", *figure) for figure in found]
    say(f"\n== issue #8, #13 and #14 figures ({loadavg()} at the end)")
    for figure in figures:
        say(figure.line())
    passed = sum(f.passed for f in figures)
    say(f"  {passed} of {len(figures)} targets met")
    if args.json:
        print(json.dumps({"args": vars(args), "load_tool": load.tool(), "details": details,
                          "figures": [f.__dict__ for f in figures]}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
