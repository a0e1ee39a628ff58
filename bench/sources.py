"""Benchmark a scheduled source (issue #14): what a check costs when nothing changed.

A real HTTP server on 127.0.0.1 (in this process, the file sent with sendfile) serves the
N-row CSV of bench/publish.py (243 MB per million rows, its typed Table Schema). Against a
fresh instance, three checks of the same source run one after the other, each timed by wall
clock around `datasets.sources.check_source` (fetch, sha256, and the publish when there is one):

  (a) the first check: the whole file fetched and published (release 1);
  (b) a re-check of the same file, whose server sends an ETag: answered 304, no body;
  (c) a re-check of the same file from a server that sends no validators: the whole file
      fetched again, the same sha256, no release.

It prints the time and the body bytes of each, and (b)/(a) and (c)/(a), measured in the same
run. It measures; it never fails on a figure (exit 0).

    .venv/bin/python bench/sources.py                     # 1,000,000 rows
    .venv/bin/python bench/sources.py --rows 200000 --keep --json
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import publish as bench_publish  # noqa: E402

SLUG = "bench-source"
CASES = {"a": "first fetch + publish", "b": "unchanged, 304 to its ETag",
         "c": "unchanged, no validators (whole file, same sha256)"}


@dataclass
class FileServer:
    """What the server sends: whether it gives (and honours) an ETag; the body bytes it sent."""

    path: Path
    validators: bool = True
    sent: int = 0
    statuses: list[int] | None = None

    @property
    def etag(self) -> str:
        stat = self.path.stat()
        return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


@contextlib.contextmanager
def serving(state: FileServer) -> Iterator[str]:
    """Serve `state.path` at /data.csv on a free 127.0.0.1 port; yield its URL."""
    state.statuses = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if state.validators and self.headers.get("If-None-Match") == state.etag:
                state.statuses.append(304)
                self.send_response(304)
                self.send_header("ETag", state.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            size = state.path.stat().st_size
            state.statuses.append(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv; charset=utf-8")
            self.send_header("Content-Length", str(size))
            if state.validators:
                self.send_header("ETag", state.etag)
            self.end_headers()
            self.wfile.flush()
            with state.path.open("rb") as handle:
                state.sent += self.connection.sendfile(handle)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/data.csv"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Check:
    name: str
    seconds: float
    bytes: int  # body bytes the server sent
    status: int | None
    outcome: str
    version: int | None


def run(rows: int, *, keep: bool, work: Path) -> dict[str, Any]:
    """Set up a fresh instance with the source, run checks (a), (b), (c); return the figures."""
    from datasets import catalog
    from datasets.fetch import allowed_networks
    from datasets.instance import Instance
    from datasets.sources import check_source, set_source
    from publishers.registry import add_publisher
    from publishers.store import connect, migrate

    csv_path = bench_publish.data_file(rows, keep=keep)
    instance = Instance.at(str(work / "instance-sources"))
    instance.ensure()
    engine = connect(instance.catalog_url)
    migrate(engine)
    add_publisher(engine, "obshtina-bench", name_bg="Община Бенчмарк")
    dataset = catalog.create_dataset(engine, SLUG, publisher="obshtina-bench", title_bg="Бенчмарк")
    with engine.begin() as conn:
        catalog.set_table_schema(conn, dataset.id, bench_publish.SCHEMA)
    state = FileServer(csv_path)
    options = {"allow": allowed_networks("127.0.0.1/32"), "max_bytes": 2 * csv_path.stat().st_size,
               "actor": "bench"}
    checks: list[Check] = []
    with serving(state) as url:
        set_source(engine, SLUG, url, every="daily", actor="bench")
        for name, validators in (("a", True), ("b", True), ("c", False)):
            state.validators, before = validators, state.sent
            started = time.perf_counter()
            done = check_source(instance, engine, SLUG, **options)
            seconds = time.perf_counter() - started
            checks.append(Check(name, round(seconds, 4), state.sent - before, done.status, done.outcome,
                                done.version))
    releases = [r.version for r in catalog.list_releases(engine, dataset.id)]
    engine.dispose()
    first = checks[0]
    ratios = {f"{c.name}/a": {"seconds": _ratio(c.seconds, first.seconds), "bytes": _ratio(c.bytes, first.bytes)}
              for c in checks[1:]}
    return {"rows": rows, "file_bytes": csv_path.stat().st_size, "checks": [asdict(c) for c in checks],
            "ratios": ratios, "releases": releases, "requests": state.statuses}


# Issue #14 names no target; these say what the conditional GET and the sha256 are for: a 304
# costs next to nothing and sends no body; a whole download of the same file skips the publish.
TARGETS = {"b/a": (0.05, 0.0), "c/a": (0.5, 1.0)}  # (time at most, body bytes exactly)
SHORT = {"b/a": "304 re-check", "c/a": "re-check without validators"}


def section(args: argparse.Namespace, work: Path, *, say: Callable[[str], None]) -> tuple[list[tuple], dict]:
    """Section 7 of bench/run_all.py: the run, and its figures as (name, value, unit, target, passed)."""
    say(f"\n== 7. a scheduled source serving the {args.rows}-row file; {_loadavg()}")
    result = run(args.rows, keep=args.keep, work=work)
    say(render(result))
    ok = [c["outcome"] for c in result["checks"]] == ["published", "unchanged", "unchanged"] \
        and result["releases"] == [1]
    figures = []
    for name, (time_limit, bytes_limit) in TARGETS.items():
        seconds, sent = result["ratios"][name]["seconds"], result["ratios"][name]["bytes"]
        figures.append((f"time: {SHORT[name]} / first fetch + publish", seconds, "x",
                        f"<= {time_limit:g}", ok and seconds is not None and seconds <= time_limit))
        figures.append((f"body bytes: {SHORT[name]} / first fetch", sent, "x", f"= {bytes_limit:g}",
                        ok and sent == bytes_limit))
    return figures, result


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 5) if base else None


def render(result: dict[str, Any]) -> str:
    lines = [f"scheduled source: {result['rows']} rows, {result['file_bytes'] / 1e6:.1f} MB, "
             f"releases {result['releases']}; {_loadavg()}",
             f"  {'check':<56} {'seconds':>9} {'body bytes':>12} {'status':>6}  outcome"]
    for check in result["checks"]:
        lines.append(f"  ({check['name']}) {CASES[check['name']]:<52} {check['seconds']:>9.3f} "
                     f"{check['bytes']:>12} {check['status'] or '-':>6}  {check['outcome']}")
    for name, figures in result["ratios"].items():
        lines.append(f"  ({name}) time {figures['seconds']}x, bytes {figures['bytes']}x")
    return "\n".join(lines)


def _loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the served CSV")
    parser.add_argument("--keep", action="store_true", help="reuse a cached CSV in bench/out/")
    parser.add_argument("--json", action="store_true", help="JSON on stdout, the text on stderr")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otkrito-bench-sources-") as tmp:
        result = run(args.rows, keep=args.keep, work=Path(tmp))
    print(render(result), file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
