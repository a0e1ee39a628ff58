"""What a worker runs: an upload's check and its publish, and a source's "fetch now", each a
procrastinate task.

The tasks carry only the upload job's id (and the notes and actor of a publish): everything
else is read from the catalog when the task runs, so a retry after a crash starts from what
was committed. Each is safe to run twice (datasets/uploads.py says why).
"""
from __future__ import annotations

import logging
from typing import Any

import procrastinate

from app.jobs.scheduler import fetch_options
from app.ops.metrics import FETCHES, timed_publish
from app.state import Portal
from datasets import uploads
from datasets.sources import SourceCheck, check_source, holds
from metadata.errors import OtkritoError

blueprint = procrastinate.Blueprint()
log = logging.getLogger("otkrito.jobs")


def _portal(context: procrastinate.JobContext) -> Portal:
    return context.additional_context["portal"]


PUBLISH_NOTES = "publish_notes"  # in a job's options: publish it once it is checked and valid


def run_check(portal: Portal, job_id: str, *, actor: str) -> uploads.UploadJob:
    """Check an upload; one whose options ask for it (the API's) is then published if valid.

    A rerun checks again (a check publishes nothing), except after the claim: then only the
    publish runs again, which is safe too.
    """
    return _recorded(_check_then_publish, portal, job_id, actor=actor)


def _check_then_publish(portal: Portal, job_id: str, *, actor: str) -> uploads.UploadJob:
    job = uploads.get_job(portal.engine, job_id)
    notes = job.options.get(PUBLISH_NOTES)
    if job.state not in ("publishing", "published"):
        job = uploads.check_job(portal.instance, portal.engine, job_id, actor=actor)
        if notes is None or not job.valid:
            return job
        uploads.claim_for_publishing(portal.engine, job_id)
    elif notes is None:
        return job  # claimed by staff, who publish it themselves
    return _publish(portal, job_id, notes=notes, actor=actor)


def run_publish(portal: Portal, job_id: str, *, notes: str, actor: str) -> uploads.UploadJob:
    """Publish an upload claimed for publishing; after its release committed, do nothing."""
    return _recorded(_publish, portal, job_id, notes=notes, actor=actor)


def _publish(portal: Portal, job_id: str, *, notes: str, actor: str) -> uploads.UploadJob:
    # Every publish of the web process and of workers comes through here: counted and timed.
    with timed_publish() as outcome:
        job = uploads.publish_claimed_job(portal.instance, portal.engine, job_id, notes=notes, actor=actor)
        outcome("published" if job.state == "published" else "failed")
    return job


def _recorded(work: Any, portal: Portal, job_id: str, **kwargs: Any) -> uploads.UploadJob:
    try:
        return work(portal, job_id, **kwargs)
    except OtkritoError:
        raise
    except Exception as error:  # a job records its failure where staff and clients look
        log.exception("Upload job %s failed", job_id, exc_info=error)
        uploads.fail_job(portal.engine, job_id, OtkritoError("upload.failed", detail="internal error"))
        raise


def _logged(work: Any, portal: Portal, job_id: str, **kwargs: Any) -> None:
    try:
        work(portal, job_id, **kwargs)
    except OtkritoError as error:  # no longer ours to finish (failed as interrupted, say)
        log.warning("Upload job %s: %s", job_id, error.text.en)


def run_fetch(portal: Portal, slug: str, *, owner: str, actor: str) -> SourceCheck | None:
    """Check a source the request claimed for `owner` (datasets.sources.request_check).

    A job that waited longer than the lease (no worker for half an hour) finds it gone, and a
    scheduler may have claimed and checked the source since: it then does nothing.
    """
    if not holds(portal.engine, slug, owner):
        log.warning("Fetch now of %s: its claim expired before the check could start", slug)
        return None
    try:
        check = check_source(portal.instance, portal.engine, slug, owner=owner, actor=actor,
                             **fetch_options(portal.settings))
    except Exception:
        FETCHES.labels("error").inc()
        raise
    FETCHES.labels(str(check.outcome)).inc()
    log.info("Source of %s fetched now: %s", slug, check.outcome)
    return check


@blueprint.task(name="fetch_source", pass_context=True)
def fetch_source(context: procrastinate.JobContext, slug: str, owner: str, actor: str) -> None:
    try:
        run_fetch(_portal(context), slug, owner=owner, actor=actor)
    except OtkritoError as error:  # the source removed meanwhile, say
        log.warning("Fetch now of %s: %s", slug, error.text.en)


@blueprint.task(name="check_upload", pass_context=True)
def check_upload(context: procrastinate.JobContext, job_id: str, actor: str) -> None:
    _logged(run_check, _portal(context), job_id, actor=actor)


@blueprint.task(name="publish_upload", pass_context=True)
def publish_upload(context: procrastinate.JobContext, job_id: str, notes: str, actor: str) -> None:
    _logged(run_publish, _portal(context), job_id, notes=notes, actor=actor)
