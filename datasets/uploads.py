"""Upload jobs: a file stored under a generated name, checked, reviewed, then published.

A job's state lives in the catalog (not in a process) so that every server worker can show
its progress, and a page reload or another worker finds it where it was.
"""
from __future__ import annotations

import errno
import os
import shutil
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets import catalog
from datasets.instance import Instance, try_dataset_lock
from datasets.publish import CHECK_STEPS, PUBLISH_STEPS, Job, Outcome, Step, Upload, choose_schema, publish
from datasets.read import open_table
from datasets.storage import discard, upload_key
from datasets.summary import report_dict
from metadata.errors import InvalidInput, NotFound, OtkritoError, StorageFull, ValidationFailed
from publishers import audit
from publishers.accounts_store import upload_jobs

CHUNK = 1 << 20
STALE = timedelta(minutes=10)  # a running job silent this long lost its worker
PROGRESS_EVERY = 0.3  # seconds between progress writes


@dataclass(frozen=True)
class UploadJob:
    """An upload and how far its processing got."""

    id: str
    dataset_id: int
    user_id: int | None
    stored_name: str
    original_name: str
    options: dict[str, Any]
    size: int
    state: str  # queued, running, checked, publishing, published, failed
    stage: str
    done: int
    total: int
    report: dict[str, Any] | None
    schema: dict[str, Any] | None
    schema_reviewed: bool
    error: dict[str, str] | None
    version: int | None
    updated_at: datetime

    @property
    def valid(self) -> bool:
        return bool(self.report and self.report["valid"])

    @property
    def finished(self) -> bool:
        return self.state in ("checked", "published", "failed")


def uploads_dir(instance: Instance) -> Path:
    """Return the directory of pending uploads."""
    return instance.root / "uploads"


def _to_job(row: sa.Row) -> UploadJob:
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=timezone.utc)
    return UploadJob(row.id, row.dataset_id, row.user_id, row.stored_name, row.original_name,
                     dict(row.options), row.size, row.state, row.stage, row.done, row.total,
                     row.report, row.schema, bool(row.schema_reviewed), row.error, row.version,
                     updated)


def _update(engine: Engine, job_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(upload_jobs.update().where(upload_jobs.c.id == job_id)
                     .values(**values, updated_at=datetime.now(timezone.utc)))


def store_upload(instance: Instance, engine: Engine, stream: IO[bytes], *, dataset: str,
                 user_id: int | None, original_name: str, options: dict[str, Any]) -> UploadJob:
    """Save an upload under a generated name (never the client's) and open a job for it."""
    target = catalog.get_dataset(engine, dataset)
    folder = uploads_dir(instance)
    folder.mkdir(parents=True, exist_ok=True)
    job_id = uuid.uuid4().hex
    path = folder / f"{job_id}.upload"
    try:
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
    except OSError as error:
        path.unlink(missing_ok=True)  # never keep half an upload
        if error.errno == errno.ENOSPC:
            raise StorageFull("publish.disk-full") from error
        raise
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        raise InvalidInput("read.empty-file")
    try:  # with object storage, any worker can then take the job
        instance.storage.put_once(upload_key(path.name), path)
    except OtkritoError:
        path.unlink(missing_ok=True)
        raise
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(upload_jobs.insert().values(
            id=job_id, dataset_id=target.id, user_id=user_id, stored_name=path.name,
            original_name=_display_name(original_name), options=options, size=size,
            state="queued", total=_estimate_rows(path), created_at=now, updated_at=now))
    return get_job(engine, job_id)


def _display_name(name: str) -> str:
    # Shown to staff only, escaped by templates; never a path.
    cleaned = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    return cleaned[:120]


def _estimate_rows(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(CHUNK)
    return max(int(size * max(sample.count(b"\n"), 1) / max(len(sample), 1)), 1)


def get_job(engine: Engine, job_id: str) -> UploadJob:
    """Return a job or raise NotFound; a running job whose worker died reads as failed."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(upload_jobs).where(upload_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound("upload.not-found")
    job = _to_job(row)
    if job.state in ("running", "publishing") and datetime.now(timezone.utc) - job.updated_at > STALE:
        error = OtkritoError("upload.interrupted").text
        _update(engine, job.id, state="failed", error={"bg": error.bg, "en": error.en})
        return replace(job, state="failed", error={"bg": error.bg, "en": error.en})
    return job


def _tracker(engine: Engine, job_id: str) -> Callable[[str, int], None]:
    import time

    last = [0.0]

    def on_progress(stage: str, done: int = 0) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            _update(engine, job_id, stage=stage[:40], done=done)

    return on_progress


def _reviewed(schema: dict[str, Any]) -> Step:
    def choose_schema(job: Job) -> Job:  # named like the step it replaces, for progress
        return replace(job, schema=schema, schema_inferred=True)

    return choose_schema


def _steps(job: UploadJob, base: tuple[Step, ...]) -> tuple[Step, ...]:
    if not (job.schema_reviewed and job.schema):
        return base
    return tuple(_reviewed(job.schema) if s is choose_schema else s for s in base)


def _upload(instance: Instance, job: UploadJob) -> Upload:
    o = job.options
    return Upload(instance.storage.fetch(upload_key(job.stored_name)), job.original_name or "upload",
                  encoding=o.get("encoding"), delimiter=o.get("delimiter"), sheet=o.get("sheet"))


def set_state(engine: Engine, job_id: str, state: str) -> None:
    """Set a job's state (before handing it to a background thread)."""
    _update(engine, job_id, state=state, stage="", done=0)


def fail_job(engine: Engine, job_id: str, error: OtkritoError) -> None:
    """Record that a job failed, with the bilingual reason and the kind of error it was."""
    _update(engine, job_id, state="failed",
            error={"bg": error.text.bg, "en": error.text.en, "kind": type(error).__name__})


def check_job(instance: Instance, engine: Engine, job_id: str, *, actor: str) -> UploadJob:
    """Read and validate the upload (publishing nothing); store the report on the job."""
    job = get_job(engine, job_id)
    slug = slug_of(engine, job.dataset_id)
    _update(engine, job.id, state="running", stage="", done=0, error=None)
    try:
        outcome = publish(instance, engine, _upload(instance, job), dataset=slug, actor=actor,
                          steps=_steps(job, CHECK_STEPS), on_progress=_tracker(engine, job.id))
    except OtkritoError as error:
        fail_job(engine, job.id, error)
        return get_job(engine, job.id)
    except FileNotFoundError as missing:
        return _removed_meanwhile(instance, engine, job, missing)
    schema = job.schema if job.schema_reviewed else outcome.schema
    _update(engine, job.id, state="checked", stage="done", report=report_dict(outcome.report, schema),
            schema=schema)
    return get_job(engine, job.id)


def review_schema(engine: Engine, job_id: str, schema: dict[str, Any], *, actor: str) -> UploadJob:
    """Keep the staff's reviewed schema on the job; it must be checked again with it."""
    job = get_job(engine, job_id)
    _update(engine, job.id, schema=schema, schema_reviewed=True, state="queued", report=None)
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="schema.review",
                     target=slug_of(engine, job.dataset_id),
                     detail={"fields": [f["name"] for f in schema.get("fields", [])]})
    return get_job(engine, job.id)


def needs_schema_review(engine: Engine, job: UploadJob) -> bool:
    """Tell whether the job's dataset has no schema of its own yet and none was reviewed."""
    dataset = catalog.get_dataset(engine, slug_of(engine, job.dataset_id))
    return not dataset.table_schema and not job.schema_reviewed


def claim_for_publishing(engine: Engine, job_id: str) -> UploadJob:
    """Move a checked, valid job to "publishing", once: a second claim (a double submit) is refused."""
    job = get_job(engine, job_id)
    if not job.valid:
        raise InvalidInput("upload.not-ready")
    # One conditional UPDATE, so of two requests that both saw "checked" only one publishes.
    with engine.begin() as conn:
        claimed = conn.execute(
            upload_jobs.update().where(upload_jobs.c.id == job_id, upload_jobs.c.state == "checked")
            .values(state="publishing", stage="", done=0, updated_at=datetime.now(timezone.utc))).rowcount
    if claimed != 1:
        raise InvalidInput("upload.not-ready")
    return get_job(engine, job_id)


def publish_job(instance: Instance, engine: Engine, job_id: str, *, notes: str,
                actor: str) -> UploadJob:
    """Publish a checked, valid upload as the dataset's next release; then drop the upload."""
    claim_for_publishing(engine, job_id)
    return publish_claimed_job(instance, engine, job_id, notes=notes, actor=actor)


def publish_claimed_job(instance: Instance, engine: Engine, job_id: str, *, notes: str,
                        actor: str) -> UploadJob:
    """Publish a job this caller claimed with `claim_for_publishing` (a thread or a queue worker).

    Safe to run again after a crash: the job reads "published" (with its version) in the same
    transaction that records the release, so a second run after that commit does nothing, and
    one before it publishes the same version (what the first left is an orphan, removed first).
    """
    job = get_job(engine, job_id)
    if job.state == "published":
        discard(instance.storage, upload_key(job.stored_name))  # the first run may not have
        return job
    if job.state != "publishing":
        raise InvalidInput("upload.not-ready")
    try:
        outcome: Outcome = publish(
            instance, engine, _upload(instance, job), dataset=slug_of(engine, job.dataset_id),
            notes=notes, actor=actor, steps=_steps(job, PUBLISH_STEPS),
            on_progress=_tracker(engine, job.id), on_commit=_mark_published(job.id))
    except _Superseded:
        return get_job(engine, job.id)  # another run published it (or it was failed) meanwhile
    except ValidationFailed as error:
        _update(engine, job.id, state="checked", report=report_dict(error.report, job.schema))
        return get_job(engine, job.id)
    except OtkritoError as error:
        fail_job(engine, job.id, error)
        return get_job(engine, job.id)
    except FileNotFoundError as missing:
        return _removed_meanwhile(instance, engine, job, missing)
    assert outcome.version
    discard(instance.storage, upload_key(job.stored_name))  # published: the release has it
    return get_job(engine, job.id)


class _Superseded(Exception):
    """The job is no longer this run's to publish: its release must not commit."""


def _mark_published(job_id: str) -> Callable[[Connection, int], None]:
    def on_commit(conn: Connection, version: int) -> None:
        # Only a job still "publishing": of two runs of one job (a retry while a stalled worker
        # still ran) the second to commit finds it published and rolls its release back.
        marked = conn.execute(
            upload_jobs.update().where(upload_jobs.c.id == job_id, upload_jobs.c.state == "publishing")
            .values(state="published", stage="done", version=version,
                    updated_at=datetime.now(timezone.utc))).rowcount
        if marked != 1:
            raise _Superseded(job_id)

    return on_commit


def slug_of(engine: Engine, dataset_id: int) -> str:
    from publishers.store import datasets

    with engine.connect() as conn:
        slug = conn.execute(sa.select(datasets.c.slug).where(datasets.c.id == dataset_id)).scalar()
    if slug is None:
        raise NotFound("catalog.dataset-not-found", slug=str(dataset_id))
    return str(slug)


def preview(instance: Instance, job: UploadJob, *, limit: int = 10) -> tuple[list[str], list[list[str]]]:
    """Return the header and first rows of the upload, as read with the job's options."""
    upload = _upload(instance, job)
    with open_table(upload.path, encoding=upload.encoding, delimiter=upload.delimiter,
                    sheet=upload.sheet) as table:
        rows = []
        for _number, cells in table.rows():
            rows.append(cells)
            if len(rows) >= limit:
                break
        return table.header, rows


def _removed_meanwhile(instance: Instance, engine: Engine, job: UploadJob,
                       missing: FileNotFoundError) -> UploadJob:
    """Fail a job whose upload `remove_abandoned` deleted just before the job took the lock."""
    if (uploads_dir(instance) / job.stored_name).exists():
        raise missing  # another file was missing: not ours to explain
    fail_job(engine, job.id, NotFound("upload.expired"))
    return get_job(engine, job.id)


def remove_abandoned(instance: Instance, engine: Engine, *, older_than: timedelta) -> list[str]:
    """Delete uploads never published and untouched for `older_than` (run at start-up).

    Untouched: neither the file nor its job changed since. A check or publish holds the
    dataset's lock while it reads the upload, so a dataset whose lock is taken is skipped;
    the job reads as failed, with a message that says why. Returns the names deleted.
    """
    folder = uploads_dir(instance)
    if not folder.is_dir():
        return []
    cutoff = datetime.now(timezone.utc) - older_than
    old = {p.name: p for p in folder.iterdir()
           if p.is_file() and datetime.fromtimestamp(p.stat().st_mtime, timezone.utc) < cutoff}
    with engine.connect() as conn:
        jobs = {row.stored_name: row for row in conn.execute(
            sa.select(upload_jobs.c.id, upload_jobs.c.dataset_id, upload_jobs.c.stored_name,
                      upload_jobs.c.state).where(upload_jobs.c.stored_name.in_(sorted(old))))}
    removed = []
    for name, path in sorted(old.items()):
        job = jobs.get(name)
        # Without a job, or after its publish (the release keeps its own copy under source/),
        # nothing uses the file: publish_job deletes it, unless it was killed first.
        if job is None or job.state == "published" or _expire(instance, engine, job.id,
                                                              job.dataset_id, path, cutoff):
            path.unlink(missing_ok=True)
            removed.append(name)
    return removed


def _expire(instance: Instance, engine: Engine, job_id: str, dataset_id: int, path: Path,
            cutoff: datetime) -> bool:
    """Fail an untouched job and delete its upload, holding its dataset's lock; False if in use."""
    fd = try_dataset_lock(instance, slug_of(engine, dataset_id))
    if fd is None:
        return False  # a check or publish of this dataset is running
    try:
        error = NotFound("upload.expired").text
        with engine.begin() as conn:
            # Only if nothing touched the job since the cutoff: a job that starts now updates
            # it first, or takes the lock after this and finds the upload gone.
            expired = conn.execute(upload_jobs.update().where(
                upload_jobs.c.id == job_id, upload_jobs.c.state != "published",
                upload_jobs.c.updated_at < cutoff).values(
                state="failed", report=None, updated_at=datetime.now(timezone.utc),
                error={"bg": error.bg, "en": error.en, "kind": "NotFound"})).rowcount
        if expired == 1:
            path.unlink(missing_ok=True)
        return expired == 1
    finally:
        os.close(fd)
