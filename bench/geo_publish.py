"""What Parquet and GeoJSON add to a publish (issue 16): the same place-coded file published
twice in one run, each time into a fresh instance in a fresh subprocess, once with the derived
copies and once without them (datasets.publish.DERIVED emptied in that child only).

The data: N rows of a real EKATTE code (all 5,267 settlements in turn, leading zeros kept), a
year, a population, an amount with decimals, a date and a Cyrillic name; the Table Schema marks
`ekatte` as a place, so GeoJSON is made from the settlement points. It prints wall seconds and
CPU seconds (user + system, steadier than wall time on a shared machine) and peak RSS of each
run and the ratios with/without; it exits 0 whatever the figures (it measures,
it does not judge).

    .venv/bin/python bench/geo_publish.py                  # 1,000,000 rows
    .venv/bin/python bench/geo_publish.py --rows 100000 --json
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("OTKRITO_BENCH_OUT") or ROOT / "bench" / "out")
SLUG = "geo"
SCHEMA = {"fields": [
    {"name": "ekatte", "type": "string", "x_place": "ekatte", "constraints": {"required": True}},
    {"name": "year", "type": "integer"},
    {"name": "population", "type": "integer"},
    {"name": "amount", "type": "number"},
    {"name": "day", "type": "date"},
    {"name": "name", "type": "string"},
]}


def generate(path: Path, rows: int) -> None:
    """Write the CSV, streamed (constant memory), the same bytes for the same row count."""
    sys.path.insert(0, str(ROOT))
    from metadata.geography import settlements

    codes = sorted(settlements().items())
    rnd = random.Random(16)
    start = dt.date(2020, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f["name"] for f in SCHEMA["fields"]])
        for index in range(rows):
            code, place = codes[index % len(codes)]
            writer.writerow([code, 2020 + index % 7, rnd.randint(0, 20000), f"{rnd.uniform(0, 1e6):.2f}",
                             (start + dt.timedelta(days=index % 2000)).isoformat(), place.name_bg])


def child(csv_path: str, instance: str, derived: str) -> None:
    """In the child: a fresh instance, publisher and dataset; publish; print what it made."""
    sys.path.insert(0, str(ROOT))
    from app.state import open_portal
    from datasets import catalog
    from datasets import publish as pipeline
    from publishers.registry import add_publisher

    if derived == "off":
        pipeline.DERIVED = ()
    portal = open_portal({"INSTANCE": instance, "DATABASE_URL": None})
    add_publisher(portal.engine, "bench", name_bg="Бенчмарк")
    dataset = catalog.create_dataset(portal.engine, SLUG, publisher="bench", title_bg="Места")
    with portal.engine.begin() as conn:
        catalog.set_table_schema(conn, dataset.id, SCHEMA)
    started = time.perf_counter()
    outcome = pipeline.publish(portal.instance, portal.engine, pipeline.Upload(Path(csv_path), "geo.csv"),
                               dataset=SLUG)
    print(json.dumps({"publish_seconds": time.perf_counter() - started, "rows": outcome.report.row_count,
                      "valid": outcome.report.valid,
                      "files": {f.role: f.bytes for f in outcome.files}}))


def measure(csv_path: Path, work: Path, derived: str) -> dict[str, Any]:
    instance = work / f"instance-{derived}"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", str(csv_path), str(instance), derived],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    shutil.rmtree(instance, ignore_errors=True)
    detail = json.loads(out.strip().splitlines()[-1]) if os.waitstatus_to_exitcode(status) == 0 else {"error": err}
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "returncode": os.waitstatus_to_exitcode(status), **detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="JSON on stdout, the text on stderr")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"geo-{args.rows}.csv"
    if not csv_path.exists():
        generate(csv_path, args.rows)
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        without = measure(csv_path, Path(work), "off")
        with_copies = measure(csv_path, Path(work), "on")
    result = {"rows": args.rows, "csv_mb": csv_path.stat().st_size / 1e6, "without": without, "with": with_copies,
              "ratio_seconds": with_copies["seconds"] / without["seconds"],
              "ratio_publish_seconds": with_copies.get("publish_seconds", 0) / max(without.get("publish_seconds", 1), 1e-9),
              "ratio_cpu_seconds": with_copies["cpu_seconds"] / without["cpu_seconds"],
              "ratio_peak_rss": with_copies["peak_rss_mb"] / without["peak_rss_mb"]}
    text = "\n".join([
        f"place-coded publish, {args.rows:,} rows ({result['csv_mb']:.0f} MB CSV)",
        f"  without Parquet+GeoJSON: {without['seconds']:.1f} s wall, {without['cpu_seconds']:.1f} s CPU, "
        f"peak RSS {without['peak_rss_mb']:.0f} MB",
        f"  with Parquet+GeoJSON:    {with_copies['seconds']:.1f} s wall, {with_copies['cpu_seconds']:.1f} s CPU, "
        f"peak RSS {with_copies['peak_rss_mb']:.0f} MB"
        f"  (parquet {with_copies.get('files', {}).get('parquet', 0) / 1e6:.1f} MB, "
        f"geojson {with_copies.get('files', {}).get('geojson', 0) / 1e6:.1f} MB)",
        f"  ratio with/without: {result['ratio_seconds']:.2f}x wall "
        f"({result['ratio_publish_seconds']:.2f}x inside publish()), {result['ratio_cpu_seconds']:.2f}x CPU, "
        f"{result['ratio_peak_rss']:.2f}x peak RSS",
    ])
    if args.json:
        print(text, file=sys.stderr)
        print(json.dumps(result))
    else:
        print(text)


if __name__ == "__main__":
    main()
