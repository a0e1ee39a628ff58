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
from datasets.sources import history, set_source
from tests.app.staff.staff_world import GOOD_ROWS, build_world, cp1251_csv, csrf_of, login
from tests.conftest import start_server, stop_server
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


def test_serve_leaves_sources_to_the_workers_in_queue_mode(source_env: None, queue_world, remote: Remote) -> None:  # type: ignore[no-untyped-def]
    # `otkrito serve` decides before it listens, and says so; a source due all the while it
    # serves is then claimed by the worker (its lease names the worker's process), fetched once.
    create_dataset(queue_world.engine, "naseleni", publisher="levski", title_bg="Населени места")
    set_source(queue_world.engine, "naseleni", remote.route("/s.csv", Route(SETTLEMENTS, hold=True)),
               every="daily", actor="test")
    server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"], env={},
                          ready="/sql/")
    try:
        said = server.stderr()
        assert "Sources are checked by otkrito worker" in said and "Sources scheduler runs" not in said
        worker = queue_world.start_worker()
        until(lambda: remote.requests_to("/s.csv"), "the worker to fetch the source")
        owner = counts(queue_world.engine, "SELECT 'owner', lease_owner FROM sources")["owner"]
        assert f":{worker.process.pid}:" in owner
        remote.released.set()
        until(lambda: counts(queue_world.engine, "SELECT outcome, count(*) FROM source_checks GROUP BY outcome"),
              "the source to be checked")
        assert worker.stop() == 0
        assert server.process.poll() is None  # still serving
        assert len(remote.requests_to("/s.csv")) == 1
        assert counts(queue_world.engine, "SELECT outcome, count(*) FROM source_checks GROUP BY outcome") == {
            "published": 1}
    finally:
        stop_server(server)


def test_fetch_now_in_the_workspace_is_queued_for_a_worker(source_env: None, empty_queue_world, remote: Remote,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    world = build_world(empty_queue_world.portal, tmp_path)
    client = world.app.test_client()
    assert login(client, "editor-a@x.bg").status_code == 302
    rows = cp1251_csv(tmp_path / "good.csv", GOOD_ROWS).read_bytes() + "\n".encode()
    url = remote.route("/s.csv", Route(rows))
    for action in ({"action": "set", "url": url, "every": "daily"}, {"action": "fetch"}):
        token = csrf_of(client.get("/staff/datasets/a-data/source").text)
        assert client.post("/staff/datasets/a-data/source", data={"csrf_token": token, **action}).status_code == 302
    # No worker yet, and the web process fetched nothing: the check waits on the queue, pending.
    assert remote.seen == [] and history(world.portal.engine, "a-data") == []
    assert counts(world.portal.engine, "SELECT task_name, count(*) FROM procrastinate_jobs "
                                       "WHERE status = 'todo' GROUP BY task_name") == {"otkrito:fetch_source": 1}
    assert 'id="source-pending"' in client.get("/staff/datasets/a-data/source").text
    empty_queue_world.start_worker()
    checked = until(lambda: history(world.portal.engine, "a-data"), "the worker to check the source")
    assert [(c.outcome, c.version) for c in checked] == [("published", 2)]
    page = client.get("/staff/datasets/a-data/source?lang=en").text
    assert 'id="source-pending"' not in page and "published" in page and len(remote.seen) == 1
