"""Uploads that were never published do not stay forever: start-up removes abandoned ones.

An upload's age is the later of its file's time (set here with os.utime) and its job's last
update (set here in the catalog), so no test waits for anything.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from app.state import Portal
from datasets.instance import dataset_lock
from datasets.uploads import (UploadJob, check_job, get_job, remove_abandoned, store_upload,
                              uploads_dir)
from metadata.messages import text
from publishers.accounts_store import upload_jobs
from tests.datasets.conftest import DEMO

WEEK = timedelta(days=7)


def _checked(portal: Portal, dataset: str) -> UploadJob:
    """Store and check a valid upload, as the workspace does before its publish button."""
    with (DEMO / "budget-2026-q1.csv").open("rb") as stream:
        job = store_upload(portal.instance, portal.engine, stream, dataset=dataset, user_id=None,
                           original_name="q1.csv", options={})
    checked = check_job(portal.instance, portal.engine, job.id, actor="test")
    assert checked.state == "checked" and checked.valid
    return checked


def _age(portal: Portal, job: UploadJob, *, days: float, file: bool = True, row: bool = True) -> Path:
    """Make the upload's file and/or its job look untouched for `days`; return the file."""
    then = datetime.now(timezone.utc) - timedelta(days=days)
    path = uploads_dir(portal.instance) / job.stored_name
    if file:
        os.utime(path, (then.timestamp(), then.timestamp()))
    if row:
        with portal.engine.begin() as conn:
            conn.execute(upload_jobs.update().where(upload_jobs.c.id == job.id).values(updated_at=then))
    return path


def test_an_upload_checked_but_not_published_for_longer_than_the_limit_is_removed(
        fresh_portal: Portal, budget: str) -> None:
    job = _checked(fresh_portal, budget)
    path = _age(fresh_portal, job, days=8)

    removed = remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK)

    assert removed == [job.stored_name] and not path.exists()
    expired = text("upload.expired")
    after = get_job(fresh_portal.engine, job.id)
    assert (after.state, after.report, after.error) == (
        "failed", None, {"bg": expired.bg, "en": expired.en, "kind": "NotFound"})


def test_an_upload_younger_than_the_limit_stays(fresh_portal: Portal, budget: str) -> None:
    job = _checked(fresh_portal, budget)
    path = _age(fresh_portal, job, days=6)

    assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == []
    assert path.exists() and get_job(fresh_portal.engine, job.id).state == "checked"


def test_an_old_file_whose_job_was_active_recently_stays(fresh_portal: Portal, budget: str) -> None:
    job = _checked(fresh_portal, budget)
    path = _age(fresh_portal, job, days=30, row=False)  # uploaded a month ago, checked again today

    assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == []
    assert path.exists()


def test_an_upload_whose_dataset_a_publish_holds_is_never_removed(fresh_portal: Portal,
                                                                  budget: str) -> None:
    job = _checked(fresh_portal, budget)
    path = _age(fresh_portal, job, days=30)

    with dataset_lock(fresh_portal.instance, budget):  # what a running check or publish holds
        assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == []
    assert path.exists() and get_job(fresh_portal.engine, job.id).state == "checked"


def test_a_published_upload_left_by_a_killed_publish_goes_and_its_job_stays_published(
        fresh_portal: Portal, budget: str) -> None:
    from datasets.uploads import publish_job

    job = _checked(fresh_portal, budget)
    path = uploads_dir(fresh_portal.instance) / job.stored_name
    kept = path.read_bytes()
    publish_job(fresh_portal.instance, fresh_portal.engine, job.id, notes="", actor="test")
    path.write_bytes(kept)  # as if killed between the publish's commit and its delete
    _age(fresh_portal, job, days=8)

    assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == [path.name]
    assert not path.exists() and get_job(fresh_portal.engine, job.id).state == "published"


def test_old_files_without_a_job_go_and_fresh_ones_stay(fresh_portal: Portal) -> None:
    folder = uploads_dir(fresh_portal.instance)
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / f"{'a' * 32}.upload", folder / f"{'b' * 32}.upload"
    for path in (old, fresh):
        path.write_bytes(b"year;value\n2026;1\n")
    then = (datetime.now(timezone.utc) - timedelta(days=8)).timestamp()
    os.utime(old, (then, then))

    assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == [old.name]
    assert (old.exists(), fresh.exists()) == (False, True)


def test_a_check_started_on_a_removed_upload_fails_with_the_same_plain_message(
        fresh_portal: Portal, budget: str) -> None:
    job = _checked(fresh_portal, budget)
    _age(fresh_portal, job, days=8)
    remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK)

    again = check_job(fresh_portal.instance, fresh_portal.engine, job.id, actor="test")

    assert (again.state, again.error["en"]) == ("failed", text("upload.expired").en)


def test_the_clean_up_of_an_instance_without_uploads_does_nothing(fresh_portal: Portal) -> None:
    assert remove_abandoned(fresh_portal.instance, fresh_portal.engine, older_than=WEEK) == []
    with fresh_portal.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(upload_jobs)).scalar() == 0
