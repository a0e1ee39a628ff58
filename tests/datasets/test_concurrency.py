"""Concurrent publishes: distinct versions or a clean conflict, never a corrupt release."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.state import Portal
from datasets import catalog
from datasets.files import sha256_of
from datasets.instance import dataset_lock
from datasets.publish import Upload, publish
from metadata.errors import Conflict
from tests.datasets.conftest import DEMO

ROOT = Path(__file__).resolve().parents[2]


def _publish(portal: Portal, slug: str, results: list, errors: list) -> None:
    try:
        outcome = publish(portal.instance, portal.engine,
                          Upload(DEMO / "budget-2026-q1.csv", "q1.csv"), dataset=slug, lock_timeout=120)
        results.append((slug, outcome.version))
    except Exception as error:  # collected so the test can show it
        errors.append(error)


def _versions(portal: Portal, slug: str) -> list[int]:
    dataset = catalog.get_dataset(portal.engine, slug)
    return sorted(r.version for r in catalog.list_releases(portal.engine, dataset.id))


def _assert_files_intact(portal: Portal, slug: str) -> None:
    dataset = catalog.get_dataset(portal.engine, slug)
    for release in catalog.list_releases(portal.engine, dataset.id):
        folder = portal.instance.release_dir(slug, release.version)
        assert all(sha256_of(folder / f.name) == f.sha256 for f in release.files)


def test_threads_publishing_to_one_dataset_get_distinct_versions(fresh_portal: Portal, budget: str) -> None:
    results: list = []
    errors: list = []
    threads = [threading.Thread(target=_publish, args=(fresh_portal, budget, results, errors)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(v for _, v in results) == [1, 2, 3, 4, 5] == _versions(fresh_portal, budget)
    _assert_files_intact(fresh_portal, budget)


def test_threads_publishing_to_different_datasets_do_not_interfere(fresh_portal: Portal, budget: str) -> None:
    catalog.create_dataset(fresh_portal.engine, "budget-2", publisher="levski", title_bg="Бюджет 2", profile="budget")
    results: list = []
    errors: list = []
    threads = [threading.Thread(target=_publish, args=(fresh_portal, slug, results, errors))
               for slug in (budget, "budget-2") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _versions(fresh_portal, budget) == _versions(fresh_portal, "budget-2") == [1, 2, 3]


def test_processes_publishing_to_one_dataset_get_distinct_versions(fresh_portal: Portal, budget: str) -> None:
    env = {"OTKRITO_INSTANCE": str(fresh_portal.instance.root), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "app.cli", "publish", str(DEMO / "budget-2026-h1.csv"), "--dataset", budget]
    processes = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    assert _versions(fresh_portal, budget) == [1, 2, 3, 4]
    _assert_files_intact(fresh_portal, budget)


def test_a_publish_that_cannot_get_the_lock_in_time_is_a_clear_conflict(fresh_portal: Portal, budget: str) -> None:
    with dataset_lock(fresh_portal.instance, budget):
        with pytest.raises(Conflict) as raised:
            publish(fresh_portal.instance, fresh_portal.engine, Upload(DEMO / "budget-2026-q1.csv", "q1.csv"),
                    dataset=budget, lock_timeout=0.2)
    assert raised.value.message_id == "publish.conflict"
    assert "budget" in raised.value.text.bg and "budget" in raised.value.text.en
    assert _versions(fresh_portal, budget) == []
