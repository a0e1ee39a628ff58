"""Durable file operations: checksums and fsync, so a rename publishes complete files."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from metadata.records import ReleaseFile

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path, root: Path, *, role: str, media_type: str) -> ReleaseFile:
    """Return the release record of a file (name relative to the release root)."""
    return ReleaseFile(name=path.relative_to(root).as_posix(), role=role, media_type=media_type,
                       bytes=path.stat().st_size, sha256=sha256_of(path))


def fsync_tree(root: Path) -> None:
    """Flush every file and directory under root (and root itself) to disk."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def fsync_dir(path: Path) -> None:
    """Flush a directory entry so a rename into it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
