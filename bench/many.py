"""Many live datasets in one instance, for the SQL API's scale figures (run_all.py section 5).

`generate` writes N datasets straight into a fresh catalog, each with release 1 and a real,
tiny SQLite release file (one table of 20 rows, a primary key), as `bench/catalog.py` does
for catalog-only datasets. `table_pass` then asks every dataset's table JSON once, and
`processes` finds the serving processes of a server, for their RSS and open files.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import sqlite3
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROWS = 20


def generate(instance_dir: Path, *, datasets: int, rows: int = ROWS,
             catalog_url: str | None = None, storage_url: str | None = None) -> list[str]:
    """Create `datasets` live datasets; return their slugs in order.

    By default in a fresh instance (its SQLite catalog, its release directory). With a catalog
    URL (already migrated: a cluster's) and an `s3://` storage URL, into those instead, each
    release file put into the store as a publish would (the instance is then only scratch).
    """
    from datasets import catalog
    from datasets.instance import Instance
    from publishers.registry import add_publisher
    from publishers.store import connect, is_sqlite, migrate
    from publishers.store import datasets as dataset_table
    from publishers.store import releases as release_table

    instance = Instance.at(instance_dir, catalog_url, storage_url)
    instance.ensure()
    engine = connect(instance.catalog_url)
    if is_sqlite(instance.catalog_url):
        migrate(engine)
    add_publisher(engine, "obshtina-mnogo", name_bg="Община Много", name_en="Many Municipality")
    now = datetime.now(timezone.utc)
    slugs = [f"nabor-{n:05d}" for n in range(datasets)]
    with engine.begin() as conn:
        conn.execute(dataset_table.insert(), [dict(
            slug=slug, publisher_id=1, title_bg=f"Набор {slug}", title_en=f"Dataset {slug}",
            description_bg=f"Данни {slug}.", themes=["GOVE"], keywords=["бенчмарк"],
            licence="CC-BY-4.0", frequency="ANNUAL", sample=False, created_at=now,
            updated_at=now) for slug in slugs])
        ids = [r[0] for r in conn.execute(dataset_table.select().with_only_columns(
            dataset_table.c.id).order_by(dataset_table.c.id))]
        recorded, files = [], []
        for dataset_id, slug in zip(ids, slugs):
            path = instance.release_dir(slug, 1) / "data.db"
            path.parent.mkdir(parents=True)
            _write(path, slug.replace("-", "_"), slug, rows)
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            files.append((f"releases/{slug}/1/data.db", path, digest))
            recorded.append(dict(
                dataset_id=dataset_id, version=1, created_at=now, notes="", row_count=rows,
                status="published", files=[{
                    "name": "data.db", "role": "sqlite", "media_type": "application/vnd.sqlite3",
                    "bytes": len(data), "sha256": digest}]))
        if instance.storage.remote:  # the store holds every file before the catalog says so
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda f: instance.storage.put_once(*f), files))
        conn.execute(release_table.insert(), recorded)
        catalog.bump_generation(conn)
    engine.dispose()
    return slugs


def _write(path: Path, table: str, slug: str, rows: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")  # generated data: no fsync per file
    conn.execute(f"CREATE TABLE [{table}] (id INTEGER PRIMARY KEY, name TEXT, amount REAL)")
    conn.executemany(f"INSERT INTO [{table}] VALUES (?, ?, ?)",
                     [(n, f"{slug} ред {n}", n * 1.5) for n in range(1, rows + 1)])
    conn.commit()
    conn.close()


@dataclass(frozen=True)
class Pass:
    """What one pass through every dataset's table JSON measured."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    most_files: int  # the most open files any serving process had, sampled during the pass

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def table_pass(base: str, slugs: list[str], *, server_pid: int, deadline_s: float,
               rows: int = ROWS) -> Pass:
    """GET each dataset's table JSON once, a new connection each (spread over the workers).

    An answer counts as an error unless it is 200 with the dataset's own `rows` rows.
    Bounded: one request per dataset, each with a timeout, and the whole pass by a deadline.
    """
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = 0
    most = 0
    started = time.monotonic()
    for n, slug in enumerate(slugs):
        if time.monotonic() - started > deadline_s:
            errors += len(slugs) - n  # not reached in time: counted against the figure
            break
        began = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", f"/sql/{slug}/{slug.replace('-', '_')}.json?_shape=array")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            latencies.append(time.perf_counter() - began)
            ok = response.status == 200 and len(json.loads(body)) == rows \
                and json.loads(body)[0]["name"] == f"{slug} ред 1"
        except (OSError, ValueError, KeyError, IndexError):
            ok = False
        errors += not ok
        if n % 50 == 0:
            most = max([most, *(open_files(pid) for pid in processes(server_pid))])
    ordered = sorted(latencies) or [0.0]
    return Pass(len(latencies), errors, round(time.monotonic() - started, 1),
                round(statistics.median(ordered) * 1000, 2),
                round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2), most)


def processes(pid: int) -> list[int]:
    """Return the processes that serve requests: uvicorn's workers, or the server itself."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    # uvicorn --workers N: a supervisor and N workers (and perhaps multiprocessing's
    # resource tracker, which serves nothing).
    workers = [c for c in children
               if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
    return workers or [pid]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Return a process's resident memory (VmRSS) or its peak (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def open_files(pid: int) -> int:
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return 0
