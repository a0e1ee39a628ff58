"""Catalog queries for feeds and exports: one page of releases, the catalog with latest releases.

Every query reads only what one response needs (a page of releases, a page of datasets), so
a feed over tens of thousands of releases costs the same as one over ten.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets.catalog import _to_dataset, _to_release, _utc
from metadata.errors import NotFound
from metadata.records import Dataset, Publisher, Release
from publishers.harvest_store import listed
from publishers.registry import _to_publisher
from publishers.store import bytewise, datasets, publishers, releases


@dataclass(frozen=True)
class FeedQuery:
    """Which releases a feed shows: all, or those of one publisher, dataset, theme or keyword."""

    publisher: str | None = None
    dataset: str | None = None
    theme: str | None = None
    keyword: str | None = None
    withdrawn: bool = False  # the withdrawals feed: withdrawn releases, newest withdrawal first


@dataclass(frozen=True)
class FeedItem:
    """A release with what a feed entry says about it."""

    release: Release
    dataset: Dataset
    publisher: Publisher
    previous_rows: int | None  # row count of the previous published release, if any


@dataclass(frozen=True)
class CatalogEntry:
    """A dataset, its publisher and its latest published release (None before the first)."""

    dataset: Dataset
    publisher: Publisher
    release: Release | None

    def as_tuple(self) -> tuple[Dataset, Publisher, Release | None]:
        return self.dataset, self.publisher, self.release


# Matching themes and keywords reads every dataset's JSON lists (50 ms at 10,000 datasets):
# the ids are kept per catalog stamp, which changes whenever any dataset or publisher does.
_KEPT_IDS: OrderedDict[tuple[Any, ...], list[int]] = OrderedDict()
_KEPT_MAX = 256
_KEPT_LOCK = threading.Lock()


def _dataset_ids(conn: Connection, query: FeedQuery) -> list[int] | None:
    """Return the ids of datasets the query is limited to, or None for every dataset."""
    if not (query.publisher or query.dataset or query.theme or query.keyword):
        return None
    from datasets.search import catalog_stamp

    key = (str(conn.engine.url), query, catalog_stamp(conn.engine))
    with _KEPT_LOCK:
        if key in _KEPT_IDS:
            _KEPT_IDS.move_to_end(key)
            return _KEPT_IDS[key]
    ids = _matching_ids(conn, query)
    with _KEPT_LOCK:
        _KEPT_IDS[key] = ids
        while len(_KEPT_IDS) > _KEPT_MAX:
            _KEPT_IDS.popitem(last=False)
    return ids


def _matching_ids(conn: Connection, query: FeedQuery) -> list[int]:
    select = sa.select(datasets.c.id, datasets.c.slug, datasets.c.themes, datasets.c.keywords,
                       publishers.c.slug.label("publisher_slug")).join(
        publishers, publishers.c.id == datasets.c.publisher_id)
    if query.publisher:
        select = select.where(publishers.c.slug == query.publisher)
    if query.dataset:
        select = select.where(datasets.c.slug == query.dataset)
    # Themes and keywords are JSON lists: matched here, on the small datasets table, so the
    # query stays portable between SQLite and PostgreSQL.
    keyword = (query.keyword or "").casefold()
    return [row.id for row in conn.execute(select)
            if (not query.theme or query.theme in (row.themes or ()))
            and (not keyword or keyword in {k.casefold() for k in row.keywords or ()})]


def _where(query: FeedQuery, ids: list[int] | None) -> list[sa.ColumnElement[bool]]:
    # The releases feeds keep withdrawn releases (shown as withdrawn, never vanished).
    clauses = [releases.c.status == "withdrawn"] if query.withdrawn else []
    if ids is not None:
        clauses.append(releases.c.dataset_id.in_(ids))
    return clauses


def _previous_rows() -> sa.ScalarSelect[int]:
    earlier = releases.alias("earlier")
    return (sa.select(earlier.c.row_count)
            .where(earlier.c.dataset_id == releases.c.dataset_id,
                   earlier.c.version < releases.c.version, earlier.c.status == "published")
            .order_by(earlier.c.version.desc()).limit(1).scalar_subquery())


def _records(conn: Connection, dataset_ids: Iterable[int]) -> tuple[dict[int, Dataset], dict[int, Publisher]]:
    ids = sorted(set(dataset_ids))
    found = {r.id: _to_dataset(r) for r in conn.execute(
        sa.select(datasets).where(datasets.c.id.in_(ids)))} if ids else {}
    owner_ids = sorted({d.publisher_id for d in found.values()})
    owners = {r.id: _to_publisher(r) for r in conn.execute(
        sa.select(publishers).where(publishers.c.id.in_(owner_ids)))} if owner_ids else {}
    return found, owners


def feed_items(engine: Engine, query: FeedQuery, *, limit: int = 50,
               offset: int = 0) -> tuple[list[FeedItem], bool]:
    """Return one page of the feed's releases, newest first, and whether more follow."""
    order = ((releases.c.withdrawn_at.desc(), releases.c.id.desc()) if query.withdrawn
             else (releases.c.created_at.desc(), releases.c.id.desc()))
    with engine.connect() as conn:
        ids = _dataset_ids(conn, query)
        if ids == []:
            return [], False
        rows = conn.execute(
            sa.select(releases, _previous_rows().label("previous_rows"))
            .where(*_where(query, ids)).order_by(*order).limit(limit + 1).offset(offset)).all()
        found, owners = _records(conn, (r.dataset_id for r in rows[:limit]))
    items = [FeedItem(_to_release(r), found[r.dataset_id], owners[found[r.dataset_id].publisher_id],
                      r.previous_rows) for r in rows[:limit]]
    return items, len(rows) > limit


def feed_updated(engine: Engine, query: FeedQuery) -> datetime | None:
    """Return when the feed last changed: its newest release or withdrawal."""
    with engine.connect() as conn:
        ids = _dataset_ids(conn, query)
        if ids == []:
            return None
        where = _where(query, ids)
        newest = conn.execute(sa.select(sa.func.max(releases.c.created_at)).where(*where)).scalar()
        withdrawn = conn.execute(sa.select(sa.func.max(releases.c.withdrawn_at))
                                 .where(*where)).scalar()
    values = [_utc(v) for v in (newest, withdrawn) if v is not None]
    return max(values) if values else None  # type: ignore[type-var]


def _latest_releases(conn: Connection, dataset_ids: list[int]) -> dict[int, Release]:
    if not dataset_ids:
        return {}
    latest = (sa.select(releases.c.dataset_id, sa.func.max(releases.c.version).label("version"))
              .where(releases.c.status == "published", releases.c.dataset_id.in_(dataset_ids))
              .group_by(releases.c.dataset_id).subquery())
    rows = conn.execute(sa.select(releases).join(latest, sa.and_(
        releases.c.dataset_id == latest.c.dataset_id, releases.c.version == latest.c.version)))
    return {r.dataset_id: _to_release(r) for r in rows}


def catalog_entries(engine: Engine, *, limit: int | None = None, offset: int = 0) -> list[CatalogEntry]:
    """Return listed datasets by slug with their publishers and latest releases (a page, if limited)."""
    with engine.connect() as conn:
        query = (sa.select(datasets.c.id).where(listed())
                 .order_by(bytewise(datasets.c.slug)).offset(offset))
        if limit is not None:
            query = query.limit(limit)
        ids = [row.id for row in conn.execute(query)]
        found, owners = _records(conn, ids)
        latest = _latest_releases(conn, ids)
    return [CatalogEntry(found[i], owners[found[i].publisher_id], latest.get(i)) for i in ids]


def catalog_entry(engine: Engine, slug: str) -> CatalogEntry:
    """Return one dataset's catalog entry or raise NotFound."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(datasets.c.id).where(datasets.c.slug == slug)).first()
        if row is None:
            raise NotFound("catalog.dataset-not-found", slug=slug)
        found, owners = _records(conn, [row.id])
        latest = _latest_releases(conn, [row.id])
    dataset = found[row.id]
    return CatalogEntry(dataset, owners[dataset.publisher_id], latest.get(row.id))


def count_datasets(engine: Engine) -> int:
    """Return how many datasets the catalog lists (withdrawn ones are not counted)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(datasets)
                            .where(listed())).scalar() or 0


def catalog_modified(engine: Engine) -> datetime | None:
    """Return when anything in the catalog was last published or withdrawn."""
    return feed_updated(engine, FeedQuery())
