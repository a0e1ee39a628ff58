"""What killed or failed publishes leave behind, and removing it.

A publish builds under `tmp/` and stores files before its catalog row commits: a crash (or a
worker killed mid-publish) leaves a build directory, or release files and objects of a version
the catalog never recorded. These are orphans; removing them needs the dataset's lock, as an
unlocked build may belong to a live publish.
"""
from __future__ import annotations

import os
import shutil

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.instance import Instance, try_dataset_lock
from metadata.records import Dataset


def remove_orphans(instance: Instance, engine: Engine, dataset: Dataset) -> None:
    """Delete files of releases not published (orphans, cut-short withdrawals), stale builds.

    Call with the dataset's lock held: an unlocked build may belong to a live publish.
    """
    live = {str(r.version) for r in catalog.list_releases(engine, dataset.id) if r.status == "published"}
    for name in instance.storage.children(f"releases/{dataset.slug}") - live:
        instance.storage.remove(f"releases/{dataset.slug}/{name}")  # and its objects, if any
    for build in instance.tmp.glob(f"{dataset.slug}.*"):
        shutil.rmtree(build, ignore_errors=True)


def cleanup(instance: Instance, engine: Engine) -> None:
    """Remove what killed or failed publishes left behind (run at start-up)."""
    instance.ensure()
    slugs = {d.slug for d in catalog.list_datasets(engine)}
    slugs |= instance.storage.children("releases")
    slugs |= {p.name.split(".", 1)[0] for p in instance.tmp.iterdir()}
    for slug in sorted(slugs):
        dataset = catalog.find_dataset(engine, slug)
        if dataset is not None:
            with catalog.idle_publish_lock(instance, engine, dataset) as idle:
                if idle:  # else a live publish, here or on another node, owns its files
                    remove_orphans(instance, engine, dataset)
            continue
        fd = try_dataset_lock(instance, slug)
        if fd is None:
            continue
        try:  # no such dataset: no node can be publishing it
            instance.storage.remove(f"releases/{slug}")
            for build in instance.tmp.glob(f"{slug}.*"):
                shutil.rmtree(build, ignore_errors=True)
        finally:
            os.close(fd)
