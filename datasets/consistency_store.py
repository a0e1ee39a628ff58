"""`otkrito check` with object storage: compare the catalog with the store, not the cache.

With `OTKRITO_STORAGE_URL=s3://…` the instance only caches release files, so a file missing
from it means nothing; the store holds the master copy. Each listed file is downloaded from the
store (never taken from the cache) and checked against the catalog's sha256, so a mismatch
found here is in the store itself; the checked download then serves as the cached copy.
The findings and their texts are those of the local check (`datasets/consistency.py`), with
keys for paths.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.consistency import Consistency, Finding, _leftover_builds, database_problem
from datasets.instance import Instance, dataset_lock
from datasets.storage import Storage, release_prefix
from metadata.errors import StorageUnavailable
from metadata.records import Release


def _check_release(storage: Storage, slug: str, release: Release) -> list[Finding]:
    prefix = release_prefix(slug, release.version)
    stored = set(storage.keys(prefix))
    if release.status == "withdrawn":
        return [Finding("withdrawn-files-present", prefix)] if stored else []
    if not stored:
        return [Finding("missing-release", prefix)]
    findings = []
    for record in release.files:
        key = f"{prefix}/{record.name}"
        if key not in stored:
            findings.append(Finding("missing-file", key))
            continue
        try:
            path = storage.refetch(key, record.sha256)
        except StorageUnavailable as error:
            if error.message_id != "storage.corrupt":
                raise  # the store went away: that is no finding about the files
            findings.append(Finding("checksum-mismatch", key, expected=record.sha256))
            continue
        if record.role == "sqlite" and (problem := database_problem(path)) is not None:
            findings.append(Finding("corrupt-database", key, actual=problem))
    listed = {f"{prefix}/{record.name}" for record in release.files}
    findings += [Finding("unlisted-file", key) for key in sorted(stored - listed)]
    return findings


def check_store(instance: Instance, engine: Engine, *, lock_timeout: float = 60.0) -> Consistency:
    """Compare every catalog release with its objects in the store; report each disagreement."""
    storage = instance.storage
    known = {d.slug: d for d in catalog.list_datasets(engine)}
    findings: list[Finding] = []
    releases = files = 0
    for slug in sorted(set(known) | storage.children("releases")):
        if slug not in known:
            findings.append(Finding("orphan-directory", f"releases/{slug}"))
            continue
        with dataset_lock(instance, slug, timeout=lock_timeout):  # never a publish halfway
            rows = catalog.list_releases(engine, known[slug].id)
            versions = {str(r.version) for r in rows}
            findings += [Finding("orphan-directory", f"releases/{slug}/{name}")
                         for name in sorted(storage.children(f"releases/{slug}") - versions)]
            for release in sorted(rows, key=lambda r: r.version):
                findings += _check_release(storage, slug, release)
        published = [r for r in rows if r.status == "published"]
        releases += len(published)
        files += sum(len(r.files) for r in published)
    findings += _leftover_builds(instance)
    return Consistency(tuple(findings), releases, files)
