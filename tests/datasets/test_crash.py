"""SIGKILL at many points of a publish: the previous state always survives, nothing partial shows."""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.state import Portal, open_portal
from datasets import catalog
from datasets.database import check_database
from datasets.files import sha256_of
from datasets.publish import Upload, cleanup, publish
from tests.datasets.conftest import DEMO

RUNNER = Path(__file__).with_name("crash_runner.py")
ROOT = Path(__file__).resolve().parents[2]
KILL_POINTS = 50


def _run(instance: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUNNER), str(instance), "budget", str(DEMO / "budget-2026-h1.csv"), str(kill_at)],
        capture_output=True, text=True, timeout=120, cwd=ROOT)


def _open(instance: Path) -> Portal:
    return open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})


def _assert_consistent(portal: Portal) -> list[int]:
    """Catalog and files agree, every listed file is intact, nothing is left in tmp."""
    dataset = catalog.get_dataset(portal.engine, "budget")
    releases = catalog.list_releases(portal.engine, dataset.id)
    on_disk = sorted(int(p.name) for p in (portal.instance.releases / "budget").iterdir())
    assert on_disk == sorted(r.version for r in releases)
    for release in releases:
        folder = portal.instance.release_dir("budget", release.version)
        for record in release.files:
            assert sha256_of(folder / record.name) == record.sha256
    for live in catalog.live_databases(portal.engine):
        check_database(portal.instance.releases / live.path)
    assert list(portal.instance.tmp.iterdir()) == []
    return [r.version for r in releases]


@pytest.fixture(scope="module")
def base_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance whose dataset `budget` already has release 1."""
    root = tmp_path_factory.mktemp("crash") / "base"
    portal = _open(root)
    from datasets.catalog import create_dataset
    from publishers.registry import add_publisher

    add_publisher(portal.engine, "levski", name_bg="Община Левски")
    create_dataset(portal.engine, "budget", publisher="levski", title_bg="Бюджет", profile="budget")
    publish(portal.instance, portal.engine, Upload(DEMO / "budget-2026-q1.csv", "q1.csv"), dataset="budget")
    portal.engine.dispose()
    return root


@pytest.fixture(scope="module")
def trace(base_instance: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Count the traced lines of one uninterrupted publish, and where each step starts."""
    copy = tmp_path_factory.mktemp("count") / "instance"
    shutil.copytree(base_instance, copy)
    done = _run(copy, -1)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _kill_points(trace: dict) -> list[int]:
    """Points spread evenly over the publish, plus a dense run over the switch step."""
    total, switch_start = trace["lines"], trace["steps"]["switch"]
    even = [max(1, total * i // (KILL_POINTS + 1)) for i in range(1, KILL_POINTS + 1)]
    switch = list(range(switch_start, total + 1, max(1, (total - switch_start) // 15)))
    return sorted(set(even + switch))


def test_the_traced_publish_covers_every_step(trace: dict) -> None:
    assert set(trace["steps"]) == {"prepare_build", "choose_schema", "normalize_source",
                                   "validate_data", "gate", "build_sqlite", "write_package", "switch"}
    assert len(_kill_points(trace)) >= KILL_POINTS


def test_sigkill_at_any_point_leaves_the_old_or_the_new_state(
        base_instance: Path, trace: dict, tmp_path: Path) -> None:
    outcomes = {"old": 0, "new": 0}
    for point in _kill_points(trace):
        instance = tmp_path / f"kill-{point}"
        shutil.copytree(base_instance, instance)
        killed = _run(instance, point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr[-2000:])
        portal = _open(instance)
        try:
            cleanup(portal.instance, portal.engine)
            versions = _assert_consistent(portal)
            assert versions in ([1], [2, 1]), (point, versions)
            outcomes["old" if versions == [1] else "new"] += 1
            again = publish(portal.instance, portal.engine,
                            Upload(DEMO / "budget-2026-h1.csv", "h1.csv"), dataset="budget")
            assert again.version == versions[0] + 1
            _assert_consistent(portal)
        finally:
            portal.engine.dispose()
            shutil.rmtree(instance)
    assert outcomes["old"] >= KILL_POINTS - 5 and outcomes["new"] >= 1, outcomes


def test_start_up_removes_a_build_and_an_orphan_release_left_by_a_kill(base_instance: Path, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    shutil.copytree(base_instance, instance)
    portal = _open(instance)
    (portal.instance.tmp / "budget.2.deadbeef" / "source").mkdir(parents=True)
    orphan = portal.instance.release_dir("budget", 2)
    orphan.mkdir()
    (orphan / "budget.db-journal").write_bytes(b"x")
    cleanup(portal.instance, portal.engine)
    assert _assert_consistent(portal) == [1]
