"""Back an instance up into a directory, and restore it into an empty instance.

Layout of a backup directory DEST:
  releases/<slug>/<version>/<name>   release files, shared by every snapshot (immutable, so a
                                     second backup copies only the new ones)
  snapshots/<stamp>/catalog.db       the catalog, copied with SQLite's online backup API
  snapshots/<stamp>/secret_key       the generated session key (when the instance has one)
  snapshots/<stamp>/uploads/...      uploads awaiting review
  snapshots/<stamp>/manifest.json    every file the snapshot needs, with size and sha256
  latest                             the stamp of the newest complete snapshot

Consistency: the catalog is copied first and only the release files *that copy* lists are
copied after it. A publish that commits later is simply not in the snapshot (the old state).
A withdrawal deletes files under the dataset's publish lock, which the copy also holds, so a
listed file is either copied whole or already gone; if it is gone, the snapshot is taken again
(the new catalog then records the withdrawal) — never a catalog naming files the backup lacks.

The manifest is written last (temporary file, fsync, rename), then `latest`: a backup that
failed half-way (a full disk) has no manifest and is never taken for a good one.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from datasets import backup_postgres as postgres
from datasets.files import CHUNK, fsync_dir
from datasets.instance import Instance, dataset_lock
from datasets.storage import release_key
from metadata.errors import Conflict, InvalidInput, OtkritoError, StorageFull
from metadata.records import ReleaseFile
from publishers.store import connect, datasets, is_sqlite, releases

MANIFEST = "manifest.json"
LATEST = "latest"
FORMAT = 1
ATTEMPTS = 3  # fresh snapshots tried when withdrawals keep deleting files under the copy


class BackupFailed(OtkritoError):
    """The backup could not be written; DEST holds no new snapshot that looks complete."""


class RestoreRefused(OtkritoError):
    """The backup is damaged or the target is not empty; nothing was written."""


@dataclass(frozen=True)
class BackupReport:
    snapshot: Path
    files: int  # files the snapshot lists
    copied_files: int  # of which copied by this run (the rest were already in DEST)
    copied_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class RestoreReport:
    snapshot: Path
    files: int
    bytes: int


class _Vanished(Exception):
    """A release file the snapshot lists was deleted (withdrawn) before it was copied."""


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy into a temporary name beside target, fsync, rename; return size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot_catalog(instance: Instance, target: Path) -> None:
    """Copy the live catalog with the online backup API: one transaction-consistent state."""
    source = sqlite3.connect(_sqlite_path(instance.catalog_url), timeout=30)
    partial = target.with_name(".part-" + target.name)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


Listed = list[tuple[str, int, list[ReleaseFile]]]


def _published(conn: Connection) -> Listed:
    """Every published release's files, as the catalog state `conn` sees lists them."""
    query = (sa.select(datasets.c.slug, releases.c.version, releases.c.files)
             .join(datasets, datasets.c.id == releases.c.dataset_id)
             .where(releases.c.status == "published").order_by(datasets.c.slug, releases.c.version))
    return [(r.slug, r.version, [ReleaseFile(**f) for f in r.files]) for r in conn.execute(query)]


def _copy_releases(instance: Instance, dest: Path, listed: Listed, entries: list[dict], counts: list[int]) -> None:
    by_dataset: dict[str, list[tuple[int, list[ReleaseFile]]]] = {}
    for slug, version, files in listed:
        by_dataset.setdefault(slug, []).append((version, files))
    for slug, versions in sorted(by_dataset.items()):
        with dataset_lock(instance, slug, timeout=300):
            for version, files in versions:
                for record in files:
                    key = release_key(slug, version, record.name)
                    target = dest / key
                    entries.append({"path": key, "bytes": record.bytes, "sha256": record.sha256})
                    if target.is_file() and target.stat().st_size == record.bytes \
                            and _hash(target) == record.sha256:
                        continue  # immutable: already in DEST from an earlier backup
                    try:
                        source = instance.storage.fetch(key, record.sha256)
                        if not source.is_file():
                            raise _Vanished(key)
                        size, sha = _copy_hashed(source, target)
                    except (FileNotFoundError, OtkritoError) as error:
                        if isinstance(error, OtkritoError) and error.message_id != "storage.missing":
                            raise
                        raise _Vanished(key) from None
                    if sha != record.sha256:
                        target.unlink(missing_ok=True)
                        raise BackupFailed("backup.source-damaged", path=key)
                    counts[0] += 1
                    counts[1] += size


def _copy_extra(source: Path, snapshot: Path, dest: Path, name: str, entries: list[dict]) -> None:
    size, sha = _copy_hashed(source, snapshot / name)
    entries.append({"path": (snapshot / name).relative_to(dest).as_posix(), "bytes": size, "sha256": sha})


def _write_atomically(path: Path, text: str) -> None:
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _attempt(instance: Instance, dest: Path, snapshot: Path) -> BackupReport:
    entries: list[dict] = []
    counts = [0, 0]
    snapshot.mkdir(parents=True)
    if is_sqlite(instance.catalog_url):
        catalog_copy = snapshot / "catalog.db"
        _snapshot_catalog(instance, catalog_copy)
        engine = connect(f"sqlite:///{catalog_copy}")
        try:
            with engine.connect() as conn:
                listed = _published(conn)
        finally:
            engine.dispose()
    else:
        catalog_copy = snapshot / "catalog.dump"
        listed = postgres.dump(instance.catalog_url, catalog_copy, _published)
    entries.append({"path": catalog_copy.relative_to(dest).as_posix(),
                    "bytes": catalog_copy.stat().st_size, "sha256": _hash(catalog_copy)})
    _copy_releases(instance, dest, listed, entries, counts)
    if (key := instance.root / "secret_key").is_file():
        _copy_extra(key, snapshot, dest, "secret_key", entries)
    uploads = instance.root / "uploads"
    for path in sorted(uploads.rglob("*")) if uploads.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            _copy_extra(path, snapshot, dest, "uploads/" + path.relative_to(uploads).as_posix(), entries)
    total = sum(e["bytes"] for e in entries)
    manifest = {"format": FORMAT, "catalog": catalog_copy.name, "created_at": datetime.now(timezone.utc).isoformat(),
                "files": entries}
    _write_atomically(snapshot / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    _write_atomically(dest / LATEST, snapshot.name + "\n")
    return BackupReport(snapshot, len(entries), counts[0], counts[1], total)


def backup(instance: Instance, dest: Path) -> BackupReport:
    """Write a complete snapshot of the instance into dest, or fail leaving none that looks complete."""
    if is_sqlite(instance.catalog_url) and not _sqlite_path(instance.catalog_url).is_file():
        raise BackupFailed("backup.no-catalog", path=str(instance.root))
    dest = dest.resolve()
    for attempt in range(ATTEMPTS):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        snapshot = dest / "snapshots" / stamp
        try:
            return _attempt(instance, dest, snapshot)
        except _Vanished as vanished:
            shutil.rmtree(snapshot, ignore_errors=True)
            if attempt == ATTEMPTS - 1:
                raise BackupFailed("backup.keeps-changing", path=str(vanished)) from None
        except OSError as error:
            shutil.rmtree(snapshot, ignore_errors=True)
            if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise StorageFull("backup.disk-full", path=str(dest)) from None
            raise BackupFailed("backup.write-failed", path=str(dest), error=error.strerror or str(error)) from None
        except BaseException:
            shutil.rmtree(snapshot, ignore_errors=True)
            raise
    raise AssertionError("unreachable")


def find_snapshot(src: Path) -> Path:
    """Return the snapshot a restore source names: a backup directory (its latest) or a snapshot."""
    src = src.resolve()
    if (src / MANIFEST).is_file():
        return src
    if (src / LATEST).is_file():
        return src / "snapshots" / (src / LATEST).read_text(encoding="utf-8").strip()
    raise RestoreRefused("restore.no-manifest", path=str(src))


def _backup_root(snapshot: Path) -> Path:
    return snapshot.parent.parent


def verify(src: Path) -> tuple[Path, list[dict], str]:
    """Check every file the manifest lists (size and sha256); raise RestoreRefused on any flaw."""
    snapshot = find_snapshot(src)
    manifest_path = snapshot / MANIFEST
    if not manifest_path.is_file():
        raise RestoreRefused("restore.no-manifest", path=str(snapshot))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(entries, list):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise RestoreRefused("restore.bad-manifest", path=str(manifest_path)) from None
    root = _backup_root(snapshot)
    for entry in entries:
        path = (root / entry["path"]).resolve()
        if not path.is_relative_to(root):
            raise RestoreRefused("restore.bad-manifest", path=str(manifest_path))
        if not path.is_file():
            raise RestoreRefused("restore.missing-file", path=entry["path"])
        if path.stat().st_size != entry["bytes"]:
            raise RestoreRefused("restore.size-mismatch", path=entry["path"],
                                 expected=entry["bytes"], actual=path.stat().st_size)
        if _hash(path) != entry["sha256"]:
            raise RestoreRefused("restore.checksum-mismatch", path=entry["path"])
    kind = manifest.get("catalog", "catalog.db")
    if kind not in ("catalog.db", "catalog.dump") or \
            not any(e["path"] == f"snapshots/{snapshot.name}/{kind}" for e in entries):
        raise RestoreRefused("restore.bad-manifest", path=str(manifest_path))
    return snapshot, entries, kind


def _is_empty(instance: Instance) -> bool:
    if not instance.root.exists():
        return True
    return not any(instance.root.iterdir())


def restore(src: Path, instance: Instance) -> RestoreReport:
    """Verify the backup, then copy it into an empty instance; refuse before writing anything.

    The catalog goes where the instance's settings say (the SQLite file in the instance, or an
    empty PostgreSQL database), the release files into its storage (the instance, or the store).
    """
    if not _is_empty(instance):
        raise RestoreRefused("restore.not-empty", path=str(instance.root))
    snapshot, entries, kind = verify(src)
    wanted = "catalog.db" if is_sqlite(instance.catalog_url) else "catalog.dump"
    if kind != wanted:
        names = {"catalog.db": "SQLite", "catalog.dump": "PostgreSQL"}
        raise RestoreRefused("restore.other-catalog", found=names[kind], wanted=names[wanted])
    if wanted == "catalog.dump" and not postgres.is_empty(instance.catalog_url):
        raise RestoreRefused("restore.database-not-empty", database=make_url(instance.catalog_url).database)
    root = _backup_root(snapshot)
    prefix = f"snapshots/{snapshot.name}/"
    remote = instance.storage.remote
    # Build beside the target and rename it into place: a restore that fails half-way (a full
    # disk) leaves no instance that looks restored.
    instance.root.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=instance.root.parent, prefix=f".{instance.root.name}.restore-"))
    try:
        for entry in entries:
            relative = entry["path"][len(prefix):] if entry["path"].startswith(prefix) else entry["path"]
            if relative == "catalog.dump":
                continue
            if remote and relative.startswith("releases/"):
                instance.storage.put_once(relative, root / entry["path"], entry["sha256"])
                continue
            size, sha = _copy_hashed(root / entry["path"], build / relative)
            if sha != entry["sha256"]:  # changed since verify: refuse rather than restore it
                raise RestoreRefused("restore.checksum-mismatch", path=entry["path"])
        if (build / "secret_key").is_file():
            os.chmod(build / "secret_key", 0o600)
        if wanted == "catalog.dump":
            postgres.load(instance.catalog_url, snapshot / "catalog.dump")
        if instance.root.exists():
            if not _is_empty(instance):
                raise Conflict("restore.not-empty", path=str(instance.root))
            instance.root.rmdir()
        os.rename(build, instance.root)
        fsync_dir(instance.root.parent)
    except OSError as error:
        shutil.rmtree(build, ignore_errors=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise StorageFull("backup.disk-full", path=str(instance.root)) from None
        raise InvalidInput("restore.write-failed", path=str(instance.root),
                           error=error.strerror or str(error)) from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    instance.ensure()
    return RestoreReport(snapshot, len(entries), sum(e["bytes"] for e in entries))
