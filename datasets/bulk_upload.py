"""Several files at once: stored, matched to datasets (by name or by the staff's choice), then
each checked and published as its own upload job (datasets/uploads.py), so each valid file
becomes its own atomic release and an invalid one publishes nothing.

A batch is a catalog row (publishers/bulk_store.py) owned by the user who sent it.
"""
from __future__ import annotations

import errno
import shutil
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import IO, Any, Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets import catalog, uploads
from datasets.bulk_match import match_file
from datasets.instance import Instance
from datasets.storage import discard, upload_key
from metadata.errors import Forbidden, InvalidInput, NotFound, OtkritoError, StorageFull
from metadata.messages import Text, text
from publishers import audit
from publishers.accounts_store import upload_jobs
from publishers.bulk_store import bulk_uploads

MAX_FILES = 50


@dataclass(frozen=True)
class Item:
    """One file of a batch: where it is stored, which dataset it goes to, or why none."""

    name: str
    stored: str | None  # None: nothing was kept (an empty file)
    size: int
    slug: str | None  # the dataset: matched by name, or chosen
    problem: dict[str, str] | None  # {bg, en}: why the file goes nowhere
    job: str | None = None  # its upload job, once matched

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Batch:
    """Files sent together, and how far their matching got."""

    id: str
    user_id: int
    state: str  # "matching" until the staff confirm where each file goes, then "matched"
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ItemStatus:
    """A file of a matched batch with its upload job as it is now."""

    item: Item
    job: uploads.UploadJob | None


def _bilingual(message: Text) -> dict[str, str]:
    return {"bg": message.bg, "en": message.en}


def _save(instance: Instance, stream: IO[bytes]) -> tuple[str, int]:
    """Store one file under a generated name (never the client's), as uploads.store_upload does."""
    folder = uploads.uploads_dir(instance)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.upload"
    try:
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, uploads.CHUNK)
    except OSError as error:
        path.unlink(missing_ok=True)
        if error.errno == errno.ENOSPC:
            raise StorageFull("publish.disk-full") from error
        raise
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        return "", 0
    try:
        instance.storage.put_once(upload_key(path.name), path)
    except OtkritoError:
        path.unlink(missing_ok=True)
        raise
    return path.name, size


def stage(instance: Instance, engine: Engine, files: Iterable[tuple[str, IO[bytes]]], *,
          user_id: int, may_publish: Callable[[int], bool], actor: str) -> Batch:
    """Store the files and match each to a dataset by its name; publish and check nothing yet."""
    files = list(files)
    if not files:
        raise InvalidInput("bulk.no-files")
    if len(files) > MAX_FILES:
        raise InvalidInput("bulk.too-many-files", limit=MAX_FILES)
    owners = {d.slug: d.publisher_id for d in catalog.list_datasets(engine)}
    example = next((s for s, p in sorted(owners.items()) if may_publish(p)), "slug")
    items: list[Item] = []
    try:
        for name, stream in files:
            display = uploads._display_name(name)
            stored, size = _save(instance, stream)
            items.append(_matched(display, stored or None, size, owners, may_publish, example, items))
    except BaseException:
        for item in items:
            if item.stored:
                discard(instance.storage, upload_key(item.stored))
        raise
    batch = Batch(uuid.uuid4().hex, user_id, "matching", tuple(items))
    with engine.begin() as conn:
        conn.execute(bulk_uploads.insert().values(
            id=batch.id, user_id=user_id, state=batch.state, items=[i.as_dict() for i in items],
            created_at=datetime.now(timezone.utc)))
        audit.record(conn, actor=actor, action="bulk.upload", target=batch.id,
                     detail={"files": [[i.name, i.slug] for i in items]})
    return batch


def _matched(name: str, stored: str | None, size: int, owners: dict[str, int],
             may_publish: Callable[[int], bool], example: str, earlier: list[Item]) -> Item:
    if stored is None:
        return Item(name, None, 0, None, _bilingual(text("read.empty-file")))
    found = match_file(name, owners)
    problem = found.problem(example)
    if problem is None and not may_publish(owners[found.slug]):
        problem = text("bulk.other-publisher", file=name, slug=found.slug)
    other = next((i.name for i in earlier if problem is None and i.slug == found.slug), None)
    if other is not None:
        problem = text("bulk.same-dataset", file=name, slug=found.slug, other=other)
    if problem is not None:
        return Item(name, stored, size, None, _bilingual(problem))
    return Item(name, stored, size, found.slug, None)


def get_batch(engine: Engine, batch_id: str, *, user_id: int) -> Batch:
    """Return the user's batch: NotFound, or Forbidden when it is another user's."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(bulk_uploads).where(bulk_uploads.c.id == batch_id)).first()
    if row is None:
        raise NotFound("bulk.not-found")
    if row.user_id != user_id:
        raise Forbidden("staff.forbidden")
    return Batch(row.id, row.user_id, row.state, tuple(Item(**i) for i in row.items))


def confirm(instance: Instance, engine: Engine, batch_id: str, choices: dict[int, str], *,
            user_id: int, may_publish: Callable[[int], bool], actor: str) -> Batch:
    """Send each file to the dataset chosen for it (index -> slug, blank: none) as an upload job.

    One transaction: the batch turns "matched" and its jobs exist, or neither (a second submit
    finds it matched and is refused, so no file gets two jobs).
    """
    batch = get_batch(engine, batch_id, user_id=user_id)
    owners = {d.slug: d for d in catalog.list_datasets(engine)}
    items, unused = [], []
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        claimed = conn.execute(bulk_uploads.update().where(
            bulk_uploads.c.id == batch.id, bulk_uploads.c.state == "matching")
            .values(state="matched")).rowcount
        if claimed != 1:
            raise InvalidInput("bulk.already-matched")
        for index, item in enumerate(batch.items):
            if item.stored is None:
                items.append(item)
                continue
            slug = (choices.get(index) or "").strip()
            problem = _choice_problem(item.name, slug, owners, may_publish, items)
            if problem is not None:
                items.append(replace(item, slug=slug or None, problem=_bilingual(problem)))
                unused.append(item.stored)
                continue
            job_id = uuid.uuid4().hex
            conn.execute(upload_jobs.insert().values(
                id=job_id, dataset_id=owners[slug].id, user_id=user_id, stored_name=item.stored,
                original_name=item.name, options={}, size=item.size, state="queued",
                total=_estimate(instance, item.stored), created_at=now, updated_at=now))
            items.append(replace(item, slug=slug, problem=None, job=job_id))
        conn.execute(bulk_uploads.update().where(bulk_uploads.c.id == batch.id)
                     .values(items=[i.as_dict() for i in items]))
        audit.record(conn, actor=actor, action="bulk.match", target=batch.id,
                     detail={"files": [[i.name, i.slug if i.job else None] for i in items]})
    for stored in unused:  # after the commit: a rolled-back confirm keeps every file
        discard(instance.storage, upload_key(stored))
    return replace(batch, state="matched", items=tuple(items))


def _choice_problem(name: str, slug: str, owners: dict[str, Any], may_publish: Callable[[int], bool],
                    earlier: list[Item]) -> Text | None:
    if not slug:
        return text("bulk.not-chosen", file=name)
    if slug not in owners:
        return text("catalog.dataset-not-found", slug=slug[:80])
    if not may_publish(owners[slug].publisher_id):
        return text("bulk.other-publisher", file=name, slug=slug)
    other = next((i.name for i in earlier if i.job and i.slug == slug), None)
    if other is not None:
        return text("bulk.same-dataset", file=name, slug=slug, other=other)
    return None


def _estimate(instance: Instance, stored: str) -> int:
    path = uploads.uploads_dir(instance) / stored
    return uploads._estimate_rows(path) if path.exists() else 1


def statuses(engine: Engine, batch: Batch) -> list[ItemStatus]:
    """Each file of the batch with its upload job as it is now (None: it goes nowhere)."""
    return [ItemStatus(i, uploads.get_job(engine, i.job) if i.job else None) for i in batch.items]


def publishable(engine: Engine, status: ItemStatus) -> bool:
    """Whether the file is checked, valid and needs no schema review before it is published."""
    job = status.job
    return bool(job and job.state == "checked" and job.valid
                and not uploads.needs_schema_review(engine, job))


def claim_valid(engine: Engine, batch: Batch, *, actor: str) -> list[str]:
    """Claim every publishable file's job for publishing (once each); return the job ids.

    The caller then publishes each claimed job where the jobs mode says (app/jobs/run.py).
    """
    claimed = []
    for status in statuses(engine, batch):
        if status.job is not None and publishable(engine, status):
            try:
                uploads.claim_for_publishing(engine, status.job.id)
            except InvalidInput:
                continue  # claimed meanwhile by another submit: that one publishes it
            claimed.append(status.job.id)
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="bulk.publish", target=batch.id,
                     detail={"files": [[i.name, i.slug] for i in batch.items if i.job in claimed]})
    return claimed
