"""Withdraw a release: its record, reason and checksums stay public; its files go."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.instance import Instance, dataset_lock
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
            catalog.bump_generation(conn)
        # Only after the commit: until then the release is still served and must stay whole.
        # Exports made from it go too: a release withdrawn for personal data keeps no copy.
        shutil.rmtree(instance.release_dir(slug, version), ignore_errors=True)
        shutil.rmtree(instance.export_dir(slug, version), ignore_errors=True)
    return catalog.get_release(engine, dataset, version)
