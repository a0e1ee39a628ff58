"""Withdraw a release: its record, reason and checksums stay public; its files go."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.instance import Instance, dataset_lock
from datasets.storage import discard, release_prefix
from metadata.errors import Conflict
from metadata.records import Release
from publishers import audit
from publishers.store import releases


def withdraw_release(instance: Instance, engine: Engine, slug: str, version: int, *,
                     reason: str, actor: str) -> Release:
    """Mark a release withdrawn, tell servers to drop it, then delete its files."""
    dataset = catalog.get_dataset(engine, slug)
    with dataset_lock(instance, dataset.slug):
        release = catalog.get_release(engine, dataset, version)
        if release.status == "withdrawn":
            raise Conflict("release.already-withdrawn", slug=slug, version=version)
        with engine.begin() as conn:
            conn.execute(releases.update().where(releases.c.id == release.id).values(
                status="withdrawn", withdrawn_at=datetime.now(timezone.utc),
                withdrawn_reason=reason.strip()))
            audit.record(conn, actor=actor, action="release.withdraw",
                         target=f"{slug}/{version}", detail={"reason": reason.strip()},
                         public=True)
            catalog.bump_generation(conn)
        # Only after the commit: until then the release is still served and must stay whole.
        # Exports made from it go too: a release withdrawn for personal data keeps no copy.
        # With object storage, a store that is down now keeps the objects until start-up or
        # the dataset's next publish removes them (files of a release not published).
        discard(instance.storage, release_prefix(slug, version))
        shutil.rmtree(instance.export_dir(slug, version), ignore_errors=True)
    return catalog.get_release(engine, dataset, version)
