"""Usage statistics: page views, downloads and SQL API calls per dataset per day.

Counts are aggregated when they are written: a row per (dataset, day, kind) holds a number and
nothing else — no address, no cookie, no user agent, nothing that tells one visitor from another.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from publishers.participation_store import usage_daily
from publishers.store import datasets
from publishers.upsert import add_to_count

KINDS = ("view", "download", "api")
Key = tuple[int, str, str]  # (dataset id, ISO day, kind)


def add(engine: Engine, counts: Mapping[Key, int]) -> None:
    """Add counts to the daily totals in one transaction."""
    if not counts:
        return
    with engine.begin() as conn:
        for (dataset_id, day, kind), number in sorted(counts.items()):
            if kind not in KINDS or number <= 0:
                continue
            # Nodes write their tallies at the same moments: one statement, no lost count.
            add_to_count(conn, usage_daily, {"dataset_id": dataset_id, "day": day, "kind": kind}, number)


@dataclass(frozen=True)
class Row:
    """One dataset's figures on one day."""

    day: str
    slug: str
    views: int
    downloads: int
    api: int


def daily(engine: Engine, *, since: date, until: date, slug: str | None = None) -> list[Row]:
    """Return per-dataset daily figures between two days (inclusive), by day then slug."""
    query = (sa.select(usage_daily.c.day, datasets.c.slug, usage_daily.c.kind, usage_daily.c.count)
             .join(datasets, datasets.c.id == usage_daily.c.dataset_id)
             .where(usage_daily.c.day >= since.isoformat(), usage_daily.c.day <= until.isoformat()))
    if slug is not None:
        query = query.where(datasets.c.slug == slug)
    table: dict[tuple[str, str], Counter[str]] = {}
    with engine.connect() as conn:
        for day, name, kind, count in conn.execute(query):
            table.setdefault((day, name), Counter())[kind] += count
    return [Row(day, name, c["view"], c["download"], c["api"])
            for (day, name), c in sorted(table.items())]


def totals(rows: list[Row]) -> dict[str, Counter[str]]:
    """Return each dataset's totals over the rows."""
    found: dict[str, Counter[str]] = {}
    for row in rows:
        found.setdefault(row.slug, Counter()).update(
            {"view": row.views, "download": row.downloads, "api": row.api})
    return found


def per_day(rows: list[Row]) -> dict[str, Counter[str]]:
    """Return the portal's totals per day over the rows."""
    found: dict[str, Counter[str]] = {}
    for row in rows:
        found.setdefault(row.day, Counter()).update(
            {"view": row.views, "download": row.downloads, "api": row.api})
    return found
