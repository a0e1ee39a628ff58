"""`otkrito worker` in the cluster: a worker SIGKILLed in the middle of a publish sent through
node A is retried by another, and neither node shows anything of it until it is whole, once.

The worker is stopped exactly where the test wants by holding the lock its publish needs next
(the `releases` table, EXCLUSIVE: readers go on) until PostgreSQL shows it waiting there.
"""
from __future__ import annotations

import signal
import threading

import httpx
import sqlalchemy as sa

from tests.cluster.conftest import DEADLINE, H1, Q1, ClusterWorld, assert_no_release, poll, sha256
from tests.conftest import HTTP_TIMEOUT


def waiting(cluster: ClusterWorld, statement: str) -> bool:
    """Whether a backend waits on a lock while running a statement containing this."""
    with cluster.engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND query ILIKE :like"),
            {"like": f"%{statement}%"}).scalar())


def publish_events(cluster: ClusterWorld, target: str) -> int:
    with cluster.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = "
                                    "'release.publish' AND target = :t"), {"t": target}).scalar()


def test_a_worker_killed_mid_publish_is_retried_and_nothing_partial_shows_on_either_node(
        cluster: ClusterWorld) -> None:
    slug = cluster.dataset("worker-kill")
    assert cluster.publish(cluster.a, slug, Q1).status_code == 201
    holder = cluster.engine.connect()
    holder.begin()
    holder.execute(sa.text("LOCK TABLE releases IN EXCLUSIVE MODE"))  # stops the worker at its insert
    answer: list[httpx.Response] = []
    sending = threading.Thread(target=lambda: answer.append(cluster.publish(cluster.a, slug, H1)))
    sending.start()
    try:
        poll(lambda: waiting(cluster, "INSERT INTO releases"))
        # Half a publish: its files are in the store, its release not in the catalog.
        assert_no_release(cluster, slug, 2)
        cluster.stop_worker(signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()
    assert_no_release(cluster, slug, 2)
    cluster.start_worker()
    sending.join(timeout=DEADLINE)
    [sent] = answer
    assert sent.status_code in (201, 202), sent.text  # done, or still running: its status URL says
    for node in (cluster.a, cluster.b):
        poll(lambda: cluster.versions(node, slug) == [1, 2])
    assert publish_events(cluster, f"{slug}/2") == 1
    files = {f["name"]: f["sha256"] for r in httpx.get(
        f"{cluster.a}/api/v1/datasets/{slug}/releases", timeout=HTTP_TIMEOUT,
        headers={"Authorization": f"Bearer {cluster.token}"}).json() if r["version"] == 2 for f in r["files"]}
    for node in (cluster.a, cluster.b):
        body = httpx.get(f"{node}/datasets/{slug}/releases/2/{slug}.csv", timeout=HTTP_TIMEOUT)
        assert body.status_code == 200 and sha256(body.content) == files[f"{slug}.csv"]
