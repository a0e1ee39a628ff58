"""Two nodes publish one dataset at once: versions N and N+1, never a duplicate, none lost.

A node is an instance directory of its own (its own flock) and an engine of its own, sharing
one catalog. Each publish stops right after choosing its version until the other has chosen
its own too (then they race) or is seen waiting on a lock in PostgreSQL (then the lock
works): the order of events, never timing, decides what is tested.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from app.state import Portal, open_portal
from datasets import catalog
from datasets.publish import PUBLISH_STEPS, Job, Upload, publish
from metadata.errors import Conflict
from tests.conftest import at_once
from tests.datasets.conftest import DEMO, ROOT
from tests.postgres import postgresql_only

DEADLINE = 120.0  # only a real hang gets near it
Q1 = DEMO / "budget-2026-q1.csv"


class Meeting:
    """A step where each publish waits until the other arrived or is blocked on a lock."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.arrived, self.changed = engine, [], threading.Condition()
        self.__name__ = "meet"  # a step's name, for progress

    def __call__(self, job: Job) -> Job:
        with self.changed:
            self.arrived.append(job.version)
            self.changed.notify_all()
        deadline = time.monotonic() + DEADLINE
        while True:
            with self.changed:
                if len(self.arrived) >= 2 or self._someone_waits():
                    return job
                if time.monotonic() > deadline:
                    raise AssertionError("the other publish neither arrived nor waited")
                self.changed.wait(0.02)

    def _someone_waits(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return False
        with self.engine.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())")).scalar())


def _nodes(tmp_path: Path, first: Portal) -> tuple[Portal, Portal]:
    """The fixture's instance and a second one on the same catalog (SQLite: a shared file)."""
    url = first.settings["DATABASE_URL"]
    if url is None:  # a shared SQLite catalog: the nearest SQLite has to two nodes
        url = f"sqlite:///{tmp_path / 'shared-catalog.db'}"
        first = open_portal({"INSTANCE": str(tmp_path / "node-a"), "DATABASE_URL": url})
        from publishers.registry import add_publisher

        add_publisher(first.engine, "levski", name_bg="Община Левски")
    second = open_portal({"INSTANCE": str(tmp_path / "node-b"), "DATABASE_URL": url})
    catalog.create_dataset(first.engine, "budget", publisher="levski", title_bg="Бюджет",
                           profile="budget")
    return first, second


def _publisher(node: Portal, meeting: Meeting, notes: str) -> Callable[[], int]:
    return lambda: publish(node.instance, node.engine, Upload(Q1, "q1.csv"), dataset="budget",
                           notes=notes, steps=(meeting, *PUBLISH_STEPS),
                           lock_timeout=DEADLINE).version


@postgresql_only  # an SQLite catalog serves one instance (its flock: tests/reliability)
def test_two_nodes_publishing_one_dataset_at_once_get_n_and_n_plus_1(
        fresh_portal: Portal, tmp_path: Path) -> None:
    a, b = _nodes(tmp_path, fresh_portal)
    meeting = Meeting(a.engine)
    results = at_once([_publisher(a, meeting, "from a"), _publisher(b, meeting, "from b")],
                      timeout=DEADLINE * 2)
    assert sorted(results) == [1, 2], results
    dataset = catalog.get_dataset(a.engine, "budget")
    releases = catalog.list_releases(a.engine, dataset.id)
    assert sorted((r.version, r.notes) for r in releases) == sorted(
        [(results[0], "from a"), (results[1], "from b")])
    for node, version in ((a, results[0]), (b, results[1])):
        assert (node.instance.release_dir("budget", version) / "budget.db").is_file()


@pytest.mark.catalogs
def test_a_publish_that_lost_its_catalog_lock_is_refused_never_duplicated(
        fresh_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if each node's lock connection had dropped: both choose version 1 and build it.
    monkeypatch.setattr(catalog, "_advisory_lock", lambda conn, dataset, timeout: None)
    a, b = _nodes(tmp_path, fresh_portal)
    meeting = Meeting(a.engine)
    results = at_once([_publisher(a, meeting, "from a"), _publisher(b, meeting, "from b")],
                      timeout=DEADLINE * 2)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    refused = next(r for r in results if isinstance(r, Conflict))
    assert refused.message_id == "publish.conflict" and meeting.arrived == [1, 1]
    dataset = catalog.get_dataset(a.engine, "budget")
    assert [r.version for r in catalog.list_releases(a.engine, dataset.id)] == [1]
    loser = (a, b)[results.index(refused)]
    assert not loser.instance.release_dir("budget", 1).exists()  # nothing half published


@postgresql_only
def test_a_publish_that_cannot_get_the_lock_in_time_is_a_conflict(fresh_portal: Portal) -> None:
    dataset = catalog.create_dataset(fresh_portal.engine, "budget", publisher="levski",
                                     title_bg="Бюджет", profile="budget")
    other_node = sa.create_engine(fresh_portal.settings["DATABASE_URL"], poolclass=sa.NullPool)
    with other_node.connect() as held:
        held.execute(sa.select(sa.func.pg_advisory_lock(catalog._LOCK_SPACE, dataset.id)))
        with pytest.raises(Conflict) as refused:
            publish(fresh_portal.instance, fresh_portal.engine, Upload(Q1, "q1.csv"),
                    dataset="budget", lock_timeout=0.2)
    assert refused.value.message_id == "publish.conflict" and "budget" in refused.value.text.bg
    assert publish(fresh_portal.instance, fresh_portal.engine, Upload(Q1, "q1.csv"),
                   dataset="budget").version == 1


HOLDER = """
import sys
from app.state import open_portal
from datasets import catalog
node = open_portal({"INSTANCE": sys.argv[1], "DATABASE_URL": sys.argv[2]})
with catalog.publish_lock(node.instance, node.engine, catalog.get_dataset(node.engine, "budget")):
    print("held", flush=True)
    sys.stdin.read()
"""


@postgresql_only  # the flock's own test: tests/reliability/test_crash.py
def test_a_node_killed_while_publishing_leaves_no_lock_behind(
        fresh_portal: Portal, tmp_path: Path) -> None:
    a, _b = _nodes(tmp_path, fresh_portal)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "node-c"),
                               a.settings["DATABASE_URL"]], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=DEADLINE)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert publish(a.instance, a.engine, Upload(Q1, "q1.csv"), dataset="budget",
                   lock_timeout=DEADLINE).version == 1


@pytest.mark.catalogs
def test_of_two_nodes_withdrawing_one_release_at_once_one_does(
        fresh_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datasets.withdraw import withdraw_release
    from publishers.store import audit_events

    a, b = _nodes(tmp_path, fresh_portal)
    publish(a.instance, a.engine, Upload(Q1, "q1.csv"), dataset="budget")
    seen_by_b = catalog.get_release(b.engine, catalog.get_dataset(b.engine, "budget"), 1)
    withdraw_release(a.instance, a.engine, "budget", 1, reason="Лични данни", actor="a")
    # b read the release as published just before a's withdrawal committed.
    monkeypatch.setattr(catalog, "get_release", lambda engine, dataset, version: seen_by_b)
    with pytest.raises(Conflict) as refused:
        withdraw_release(b.instance, b.engine, "budget", 1, reason="Друга причина", actor="b")
    with a.engine.connect() as conn:
        withdrawals = conn.execute(sa.select(audit_events.c.actor)
                                   .where(audit_events.c.action == "release.withdraw")).all()
    assert refused.value.message_id == "release.already-withdrawn" and withdrawals == [("a",)]
    monkeypatch.undo()
    dataset = catalog.get_dataset(a.engine, "budget")
    assert catalog.get_release(a.engine, dataset, 1).withdrawn_reason == "Лични данни"
