"""Publish an upload as a new immutable release: a pipeline of small steps.

Each step takes the job and returns an updated copy; `run` only loops and reports progress.
The release is built under `tmp/`, fsynced, renamed into `releases/<slug>/<version>/` in one
rename (object storage first gets each file, written once; the directory is then the node's
cache), and only then is its catalog row committed: a crash leaves the old state or the new.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import uuid
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from datasets import catalog
from datasets.check import Checked, Checker
from datasets.database import BATCH, Loader, build_database, create_database, finish_database, open_database
from datasets.files import describe, fsync_dir, fsync_tree
from datasets.infer import infer_schema
from datasets.instance import Instance
from datasets.leftovers import remove_orphans
from datasets.normalize import Normalized, normalize
from datasets.package import DERIVED, package_files
from datasets.place_check import PlaceCheck, recognise_in
from datasets.places import annotated
from datasets.read import open_table
from datasets.report import Report
from datasets.storage import discard, release_prefix
from datasets.validate import checked_report, checker_for, validate_csv
from metadata.errors import StorageFull, ValidationFailed
from metadata.records import Dataset, Publisher, ReleaseFile
from publishers import audit, follow_events
from publishers.registry import get_publisher_by_id

Progress = Callable[[str, int], None]
# Called in the transaction that records the release, with its version: what it writes
# commits with the release or not at all (an upload job marked published, say).
OnCommit = Callable[[Connection, int], None]
SOURCE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json"}


@dataclass(frozen=True)
class Upload:
    """A file to publish. `original_name` is for display only, never used as a path."""

    path: Path
    original_name: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Job:
    """Everything a publish knows, growing step by step."""

    instance: Instance
    engine: Engine
    dataset: Dataset
    publisher: Publisher
    upload: Upload
    notes: str = ""
    actor: str = "cli"
    on_progress: Progress | None = field(default=None, compare=False)
    on_commit: OnCommit | None = field(default=None, compare=False)
    version: int = 0
    build: Path | None = None
    schema: dict[str, Any] | None = None
    schema_inferred: bool = False
    normalized: Normalized | None = None
    checked: Checked | None = None  # set when the rows were checked and loaded while normalizing
    report: Report | None = None
    row_count: int = 0
    files: tuple[ReleaseFile, ...] = ()
    places: tuple[str, ...] = ()  # the municipality codes the rows name (spatial coverage)
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    # Work a step leaves running in the background: the package is zipped and hashed while
    # build_sqlite indexes. `package` gives the release files other than the database.
    pool: Executor | None = field(default=None, compare=False)
    package: Future[tuple[ReleaseFile, ...]] | None = field(default=None, compare=False)

    def progress(self, stage: str, done: int = 0) -> None:
        if self.on_progress:
            self.on_progress(stage, done)

    @property
    def data_name(self) -> str:
        return f"{self.dataset.slug}.csv"


Step = Callable[[Job], Job]


def prepare_build(job: Job) -> Job:
    """Make a private build directory and keep the original upload, byte for byte."""
    assert job.build is not None
    build = job.build
    (build / "source").mkdir(parents=True)
    suffix = Path(job.upload.original_name or job.upload.path.name).suffix.lower()
    suffix = suffix if suffix in SOURCE_SUFFIXES else ".bin"
    shutil.copyfile(job.upload.path, build / "source" / f"original{suffix}")
    return job


def _open(job: Job):  # type: ignore[no-untyped-def]
    u = job.upload
    return open_table(u.path, encoding=u.encoding, delimiter=u.delimiter, sheet=u.sheet)


def choose_schema(job: Job) -> Job:
    """Use the dataset's schema, or infer one for a dataset that has none yet (with places)."""
    if job.dataset.table_schema:
        schema = job.dataset.table_schema
        if not annotated(schema):  # a schema from before place codes: its first rows tell
            with _open(job) as table:
                schema = recognise_in(schema, table)
        return replace(job, schema=schema)
    job.progress("infer")
    with _open(job) as table:
        return replace(job, schema=infer_schema(table), schema_inferred=True)


def normalize_source(job: Job) -> Job:
    """Write the upload as UTF-8, comma-separated CSV with ISO dates and dot decimals.

    In the same pass each row is checked against the schema and loaded into the release's
    SQLite table (in the private build directory: the gate still decides if it is published).
    Only for a schema the streaming checker cannot check exactly does frictionless validate
    the written CSV afterwards, and the database is loaded after the gate.
    """
    assert job.build is not None and job.schema is not None
    names = [f["name"] for f in job.schema.get("fields", [])]
    # The table's own primary key refuses repeated keys: the checker need not remember them.
    checker = checker_for(job.schema, names, table_keeps_key=True)
    on_read = lambda n: job.progress("read", n)  # noqa: E731
    places = PlaceCheck(job.schema)
    if checker is None:
        with _open(job) as table:
            normalized = normalize(table, job.schema, job.build / job.data_name,
                                   on_progress=on_read)
        places.check_file(normalized.path, normalized.row_numbers)
        return _with_places(replace(job, normalized=normalized), places)
    db = create_database(job.build / f"{job.dataset.slug}.db", table=job.dataset.table_name,
                         schema=job.schema)
    batch: list[list[Any]] = []

    def load(cells: list[str], number: int) -> None:
        batch.append(checker.row(cells, number))
        if places.active:
            places.row(cells, number)
        if len(batch) >= BATCH:
            loader.insert(batch)
            batch.clear()

    try:
        with db.conn, _open(job) as table:
            # FTS indexing of each batch runs on the publish's thread pool meanwhile.
            loader = Loader(db, table=job.dataset.table_name, schema=job.schema,
                            executor=job.pool)
            try:
                normalized = normalize(table, job.schema, job.build / job.data_name,
                                       on_progress=on_read, on_row=load)
                loader.insert(batch)
            finally:
                loader.wait()
        if checker.keys_in_doubt(loader.refused):
            checker.close()
            checker = _check_exactly(job, names)
        checked = checker.finish()
    finally:
        checker.close()
        db.conn.close()
    return _with_places(replace(job, normalized=normalized, checked=checked), places)


def _with_places(job: Job, places: PlaceCheck) -> Job:
    """Add what the place check found to the report's notices (never errors) and the job."""
    assert job.normalized is not None
    problems = job.normalized.problems + places.problems()
    return replace(job, normalized=replace(job.normalized, problems=problems),
                   places=tuple(sorted(places.municipalities)))


def _check_exactly(job: Job, names: list[str]) -> Checker:
    """Check the upload again remembering every key: the table refused a row, so the report
    must say which rows repeat which (as frictionless would). The upload is invalid then,
    and its database is never published."""
    assert job.schema is not None and job.build is not None
    checker = checker_for(job.schema, names)
    assert checker is not None  # the same schema and labels as the first pass
    job.progress("validate")
    with _open(job) as table:
        # The first pass wrote the normalized CSV already: this one only checks.
        normalize(table, job.schema, Path(os.devnull),
                  on_row=lambda cells, number: checker.row(cells, number))
    return checker


def validate_data(job: Job) -> Job:
    """Report the checks' findings (frictionless's errors, from the streaming checker or itself)."""
    assert job.normalized is not None and job.schema is not None
    job.progress("validate")
    if job.checked is not None:
        checked = checked_report(job.checked, job.schema, limit=1000)
    else:
        checked = validate_csv(job.normalized.path, job.schema,
                               row_numbers=job.normalized.row_numbers)
    report = Report(
        problems=tuple(job.normalized.problems) + checked.problems,
        row_count=checked.row_count,
        truncated=checked.truncated,
        error_count=checked.error_count
        + sum(1 for p in job.normalized.problems if p.severity == "error"),
    )
    return replace(job, report=report, row_count=checked.row_count)


def gate(job: Job) -> Job:
    """Stop here unless the data is valid: invalid data is never published."""
    assert job.report is not None
    if not job.report.valid:
        raise ValidationFailed("publish.invalid", report=job.report, count=job.report.error_count)
    return job


def write_package(job: Job) -> Job:
    """Write datapackage.json and the downloadable zip; record sizes and checksums.

    With a pool this runs in the background while build_sqlite indexes in this thread:
    zlib, hashlib and SQLite all work outside the GIL. build_sqlite collects the files.
    """
    if job.pool is None:
        return replace(job, files=_package_files(job))
    return replace(job, package=job.pool.submit(_package_files, job))


def _package_files(job: Job) -> tuple[ReleaseFile, ...]:
    assert job.build is not None and job.schema is not None
    return package_files(job.build, job.dataset, job.publisher, version=job.version,
                         created=job.created_at, schema=job.schema, row_count=job.row_count,
                         data_name=job.data_name, places=job.places, kinds=DERIVED)


def build_sqlite(job: Job) -> Job:
    """Load the rows into a typed, indexed, searchable SQLite database; list the release files.

    Rows loaded while normalizing only need their indexes and FTS. This runs in the
    publish's own thread (the memory SQLite frees is reused, not held in a second malloc
    arena) while the package is written in the background.
    """
    assert job.build is not None and job.normalized is not None and job.schema is not None
    job.progress("database")
    db_path = job.build / f"{job.dataset.slug}.db"
    if job.checked is not None:  # loaded and FTS-indexed while normalizing
        finish_database(open_database(db_path), table=job.dataset.table_name, schema=job.schema,
                        indexed=True)
    else:
        build_database(job.normalized.path, db_path, table=job.dataset.table_name,
                       schema=job.schema, on_progress=lambda n: job.progress("database", n))
    database = describe(db_path, job.build, role="sqlite", media_type="application/vnd.sqlite3")
    others = job.package.result() if job.package is not None else job.files
    return replace(job, package=None, files=(*others[:1], database, *others[1:]))


def switch(job: Job) -> Job:
    """Store the finished release, move it into place with one rename, then commit its row."""
    assert job.build is not None
    storage, prefix = job.instance.storage, release_prefix(job.dataset.slug, job.version)
    storage.store_release(job.build, prefix, job.files, lambda n: job.progress("store", n))
    fsync_tree(job.build)
    target = job.instance.release_dir(job.dataset.slug, job.version)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(job.build, target)  # the target never exists: versions only grow, under the lock
    fsync_dir(target.parent)
    try:
        with job.engine.begin() as conn:
            catalog.insert_release(conn, dataset_id=job.dataset.id, version=job.version,
                                   notes=job.notes, row_count=job.row_count, files=job.files,
                                   created_at=job.created_at)
            if job.on_commit:
                job.on_commit(conn, job.version)
            # Subscribers hear of the release if and only if it commits.
            follow_events.record(conn, "release", job.dataset.id, job.version)
            if job.schema_inferred:
                catalog.set_table_schema(conn, job.dataset.id, job.schema or {})
            audit.record(conn, actor=job.actor, action="release.publish",
                         target=f"{job.dataset.slug}/{job.version}",
                         detail={"rows": job.row_count}, public=True)
            catalog.bump_generation(conn)
    except BaseException:
        discard(storage, prefix)  # the renamed directory, and with object storage its objects
        raise
    return job


CHECK_STEPS: tuple[Step, ...] = (prepare_build, choose_schema, normalize_source, validate_data)
PUBLISH_STEPS: tuple[Step, ...] = CHECK_STEPS + (gate, write_package, build_sqlite, switch)


def run(steps: Iterable[Step], job: Job) -> Job:
    """Run the steps in order, reporting each by name."""
    for step in steps:
        job.progress(step.__name__)
        job = step(job)
    return job


@dataclass(frozen=True)
class Outcome:
    """What a publish or a check produced."""

    dataset: Dataset
    version: int
    report: Report
    schema: dict[str, Any]
    schema_inferred: bool
    files: tuple[ReleaseFile, ...] = ()


def publish(instance: Instance, engine: Engine, upload: Upload, *, dataset: str,
            notes: str = "", actor: str = "cli", on_progress: Progress | None = None,
            steps: tuple[Step, ...] = PUBLISH_STEPS, lock_timeout: float = 30.0,
            on_commit: OnCommit | None = None) -> Outcome:
    """Publish `upload` as the next release of `dataset` (or only check it, with CHECK_STEPS)."""
    target = catalog.get_dataset(engine, dataset)
    with catalog.publish_lock(instance, engine, target, timeout=lock_timeout), \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
        remove_orphans(instance, engine, target)
        with engine.connect() as conn:
            version = catalog.max_version(conn, target.id) + 1
        build = instance.tmp / f"{target.slug}.{version}.{uuid.uuid4().hex}"
        job = Job(instance, engine, target, get_publisher_by_id(engine, target.publisher_id),
                  upload, notes=notes, actor=actor, on_progress=on_progress, on_commit=on_commit,
                  version=version,
                  build=build, pool=pool)
        job = _run_cleanly(steps, job)
    assert job.report is not None and job.schema is not None
    return Outcome(target, version, job.report, job.schema, job.schema_inferred, job.files)


def _run_cleanly(steps: tuple[Step, ...], job: Job) -> Job:
    """Run the steps; whatever happens, the private build directory does not outlive them."""
    assert job.build is not None
    try:
        return run(steps, job)
    except (OSError, sqlite3.Error, DBAPIError) as error:
        if _disk_full(error):
            raise StorageFull("publish.disk-full") from error
        raise
    finally:
        if job.pool is not None:  # background work may still write into the build
            job.pool.shutdown(wait=True)
        # After a successful switch the build was renamed away and this finds nothing.
        shutil.rmtree(job.build, ignore_errors=True)


def _disk_full(error: BaseException) -> bool:
    """Tell whether an error means the disk is full: ENOSPC, or SQLite's SQLITE_FULL."""
    cause = error.orig if isinstance(error, DBAPIError) else error  # the catalog's driver error
    if isinstance(cause, OSError):
        return cause.errno == errno.ENOSPC
    return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL \
        or getattr(cause, "pgcode", None) == "53100"  # PostgreSQL's disk_full
