"""Concurrent publishes and uploads: distinct versions, no lost update, catalog and files agree.

SECURITY.md case 3. Threads, processes (the real CLI) and API uploads publish at once to one
dataset and to several; each upload carries its own tag in its rows and in its release notes, so
every upload must end up as exactly one release whose rows are its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest

from app.state import Portal
from datasets import catalog
from datasets.consistency import check_instance
from datasets.instance import dataset_lock
from datasets.publish import Upload, publish
from metadata.errors import Conflict
from tests.conftest import at_once
from tests.reliability.conftest import Q1, ROOT, add_budget, api_editor, tagged_budget, tags_in
from tests.reliability.surfaces import release_rows

OTHERS = ("budget-2", "budget-3")


def assert_each_upload_is_one_whole_release(portal: Portal, uploads: dict[str, list[int]]) -> None:
    """Per dataset: versions 1..n without gaps, each tagged upload exactly once, with its own rows;
    every database passes integrity_check and the catalog agrees with the files."""
    for slug, tags in uploads.items():
        dataset = catalog.get_dataset(portal.engine, slug)
        releases = sorted(catalog.list_releases(portal.engine, dataset.id), key=lambda r: r.version)
        assert [r.version for r in releases] == list(range(1, len(tags) + 2)), slug
        assert Counter(r.notes for r in releases[1:]) == Counter(f"#R{t}" for t in tags), slug
        for release in releases[1:]:
            folder = portal.instance.release_dir(slug, release.version)
            rows = release_rows(folder / release.file("sqlite").name, dataset.table_name)
            assert len(rows) == release.row_count == 16
            assert tags_in(repr(rows)) == tags_in(release.notes), (slug, release.version)
    report = check_instance(portal.instance, portal.engine)  # sizes, sha256, integrity_check
    assert report.findings == () and report.releases == sum(len(t) + 1 for t in uploads.values())


def _publisher(portal: Portal, folder: Path, slug: str, tag: int) -> Callable[[], int]:
    upload = Upload(tagged_budget(folder, tag), f"r{tag}.csv")
    return lambda: publish(portal.instance, portal.engine, upload, dataset=slug, notes=f"#R{tag}",
                           lock_timeout=240).version


def _cli(portal: Portal, folder: Path, slug: str, tag: int) -> subprocess.Popen[str]:
    env = {**os.environ, "OTKRITO_INSTANCE": str(portal.instance.root)}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "publish", str(tagged_budget(folder, tag)),
                             "--dataset", slug, "--notes", f"#R{tag}"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_threads_publishing_to_one_dataset_get_distinct_versions_and_lose_nothing(
        budget_portal: Portal, tmp_path: Path) -> None:
    versions = at_once([_publisher(budget_portal, tmp_path, "budget", t) for t in range(8)])
    assert sorted(versions) == list(range(2, 10))
    assert_each_upload_is_one_whole_release(budget_portal, {"budget": list(range(8))})


def test_threads_publishing_to_several_datasets_do_not_interfere(budget_portal: Portal,
                                                                 tmp_path: Path) -> None:
    for slug in OTHERS:
        add_budget(budget_portal, slug)
    plan = {slug: list(range(i * 10, i * 10 + 3)) for i, slug in enumerate(("budget",) + OTHERS)}
    calls = [_publisher(budget_portal, tmp_path, slug, t) for slug, tags in plan.items() for t in tags]
    assert all(isinstance(v, int) for v in at_once(calls))
    assert_each_upload_is_one_whole_release(budget_portal, plan)


def test_processes_and_threads_publishing_at_once_to_two_datasets_lose_nothing(
        budget_portal: Portal, tmp_path: Path) -> None:
    add_budget(budget_portal, "budget-2")
    processes = [_cli(budget_portal, tmp_path, slug, tag)
                 for slug, tag in (("budget", 1), ("budget", 2), ("budget", 3), ("budget-2", 11),
                                   ("budget-2", 12))]
    threads = at_once([_publisher(budget_portal, tmp_path, slug, tag)
                           for slug, tag in (("budget", 4), ("budget-2", 13))])
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * 5, outputs
    assert all(isinstance(v, int) for v in threads), threads
    assert_each_upload_is_one_whole_release(budget_portal, {"budget": [1, 2, 3, 4],
                                                            "budget-2": [11, 12, 13]})


def test_api_uploads_at_once_to_one_dataset_each_become_one_release(
        budget_portal: Portal, tmp_path: Path) -> None:
    app, secret = api_editor(budget_portal)
    files = {tag: tagged_budget(tmp_path, tag) for tag in range(6)}

    def post(tag: int) -> Callable[[], Any]:
        def send() -> Any:
            with files[tag].open("rb") as sent:
                return app.test_client().post(
                    "/api/v1/datasets/budget/releases", headers={"Authorization": f"Bearer {secret}"},
                    data={"file": (sent, f"r{tag}.csv"), "notes": f"#R{tag}"})
        return send

    responses = at_once([post(tag) for tag in files])
    assert [r.status_code for r in responses] == [201] * 6, [r.get_data(as_text=True)[:300]
                                                             for r in responses]
    assert sorted(r.json["release"]["version"] for r in responses) == list(range(2, 8))
    assert_each_upload_is_one_whole_release(budget_portal, {"budget": list(files)})


def test_a_publish_that_cannot_get_the_lock_in_time_is_a_clear_conflict(budget_portal: Portal) -> None:
    with dataset_lock(budget_portal.instance, "budget"):
        with pytest.raises(Conflict) as raised:
            publish(budget_portal.instance, budget_portal.engine, Upload(Q1, "q1.csv"),
                    dataset="budget", lock_timeout=0.2)
    assert raised.value.message_id == "publish.conflict"
    assert "budget" in raised.value.text.bg and "budget" in raised.value.text.en
    assert check_instance(budget_portal.instance, budget_portal.engine).ok
    dataset = catalog.get_dataset(budget_portal.engine, "budget")
    assert [r.version for r in catalog.list_releases(budget_portal.engine, dataset.id)] == [1]
