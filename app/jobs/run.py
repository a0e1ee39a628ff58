"""Start an upload's check or publish, or a source's "fetch now", where the mode says, and wait
for it as the caller wants.

`deadline` (a `time.monotonic()` value) is for callers with a synchronous contract (the API):
in threads mode the work runs in the request; on the queue the caller waits until the job
finishes or the deadline passes, and gets the job as it then is. Without one (the staff
workspace, whose progress page polls), small files still run in the request in threads mode,
large ones in a thread; on the queue nothing waits.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from app.jobs import queue, tasks
from app.jobs.mode import QUEUE, jobs_mode
from app.state import Portal
from datasets import uploads
from datasets.sources import cancel_request, request_check
from metadata.errors import OtkritoError

BACKGROUND_BYTES = 2_000_000  # threads mode: smaller files are worked on before the response
POLL_SECONDS = 0.1  # how often a waiting request reads the job's row
log = logging.getLogger("otkrito.jobs")


def check(portal: Portal, job_id: str, *, actor: str, deadline: float | None = None) -> uploads.UploadJob:
    """Check an upload; with `tasks.PUBLISH_NOTES` in its options, then publish it if valid."""
    if jobs_mode(portal.settings) == QUEUE:
        # One waiting check per upload: a second request (a schema reviewed twice) joins it,
        # and the check reads the job's newest schema when it runs.
        queue.defer(portal.engine, queue.CHECK, queueing_lock=f"check-{job_id}", job_id=job_id,
                    actor=actor)
        return wait(portal, job_id, deadline)
    return _in_threads(portal, tasks.run_check, job_id, deadline, state="running", actor=actor)


def publish_claimed(portal: Portal, job_id: str, *, notes: str, actor: str,
                    deadline: float | None = None) -> uploads.UploadJob:
    """Publish an upload the caller claimed with `uploads.claim_for_publishing`."""
    if jobs_mode(portal.settings) == QUEUE:
        # The claim lets one request through; the lock keeps a queue of one per upload too.
        queue.defer(portal.engine, queue.PUBLISH, queueing_lock=f"publish-{job_id}",
                    job_id=job_id, notes=notes, actor=actor)
        return wait(portal, job_id, deadline)
    return _in_threads(portal, tasks.run_publish, job_id, deadline, state=None, notes=notes,
                       actor=actor)


def settled(job: uploads.UploadJob) -> bool:
    """Whether nothing more will happen to the job unasked (a valid check the API asked to
    publish is only half way)."""
    return job.finished and not (job.state == "checked" and job.valid
                                 and tasks.PUBLISH_NOTES in job.options)


def wait(portal: Portal, job_id: str, deadline: float | None) -> uploads.UploadJob:
    """Return the job once it is settled, or as it is when the deadline passes."""
    while True:
        job = uploads.get_job(portal.engine, job_id)
        if settled(job) or deadline is None or time.monotonic() >= deadline:
            return job
        time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))


def _in_threads(portal: Portal, work: Callable[..., Any], job_id: str, deadline: float | None, *,
                state: str | None, **kwargs: Any) -> uploads.UploadJob:
    job = uploads.get_job(portal.engine, job_id)
    limit = portal.settings.get("BACKGROUND_BYTES", BACKGROUND_BYTES)
    if deadline is not None or job.size < limit:
        work(portal, job_id, **kwargs)
        return uploads.get_job(portal.engine, job_id)
    if state is not None:
        uploads.set_state(portal.engine, job_id, state)  # so the next page shows progress at once

    def background() -> None:
        try:
            work(portal, job_id, **kwargs)
        except Exception as error:  # noqa: BLE001 - a thread must record, not lose, its failure
            log.exception("Upload job failed", exc_info=error)
            uploads.fail_job(portal.engine, job_id, OtkritoError("upload.failed", detail="internal error"))

    threading.Thread(target=background, name=f"upload-{job_id}", daemon=True).start()
    return uploads.get_job(portal.engine, job_id)


def fetch_source(portal: Portal, slug: str, *, actor: str) -> None:
    """Check the dataset's source now, without holding the request: in a thread of this process
    (threads mode) or on the queue for a worker. The source is claimed here, so the page shows
    the check as pending at once; a second request while it is pending is refused (Conflict)."""
    owner = request_check(portal.engine, slug)
    try:
        if jobs_mode(portal.settings) == QUEUE:
            # The claim already makes this the only pending check: the lock need only be unique.
            queue.defer(portal.engine, queue.FETCH, queueing_lock=f"source-{owner}", slug=slug,
                        owner=owner, actor=actor)
            return

        def background() -> None:
            try:
                tasks.run_fetch(portal, slug, owner=owner, actor=actor)
            except Exception:  # noqa: BLE001 - logged; check_source gave the claim back
                log.exception("Fetch now of %s failed", slug)

        threading.Thread(target=background, name=f"fetch-{slug}", daemon=True).start()
    except BaseException:
        cancel_request(portal.engine, slug, owner)  # else the source looks pending for 30 min
        raise
