"""Two nodes on one PostgreSQL catalog and one object store: start-up cleanup on one node never
removes what a publish on the other is writing at that moment."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from datasets import catalog
from datasets.leftovers import cleanup
from tests.postgres import Cluster
from tests.storage.conftest import S3World, publish_file, seed
from tests.storage.seaweed import Seaweed


@pytest.fixture
def s3_on_postgres(seaweed: Seaweed, postgres_cluster: Cluster, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[S3World]:
    name = postgres_cluster.create_database()
    world = S3World(seaweed, tmp_path, monkeypatch)
    world.catalog = postgres_cluster.url(name)
    monkeypatch.setenv("OTKRITO_DATABASE_URL", world.catalog)
    monkeypatch.setenv("OTKRITO_SECRET_KEY", "test-secret-shared-by-every-node")
    yield world
    world.close()
    postgres_cluster.drop_database(name)


def test_a_node_starting_up_leaves_the_objects_of_another_nodes_publish_in_progress(
        s3_on_postgres: S3World, tmp_path: Path) -> None:
    world = s3_on_postgres
    seed(a := world.open("node-a"))
    publish_file(a)
    recorded = world.keys()
    dataset = catalog.get_dataset(a.engine, "budget")
    in_flight = tmp_path / "in-flight.csv"
    in_flight.write_bytes(os.urandom(64))
    b = world.open("node-b")
    # Node A is publishing version 2: it holds the lock and has stored a file, not yet committed.
    with catalog.publish_lock(a.instance, a.engine, dataset):
        a.instance.storage.put_once("releases/budget/2/budget.csv", in_flight)
        cleanup(b.instance, b.engine)
        assert "releases/budget/2/budget.csv" in world.keys()
    # Once no publish holds it, version 2 is an orphan (A died before its commit): it goes.
    cleanup(b.instance, b.engine)
    assert world.keys() == recorded
