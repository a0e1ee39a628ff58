"""Withdrawing the latest release while the portal runs (SECURITY 6).

tests/app/staff/test_upload.py and tests/app/api/test_api.py cover the forms and the API (record, reason
and checksums kept; files deleted; 410). Here: the release is withdrawn under a server that has
already mounted it, so `/sql/` must fall back to the previous release without a restart; every
one of its URLs, exports included, answers 410; nothing of its data stays on disk (the XLSX
export cache included); its record, reason and checksums stay on its page and in the API.
"""
from __future__ import annotations

import os
from pathlib import Path

from app.state import Portal
from datasets import catalog
from datasets.publish import Upload, publish
from datasets.withdraw import withdraw_release
from tests.reliability.conftest import tagged_budget, tags_in
from tests.reliability.surfaces import assert_serves_exactly, build_apps, close_apps, sql_get

TABLE = "/sql/budget/budget.json?_shape=array&_size=max"
REASON = "Лични данни по погрешка"


def test_a_withdrawn_latest_release_leaves_every_surface_and_the_disk_but_keeps_its_record(
        budget_portal: Portal, tmp_path: Path) -> None:
    engine, instance = budget_portal.engine, budget_portal.instance
    publish(instance, engine, Upload(tagged_budget(tmp_path, 2), "r2.csv"), dataset="budget")
    apps = build_apps(instance.root)
    try:
        client = apps.web.test_client()
        assert tags_in(sql_get(apps.sql, TABLE).text) == {2}
        urls = [f"/datasets/budget/releases/2/{name}" for name in
                ("budget.csv", "budget.db", "budget-v2.zip", "source/original.csv", "datapackage.json",
                 "budget.json", "budget.xlsx")]
        assert [client.get(url).status_code for url in urls] == [200] * len(urls)  # caches exports
        dataset = catalog.get_dataset(engine, "budget")
        checksums = {f.name: f.sha256 for f in catalog.get_release(engine, dataset, 2).files}

        withdraw_release(instance, engine, "budget", 2, reason=REASON, actor="test")

        assert tags_in(sql_get(apps.sql, TABLE).text) == set()  # release 1's rows, no restart
        assert [client.get(url).status_code for url in urls] == [410] * len(urls)
        assert tags_in(client.get("/datasets/budget").text) == set()
        leftovers = [p for p in instance.root.rglob("*") if p.is_file() and "#R2" in
                     p.read_bytes().decode("utf-8", "replace") and p.parent != tmp_path]
        assert leftovers == []
        assert [p for p in instance.root.rglob("*") if "/budget/2" in p.as_posix()] == []
        page = client.get("/datasets/budget/releases/2?lang=en")
        assert page.status_code in (200, 410) and REASON in page.text
        assert all(sha in page.text for sha in checksums.values())
        record = catalog.get_release(engine, dataset, 2)
        assert (record.status, record.withdrawn_reason) == ("withdrawn", REASON)
        assert {f.name: f.sha256 for f in record.files} == checksums
        assert assert_serves_exactly(apps, budget_portal, "budget") == [1]
    finally:
        close_apps(apps)


def _holding(root: Path, tag: str) -> list[str]:
    """Return the files under root that contain tag (in UTF-8 or Windows-1251), zip members
    (the release zip, the XLSX export) read unpacked."""
    import zipfile

    needles = (tag.encode("utf-8"), tag.encode("cp1251"))

    def contents(path: Path) -> list[bytes]:
        if not zipfile.is_zipfile(path):
            return [path.read_bytes()]
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name) for name in archive.namelist()]

    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                  and any(n in body for body in contents(p) for n in needles))


def test_a_withdrawal_removes_the_comparisons_and_exports_made_from_the_release(
        budget_portal: Portal, tmp_path: Path) -> None:
    engine, instance = budget_portal.engine, budget_portal.instance
    for number in (2, 3):
        publish(instance, engine, Upload(tagged_budget(tmp_path, number), f"r{number}.csv"),
                dataset="budget")
    apps = build_apps(instance.root)
    try:
        client = apps.web.test_client()
        pairs = [(1, 2), (2, 3), (1, 3)]
        assert [client.get(f"/datasets/budget/compare.json?from={a}&to={b}").status_code
                for a, b in pairs] == [200] * 3
        assert client.get("/datasets/budget/releases/2/budget.xlsx").status_code == 200
        made = _holding(instance.root, "#R2")
        assert [p for p in made if p.startswith(("cache/", "exports/"))] == [
            "cache/diffs/budget/1-2-100.json", "cache/diffs/budget/2-3-100.json",
            "exports/budget/2/budget.xlsx"]

        withdraw_release(instance, engine, "budget", 2, reason=REASON, actor="test")

        assert _holding(instance.root, "#R2") == []
        # Comparisons of the releases that stay are still kept.
        assert [p.name for p in (instance.root / "cache" / "diffs" / "budget").iterdir()] == [
            "1-3-100.json"]
        assert client.get("/datasets/budget/compare.json?from=1&to=3").status_code == 200
    finally:
        close_apps(apps)


KILLED_WITHDRAWAL = """
import os, signal, sys
from app.state import open_portal
from datasets import withdraw

def kill_before_deleting(frame, event, arg):
    if event == "call" and frame.f_code is withdraw.remove_files.__code__:
        os.kill(os.getpid(), signal.SIGKILL)

portal = open_portal({"INSTANCE": sys.argv[1], "DATABASE_URL": None})
sys.setprofile(kill_before_deleting)
withdraw.withdraw_release(portal.instance, portal.engine, "budget", 2, reason=sys.argv[2],
                          actor="test")
"""


def test_start_up_deletes_what_a_withdrawal_killed_after_its_commit_left(
        budget_portal: Portal, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    engine, instance = budget_portal.engine, budget_portal.instance
    publish(instance, engine, Upload(tagged_budget(tmp_path, 2), "r2.csv"), dataset="budget")
    apps = build_apps(instance.root)
    try:
        assert apps.web.test_client().get("/datasets/budget/compare.json?from=1&to=2").status_code == 200
    finally:
        close_apps(apps)
    root = Path(__file__).resolve().parents[2]
    killed = subprocess.run([sys.executable, "-c", KILLED_WITHDRAWAL, str(instance.root), REASON],
                            cwd=root, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    dataset = catalog.get_dataset(engine, "budget")
    assert catalog.get_release(engine, dataset, 2).status == "withdrawn"
    assert "cache/diffs/budget/1-2-100.json" in _holding(instance.root, "#R2")

    started = subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=root, timeout=120,
                             capture_output=True, env={**os.environ, "OTKRITO_INSTANCE": str(instance.root)})

    assert started.returncode == 0, started.stderr.decode()
    assert _holding(instance.root, "#R2") == []
    assert not instance.release_dir("budget", 2).exists()


def _paused_at(code: object, reached: "threading.Event", resume: "threading.Event"):  # type: ignore[no-untyped-def]
    """A trace function that holds its thread at the first call of `code` until resumed."""

    def trace(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call" and frame.f_code is code and not reached.is_set():
            reached.set()
            assert resume.wait(timeout=120)
        return None

    return trace


def _withdraw_while_paused(budget_portal: Portal, code: object, write) -> object:  # type: ignore[no-untyped-def]
    """Run write() in a thread held at `code`, withdraw release 2 meanwhile; return its outcome."""
    import threading

    reached, resume, outcome = threading.Event(), threading.Event(), []

    def writer() -> None:
        import sys

        sys.settrace(_paused_at(code, reached, resume))
        try:
            outcome.append(write())
        except Exception as error:  # noqa: BLE001 (the outcome is what the test looks at)
            outcome.append(error)
        finally:
            sys.settrace(None)

    thread = threading.Thread(target=writer)
    thread.start()
    assert reached.wait(timeout=120)
    withdraw_release(budget_portal.instance, budget_portal.engine, "budget", 2, reason=REASON,
                     actor="test")
    resume.set()
    thread.join(timeout=120)
    assert not thread.is_alive()
    return outcome[0]


def test_a_comparison_written_while_its_release_is_withdrawn_does_not_stay(
        budget_portal: Portal, tmp_path: Path) -> None:
    from datasets import diff
    from metadata.errors import InvalidInput

    engine, instance = budget_portal.engine, budget_portal.instance
    publish(instance, engine, Upload(tagged_budget(tmp_path, 2), "r2.csv"), dataset="budget")

    outcome = _withdraw_while_paused(budget_portal, diff._keep.__code__,
                                     lambda: diff.compare_releases(instance, engine, "budget", 1, 2))

    assert isinstance(outcome, InvalidInput) and outcome.message_id == "diff.no-database"
    assert _holding(instance.root, "#R2") == []


def test_an_xlsx_export_written_while_its_release_is_withdrawn_does_not_stay(
        budget_portal: Portal, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from datasets import export

    engine, instance = budget_portal.engine, budget_portal.instance
    publish(instance, engine, Upload(tagged_budget(tmp_path, 2), "r2.csv"), dataset="budget")
    dataset = catalog.get_dataset(engine, "budget")
    database = instance.release_dir("budget", 2) / catalog.get_release(engine, dataset, 2).file("sqlite").name

    # Held when the workbook is saved: its rows are read, its file not yet in place.
    outcome = _withdraw_while_paused(budget_portal, Workbook.save.__code__, lambda: export.release_xlsx(
        instance, engine, "budget", 2, database, dataset.table_name))

    assert outcome is None
    assert _holding(instance.root, "#R2") == []
    assert not instance.export_dir("budget", 2).exists()
