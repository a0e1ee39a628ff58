"""SIGKILL at many points of every step of a publish: the old or the new state, never a mix.

SECURITY.md cases 1 and 45. A running server sees the old or the new release on every surface
right after the kill; after a restart the leftovers are gone, the catalog and the files agree
(`otkrito check`), and the next publish works.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import pytest

from app.state import portal_of
from datasets.consistency import check_instance
from datasets.leftovers import cleanup
from datasets.publish import Upload, publish
from tests.reliability.conftest import H1, ROOT, make_budget_instance, open_instance
from tests.reliability.surfaces import assert_serves_exactly, build_apps, close_apps

RUNNER = Path(__file__).with_name("crash_runner.py")
# Points per part of a publish, spread evenly over that part's traced lines.
PER_PHASE = {"prepare": 3, "reading": 10, "validating": 9, "sqlite": 9, "package": 8,
             "rename": 6, "commit": 10, "after": 3}
SQLITE_LEFTOVERS = ("*-journal", "*-wal", "*-shm")
# The counting run and the killed runs must execute the very same lines: same hash seed.
RUNNER_ENV = {**os.environ, "PYTHONHASHSEED": "0"}
Kill = Callable[[Path, int], dict]


@pytest.fixture(scope="module")
def base_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance whose dataset `budget` already has release 1."""
    root = tmp_path_factory.mktemp("crash") / "base"
    make_budget_instance(root).engine.dispose()
    return root


@pytest.fixture(scope="module")
def trace(base_instance: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Trace one uninterrupted publish: its line count, each line's part, and the switch marks."""
    copy = tmp_path_factory.mktemp("count") / "instance"
    shutil.copytree(base_instance, copy)
    done = subprocess.run([sys.executable, str(RUNNER), "count", "budget", str(H1), str(copy)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=RUNNER_ENV)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def kill() -> Iterator[Kill]:
    """kill(instance, n): publish H1 into the instance in a forked child SIGKILLed at line n."""
    runner = subprocess.Popen([sys.executable, str(RUNNER), "serve", "budget", str(H1)], cwd=ROOT,
                              env=RUNNER_ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert runner.stdin is not None and runner.stdout is not None

    def run(instance: Path, point: int) -> dict:
        runner.stdin.write(f"{instance} {point}\n")
        runner.stdin.flush()
        return json.loads(runner.stdout.readline())

    yield run
    runner.stdin.close()
    runner.wait(timeout=30)
    runner.stdout.close()


def kill_points(trace: dict) -> dict[int, str]:
    """Return kill points (traced line numbers) and their part, covering every part of a publish."""
    phase_of = {line: phase for phase, lines in trace["phases"].items() for line in lines}
    points = set()
    for phase, wanted in PER_PHASE.items():
        lines = trace["phases"][phase]
        points |= {lines[(len(lines) - 1) * i // (wanted - 1)] for i in range(wanted)}
    marks = trace["marks"]
    # Either side of the rename and of the transaction that commits the catalog row.
    points |= {marks["rename"], marks["rename"] + 1, marks["commit"], marks["done"] - 1, marks["done"]}
    return {point: phase_of[point] for point in sorted(points)}


def test_the_kill_points_cover_every_step_of_a_publish(trace: dict) -> None:
    points = kill_points(trace)
    by_phase = Counter(points.values())
    print(f"\n{len(points)} kill points of {trace['lines']} traced lines: {dict(by_phase)}")
    assert len(points) >= 50
    assert {phase: count >= 3 for phase, count in by_phase.items()} == {phase: True for phase in PER_PHASE}
    marks = trace["marks"]
    assert points[marks["rename"]] == points[marks["rename"] + 1] == "rename"
    assert points[marks["commit"]] == "commit" and points[marks["done"]] == "after"


def _assert_no_leftovers(instance: Path) -> None:
    assert list((instance / "tmp").iterdir()) == []
    assert [p for pattern in SQLITE_LEFTOVERS for p in (instance / "releases").rglob(pattern)] == []


def _after_kill(instance: Path, point: int) -> list[int]:
    """Restart: clean up, check catalog against files, serve, publish again; return versions."""
    portal = open_instance(instance)
    cleanup(portal.instance, portal.engine)  # what `otkrito serve` does before serving
    apps = build_apps(instance)
    try:
        _assert_no_leftovers(instance)
        assert check_instance(portal.instance, portal.engine).findings == (), point
        versions = assert_serves_exactly(apps, portal, "budget")
        again = publish(portal.instance, portal.engine, Upload(H1, "h1.csv"), dataset="budget")
        assert again.version == versions[0] + 1
        assert check_instance(portal.instance, portal.engine).findings == (), point
        return versions
    finally:
        close_apps(apps)
        portal.engine.dispose()


# About 60 killed publishes: 50 s on an idle machine, 600 s pinned to one busy core; the hang
# guard is set well above that.
@pytest.mark.timeout(2400)
def test_sigkill_at_any_point_leaves_the_old_or_the_new_state_on_every_surface(
        base_instance: Path, trace: dict, kill: Kill, tmp_path: Path) -> None:
    outcomes: dict[int, list[int]] = {}
    for point, phase in kill_points(trace).items():
        instance = tmp_path / f"kill-{point}"
        shutil.copytree(base_instance, instance)
        running = build_apps(instance)  # a server worker that was up when the publish died
        assert running.web.test_client().get("/datasets/budget").status_code == 200
        try:
            assert kill(instance, point) == {"signal": signal.SIGKILL, "code": None}, (point, phase)
            seen = assert_serves_exactly(running, portal_of(running.web), "budget")
        finally:
            close_apps(running)
        assert seen in ([1], [2, 1]), (point, phase, seen)
        assert _after_kill(instance, point) == seen, (point, phase)
        outcomes[point] = seen
        shutil.rmtree(instance)
    marks = trace["marks"]
    new = [point for point, versions in outcomes.items() if versions == [2, 1]]
    # Old until the catalog transaction, new once it returned; one switch-over in between.
    assert new == [point for point in outcomes if point >= new[0]], outcomes
    assert marks["commit"] < new[0] <= marks["done"]


def test_start_up_removes_builds_orphan_releases_and_sqlite_journals_left_by_a_kill(
        base_instance: Path, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    shutil.copytree(base_instance, instance)
    portal = open_instance(instance)
    build = portal.instance.tmp / "budget.2.deadbeef"
    (build / "source").mkdir(parents=True)
    orphan = portal.instance.release_dir("budget", 2)
    orphan.mkdir()
    for folder in (build, orphan):
        for suffix in ("-journal", "-wal", "-shm"):
            (folder / f"budget.db{suffix}").write_bytes(b"x")
    (portal.instance.releases / "budget" / "budget.db-journal").write_bytes(b"x")
    (portal.instance.tmp / "gone.1.cafe").mkdir()  # a build of a dataset that no longer exists
    assert {f.kind for f in check_instance(portal.instance, portal.engine).findings} == {
        "orphan-directory", "unlisted-file", "leftover-build"}
    cleanup(portal.instance, portal.engine)
    _assert_no_leftovers(instance)
    assert check_instance(portal.instance, portal.engine).findings == ()
    assert sorted(p.name for p in (instance / "releases" / "budget").iterdir()) == ["1"]
    portal.engine.dispose()
