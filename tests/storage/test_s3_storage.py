"""Release storage on a real S3 server: written once, fetched checked, cached by size."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from app.state import Portal, open_portal
from datasets import catalog
from datasets.files import sha256_of
from datasets.instance import Instance
from datasets.leftovers import cleanup
from datasets.storage import LocalStorage, open_storage, release_key
from datasets.storage_s3 import S3Storage
from metadata.errors import Conflict, InvalidInput, StorageUnavailable
from metadata.records import Release
from tests.storage.conftest import BUCKET, H1, Q1, S3World, publish_file, seed


def _latest(portal: Portal) -> Release:
    release = catalog.latest_release(portal.engine, catalog.get_dataset(portal.engine, "budget").id)
    assert release is not None
    return release


def stored_bytes(world: S3World, key: str) -> bytes:
    body = world.server.client().get_object(Bucket=BUCKET, Key=f"{world.prefix}/{key}")["Body"]
    return body.read()


def test_publishing_stores_every_release_file_with_its_recorded_sha256(s3: S3World) -> None:
    portal = s3.open()
    seed(portal)
    publish_file(portal)
    release = catalog.get_release(portal.engine, catalog.get_dataset(portal.engine, "budget"), 1)
    assert s3.keys() == sorted(release_key("budget", 1, f.name) for f in release.files)
    for record in release.files:
        key = release_key("budget", 1, record.name)
        assert hashlib.sha256(stored_bytes(s3, key)).hexdigest() == record.sha256
        head = s3.server.client().head_object(Bucket=BUCKET, Key=f"{s3.prefix}/{key}")
        assert (head["ContentLength"], head["Metadata"]["sha256"]) == (record.bytes, record.sha256)


def test_a_second_put_of_a_key_with_other_bytes_is_refused(s3: S3World, tmp_path: Path) -> None:
    storage = s3.open().instance.storage
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(b"the first bytes")
    second.write_bytes(b"other bytes")
    storage.put_once("releases/x/1/data.csv", first)
    with pytest.raises(Conflict) as refused:
        storage.put_once("releases/x/1/data.csv", second)
    assert refused.value.message_id == "storage.exists"
    assert stored_bytes(s3, "releases/x/1/data.csv") == b"the first bytes"


def test_a_repeated_put_of_the_same_bytes_leaves_the_object_as_it_was(s3: S3World,
                                                                    tmp_path: Path) -> None:
    # A put retried after its answer was lost finds its own object: no error, no rewrite.
    storage = s3.open().instance.storage
    path = tmp_path / "data"
    path.write_bytes(b"same bytes")
    storage.put_once("uploads/a.upload", path)
    head = lambda: s3.server.client().head_object(  # noqa: E731
        Bucket=BUCKET, Key=f"{s3.prefix}/uploads/a.upload")
    before = head()
    storage.put_once("uploads/a.upload", path)
    assert (head()["LastModified"], head()["ETag"]) == (before["LastModified"], before["ETag"])


def test_the_local_backend_never_replaces_a_key_either(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "instance")
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    storage.put_once("uploads/a.upload", first)
    with pytest.raises(Conflict):
        storage.put_once("uploads/a.upload", second)
    assert (tmp_path / "instance" / "uploads" / "a.upload").read_bytes() == b"first"
    assert sorted(p.name for p in (tmp_path / "instance" / "uploads").iterdir()) == ["a.upload"]


def test_a_node_with_an_empty_cache_fetches_a_release_file_checked(s3: S3World) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    b = s3.open("node-b")
    release = catalog.latest_release(b.engine, catalog.get_dataset(b.engine, "budget").id)
    assert release is not None
    record = release.file("sqlite")
    assert record is not None
    cached = b.instance.root / "releases" / "budget" / "1" / record.name
    assert not cached.exists()
    path = b.instance.storage.fetch(release_key("budget", 1, record.name), record.sha256)
    assert (path, sha256_of(path)) == (cached, record.sha256)


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the bytes tell
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("process", ["same", "new"])
def test_a_corrupted_cached_file_is_detected_and_fetched_again(s3: S3World, process: str) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    record = _latest(a).file("data")
    assert record is not None
    key = release_key("budget", 1, record.name)
    b = s3.open("node-b")
    path = b.instance.storage.fetch(key, record.sha256)
    _corrupt(path)
    assert sha256_of(path) != record.sha256
    # "new": a restarted node has no memory of what it checked, only the file on disk.
    storage = b.instance.storage if process == "same" else s3.open("node-b").instance.storage
    again = storage.fetch(key, record.sha256)
    assert (again, sha256_of(again)) == (path, record.sha256)


def test_a_publishing_node_serves_its_own_release_from_the_cache_it_renamed(s3: S3World) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    record = _latest(a).file("sqlite")
    assert record is not None
    path = a.instance.root / "releases" / "budget" / "1" / record.name
    inode = path.stat().st_ino
    assert a.instance.storage.fetch(release_key("budget", 1, record.name), record.sha256) == path
    assert path.stat().st_ino == inode  # used as it is, not downloaded again


def _blob(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def test_eviction_keeps_the_cache_under_its_size_least_recently_used_first(
        s3: S3World, tmp_path: Path) -> None:
    mb = 1024 * 1024
    writer = s3.open("writer").instance.storage
    sha = {}
    for i in range(5):
        blob = _blob(tmp_path, f"f{i}", 600 * 1024)
        sha[i] = sha256_of(blob)
        writer.put_once(f"releases/big/1/f{i}", blob)
    reader = Instance.at(tmp_path / "reader", storage_url=s3.url, cache_mb=2).storage
    cached = lambda: sorted(p.name for p in (tmp_path / "reader" / "releases").rglob("f*"))  # noqa: E731
    for i in (0, 1, 2):
        reader.fetch(f"releases/big/1/f{i}", sha[i])
    assert cached() == ["f0", "f1", "f2"]  # 1.8 MB fits in 2 MB
    reader.fetch("releases/big/1/f0", sha[0])  # f0 used again: f1 is now the oldest
    reader.fetch("releases/big/1/f3", sha[3])
    assert cached() == ["f0", "f2", "f3"]
    reader.fetch("releases/big/1/f4", sha[4])
    assert cached() == ["f0", "f3", "f4"]
    size = sum(p.stat().st_size for p in (tmp_path / "reader" / "releases").rglob("*") if p.is_file())
    assert size <= 2 * mb


def test_an_unreachable_store_is_a_clear_bilingual_error(s3: S3World, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _blob(tmp_path, "x", 10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard: nothing answers
    storage = Instance.at(tmp_path / "node", storage_url=s3.url).storage
    with pytest.raises(StorageUnavailable) as failed:
        storage.put_once("uploads/x.upload", path)
    assert failed.value.message_id == "storage.unreachable"
    assert failed.value.text.bg.startswith("Хранилището за файлове не отговаря")
    assert failed.value.text.en.startswith("The file store does not answer")


def test_a_store_refusing_the_credentials_is_a_clear_error(s3: S3World, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    storage = Instance.at(tmp_path / "node", storage_url=s3.url).storage
    with pytest.raises(StorageUnavailable) as failed:
        storage.children("releases")
    assert failed.value.message_id == "storage.refused"
    assert "SignatureDoesNotMatch" in failed.value.text.en


@pytest.mark.parametrize("url", ["ftp://host/x", "s3://", "s3:///prefix"])
def test_a_storage_url_that_is_not_understood_stops_the_portal_opening(tmp_path: Path,
                                                                      url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_portal({"INSTANCE": str(tmp_path), "DATABASE_URL": None, "STORAGE_URL": url})
    assert refused.value.message_id == "storage.bad-url"


def test_the_storage_url_selects_the_backend_by_its_scheme(tmp_path: Path) -> None:
    assert type(open_storage(None, tmp_path, cache_mb=1)) is LocalStorage
    assert type(open_storage("s3://bucket/p", tmp_path, cache_mb=1)) is S3Storage


def test_start_up_removes_objects_of_versions_the_catalog_does_not_record(s3: S3World,
                                                                         tmp_path: Path) -> None:
    seed(portal := s3.open())
    publish_file(portal)
    recorded = s3.keys()
    storage = portal.instance.storage
    # What a publish killed between storing and committing leaves, and a deleted dataset's.
    storage.put_once("releases/budget/2/budget.csv", _blob(tmp_path, "orphan", 10))
    storage.put_once("releases/ghost/1/ghost.csv", _blob(tmp_path, "ghost", 10))
    cached_orphan = portal.instance.root / "releases" / "budget" / "2"
    cached_orphan.mkdir(parents=True)
    assert s3.keys() != recorded
    cleanup(s3.open("restarted").instance, portal.engine)
    assert s3.keys() == recorded
    cleanup(portal.instance, portal.engine)  # the node's own cached copy of the orphan too
    assert not cached_orphan.exists()


def test_an_orphan_version_never_blocks_the_next_publish_of_its_number(s3: S3World,
                                                                        tmp_path: Path) -> None:
    seed(portal := s3.open())
    publish_file(portal)
    portal.instance.storage.put_once("releases/budget/2/budget.csv", _blob(tmp_path, "o", 10))
    outcome = publish_file(portal, H1)
    assert outcome.version == 2
    record = next(f for f in outcome.files if f.name == "budget.csv")
    assert hashlib.sha256(stored_bytes(s3, "releases/budget/2/budget.csv")).hexdigest() \
        == record.sha256


def test_withdrawing_a_release_removes_its_objects(s3: S3World) -> None:
    from datasets.withdraw import withdraw_release

    seed(portal := s3.open())
    publish_file(portal)
    publish_file(portal, H1)
    withdraw_release(portal.instance, portal.engine, "budget", 1, reason="Грешка", actor="test")
    assert {k.split("/")[2] for k in s3.keys()} == {"2"}
    assert not (portal.instance.root / "releases" / "budget" / "1").exists()


def test_the_orphan_rule_also_takes_files_a_cut_short_withdrawal_left(s3: S3World) -> None:
    seed(portal := s3.open())
    publish_file(portal)
    publish_file(portal, H1)
    before = s3.keys()
    with portal.engine.begin() as conn:  # withdrawn in the catalog; the files not yet deleted
        from publishers.store import releases
        conn.execute(releases.update().where(releases.c.version == 1).values(status="withdrawn"))
    cleanup(portal.instance, portal.engine)
    assert s3.keys() == [k for k in before if k.split("/")[2] == "2"]


def test_a_publish_checks_the_upload_before_storing_anything(s3: S3World, tmp_path: Path) -> None:
    from metadata.errors import ValidationFailed

    seed(portal := s3.open())
    bad = tmp_path / "bad.csv"
    bad.write_text(Q1.read_text(encoding="cp1251").replace("2026", "две хиляди"), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        publish_file(portal, bad)
    assert s3.keys() == []


def test_a_catalog_commit_that_fails_after_storing_removes_the_release_objects(
        s3: S3World) -> None:
    from sqlalchemy import event

    from metadata.errors import StorageFull

    seed(portal := s3.open())
    publish_file(portal)
    before = s3.keys()
    with portal.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def full(dbapi_connection: object, _record: object) -> None:  # the catalog cannot grow
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")  # type: ignore[attr-defined]

    event.listen(portal.engine, "connect", full)
    portal.engine.dispose()
    try:
        with pytest.raises(StorageFull):
            publish_file(portal, H1, notes="Бележка " * 2000)  # a row that needs new pages
    finally:
        event.remove(portal.engine, "connect", full)
        portal.engine.dispose()
    assert s3.keys() == before  # every object of release 2 was stored, then removed again
    assert not (portal.instance.root / "releases" / "budget" / "2").exists()


def _otkrito_check(lang: str = "en") -> tuple[int, str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "app.cli", "--lang", lang, "check"],
                          capture_output=True, text=True, timeout=240,
                          cwd=Path(__file__).resolve().parents[2])
    return done.returncode, done.stdout + done.stderr


def test_otkrito_check_compares_the_catalog_with_the_store_not_the_cache(
        s3: S3World, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(portal := s3.open("node-a"))
    publish_file(portal)
    record = _latest(portal).file("data")
    assert record is not None
    monkeypatch.setenv("OTKRITO_INSTANCE", str(s3.tmp_path / "node-b"))  # an empty cache
    assert _otkrito_check()[0] == 0
    client, key = s3.server.client(), f"{s3.prefix}/releases/budget/1/{record.name}"
    client.put_object(Bucket=BUCKET, Key=key, Body=b"tampered")  # past the portal's own rules
    client.put_object(Bucket=BUCKET, Key=f"{s3.prefix}/releases/budget/7/x.csv", Body=b"x")
    code, out = _otkrito_check()
    assert code == 1
    assert f"releases/budget/1/{record.name}" in out and "releases/budget/7" in out
    assert "checksum" in out.lower() and "problems: 2" in out
