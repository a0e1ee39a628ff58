"""Withdraw a release: its record, reason and checksums stay public; its files go.

So do the copies made from it (XLSX exports, cached comparisons, which hold its rows): a
release withdrawn for personal data keeps no copy anywhere in the instance. Copies are made
while the portal runs, so the order matters. A withdrawal commits first and deletes after; a
writer checks the release, moves its copy into place, and then asks `discard_if_withdrawn`.
Either the withdrawal finds the copy, or the writer finds the withdrawal.
"""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.instance import Instance, dataset_lock
from datasets.storage import discard, release_prefix
from metadata.errors import Conflict
from metadata.records import Release
from publishers import audit, follow_events
from publishers.store import datasets, releases


def withdraw_release(instance: Instance, engine: Engine, slug: str, version: int, *,
                     reason: str, actor: str) -> Release:
    """Mark a release withdrawn, tell servers to drop it, then delete its files and copies."""
    dataset = catalog.get_dataset(engine, slug)
    with dataset_lock(instance, dataset.slug):
        release = catalog.get_release(engine, dataset, version)
        if release.status == "withdrawn":
            raise Conflict("release.already-withdrawn", slug=slug, version=version)
        with engine.begin() as conn:
            # Only a published release: of two nodes withdrawing it at once, one does.
            changed = conn.execute(releases.update().where(
                releases.c.id == release.id, releases.c.status == "published").values(
                status="withdrawn", withdrawn_at=datetime.now(timezone.utc),
                withdrawn_reason=reason.strip()))
            if changed.rowcount != 1:
                raise Conflict("release.already-withdrawn", slug=slug, version=version)
            audit.record(conn, actor=actor, action="release.withdraw",
                         target=f"{slug}/{version}", detail={"reason": reason.strip()},
                         public=True)
            follow_events.record(conn, "withdrawal", dataset.id, version)
            catalog.bump_generation(conn)
        # Only after the commit: until then the release is still served and must stay whole.
        remove_files(instance, slug, version)
    return catalog.get_release(engine, dataset, version)


def remove_files(instance: Instance, slug: str, version: int) -> None:
    """Delete a release's files (from the store, and its cached copies) and every copy made from it."""
    # With object storage, a store that is down now keeps the objects until start-up or the
    # dataset's next publish removes them (files of a release not published).
    discard(instance.storage, release_prefix(slug, version))
    shutil.rmtree(instance.release_dir(slug, version), ignore_errors=True)
    remove_copies(instance, slug, version)


def remove_copies(instance: Instance, slug: str, version: int) -> None:
    """Delete what was made from a release: its exports, and comparisons that involve it."""
    shutil.rmtree(instance.export_dir(slug, version), ignore_errors=True)
    folder = instance.diff_dir(slug)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        # <old>-<new>-<limit>.json, and the partial files of writers (<old>-<new>-<limit>.*.tmp)
        if str(version) in path.name.split(".", 1)[0].split("-")[:2]:
            path.unlink(missing_ok=True)


def discard_if_withdrawn(instance: Instance, engine: Engine, slug: str,
                         versions: Iterable[int]) -> list[int]:
    """Return which of the versions are no longer published, after removing their copies.

    A writer calls this after moving a copy made from these releases into place.
    """
    dataset = catalog.find_dataset(engine, slug)
    published = set() if dataset is None else {
        r.version for r in catalog.list_releases(engine, dataset.id) if r.status == "published"}
    gone = [v for v in versions if v not in published]
    for version in gone:
        remove_copies(instance, slug, version)
    return gone


def finish_withdrawals(instance: Instance, engine: Engine) -> None:
    """Delete what withdrawn releases left on disk (run at start-up).

    A withdrawal killed between its commit and its deletes, a writer killed before its
    check, or an instance older than this clean-up of copies can leave some behind.
    """
    query = (sa.select(datasets.c.slug, releases.c.version)
             .join(datasets, datasets.c.id == releases.c.dataset_id)
             .where(releases.c.status == "withdrawn"))
    with engine.connect() as conn:
        withdrawn = conn.execute(query).all()
    for slug, version in withdrawn:
        remove_files(instance, slug, version)
