"""Time and bytes of a first and a second `otkrito backup` (issue 17): the demo instance, and
optionally an instance with one N-row release. The second backup copies only new release files,
so its ratio to the first shows what the incremental copy saves.

.venv/bin/python bench/backup.py [--rows 1000000] [--keep] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import publish as bench_publish  # noqa: E402

from app import config  # noqa: E402
from app.cli.demo import seed  # noqa: E402
from app.state import open_portal  # noqa: E402
from datasets.backup import backup  # noqa: E402
from datasets.catalog import create_dataset  # noqa: E402
from datasets.publish import Upload, publish  # noqa: E402
from publishers.registry import add_publisher  # noqa: E402


def _twice(instance: Any, dest: Path) -> dict[str, Any]:
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        report = backup(instance, dest)
        runs.append({"seconds": round(time.perf_counter() - started, 3), "files": report.files,
                     "copied_files": report.copied_files, "copied_bytes": report.copied_bytes,
                     "total_bytes": report.total_bytes})
    first, second = runs
    return {"first": first, "second": second,
            "time_ratio": round(second["seconds"] / first["seconds"], 3),
            "bytes_ratio": round(second["copied_bytes"] / max(first["copied_bytes"], 1), 4)}


def _instance(root: Path) -> Any:
    return open_portal({**config.load(), "INSTANCE": str(root), "DATABASE_URL": None, "STORAGE_URL": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=0, help="also an instance with one release of this many rows")
    parser.add_argument("--keep", action="store_true", help="reuse a cached CSV in bench/out/")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="otkrito-bench-backup-") as work:
        portal = _instance(Path(work) / "demo")
        list(seed(portal))
        results["demo"] = _twice(portal.instance, Path(work) / "demo-backup")
        portal.engine.dispose()
        if args.rows:
            portal = _instance(Path(work) / "big")
            add_publisher(portal.engine, "bench", name_bg="Бенчмарк")
            create_dataset(portal.engine, "bench", publisher="bench", title_bg="Бенчмарк")
            publish(portal.instance, portal.engine, Upload(bench_publish.data_file(args.rows, keep=args.keep)),
                    dataset="bench")
            results[f"rows-{args.rows}"] = _twice(portal.instance, Path(work) / "big-backup")
            portal.engine.dispose()
    if args.json:
        print(json.dumps(results))
    else:
        for name, figures in results.items():
            first, second = figures["first"], figures["second"]
            print(f"{name}: first {first['seconds']} s, {first['copied_bytes']} bytes copied of "
                  f"{first['total_bytes']}; second {second['seconds']} s, {second['copied_bytes']} bytes copied; "
                  f"ratio second/first: time {figures['time_ratio']}, bytes copied {figures['bytes_ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
