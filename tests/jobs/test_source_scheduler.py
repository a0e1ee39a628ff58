"""Scheduled sources on the cluster: two real `otkrito worker` processes on a real PostgreSQL
check each due source exactly once.

The data server holds its answers until it has two requests at once, so both workers are seen
checking at the same time; then every source has exactly one request, one recorded check and
one release, however the two divided the work.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from datasets.catalog import create_dataset
from datasets.sources import set_source
from tests.jobs.conftest import until
from tests.postgres import postgresql_only
from tests.sources.remote import Remote, Route, running

pytestmark = postgresql_only
SETTLEMENTS = (Path(__file__).resolve().parents[2] / "demo" / "levski-settlements.csv").read_bytes()
SOURCES = 6


@pytest.fixture
def remote() -> Remote:  # type: ignore[misc]
    yield from running()


@pytest.fixture
def source_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the node and its workers read (set before the world opens its portal)."""
    monkeypatch.setenv("OTKRITO_FETCH_ALLOW", "127.0.0.0/8")
    monkeypatch.setenv("OTKRITO_SOURCES_POLL_SECONDS", "0.2")


def counts(engine: sa.Engine, query: str) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(query)).all())


def test_two_workers_check_each_due_source_exactly_once(source_env: None, queue_world, remote: Remote) -> None:  # type: ignore[no-untyped-def]
    first, second = queue_world.start_worker(), queue_world.start_worker()
    for worker in (first, second):
        until(lambda w=worker: "Sources scheduler started" in w.output(), "a worker's scheduler to start")
    slugs = [f"naseleni-{n}" for n in range(SOURCES)]
    for n, slug in enumerate(slugs):
        create_dataset(queue_world.engine, slug, publisher="levski", title_bg=f"Населени места {n}")
        body = SETTLEMENTS + f"9999{n},PVN16,Ново {n},Novo {n},1,{n}\n".encode()
        set_source(queue_world.engine, slug, remote.route(f"/s{n}.csv", Route(body, hold=True)),
                   every="daily", actor="test")
    until(lambda: len({seen.path for seen in remote.seen}) >= 2, "both workers to fetch at once")
    remote.released.set()
    checked = ("SELECT d.slug, count(c.id) FROM datasets d JOIN sources s ON s.dataset_id = d.id "
               "LEFT JOIN source_checks c ON c.source_id = s.id GROUP BY d.slug")
    until(lambda: all(n >= 1 for n in counts(queue_world.engine, checked).values())
          and len(counts(queue_world.engine, checked)) == SOURCES, "every source to be checked")
    assert [w.stop() for w in (first, second)] == [0, 0]  # and nothing runs any more
    assert sorted(seen.path for seen in remote.seen) == sorted(f"/s{n}.csv" for n in range(SOURCES))
    assert counts(queue_world.engine, checked) == dict.fromkeys(slugs, 1)
    released = counts(queue_world.engine, "SELECT d.slug, count(r.id) FROM datasets d JOIN releases r "
                                          "ON r.dataset_id = d.id WHERE d.slug LIKE 'naseleni-%' GROUP BY d.slug")
    assert released == dict.fromkeys(slugs, 1)
    outcomes = counts(queue_world.engine, "SELECT outcome, count(*) FROM source_checks GROUP BY outcome")
    assert outcomes == {"published": SOURCES}


def test_two_workers_that_both_saw_a_source_due_claim_it_once(source_env: None, queue_world, remote: Remote) -> None:  # type: ignore[no-untyped-def]
    # The test holds the source's row locked while both workers, having found it due, wait on it
    # in their claiming UPDATE; once let go, PostgreSQL re-checks the claim's condition for the
    # second, which finds the lease taken. Without that condition both would fetch.
    create_dataset(queue_world.engine, "naseleni", publisher="levski", title_bg="Населени места")
    made = set_source(queue_world.engine, "naseleni", remote.route("/s.csv", Route(SETTLEMENTS)),
                      every="daily", actor="test")
    waiting = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
               "AND datname = current_database() AND query ILIKE 'UPDATE sources SET lease_owner%'")
    with queue_world.engine.connect() as holder:
        holder.execute(sa.text("SELECT id FROM sources WHERE id = :id FOR UPDATE"), {"id": made.id})
        queue_world.start_worker(), queue_world.start_worker()
        # A new connection each time: pg_stat_activity is a snapshot for the whole transaction.
        until(lambda: counts(queue_world.engine, waiting.replace("count(*)", "'n', count(*)")) == {"n": 2},
              "both workers to wait on the claim")
        holder.rollback()
    until(lambda: counts(queue_world.engine, "SELECT outcome, count(*) FROM source_checks GROUP BY outcome"),
          "the source to be checked")
    assert [w.stop() for w in queue_world.workers] == [0, 0]
    assert [seen.path for seen in remote.seen] == ["/s.csv"]
    assert counts(queue_world.engine, "SELECT outcome, count(*) FROM source_checks GROUP BY outcome") == {
        "published": 1}
