"""The instance directory: where catalog, releases, uploads and temporary builds live.

With object storage (`storage_url`) the instance keeps the same layout, as the node's cache of
release files and its scratch space; `storage` is the one way to reach the master copies.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from metadata.errors import Conflict

if TYPE_CHECKING:
    from datasets.storage import Storage

DEFAULT_CACHE_MB = 10 * 1024


@dataclass(frozen=True)
class Instance:
    """Paths of one portal instance (never inside the code packages)."""

    root: Path
    catalog_url: str
    storage_url: str | None = None  # unset: release files live in `releases/` for good
    cache_mb: int = DEFAULT_CACHE_MB  # with object storage: the most the cache keeps

    @classmethod
    def at(cls, root: Path | str, catalog_url: str | None = None, storage_url: str | None = None,
           cache_mb: int | None = None) -> "Instance":
        root = Path(root).resolve()
        return cls(root, catalog_url or f"sqlite:///{root / 'catalog.db'}", storage_url or None,
                   cache_mb or DEFAULT_CACHE_MB)

    @cached_property
    def storage(self) -> "Storage":
        """The release storage this instance uses (made on first use, once per Instance)."""
        from datasets.storage import open_storage

        return open_storage(self.storage_url, self.root, cache_mb=self.cache_mb)

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    def release_dir(self, slug: str, version: int) -> Path:
        return self.releases / slug / str(version)

    def export_dir(self, slug: str, version: int) -> Path:
        """Where exports made from a release on demand (XLSX) are cached."""
        return self.root / "exports" / slug / str(version)

    def diff_dir(self, slug: str) -> Path:
        """Where comparisons of a dataset's releases are cached, as <old>-<new>-<limit>.json."""
        return self.root / "cache" / "diffs" / slug

    def ensure(self) -> None:
        """Create the directories an instance needs."""
        for path in (self.root, self.releases, self.tmp, self.locks):
            path.mkdir(parents=True, exist_ok=True)


@contextmanager
def dataset_lock(instance: Instance, slug: str, *, timeout: float = 30.0) -> Iterator[None]:
    """Hold the dataset's publish lock (across threads and processes) or raise Conflict.

    flock is tied to the open file description, so two threads that each open the file
    exclude each other just as two processes do; the kernel drops it when a process dies,
    so a SIGKILLed publish never leaves the dataset locked.
    """
    instance.locks.mkdir(parents=True, exist_ok=True)
    fd = os.open(instance.locks / f"{slug}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Conflict("publish.conflict", slug=slug) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def try_dataset_lock(instance: Instance, slug: str) -> int | None:
    """Take the dataset's lock without waiting; return the fd to close, or None if busy."""
    instance.locks.mkdir(parents=True, exist_ok=True)
    fd = os.open(instance.locks / f"{slug}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
