"""Datasets and releases in the catalog store."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets.instance import Instance, dataset_lock, try_dataset_lock
from metadata.errors import Conflict, InvalidInput, NotFound
from metadata.messages import Text
from metadata.profiles import PROFILES, load_profile
from metadata.records import Dataset, Release, ReleaseFile
from metadata.slug import is_slug
from metadata.vocab import DEFAULT_FREQUENCY, DEFAULT_LICENCE, FREQUENCIES, LICENCES, THEMES
from publishers import audit
from publishers.registry import get_publisher
from publishers.store import bytewise, datasets, releases, state


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc) if value is not None else None


def _to_dataset(row: sa.Row) -> Dataset:
    return Dataset(
        id=row.id, slug=row.slug, publisher_id=row.publisher_id,
        title=Text(row.title_bg, row.title_en or row.title_bg),
        description=Text(row.description_bg or "", row.description_en or row.description_bg or ""),
        themes=tuple(row.themes or ()), keywords=tuple(row.keywords or ()),
        licence=row.licence, frequency=row.frequency,
        temporal_start=row.temporal_start, temporal_end=row.temporal_end, spatial=row.spatial,
        contact_name=row.contact_name, contact_email=row.contact_email, profile=row.profile,
        table_schema=row.table_schema, sample=bool(row.sample), created_at=_utc(row.created_at),
    )


def _to_release(row: sa.Row) -> Release:
    return Release(
        id=row.id, dataset_id=row.dataset_id, version=row.version,
        created_at=_utc(row.created_at), notes=row.notes or "", row_count=row.row_count,
        files=tuple(ReleaseFile(**f) for f in row.files), status=row.status,
        withdrawn_at=_utc(row.withdrawn_at), withdrawn_reason=row.withdrawn_reason,
    )


def _check_vocabulary(*, profile: str | None, frequency: str, licence: str,
                      themes: Sequence[str]) -> None:
    if profile is not None and profile not in PROFILES:
        raise InvalidInput("catalog.unknown-profile", profile=profile, choices=", ".join(PROFILES))
    if frequency not in FREQUENCIES:
        raise InvalidInput("catalog.unknown-frequency", frequency=frequency,
                           choices=", ".join(FREQUENCIES))
    if licence not in LICENCES:
        raise InvalidInput("catalog.unknown-licence", licence=licence, choices=", ".join(LICENCES))
    for theme in themes:
        if theme not in THEMES:
            raise InvalidInput("catalog.unknown-theme", theme=theme, choices=", ".join(THEMES))


def _check_dates(*values: str | None) -> None:
    # ISO dates only (they fit the columns' 10 characters, which PostgreSQL enforces).
    for value in values:
        if value is not None and not _is_iso_date(value):
            raise InvalidInput("catalog.bad-date", value=value[:40])


def _is_iso_date(value: str) -> bool:
    try:
        return len(value) == 10 and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def create_dataset(engine: Engine, slug: str, *, publisher: str, title_bg: str,
                   title_en: str | None = None, description_bg: str = "",
                   description_en: str | None = None, profile: str | None = None,
                   frequency: str = DEFAULT_FREQUENCY, licence: str = DEFAULT_LICENCE,
                   themes: Sequence[str] = (), keywords: Sequence[str] = (),
                   temporal_start: str | None = None, temporal_end: str | None = None,
                   spatial: str | None = None, contact_name: str | None = None,
                   contact_email: str | None = None, sample: bool = False,
                   actor: str = "cli") -> Dataset:
    """Create a dataset; a profile gives it its Table Schema at once."""
    if not is_slug(slug):
        raise InvalidInput("catalog.bad-slug", slug=slug)
    _check_vocabulary(profile=profile, frequency=frequency, licence=licence, themes=themes)
    _check_dates(temporal_start, temporal_end)
    owner = get_publisher(engine, publisher)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        if conn.execute(sa.select(datasets.c.id).where(datasets.c.slug == slug)).first():
            raise Conflict("catalog.slug-taken", slug=slug)
        conn.execute(datasets.insert().values(
            slug=slug, publisher_id=owner.id, title_bg=title_bg.strip(),
            title_en=(title_en or "").strip() or None, description_bg=description_bg,
            description_en=description_en, themes=list(themes), keywords=list(keywords),
            licence=licence, frequency=frequency, temporal_start=temporal_start,
            temporal_end=temporal_end, spatial=spatial, contact_name=contact_name,
            contact_email=contact_email, profile=profile,
            table_schema=load_profile(profile) if profile else None, sample=sample,
            created_at=now, updated_at=now,
        ))
        audit.record(conn, actor=actor, action="dataset.create", target=slug, public=True)
        bump_generation(conn)  # the DCAT catalog lists it from now on
    return get_dataset(engine, slug)


def find_dataset(engine: Engine, slug: str) -> Dataset | None:
    """Return the dataset with this slug, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(datasets).where(datasets.c.slug == slug)).first()
    return _to_dataset(row) if row else None


def get_dataset(engine: Engine, slug: str) -> Dataset:
    """Return the dataset with this slug or raise NotFound."""
    found = find_dataset(engine, slug)
    if found is None:
        raise NotFound("catalog.dataset-not-found", slug=slug)
    return found


def list_datasets(engine: Engine, *, publisher_id: int | None = None) -> list[Dataset]:
    """Return datasets, by Bulgarian title."""
    query = sa.select(datasets).order_by(bytewise(datasets.c.title_bg), datasets.c.id)
    if publisher_id is not None:
        query = query.where(datasets.c.publisher_id == publisher_id)
    with engine.connect() as conn:
        return [_to_dataset(r) for r in conn.execute(query).all()]


def set_table_schema(conn: Connection, dataset_id: int, schema: dict[str, Any]) -> None:
    """Store the dataset's confirmed Table Schema inside the caller's transaction."""
    conn.execute(datasets.update().where(datasets.c.id == dataset_id).values(
        table_schema=schema, updated_at=datetime.now(timezone.utc)))


def list_releases(engine: Engine, dataset_id: int) -> list[Release]:
    """Return a dataset's releases, newest first (withdrawn ones included)."""
    query = (sa.select(releases).where(releases.c.dataset_id == dataset_id)
             .order_by(releases.c.version.desc()))
    with engine.connect() as conn:
        return [_to_release(r) for r in conn.execute(query).all()]


def latest_release(engine: Engine, dataset_id: int) -> Release | None:
    """Return the newest published (not withdrawn) release, or None."""
    query = (sa.select(releases)
             .where(releases.c.dataset_id == dataset_id, releases.c.status == "published")
             .order_by(releases.c.version.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _to_release(row) if row else None


def get_release(engine: Engine, dataset: Dataset, version: int) -> Release:
    """Return one release of a dataset or raise NotFound."""
    query = sa.select(releases).where(releases.c.dataset_id == dataset.id,
                                      releases.c.version == version)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound("catalog.release-not-found", slug=dataset.slug, version=version)
    return _to_release(row)


def max_version(conn: Connection, dataset_id: int) -> int:
    """Return the highest version ever used by the dataset (0 when none)."""
    query = sa.select(sa.func.max(releases.c.version)).where(releases.c.dataset_id == dataset_id)
    return conn.execute(query).scalar() or 0


def insert_release(conn: Connection, *, dataset_id: int, version: int, notes: str,
                   row_count: int, files: Sequence[ReleaseFile], created_at: datetime) -> None:
    """Add a release row inside the caller's transaction, if `version` is still the next one.

    The dataset's row stays locked until that transaction ends (SELECT … FOR NO KEY UPDATE on
    PostgreSQL; SQLite's one writer at a time), so two nodes never record one version, even
    when a publish lost its lock on the way (a dropped connection): the second gets Conflict.
    """
    slug = conn.execute(sa.select(datasets.c.slug).where(datasets.c.id == dataset_id)
                        .with_for_update(key_share=True)).scalar()
    if max_version(conn, dataset_id) >= version:
        raise Conflict("publish.conflict", slug=slug)
    try:
        conn.execute(releases.insert().values(
            dataset_id=dataset_id, version=version, created_at=created_at, notes=notes,
            row_count=row_count, files=[f.__dict__ for f in files], status="published",
        ))
    except sa.exc.IntegrityError as error:  # UNIQUE (dataset_id, version): another writer won
        raise Conflict("publish.conflict", slug=slug) from error


# The key space of the datasets' advisory locks (pg_advisory_lock(space, dataset id)): "OTKD".
_LOCK_SPACE = 0x4F544B44


@contextmanager
def publish_lock(instance: Instance, engine: Engine, dataset: Dataset, *,
                 timeout: float = 30.0) -> Iterator[None]:
    """Hold the dataset's publish lock, in this instance and in the catalog, or raise Conflict.

    The instance's lock (flock) keeps this node's builds and release directories apart. On
    PostgreSQL every node shares the catalog, so a publish also holds a session advisory lock
    on the dataset from choosing its version to committing it: a second node waits, then
    publishes the next version. The lock ends with the session, even if the process dies.
    """
    with dataset_lock(instance, dataset.slug, timeout=timeout):
        if engine.dialect.name != "postgresql":
            yield  # SQLite: the catalog is this instance's own, and so is the flock
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _advisory_lock(conn, dataset, timeout)
            try:
                yield
            finally:
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_SPACE, dataset.id)))
                except sa.exc.DBAPIError:  # the session is gone, and its lock with it
                    conn.invalidate()


@contextmanager
def idle_publish_lock(instance: Instance, engine: Engine, dataset: Dataset) -> Iterator[bool]:
    """Hold the dataset's publish lock for the block if no node holds it: yield True; else False.

    For cleaning up at start-up: files and objects of an unpublished version are an orphan only
    if no publish, on this node or any other, is writing them at this moment.
    """
    fd = try_dataset_lock(instance, dataset.slug)
    if fd is None:
        yield False
        return
    try:
        if engine.dialect.name != "postgresql":
            yield True
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(_LOCK_SPACE, dataset.id))).scalar():
                yield False
                return
            try:
                yield True
            finally:
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_SPACE, dataset.id)))
                except sa.exc.DBAPIError:  # the session is gone, and its lock with it
                    conn.invalidate()
    finally:
        os.close(fd)


def _advisory_lock(conn: Connection, dataset: Dataset, timeout: float) -> None:
    conn.execute(sa.select(sa.func.set_config("lock_timeout", f"{max(1, int(timeout * 1000))}ms",
                                              False)))
    try:
        conn.execute(sa.select(sa.func.pg_advisory_lock(_LOCK_SPACE, dataset.id)))
    except sa.exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise Conflict("publish.conflict", slug=dataset.slug) from None
        raise
    finally:
        conn.execute(sa.text("RESET lock_timeout"))


GENERATION_CHANNEL = "otkrito_generation"


def bump_generation(conn: Connection) -> None:
    """Mark that what is published changed: a release, a withdrawal, a new dataset or its metadata.

    Servers key their copies of feeds, DCAT documents and the SQL API's mounts on it. On
    PostgreSQL every node listening on GENERATION_CHANNEL hears of it when this commits.
    """
    updated = conn.execute(state.update().where(state.c.key == "generation")
                           .values(value=state.c.value + 1))
    if updated.rowcount == 0:
        conn.execute(state.insert().values(key="generation", value=1))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_notify(GENERATION_CHANNEL, "")))


def generation(engine: Engine) -> int:
    """Return the publish generation: it changes whenever what is published changes."""
    with engine.connect() as conn:
        value = conn.execute(sa.select(state.c.value).where(state.c.key == "generation")).scalar()
    return value or 0


@dataclass(frozen=True)
class LiveDatabase:
    """A dataset's latest published SQLite database, as the SQL API should serve it."""

    name: str  # the dataset slug: /sql/<name>/<table>
    path: str  # relative to the instance's releases directory
    table: str
    row_count: int
    version: int
    title: Text
    description: Text
    licence: str
    publisher: Text
    sha256: str
    bytes: int


def live_databases(engine: Engine) -> list[LiveDatabase]:
    """Return the latest published release database of every listed (not withdrawn) dataset."""
    from publishers.harvest_store import listed
    from publishers.store import publishers

    latest = (sa.select(releases.c.dataset_id, sa.func.max(releases.c.version).label("version"))
              .where(releases.c.status == "published").group_by(releases.c.dataset_id).subquery())
    query = (sa.select(datasets, releases.c.version, releases.c.row_count, releases.c.files,
                       publishers.c.name_bg, publishers.c.name_en)
             .join(latest, latest.c.dataset_id == datasets.c.id)
             .join(releases, sa.and_(releases.c.dataset_id == latest.c.dataset_id,
                                     releases.c.version == latest.c.version))
             .join(publishers, publishers.c.id == datasets.c.publisher_id)
             .where(listed()).order_by(bytewise(datasets.c.slug)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    result = []
    for row in rows:
        dataset = _to_dataset(row)
        sqlite_file = next(f for f in row.files if f["role"] == "sqlite")
        result.append(LiveDatabase(
            name=dataset.slug, path=f"{dataset.slug}/{row.version}/{sqlite_file['name']}",
            table=dataset.table_name, row_count=row.row_count, version=row.version,
            title=dataset.title, description=dataset.description, licence=dataset.licence,
            publisher=Text(row.name_bg, row.name_en or row.name_bg),
            sha256=sqlite_file["sha256"], bytes=sqlite_file["bytes"],
        ))
    return result
