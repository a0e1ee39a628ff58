"""A node's cache of objects from a remote store, at the keys' own paths in the instance.

A file enters the cache only whole and checked: it is downloaded to a private partial file,
its sha256 is compared with the one the catalog recorded, and only then is it renamed into
place (one rename, so a reader sees the old state or the whole file). Hashing a big file on
every use would cost more than fetching it, so the cache remembers, per process, the inode,
size and modification time each file had when its sha256 was last checked: any write to the
file changes them, and the next use checks the bytes again (and fetches them again when they
differ). A file found in the cache by a new process is checked once, on its first use.

The cache is evicted by size, least recently used first, after each file it takes in. A file's
access time is its last use (set explicitly, whatever the mount options), and its modification
time is left alone so the remembered stamp stays valid. Finding the least recently used files
means looking at every cached file, which at thousands of files cost more than the fetch itself
(a pass through 5,000 datasets slowed to half a second a file): so each process keeps a running
total of what it knows is cached, and looks at every file only when that total would pass the
limit, or after WALK_EVERY files taken in (which also counts what other processes sharing the
instance added meanwhile).
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from datasets.files import sha256_of

Stamp = tuple[int, int, int]  # st_ino, st_size, st_mtime_ns
STALE_PARTIAL = 3600  # seconds: a partial download this old was left by a dead process
WALK_EVERY = 256  # files taken in between two looks at every cached file


def _stamp(path: Path) -> Stamp | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class Cache:
    """Verified local copies of remote files under `root`, evicted by size under `evicts`."""

    def __init__(self, root: Path, *, limit_bytes: int, evicts: tuple[str, ...] = ("releases",)) -> None:
        self.root = root
        self.limit_bytes = limit_bytes
        self.evicts = evicts
        self.partials = root / "cache" / "fetching"
        self._checked: dict[str, Stamp] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._total: int | None = None  # bytes cached at the last look, plus those taken in since
        self._taken_since_walk = 0

    def path(self, key: str) -> Path:
        return self.root / key

    @contextmanager
    def fetching(self, key: str) -> Iterator[None]:
        """Hold the key's lock in this process, so two threads never download it twice."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def check(self, key: str, sha256: str | None) -> Path | None:
        """Return the cached file if its bytes are known to be right; drop it if they are not."""
        path = self.path(key)
        stamp = _stamp(path)
        if stamp is None:
            return None
        if self._checked.get(key) != stamp:
            if sha256 is None or sha256_of(path) != sha256:
                # Corrupt, or changed since it was checked, or nothing to check it against:
                # the store's copy decides.
                self.forget(key)
                path.unlink(missing_ok=True)
                return None
            self._checked[key] = stamp
        self.touch(path)
        return path

    def remember(self, key: str, path: Path) -> None:
        """Note that the file at `path` (whose sha256 the caller checked) belongs at `key`.

        The stamp survives the rename that moves a publish's build into place: it is the
        same inode, size and modification time.
        """
        stamp = _stamp(path)
        if stamp is not None:
            self._checked[key] = stamp

    def forget(self, key: str) -> None:
        self._checked.pop(key, None)

    def partial(self) -> Path:
        """Return a fresh name for a download in progress (inside the instance: one rename)."""
        self.partials.mkdir(parents=True, exist_ok=True)
        return self.partials / f"{os.getpid()}.{uuid.uuid4().hex}.part"

    def place(self, key: str, partial: Path) -> Path:
        """Move a checked download into place with one rename, then evict what no longer fits."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, path)
        self.remember(key, path)
        self.touch(path)
        if not self._fits(path):
            self.evict(keep=path)
        return path

    def _fits(self, path: Path) -> bool:
        """Count a file taken in; tell whether the cache surely still fits without a look."""
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        with self._guard:
            if self._total is None or self._taken_since_walk >= WALK_EVERY \
                    or self._total + size > self.limit_bytes:
                return False
            self._total += size
            self._taken_since_walk += 1
            return True

    @staticmethod
    def touch(path: Path) -> None:
        """Record a use: the access time moves, the modification time (in the stamp) stays."""
        try:
            os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
        except FileNotFoundError:
            pass

    def files(self) -> list[tuple[float, int, Path]]:
        """Return (last use, size, path) of every cached file that eviction may remove."""
        found = []
        for top in self.evicts:
            for dirpath, _dirs, names in os.walk(self.root / top):
                for name in names:
                    path = Path(dirpath) / name
                    try:
                        st = path.stat()
                    except FileNotFoundError:
                        continue  # evicted meanwhile by another process
                    found.append((st.st_atime, st.st_size, path))
        return found

    def evict(self, *, keep: Path | None = None) -> None:
        """Remove the least recently used files until the cache fits its size.

        The file just fetched is kept even when it alone is larger than the cache: it is the
        one being asked for. A file evicted while a reader has it open stays readable to that
        reader (POSIX keeps the inode); the next reader fetches it again.
        """
        with self._guard:
            files = sorted(self.files(), key=lambda entry: entry[0])
            total = sum(size for _used, size, _path in files)
            for _used, size, path in files:
                if total <= self.limit_bytes:
                    break
                if path == keep:
                    continue
                path.unlink(missing_ok=True)
                self._checked.pop(path.relative_to(self.root).as_posix(), None)
                total -= size
            self._total, self._taken_since_walk = total, 0
        self._drop_stale_partials()

    def _drop_stale_partials(self) -> None:
        # A download killed halfway leaves its partial file; a live one is never this old.
        if not self.partials.is_dir():
            return
        old = time.time() - STALE_PARTIAL
        for partial in self.partials.iterdir():
            try:
                if partial.stat().st_mtime < old:
                    partial.unlink()
            except FileNotFoundError:
                pass
