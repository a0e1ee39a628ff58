"""Check that the catalog and the release files agree (`otkrito check`).

Every published release's directory holds exactly the files its catalog row lists, each with
the recorded size and sha256, and its SQLite database passes `PRAGMA integrity_check`; a
withdrawn release has no files left; nothing under `releases/` lacks a catalog row. Each
dataset is checked under its publish lock, so a publish running meanwhile is never caught
halfway (its renamed-but-uncommitted directory is not an orphan).
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.files import sha256_of
from datasets.instance import Instance, dataset_lock, try_dataset_lock
from metadata.messages import Text
from metadata.messages_consistency import consistency_text
from metadata.records import Dataset, Release, ReleaseFile


@dataclass(frozen=True)
class Finding:
    """One disagreement between the catalog and the files (path relative to the instance)."""

    kind: str
    path: str
    expected: str = ""
    actual: str = ""

    @property
    def text(self) -> Text:
        return consistency_text(f"consistency.{self.kind}", path=self.path,
                                expected=self.expected, actual=self.actual)


@dataclass(frozen=True)
class Consistency:
    """What a check found: the findings, and how much it looked at."""

    findings: tuple[Finding, ...]
    releases: int
    files: int

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def summary(self) -> Text:
        if self.ok:
            return consistency_text("consistency.ok", releases=self.releases, files=self.files)
        return consistency_text("consistency.problems", count=len(self.findings))


def database_problem(path: Path) -> str | None:
    """Return SQLite's complaint about a database file, or None when it is sound."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    messages = [row[0] for row in result]
    return None if messages == ["ok"] else "; ".join(messages[:5])


def _check_file(instance: Instance, folder: Path, record: ReleaseFile) -> list[Finding]:
    path = folder / record.name
    where = path.relative_to(instance.root).as_posix()
    if not path.is_file():
        return [Finding("missing-file", where)]
    size = path.stat().st_size
    if size != record.bytes:
        return [Finding("size-mismatch", where, expected=str(record.bytes), actual=str(size))]
    if sha256_of(path) != record.sha256:
        return [Finding("checksum-mismatch", where, expected=record.sha256)]
    if record.role == "sqlite" and (problem := database_problem(path)) is not None:
        return [Finding("corrupt-database", where, actual=problem)]
    return []


def _files_under(folder: Path) -> set[str]:
    return {(Path(dirpath) / name).relative_to(folder).as_posix()
            for dirpath, _dirs, names in os.walk(folder) for name in names}


def _check_release(instance: Instance, slug: str, release: Release) -> list[Finding]:
    folder = instance.release_dir(slug, release.version)
    where = folder.relative_to(instance.root).as_posix()
    if release.status == "withdrawn":
        return [Finding("withdrawn-files-present", where)] if folder.exists() else []
    if not folder.is_dir():
        return [Finding("missing-release", where)]
    findings = [f for record in release.files for f in _check_file(instance, folder, record)]
    unlisted = _files_under(folder) - {record.name for record in release.files}
    findings += [Finding("unlisted-file", f"{where}/{name}") for name in sorted(unlisted)]
    return findings


def _check_dataset(instance: Instance, engine: Engine, dataset: Dataset) -> tuple[list[Finding], int, int]:
    releases = catalog.list_releases(engine, dataset.id)
    versions = {str(r.version) for r in releases}
    folder = instance.releases / dataset.slug
    strays = sorted(folder.iterdir()) if folder.is_dir() else []
    findings = [Finding("orphan-directory" if child.is_dir() else "unlisted-file",
                        child.relative_to(instance.root).as_posix())
                for child in strays if child.name not in versions]
    for release in sorted(releases, key=lambda r: r.version):
        findings += _check_release(instance, dataset.slug, release)
    published = [r for r in releases if r.status == "published"]
    return findings, len(published), sum(len(r.files) for r in published)


def _leftover_builds(instance: Instance) -> list[Finding]:
    findings = []
    for build in sorted(instance.tmp.iterdir()) if instance.tmp.is_dir() else []:
        fd = try_dataset_lock(instance, build.name.split(".", 1)[0])
        if fd is None:
            continue  # a live publish is building it
        os.close(fd)
        findings.append(Finding("leftover-build", build.relative_to(instance.root).as_posix()))
    return findings


def check_instance(instance: Instance, engine: Engine, *, lock_timeout: float = 60.0) -> Consistency:
    """Compare every catalog release with its files and report each disagreement."""
    known = {d.slug: d for d in catalog.list_datasets(engine)}
    on_disk = {p.name for p in instance.releases.iterdir()} if instance.releases.is_dir() else set()
    findings: list[Finding] = []
    releases = files = 0
    for slug in sorted(set(known) | on_disk):
        if slug not in known:
            findings.append(Finding("orphan-directory",
                                    (instance.releases / slug).relative_to(instance.root).as_posix()))
            continue
        with dataset_lock(instance, slug, timeout=lock_timeout):
            found, counted_releases, counted_files = _check_dataset(instance, engine, known[slug])
        findings += found
        releases += counted_releases
        files += counted_files
    findings += _leftover_builds(instance)
    return Consistency(tuple(findings), releases, files)
