"""The disk fills up during a publish: a clear bilingual error, the old state, no leftovers.

SECURITY.md cases 2 and 45. The fault is injected where a full disk shows: Python's file writes
fail with ENOSPC part-way through a file (the upload copy, the normalized CSV, the Data Package,
the zip), SQLite answers SQLITE_FULL while the release database is built, and the catalog's
SQLite answers SQLITE_FULL while the release row is committed. Both SQLite cases are real:
`PRAGMA max_page_count` makes SQLite itself run out of room.
"""
from __future__ import annotations

import errno
import fnmatch
import io
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import event

import datasets.database
import datasets.publish
from app.cli.commands import main
from app.state import Portal
from datasets import catalog, uploads
from datasets.consistency import check_instance
from datasets.publish import Upload, publish
from metadata.errors import StorageFull
from metadata.messages import text
from tests.reliability.conftest import H1, api_editor
from tests.reliability.surfaces import assert_serves_exactly, build_apps, close_apps

WRITTEN_BEFORE_FULL = 100  # bytes of the failing file that still fit


class FullDisk:
    """Make writes to files whose name matches a pattern fail with ENOSPC after a few bytes."""

    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name
        self.hit: list[str] = []
        self.real_open = io.open

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = self.real_open(file, mode, *args, **kwargs)
        path = Path(str(file)) if isinstance(file, (str, Path)) else None
        if path is None or set(mode) & set("wax+") == set() or not fnmatch.fnmatch(path.name, self.name) \
                or self.root not in path.resolve().parents:
            return handle
        return _Filling(handle, self, str(path.relative_to(self.root)))


class _Filling:
    """A file on a disk that fills up: the first bytes land, then ENOSPC."""

    def __init__(self, handle: Any, disk: FullDisk, where: str) -> None:
        self._handle, self._disk, self._where, self._written = handle, disk, where, 0

    def write(self, data: Any) -> int:
        room = WRITTEN_BEFORE_FULL - self._written
        if len(data) > room:
            self._handle.write(data[:max(room, 0)])
            self._disk.hit.append(self._where)
            raise OSError(errno.ENOSPC, "No space left on device", self._where)
        self._written += len(data)
        return self._handle.write(data)

    def __enter__(self) -> "_Filling":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def fill_while_writing(monkeypatch: pytest.MonkeyPatch, portal: Portal, name: str) -> FullDisk:
    """From now on, writing a file called `name` in the instance runs out of disk."""
    disk = FullDisk(portal.instance.root, name)
    monkeypatch.setattr(io, "open", disk.open)
    monkeypatch.setattr("builtins.open", disk.open)
    monkeypatch.setattr(shutil, "_USE_CP_SENDFILE", False)  # copy through write(), not sendfile
    return disk


def fill_release_database(monkeypatch: pytest.MonkeyPatch, portal: Portal) -> None:
    """From now on, SQLite runs out of room in a release database after a few pages."""
    real = datasets.database.open_database

    def small(path: Path) -> Any:
        db = real(path)
        db.conn.execute("PRAGMA max_page_count=8")
        return db

    monkeypatch.setattr(datasets.database, "open_database", small)
    monkeypatch.setattr(datasets.publish, "open_database", small)


def fill_catalog(portal: Portal) -> Callable[[], None]:
    """From now on, the catalog database cannot grow by a page; return the undo."""
    with portal.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(portal.engine, "connect", limit)
    portal.engine.dispose()

    def undo() -> None:
        event.remove(portal.engine, "connect", limit)
        portal.engine.dispose()
    return undo


def assert_old_state_and_no_leftovers(portal: Portal) -> None:
    """Only release 1, whole and served; nothing in tmp; no SQLite journals anywhere."""
    dataset = catalog.get_dataset(portal.engine, "budget")
    assert [r.version for r in catalog.list_releases(portal.engine, dataset.id)] == [1]
    assert sorted(p.name for p in (portal.instance.releases / "budget").iterdir()) == ["1"]
    assert list(portal.instance.tmp.iterdir()) == []
    leftovers = [p for folder in (portal.instance.releases, portal.instance.tmp)
                 for pattern in ("*-journal", "*-wal", "*-shm") for p in folder.rglob(pattern)]
    assert leftovers == []
    assert check_instance(portal.instance, portal.engine).findings == ()
    apps = build_apps(portal.instance.root)
    try:
        assert assert_serves_exactly(apps, portal, "budget") == [1]
    finally:
        close_apps(apps)


def assert_publishing_works_again(portal: Portal) -> None:
    again = publish(portal.instance, portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    assert again.version == 2
    assert check_instance(portal.instance, portal.engine).ok


@pytest.mark.parametrize("name", ["original.csv", "budget.csv", "datapackage.json", "budget-v2.zip"])
def test_a_full_disk_while_writing_a_release_file_is_a_clear_error_and_changes_nothing(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    disk = fill_while_writing(monkeypatch, budget_portal, name)
    with pytest.raises(StorageFull) as raised:
        publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    assert [Path(hit).name for hit in disk.hit] == [name]
    assert raised.value.message_id == "publish.disk-full"
    monkeypatch.undo()
    assert_old_state_and_no_leftovers(budget_portal)
    assert_publishing_works_again(budget_portal)


def test_sqlite_running_out_of_room_while_building_the_release_database_is_storage_full(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    fill_release_database(monkeypatch, budget_portal)
    with pytest.raises(StorageFull):
        publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    monkeypatch.undo()
    assert_old_state_and_no_leftovers(budget_portal)
    assert_publishing_works_again(budget_portal)


def test_a_full_catalog_at_the_commit_removes_the_renamed_release_and_is_storage_full(
        budget_portal: Portal) -> None:
    undo = fill_catalog(budget_portal)
    try:
        with pytest.raises(StorageFull):
            publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"),
                    dataset="budget", notes="Бележка " * 2000)  # a row that needs new pages
    finally:
        undo()
    assert_old_state_and_no_leftovers(budget_portal)
    assert_publishing_works_again(budget_portal)


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_command_line_says_the_disk_is_full_in_its_language_without_a_traceback(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    fill_release_database(monkeypatch, budget_portal)
    result = CliRunner().invoke(main, ["--lang", lang, "publish", str(H1), "--dataset", "budget"],
                                env={"OTKRITO_INSTANCE": str(budget_portal.instance.root)})
    assert result.exit_code == 2
    assert text("publish.disk-full").get(lang) in result.output
    assert "Traceback" not in result.output and "sqlite3" not in result.output
    monkeypatch.undo()
    assert_old_state_and_no_leftovers(budget_portal)


def test_an_upload_published_onto_a_full_disk_fails_with_the_message_in_both_languages(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, instance = budget_portal.engine, budget_portal.instance
    with H1.open("rb") as stream:
        job = uploads.store_upload(instance, engine, stream, dataset="budget", user_id=None,
                                   original_name="h1.csv", options={})
    assert uploads.check_job(instance, engine, job.id, actor="test").valid
    fill_while_writing(monkeypatch, budget_portal, "budget.csv")
    done = uploads.publish_job(instance, engine, job.id, notes="", actor="test")
    monkeypatch.undo()
    full = text("publish.disk-full")
    assert (done.state, done.error) == ("failed", {"bg": full.bg, "en": full.en, "kind": "StorageFull"})
    assert_old_state_and_no_leftovers(budget_portal)


def upload_h1(app: Any, secret: str) -> Any:
    """POST the H1 budget file to the API as the editor holding `secret`."""
    with H1.open("rb") as sent:
        return app.test_client().post("/api/v1/datasets/budget/releases",
                                      headers={"Authorization": f"Bearer {secret}"},
                                      data={"file": (sent, "h1.csv")})


def test_an_upload_received_onto_a_full_disk_is_a_507_in_both_languages_and_leaves_no_part(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    app, secret = api_editor(budget_portal)
    disk = fill_while_writing(monkeypatch, budget_portal, "*.upload")
    response = upload_h1(app, secret)
    monkeypatch.undo()
    full = text("publish.disk-full")
    assert len(disk.hit) == 1 and response.status_code == 507
    assert (response.json["title"], response.json["title_bg"]) == (full.en, full.bg)
    assert list(uploads.uploads_dir(budget_portal.instance).iterdir()) == []
    assert_old_state_and_no_leftovers(budget_portal)


def test_the_build_is_removed_only_after_the_publishs_background_work_stopped(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills just as a publish hands work to its background thread (FTS indexing, the
    package): the cleanup must wait for that work, or it races it and leaves a half-deleted
    build (with SQLite journals) behind."""
    cleaning, stopped = threading.Event(), threading.Event()
    real_rmtree = shutil.rmtree
    busy_at_cleanup: list[bool] = []

    class FillingPool(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            def slow(*inner: Any, **named: Any) -> Any:
                cleaning.wait(2)  # a slow disk: still writing when the publish gives up
                try:
                    return fn(*inner, **named)
                finally:
                    stopped.set()
            super().submit(slow, *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")

    def watched_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path).parent == budget_portal.instance.tmp and not cleaning.is_set():
            busy_at_cleanup.append(not stopped.is_set())
            cleaning.set()
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(datasets.publish, "ThreadPoolExecutor", FillingPool)
    monkeypatch.setattr(shutil, "rmtree", watched_rmtree)
    with pytest.raises(StorageFull):
        publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    monkeypatch.undo()
    assert busy_at_cleanup == [False]
    assert_old_state_and_no_leftovers(budget_portal)


def test_an_api_upload_that_fills_the_disk_while_publishing_is_a_507_in_both_languages(
        budget_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    app, secret = api_editor(budget_portal)
    disk = fill_while_writing(monkeypatch, budget_portal, "datapackage.json")  # publish only
    response = upload_h1(app, secret)
    monkeypatch.undo()
    full = text("publish.disk-full")
    assert disk.hit and response.status_code == 507
    assert (response.json["title"], response.json["title_bg"]) == (full.en, full.bg)
    assert_old_state_and_no_leftovers(budget_portal)
