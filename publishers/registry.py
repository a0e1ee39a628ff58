"""Publishers: the organisations that publish datasets."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metadata.dcat import safe_url
from metadata.errors import Conflict, InvalidInput, NotFound
from metadata.messages import Text
from metadata.records import Publisher
from metadata.slug import is_slug
from publishers import audit
from publishers.store import bytewise, publishers


def _to_publisher(row: sa.Row) -> Publisher:
    return Publisher(
        id=row.id, slug=row.slug, name=Text(row.name_bg, row.name_en or row.name_bg),
        homepage=row.homepage, email=row.email, logo=row.logo,
    )


def add_publisher(engine: Engine, slug: str, *, name_bg: str, name_en: str | None = None,
                  homepage: str | None = None, email: str | None = None,
                  logo: str | None = None, actor: str = "cli") -> Publisher:
    """Create a publisher; the slug must be new and canonical."""
    if not is_slug(slug):
        raise InvalidInput("catalog.bad-slug", slug=slug)
    if homepage and safe_url(homepage) is None:
        raise InvalidInput("catalog.bad-homepage", url=homepage[:200])
    with engine.begin() as conn:
        if conn.execute(sa.select(publishers.c.id).where(publishers.c.slug == slug)).first():
            raise Conflict("catalog.slug-taken", slug=slug)
        conn.execute(publishers.insert().values(
            slug=slug, name_bg=name_bg.strip(), name_en=(name_en or "").strip() or None,
            homepage=homepage, email=email, logo=logo, created_at=datetime.now(timezone.utc),
        ))
        audit.record(conn, actor=actor, action="publisher.add", target=slug)
    return get_publisher(engine, slug)


def find_publisher(engine: Engine, slug: str) -> Publisher | None:
    """Return the publisher with this slug, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(publishers).where(publishers.c.slug == slug)).first()
    return _to_publisher(row) if row else None


def get_publisher(engine: Engine, slug: str) -> Publisher:
    """Return the publisher with this slug or raise NotFound."""
    found = find_publisher(engine, slug)
    if found is None:
        raise NotFound("catalog.publisher-not-found", slug=slug)
    return found


def get_publisher_by_id(engine: Engine, publisher_id: int) -> Publisher:
    """Return the publisher with this id or raise NotFound."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(publishers).where(publishers.c.id == publisher_id)).first()
    if row is None:
        raise NotFound("catalog.publisher-not-found", slug=str(publisher_id))
    return _to_publisher(row)


def list_publishers(engine: Engine) -> list[Publisher]:
    """Return every publisher, by Bulgarian name."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(publishers).order_by(bytewise(publishers.c.name_bg), publishers.c.id)).all()
    return [_to_publisher(r) for r in rows]
