"""Many small live datasets in one instance, quickly: real release files, real catalog rows.

`publish_rows` (tests/conftest.py) takes a transaction, a sqlite-utils build with FTS and a
commit per dataset; for a thousand datasets the rows go into the catalog tables in one
transaction and each release file is written with plain sqlite3 (one table, a primary key).
Every row names its dataset, so a reader can tell which file a response came from.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.files import sha256_of
from publishers.registry import add_publisher, find_publisher
from publishers.store import datasets, releases

PUBLISHER = "mnogo"


def rows_of(slug: str, count: int) -> list[dict[str, object]]:
    """Return the rows a generated dataset holds (each names its dataset)."""
    return [{"id": n, "name": f"{slug} ред {n}", "amount": n * 10} for n in range(1, count + 1)]


def _write_release(path: Path, table: str, rows: list[dict[str, object]]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")  # a test file: no fsync per release
    conn.execute(f"CREATE TABLE [{table}] (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER)")
    conn.executemany(f"INSERT INTO [{table}] VALUES (:id, :name, :amount)", rows)
    conn.commit()
    conn.close()


def publish_many(portal: Portal, count: int, *, rows: int = 20,
                 prefix: str = "nabor") -> list[str]:
    """Publish `count` datasets `<prefix>-0000`... with release 1 of `rows` rows; return slugs."""
    engine, instance = portal.engine, portal.instance
    if find_publisher(engine, PUBLISHER) is None:
        add_publisher(engine, PUBLISHER, name_bg="Община Много", name_en="Many Municipality")
    publisher = find_publisher(engine, PUBLISHER)
    assert publisher is not None
    now = datetime.now(timezone.utc)
    slugs = [f"{prefix}-{n:04d}" for n in range(count)]
    with engine.begin() as conn:
        conn.execute(datasets.insert(), [dict(
            slug=slug, publisher_id=publisher.id, title_bg=f"Набор {slug}",
            title_en=f"Dataset {slug}", description_bg=f"Описание на {slug}", themes=[],
            keywords=[], licence="CC-BY-4.0", frequency="ANNUAL", sample=False,
            created_at=now, updated_at=now) for slug in slugs])
        ids = dict(conn.execute(sa.select(datasets.c.slug, datasets.c.id)
                                .where(datasets.c.slug.in_(slugs))).all())
        recorded = []
        for slug in slugs:
            folder = instance.release_dir(slug, 1)
            folder.mkdir(parents=True)
            path = folder / "data.db"
            _write_release(path, slug.replace("-", "_"), rows_of(slug, rows))
            recorded.append(dict(
                dataset_id=ids[slug], version=1, created_at=now, notes="", row_count=rows,
                status="published", files=[{
                    "name": "data.db", "role": "sqlite", "media_type": "application/vnd.sqlite3",
                    "bytes": path.stat().st_size, "sha256": sha256_of(path)}]))
        conn.execute(releases.insert(), recorded)
        catalog.bump_generation(conn)
    return slugs
