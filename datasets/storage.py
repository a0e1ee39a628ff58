"""Release storage behind one small interface: the instance directory, or S3-compatible objects.

A file is named by a key, a relative POSIX path that reads the same under every backend and is
the layout of the instance directory: `releases/<slug>/<version>/<name>` and
`uploads/<job id>.upload`. The local backend (the default) keeps every key at that path in
the instance, exactly as before. The S3 backend (`OTKRITO_STORAGE_URL=s3://bucket/prefix`) keeps
the master copy in a bucket and uses the same paths in the instance as its cache, so code that
opens a file asks `fetch` for a local path and never needs to know which backend it has.

What every backend promises:
- `put_once` never overwrites: a key, once stored, keeps its bytes until it is removed;
- `fetch` returns a local path whose bytes have the sha256 the catalog recorded (the local
  backend returns the master file itself: it is the record);
- `store_release` returns only when every file of a release is stored and verified, so the
  publish commits its catalog row after it and never before.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Protocol
from urllib.parse import urlsplit

from metadata.errors import Conflict, InvalidInput, StorageUnavailable
from metadata.records import ReleaseFile

Stored = Callable[[int], None]  # told how many files of a release are stored so far


def release_prefix(slug: str, version: int) -> str:
    """Return the key prefix of one release's files."""
    return f"releases/{slug}/{version}"


def release_key(slug: str, version: int, name: str) -> str:
    """Return the key of one release file (`name` as the catalog lists it)."""
    return f"{release_prefix(slug, version)}/{name}"


def upload_key(stored_name: str) -> str:
    """Return the key of an upload being processed (stored under a generated name)."""
    return f"uploads/{stored_name}"


class Storage(Protocol):
    """Where release files and uploads live. Keys as above; `root` is the instance."""

    url: str
    root: Path
    remote: bool  # True when the instance only caches what the store holds

    def put_once(self, key: str, path: Path, sha256: str | None = None) -> None:
        """Store the file at `path` under `key`; raise Conflict if the key exists already."""

    def fetch(self, key: str, sha256: str | None = None) -> Path:
        """Return a local path holding the key's bytes (checked against `sha256` if given)."""

    def refetch(self, key: str, sha256: str) -> Path:
        """Like fetch, but from the master copy even when a cached one looks right."""

    def exists(self, key: str) -> bool:
        """Tell whether the key is stored."""

    def children(self, prefix: str) -> set[str]:
        """Return the names directly under a prefix, as a directory listing would."""

    def keys(self, prefix: str) -> list[str]:
        """Return the stored keys equal to `prefix` or under `prefix/`."""

    def remove(self, prefix: str) -> None:
        """Remove a key, or every key under a prefix (and any local copy of them)."""

    def store_release(self, build: Path, prefix: str, files: Iterable[ReleaseFile],
                      on_stored: Stored | None = None) -> None:
        """Store a finished build's files under the release's prefix, before it is renamed
        into place; return only when all are stored and verified."""


class LocalStorage:
    """The instance directory itself holds every key: today's layout and behaviour."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = ""

    def path(self, key: str) -> Path:
        return self.root / key

    def put_once(self, key: str, path: Path, sha256: str | None = None) -> None:
        target = self.path(key)
        if path.resolve() == target.resolve():
            return  # already written in place (an upload is saved straight to its key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        os.close(fd)
        try:
            shutil.copyfile(path, partial)
            # link(2) refuses an existing name: the key is written once, never replaced.
            os.link(partial, target)
        except FileExistsError:
            raise Conflict("storage.exists", key=key) from None
        finally:
            os.unlink(partial)

    def fetch(self, key: str, sha256: str | None = None) -> Path:
        # The master copy: nothing to fetch. Callers that check existence still do so, as before.
        return self.path(key)

    def refetch(self, key: str, sha256: str) -> Path:
        return self.path(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def children(self, prefix: str) -> set[str]:
        folder = self.path(prefix)
        return {child.name for child in folder.iterdir()} if folder.is_dir() else set()

    def keys(self, prefix: str) -> list[str]:
        target = self.path(prefix)
        if target.is_file():
            return [prefix]
        return sorted((Path(d) / n).relative_to(self.root).as_posix()
                      for d, _dirs, names in os.walk(target) for n in names)

    def remove(self, prefix: str) -> None:
        target = self.path(prefix)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)

    def store_release(self, build: Path, prefix: str, files: Iterable[ReleaseFile],
                      on_stored: Stored | None = None) -> None:
        # Locally the publish's one rename of the build directory is the store.
        return None


def _local(url: str, root: Path, cache_bytes: int) -> Storage:
    return LocalStorage(root)


def _s3(url: str, root: Path, cache_bytes: int) -> Storage:
    # Imported only when selected: the default portal never loads boto3.
    from datasets.storage_s3 import S3Storage

    return S3Storage(url, root, cache_bytes=cache_bytes)


# One entry per URL scheme; "" is an unset OTKRITO_STORAGE_URL.
BACKENDS: dict[str, Callable[[str, Path, int], Storage]] = {"": _local, "s3": _s3}


def open_storage(url: str | None, root: Path, *, cache_mb: int) -> Storage:
    """Return the backend a storage URL names (unset: the instance directory itself)."""
    scheme = urlsplit(url or "").scheme
    if scheme not in BACKENDS:
        raise InvalidInput("storage.bad-url", url=url or "", schemes="s3://")
    return BACKENDS[scheme](url or "", root, cache_mb * 1024 * 1024)


def discard(storage: Storage, prefix: str) -> None:
    """Remove what a failed publish stored, as far as the store lets us right now.

    Objects it cannot remove (the store went away) stay as orphans: no catalog row lists them,
    so nothing serves them, and the next publish of the dataset or start-up removes them.
    """
    try:
        storage.remove(prefix)
    except StorageUnavailable:
        pass
