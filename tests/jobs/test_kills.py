"""A job is never lost and never published twice: workers SIGKILLed mid-publish and after it.

The test stops a worker exactly where it wants by holding a lock the publish needs next (the
`releases` table, the upload job's row, the queue's table) and waiting until PostgreSQL shows
the worker waiting on it; then it kills the worker and a second one takes the job over.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.jobs import run, tasks
from app.jobs.queue import PUBLISH
from datasets import uploads
from datasets.consistency import check_instance
from datasets.consistency_store import check_store
from tests.jobs.conftest import H1, QueueWorld, until
from tests.postgres import postgresql_only

pytestmark = postgresql_only


def _checked_upload(world: QueueWorld) -> str:
    p = world.portal
    with H1.open("rb") as stream:
        job = uploads.store_upload(p.instance, p.engine, stream, dataset="budget", user_id=None,
                                   original_name=H1.name, options={})
    assert uploads.check_job(p.instance, p.engine, job.id, actor="test").valid
    uploads.claim_for_publishing(p.engine, job.id)
    return job.id


def _lock(world: QueueWorld, sql: str, **params: str) -> sa.Connection:
    conn = world.engine.connect()
    conn.begin()
    conn.execute(sa.text(sql), params)
    return conn


def _clean(world: QueueWorld) -> None:
    """Only the committed releases' files remain: no partial build, file or object."""
    storage, instance = world.portal.instance.storage, world.portal.instance
    assert storage.children("releases/budget") == {"1", "2"}
    assert list(instance.tmp.glob("budget.*")) == []
    report = (check_store if storage.remote else check_instance)(instance, world.engine)
    assert report.ok, [f.text.en for f in report.findings]


def _publish_events(world: QueueWorld) -> int:
    with world.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = "
                                    "'release.publish' AND target = 'budget/2'")).scalar()


def test_a_worker_killed_mid_publish_leaves_the_job_to_another_that_publishes_it_once(
        any_storage_world: QueueWorld) -> None:
    world = any_storage_world
    job_id = _checked_upload(world)
    first = world.start_worker()
    releases = _lock(world, "LOCK TABLE releases IN EXCLUSIVE MODE")  # stops it at the insert
    run.publish_claimed(world.portal, job_id, notes="Полугодие", actor="test")
    until(lambda: world.waiting("INSERT INTO releases"), "the worker reaching the release's row")
    # Half a publish: version 2's files are stored and renamed into place, not in the catalog.
    assert "2" in world.portal.instance.storage.children("releases/budget")
    row = _lock(world, "SELECT id FROM upload_jobs WHERE id = :id FOR UPDATE", id=job_id)
    releases.commit()
    until(lambda: world.waiting("UPDATE upload_jobs"), "the worker marking the job published")
    # The mark is in the release's own transaction: no release is visible before it commits.
    assert world.versions() == [1]
    first.kill()
    row.rollback()
    assert uploads.get_job(world.engine, job_id).state == "publishing"

    world.start_worker()
    done = until(lambda: (j := uploads.get_job(world.engine, job_id)).state != "publishing" and j,
                 "the second worker publishing the job")
    assert (done.state, done.version) == ("published", 2), (done, first.output())
    assert world.versions() == [1, 2] and _publish_events(world) == 1
    _clean(world)


def test_a_worker_killed_after_the_release_committed_leaves_nothing_to_publish_again(
        queue_world: QueueWorld) -> None:
    world = queue_world
    job_id = _checked_upload(world)
    first = world.start_worker()
    releases = _lock(world, "LOCK TABLE releases IN EXCLUSIVE MODE")
    run.publish_claimed(world.portal, job_id, notes="Полугодие", actor="test")
    until(lambda: world.waiting("INSERT INTO releases"), "the worker reaching the release's row")
    jobs = _lock(world, "LOCK TABLE procrastinate_jobs IN EXCLUSIVE MODE")  # stops it at the finish
    releases.commit()
    until(lambda: world.waiting("procrastinate_finish_job"), "the worker finishing the queue's job")
    assert world.versions() == [1, 2]
    first.kill()  # committed, but the queue still has the job as running: it will run again
    jobs.rollback()

    world.start_worker()
    until(lambda: not _queued(world), "the second worker running the job again")
    done = uploads.get_job(world.engine, job_id)
    assert (done.state, done.version) == ("published", 2)
    # And once more by hand, as any later retry would: still nothing new.
    tasks.run_publish(world.portal, job_id, notes="Полугодие", actor="test")
    assert world.versions() == [1, 2] and _publish_events(world) == 1
    _clean(world)


def _queued(world: QueueWorld) -> int:
    """Publish jobs not yet done (a worker deletes a job it finished)."""
    with world.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t"),
                            {"t": PUBLISH}).scalar()
