"""Several files at once: upload → match each to a dataset → the combined report → publish the valid ones."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.jobs import run
from app.staff.auth import actor, requires, signed_in
from app.staff.workspace import bp
from app.state import current_portal
from datasets import bulk_upload, catalog
from metadata.errors import InvalidInput
from metadata.schemas import bilingual_errors, load_upload_options
from publishers.roles import Access


def _may_publish(you: Access):  # type: ignore[no-untyped-def]
    return lambda publisher_id: you.can("release.publish", publisher_id)


def _targets(you: Access) -> list:  # type: ignore[type-arg]
    """The datasets the user may publish to, for the matching step's selects."""
    return [d for d in catalog.list_datasets(current_portal().engine) if you.can("release.publish", d.publisher_id)]


@bp.route("/bulk/upload", methods=["GET", "POST"])
@requires("release.publish")
def bulk_upload_form():  # type: ignore[no-untyped-def]
    you = signed_in()  # each file is then checked against its dataset's publisher
    if request.method == "GET":
        return render_template("staff/bulk_upload.html")
    sent = [f for f in request.files.getlist("files") if f and f.filename]
    p = current_portal()
    batch = bulk_upload.stage(p.instance, p.engine, ((f.filename, f.stream) for f in sent),
                              user_id=you.user.id, may_publish=_may_publish(you), actor=actor())
    return redirect(url_for("staff.bulk_batch", batch_id=batch.id))


@bp.get("/bulk/<batch_id>")
@requires("release.publish")
def bulk_batch(batch_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()  # a batch is only ever its sender's
    engine = current_portal().engine
    batch = bulk_upload.get_batch(engine, batch_id, user_id=you.user.id)
    if batch.state == "matching":
        return render_template("staff/bulk_match.html", batch=batch, targets=_targets(you))
    statuses = bulk_upload.statuses(engine, batch)
    ready = [s for s in statuses if bulk_upload.publishable(engine, s)]
    working = any(s.job and not s.job.finished for s in statuses)
    return render_template("staff/bulk_batch.html", batch=batch, statuses=statuses, ready=ready,
                           working=working, errors={})


@bp.get("/bulk/<batch_id>/status.json")
@requires("release.publish")
def bulk_status(batch_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()
    engine = current_portal().engine
    batch = bulk_upload.get_batch(engine, batch_id, user_id=you.user.id)
    statuses = bulk_upload.statuses(engine, batch)
    return jsonify(finished=all(s.job is None or s.job.finished for s in statuses),
                   url=url_for("staff.bulk_batch", batch_id=batch.id))


@bp.post("/bulk/<batch_id>/match")
@requires("release.publish")
def bulk_match(batch_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()
    p = current_portal()
    choices = {i: request.form.get(f"dataset-{i}", "") for i in range(bulk_upload.MAX_FILES)}
    batch = bulk_upload.confirm(p.instance, p.engine, batch_id, choices, user_id=you.user.id,
                                may_publish=_may_publish(you), actor=actor())
    for item in batch.items:
        if item.job:
            run.check(p, item.job, actor=actor())
    return redirect(url_for("staff.bulk_batch", batch_id=batch.id))


@bp.post("/bulk/<batch_id>/publish")
@requires("release.publish")
def bulk_publish(batch_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()
    p = current_portal()
    batch = bulk_upload.get_batch(p.engine, batch_id, user_id=you.user.id)
    if batch.state != "matched":
        raise InvalidInput("upload.not-ready")
    try:
        notes = load_upload_options({"notes": request.form.get("notes", "")})["notes"].strip()
    except ValidationError as error:
        statuses = bulk_upload.statuses(p.engine, batch)
        return render_template("staff/bulk_batch.html", batch=batch, statuses=statuses, working=False,
                               ready=[s for s in statuses if bulk_upload.publishable(p.engine, s)],
                               errors=bilingual_errors(error.messages)), 422
    for job_id in bulk_upload.claim_valid(p.engine, batch, actor=actor()):
        run.publish_claimed(p, job_id, notes=notes, actor=actor())
    return redirect(url_for("staff.bulk_batch", batch_id=batch.id))
