"""The catalogs publishers harvest: add, list, find and remove harvest sources."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets.catalog import _utc
from metadata.dcat import safe_url
from metadata.errors import Conflict, InvalidInput, NotFound
from publishers import audit
from publishers.harvest_store import harvest_sources, harvested_datasets
from publishers.registry import get_publisher
from publishers.store import publishers

KINDS = ("ckan", "dcat")


@dataclass(frozen=True)
class HarvestSource:
    """A catalog a publisher harvests, and how its last run went."""

    id: int
    publisher_id: int
    publisher: str  # the publisher's slug
    url: str
    kind: str
    created_at: datetime
    last_run_at: datetime | None
    last_outcome: str | None
    last_report: dict[str, Any] | None


def _query() -> sa.Select[Any]:
    return (sa.select(harvest_sources, publishers.c.slug.label("publisher_slug"))
            .join(publishers, publishers.c.id == harvest_sources.c.publisher_id))


def _to_source(row: sa.Row[Any]) -> HarvestSource:
    return HarvestSource(
        id=row.id, publisher_id=row.publisher_id, publisher=row.publisher_slug, url=row.url,
        kind=row.kind, created_at=_utc(row.created_at),  # type: ignore[arg-type]
        last_run_at=_utc(row.last_run_at), last_outcome=row.last_outcome,
        last_report=row.last_report)


def add_harvest_source(engine: Engine, publisher: str, url: str, *, kind: str,
                       actor: str) -> HarvestSource:
    """Record that the publisher harvests the catalog at `url` (nothing is fetched yet)."""
    url = url.strip()
    if kind not in KINDS:
        raise InvalidInput("harvest.unknown-kind", kind=kind[:20])
    if safe_url(url) is None:
        raise InvalidInput("harvest.bad-url", url=url[:200])
    owner = get_publisher(engine, publisher)
    with engine.begin() as conn:
        taken = conn.execute(sa.select(harvest_sources.c.id).where(
            harvest_sources.c.publisher_id == owner.id, harvest_sources.c.url == url)).scalar()
        if taken is not None:
            raise Conflict("harvest.source-exists", publisher=owner.slug, url=url[:200], id=taken)
        new_id = conn.execute(harvest_sources.insert().values(
            publisher_id=owner.id, url=url, kind=kind, created_at=datetime.now(timezone.utc),
            created_by=actor)).inserted_primary_key[0]
        audit.record(conn, actor=actor, action="harvest.add", target=owner.slug,
                     detail={"url": url, "kind": kind, "source": new_id})
    return get_harvest_source(engine, new_id)


def get_harvest_source(engine: Engine, source_id: int) -> HarvestSource:
    """Return a harvest source or raise NotFound."""
    with engine.connect() as conn:
        row = conn.execute(_query().where(harvest_sources.c.id == source_id)).first()
    if row is None:
        raise NotFound("harvest.source-not-found", id=source_id)
    return _to_source(row)


def list_harvest_sources(engine: Engine, *, publisher: str | None = None) -> list[HarvestSource]:
    """Return the harvest sources (of one publisher, if given), oldest first."""
    query = _query().order_by(harvest_sources.c.id)
    if publisher is not None:
        query = query.where(publishers.c.slug == publisher)
    with engine.connect() as conn:
        return [_to_source(row) for row in conn.execute(query)]


def remove_harvest_source(engine: Engine, source_id: int, *, actor: str) -> None:
    """Stop harvesting a catalog; the datasets it made stay, as ordinary datasets."""
    source = get_harvest_source(engine, source_id)
    with engine.begin() as conn:
        conn.execute(harvested_datasets.delete().where(harvested_datasets.c.source_id == source.id))
        conn.execute(harvest_sources.delete().where(harvest_sources.c.id == source.id))
        audit.record(conn, actor=actor, action="harvest.remove", target=source.publisher,
                     detail={"url": source.url, "source": source.id})


def record_run(engine: Engine, source_id: int, *, outcome: str, report: dict[str, Any]) -> None:
    """Keep how a run of the source went, for `otkrito harvest list`."""
    with engine.begin() as conn:
        conn.execute(harvest_sources.update().where(harvest_sources.c.id == source_id).values(
            last_run_at=datetime.now(timezone.utc), last_outcome=outcome, last_report=report))
