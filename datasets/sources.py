"""Scheduled sources: a dataset fetched from a URL on a schedule, published when it changed.

A check fetches the URL with a conditional GET (datasets/fetch.py), and content whose sha256
differs from the last one published goes through `publish` exactly as an upload does. Every
check is recorded (source_checks). A scheduler, in `otkrito serve` or in `otkrito worker`,
claims due sources with a lease (datasets/source_schedule.py), so each due check runs once
however many schedulers share the catalog.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets import catalog
from datasets.fetch import Fetched, FetchError, Network, fetch, parse_target
from datasets.instance import Instance
from datasets.json_records import looks_like_json
from datasets.publish import SOURCE_SUFFIXES, Upload, publish
from datasets.source_schedule import (
    EVERY,
    claim,
    next_due_after,
    release_lease,
)
from datasets.summary import report_dict
from metadata.errors import InvalidInput, NotFound, OtkritoError, ValidationFailed
from publishers import audit
from publishers.sources_store import source_checks, sources
from publishers.store import datasets

OUTCOMES = ("published", "unchanged", "invalid", "failed")
HISTORY = 50  # checks shown by default
ACCEPT = "text/csv, application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class Source:
    """A dataset's source: where it is fetched from, how often, and how its checks went."""

    id: int
    dataset_id: int
    slug: str
    url: str
    every: str | None  # None: the dataset's own update frequency
    etag: str | None
    last_modified: str | None
    sha256: str | None
    next_due: datetime
    failures: int
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    last_outcome: str | None
    lease_until: datetime | None

    @property
    def failing(self) -> bool:
        return self.last_outcome in ("invalid", "failed")


@dataclass(frozen=True)
class SourceCheck:
    """One recorded check: when, the HTTP status, the bytes, the outcome and why."""

    at: datetime
    url: str
    status: int | None
    bytes: int
    outcome: str  # one of OUTCOMES, or "superseded" (never recorded: another check took over)
    version: int | None = None
    sha256: str | None = None
    error: dict[str, str] | None = None
    report: dict[str, Any] | None = None


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _query() -> sa.Select:
    return sa.select(sources, datasets.c.slug).join(datasets, datasets.c.id == sources.c.dataset_id)


def _to_source(row: sa.Row) -> Source:
    return Source(row.id, row.dataset_id, row.slug, row.url, row.every, row.etag, row.last_modified,
                  row.sha256, _utc(row.next_due), row.failures, _utc(row.last_checked_at),
                  _utc(row.last_changed_at), row.last_outcome, _utc(row.lease_until))


def set_source(engine: Engine, slug: str, url: str, *, every: str | None = None, actor: str) -> Source:
    """Give a dataset a source URL and schedule (or change them); its first check is due now."""
    dataset = catalog.get_dataset(engine, slug)
    url = url.strip()
    parse_target(url)  # scheme, host and no credentials: refused here, before it is kept
    if every is not None and every not in EVERY:
        raise InvalidInput("source.bad-every", every=every[:20], choices=", ".join(EVERY))
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        old = conn.execute(sa.select(sources.c.id, sources.c.url)
                           .where(sources.c.dataset_id == dataset.id)).first()
        if old is None:
            conn.execute(sources.insert().values(dataset_id=dataset.id, url=url, every=every,
                                                 next_due=now, created_at=now, updated_at=now))
        else:
            # Validators belong to a URL: another URL starts without them (its content is still
            # compared with the last one published, by sha256).
            keep = old.url == url
            conn.execute(sources.update().where(sources.c.id == old.id).values(
                url=url, every=every, next_due=now, updated_at=now, failures=0,
                **({} if keep else {"etag": None, "last_modified": None})))
        audit.record(conn, actor=actor, action="source.set", target=slug,
                     detail={"url": url, "every": every or "frequency"})
    found = get_source(engine, slug)
    assert found is not None
    return found


def get_source(engine: Engine, slug: str) -> Source | None:
    """Return the dataset's source, or None when it has none."""
    with engine.connect() as conn:
        row = conn.execute(_query().where(datasets.c.slug == slug)).first()
    return _to_source(row) if row is not None else None


def require_source(engine: Engine, slug: str) -> Source:
    found = get_source(engine, slug)
    if found is None:
        catalog.get_dataset(engine, slug)  # a dataset that does not exist says so first
        raise NotFound("source.not-found", slug=slug)
    return found


def slug_of_source(engine: Engine, source_id: int) -> str | None:
    """Return the slug of the dataset a source belongs to (None: removed meanwhile)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(datasets.c.slug).join(sources, sources.c.dataset_id == datasets.c.id)
                            .where(sources.c.id == source_id)).scalar()


def remove_source(engine: Engine, slug: str, *, actor: str) -> None:
    """Stop fetching the dataset from its source; its releases stay, its check history goes."""
    found = require_source(engine, slug)
    with engine.begin() as conn:
        conn.execute(source_checks.delete().where(source_checks.c.source_id == found.id))
        conn.execute(sources.delete().where(sources.c.id == found.id))
        audit.record(conn, actor=actor, action="source.remove", target=slug, detail={"url": found.url})


def list_sources(engine: Engine) -> list[Source]:
    """Return every source, by dataset slug."""
    with engine.connect() as conn:
        return [_to_source(row) for row in conn.execute(_query().order_by(datasets.c.slug))]


def history(engine: Engine, slug: str, *, limit: int = HISTORY) -> list[SourceCheck]:
    """Return the dataset's source checks, newest first."""
    found = require_source(engine, slug)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(source_checks).where(source_checks.c.source_id == found.id)
                            .order_by(source_checks.c.at.desc(), source_checks.c.id.desc()).limit(limit))
        return [SourceCheck(_utc(r.at), r.url, r.status, r.bytes, r.outcome, r.version, r.sha256,
                            r.error, r.report) for r in rows]


def downloads_dir(instance: Instance) -> Path:
    """Fetched bodies waiting to be checked (not tmp/: start-up treats its names as builds)."""
    return instance.root / "downloads"


def check_source(instance: Instance, engine: Engine, slug: str, *, allow: Sequence[Network] = (),
                 max_bytes: int, actor: str = "scheduler", owner: str | None = None,
                 connect_timeout: float = 10, read_timeout: float = 30) -> SourceCheck:
    """Fetch the dataset's source now and publish its content if it changed; record the check.

    `owner` is the lease a scheduler claimed the source with; without one (fetch now, from the
    CLI or the workspace) the check claims it itself and is refused while another check runs.
    """
    found = require_source(engine, slug)
    if owner is None:
        owner = uuid.uuid4().hex
        claim(engine, found.id, owner)
    try:
        check = _check(instance, engine, found, allow=allow, max_bytes=max_bytes, actor=actor,
                       owner=owner, timeouts=(connect_timeout, read_timeout))
        if check.outcome != "superseded":  # else the scheduler that took over records its own
            _record(engine, found, owner, check)
        return check
    finally:
        release_lease(engine, found.id, owner)


def _check(instance: Instance, engine: Engine, source: Source, *, allow: Sequence[Network],
           max_bytes: int, actor: str, owner: str, timeouts: tuple[float, float]) -> SourceCheck:
    now = datetime.now(timezone.utc)
    folder = downloads_dir(instance)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{uuid.uuid4().hex}.download"
    # Validators only while the content they stand for is the one published: after an invalid
    # file, the next check fetches it whole and checks it again (a schema may have changed).
    conditional = source.sha256 is not None and source.last_outcome != "invalid"
    try:
        got = fetch(source.url, allow=allow, max_bytes=max_bytes, dest=dest, accept=ACCEPT,
                    etag=source.etag if conditional else None,
                    last_modified=source.last_modified if conditional else None,
                    connect_timeout=timeouts[0], read_timeout=timeouts[1])
    except FetchError as error:
        return SourceCheck(now, source.url, error.status, 0, "failed", error=_error(error))
    try:
        if got.not_modified:
            return SourceCheck(now, got.url, got.status, 0, "unchanged", sha256=source.sha256)
        if got.sha256 == source.sha256:
            # The same content under new validators (a regenerated export): keep them, so the
            # next check can be answered 304.
            _keep_validators(engine, source, got, owner)
            return SourceCheck(now, got.url, got.status, got.size, "unchanged", sha256=got.sha256)
        return _publish(instance, engine, source, got, actor=actor, owner=owner, now=now)
    finally:
        dest.unlink(missing_ok=True)


def _keep_validators(engine: Engine, source: Source, got: Fetched, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(sources.update().where(sources.c.id == source.id, sources.c.lease_owner == owner)
                     .values(etag=got.etag, last_modified=got.last_modified))


def _publish(instance: Instance, engine: Engine, source: Source, got: Fetched, *, actor: str,
             owner: str, now: datetime) -> SourceCheck:
    assert got.path is not None
    upload = Upload(got.path, _name(got))
    try:
        outcome = publish(instance, engine, upload, dataset=source.slug, actor=actor,
                          notes=f"{source.url}", on_commit=_mark_changed(source, got, owner))
    except _LeaseLost:
        return SourceCheck(now, got.url, got.status, got.size, "superseded", sha256=got.sha256)
    except ValidationFailed as error:
        schema = catalog.get_dataset(engine, source.slug).table_schema
        report = report_dict(error.report, schema) if error.report is not None else None
        return SourceCheck(now, got.url, got.status, got.size, "invalid", sha256=got.sha256,
                           error=_error(error), report=report)
    except OtkritoError as error:
        return SourceCheck(now, got.url, got.status, got.size, "invalid"
                           if isinstance(error, InvalidInput) else "failed", sha256=got.sha256,
                           error=_error(error))
    return SourceCheck(now, got.url, got.status, got.size, "published", version=outcome.version,
                       sha256=got.sha256)


def _name(got: Fetched) -> str:
    """The name the release keeps the original under: the URL's, or one its content suggests."""
    name = got.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "source"
    if Path(name).suffix.lower() in SOURCE_SUFFIXES:
        return name
    assert got.path is not None
    with got.path.open("rb") as handle:
        zipped = handle.read(4) == b"PK\x03\x04"
    return f"{name}.xlsx" if zipped else f"{name}.json" if looks_like_json(got.path) else f"{name}.csv"


class _LeaseLost(Exception):
    """Another scheduler took the source over (this one's lease expired): its release must not commit."""


def _mark_changed(source: Source, got: Fetched, owner: str):  # type: ignore[no-untyped-def]
    def on_commit(conn: Connection, _version: int) -> None:
        # In the release's own transaction: the content's sha256 and validators commit with the
        # release or not at all, and only while this check still holds the lease.
        changed = conn.execute(sources.update().where(
            sources.c.id == source.id, sources.c.lease_owner == owner).values(
            sha256=got.sha256, etag=got.etag, last_modified=got.last_modified,
            last_changed_at=datetime.now(timezone.utc))).rowcount
        if changed != 1:
            raise _LeaseLost(source.slug)

    return on_commit


def _error(error: OtkritoError) -> dict[str, str]:
    return {"bg": error.text.bg, "en": error.text.en, "key": error.message_id}


def _record(engine: Engine, source: Source, owner: str, check: SourceCheck) -> None:
    """Keep the check in the history and schedule the next one (sooner, with backoff, after a failure)."""
    failed = check.outcome in ("invalid", "failed")
    with engine.begin() as conn:
        current = conn.execute(sa.select(sources.c.failures, sources.c.every, datasets.c.frequency)
                               .join(datasets, datasets.c.id == sources.c.dataset_id)
                               .where(sources.c.id == source.id)).first()
        if current is None:
            return  # removed meanwhile
        failures = current.failures + 1 if failed else 0
        conn.execute(source_checks.insert().values(
            source_id=source.id, at=check.at, url=check.url, status=check.status, bytes=check.bytes,
            outcome=check.outcome, version=check.version, sha256=check.sha256, error=check.error,
            report=check.report))
        conn.execute(sources.update().where(sources.c.id == source.id).values(
            failures=failures, last_checked_at=check.at, last_outcome=check.outcome,
            next_due=next_due_after(check.at, current.every, current.frequency, failures),
            updated_at=datetime.now(timezone.utc)))
        # Pages are cached by the catalog's generation: "last checked" is shown on them.
        catalog.bump_generation(conn)


def failing(engine: Engine) -> list[Source]:
    """Return the sources whose last check failed or brought an invalid file."""
    return [s for s in list_sources(engine) if s.failing]

