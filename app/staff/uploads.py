"""Upload → validation report → schema review → preview and notes → publish; and withdraw."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.jobs import run
from app.staff.auth import actor, authorize, requires
from app.staff.i18n import pick
from app.staff.workspace import bp, dataset_for
from app.state import current_portal
from datasets import catalog, uploads
from datasets.withdraw import withdraw_release
from metadata.errors import InvalidInput, NotFound
from metadata.messages_places import PLACE_KINDS
from metadata.schemas import (
    DELIMITERS,
    ENCODINGS,
    FIELD_TYPES,
    WithdrawSchema,
    bilingual_errors,
    load_upload_options,
    table_schema_from_review,
)

PAGE = 50


def _job(job_id: str, action: str) -> tuple[uploads.UploadJob, Any]:
    engine = current_portal().engine
    job = uploads.get_job(engine, job_id)
    dataset = catalog.get_dataset(engine, uploads.slug_of(engine, job.dataset_id))
    authorize(action, dataset.publisher_id)
    return job, dataset


@bp.route("/datasets/<slug>/upload", methods=["GET", "POST"])
@requires("release.publish")
def upload(slug: str):  # type: ignore[no-untyped-def]
    dataset = dataset_for(slug, "release.publish")
    context = {"dataset": dataset, "encodings": ENCODINGS, "delimiters": DELIMITERS,
               "releases": catalog.list_releases(current_portal().engine, dataset.id)}
    if request.method == "GET":
        return render_template("staff/upload.html", errors={}, values={}, **context)
    sent = request.files.get("file")
    try:
        options = load_upload_options(request.form)
    except ValidationError as error:
        return render_template("staff/upload.html", errors=bilingual_errors(error.messages),
                               values=request.form, **context), 422
    if sent is None or not sent.filename:
        raise InvalidInput("upload.missing-file")
    options.pop("notes", None)
    p = current_portal()
    job = uploads.store_upload(p.instance, p.engine, sent.stream, dataset=dataset.slug,
                               user_id=authorize("release.publish", dataset.publisher_id).user.id,
                               original_name=sent.filename, options=options)
    run.check(p, job.id, actor=actor())
    return redirect(url_for("staff.job", job_id=job.id))


@bp.get("/uploads/<job_id>")
@requires("release.publish")
def job(job_id: str):  # type: ignore[no-untyped-def]
    found, dataset = _job(job_id, "release.publish")
    if found.state == "published":
        return redirect(url_for("staff.job_publish", job_id=found.id))
    if not found.finished or found.report is None:
        return render_template("staff/progress.html", job=found, dataset=dataset)
    page = max(request.args.get("page", 1, type=int), 1)
    errors = [p for p in found.report["problems"] if p["severity"] == "error"]
    notices = [p for p in found.report["problems"] if p["severity"] != "error"]
    pages = max((len(errors) + PAGE - 1) // PAGE, 1)
    review = found.valid and uploads.needs_schema_review(current_portal().engine, found)
    return render_template("staff/report.html", job=found, dataset=dataset, report=found.report,
                           errors=errors[(page - 1) * PAGE: page * PAGE], notices=notices,
                           page=min(page, pages), pages=pages, review=review)


@bp.get("/uploads/<job_id>/status.json")
@requires("release.publish")
def job_status(job_id: str):  # type: ignore[no-untyped-def]
    found, _dataset = _job(job_id, "release.publish")
    return jsonify(state=found.state, stage=found.stage, done=found.done, total=found.total,
                   finished=found.finished, error=found.error,
                   url=url_for("staff.job", job_id=found.id))


@bp.get("/uploads/<job_id>/report.<fmt>")
@requires("release.publish")
def job_report(job_id: str, fmt: str):  # type: ignore[no-untyped-def]
    found, dataset = _job(job_id, "release.publish")
    if found.report is None or fmt not in ("csv", "json"):
        raise NotFound("upload.not-found")
    name = f"{dataset.slug}-report.{fmt}"
    if fmt == "json":
        body = json.dumps(found.report, ensure_ascii=False, indent=2)
        mimetype = "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "column", "value", "code", "severity", "message_bg", "message_en"])
        for p in found.report["problems"]:
            writer.writerow([p["row"] or "", p["field"] or "", _inert(p["value"] or ""), p["code"],
                             p["severity"], p["message"]["bg"], p["message"]["en"]])
        body, mimetype = "\ufeff" + out.getvalue(), "text/csv"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _inert(value: str) -> str:
    # A cell that starts like a formula must stay text when the report opens in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.route("/uploads/<job_id>/schema", methods=["GET", "POST"])
@requires("release.publish")
def schema_review(job_id: str):  # type: ignore[no-untyped-def]
    found, dataset = _job(job_id, "release.publish")
    if not found.valid or found.schema is None:
        raise InvalidInput("upload.not-ready")
    if request.method == "GET":
        return render_template("staff/schema.html", job=found, dataset=dataset,
                               schema=found.schema, types=FIELD_TYPES, errors={}, place_kinds=_place_kinds())
    submitted = _review_form(request.form, found.schema)
    try:
        schema = table_schema_from_review(submitted, found.schema)
    except ValidationError as error:
        return render_template("staff/schema.html", job=found, dataset=dataset, types=FIELD_TYPES,
                               schema=found.schema, errors=bilingual_errors(error.messages),
                               place_kinds=_place_kinds()), 422
    uploads.review_schema(current_portal().engine, found.id, schema, actor=actor())
    run.check(current_portal(), found.id, actor=actor())
    return redirect(url_for("staff.job", job_id=found.id))


def _place_kinds() -> list[tuple[str, str]]:
    """The review's choices of what a column is as a place, "none" first, in the staff's language."""
    kinds = ("none", "ekatte", "municipality", "latitude", "longitude")
    return [(kind, pick({"bg": PLACE_KINDS[kind][0], "en": PLACE_KINDS[kind][1]})) for kind in kinds]


def _review_form(form: Any, schema: dict[str, Any]) -> dict[str, Any]:
    fields = []
    for index, field in enumerate(schema.get("fields", [])):
        prefix = f"f{index}."
        fields.append({"name": field["name"], "type": form.get(prefix + "type", ""),
                       "title": form.get(prefix + "title", "").strip(),
                       "title_en": form.get(prefix + "title_en", "").strip(),
                       "description": form.get(prefix + "description", "").strip(),
                       "description_en": form.get(prefix + "description_en", "").strip(),
                       "required": prefix + "required" in form,
                       "unique": prefix + "unique" in form,
                       "place": form.get(prefix + "place", "")})
    return {"fields": fields, "primaryKey": form.getlist("primaryKey")}


@bp.route("/uploads/<job_id>/publish", methods=["GET", "POST"])
@requires("release.publish")
def job_publish(job_id: str):  # type: ignore[no-untyped-def]
    found, dataset = _job(job_id, "release.publish")
    if found.state == "published":
        return render_template("staff/published.html", job=found, dataset=dataset)
    if found.state in ("publishing", "running", "queued"):
        return redirect(url_for("staff.job", job_id=found.id))
    if not found.valid or uploads.needs_schema_review(current_portal().engine, found):
        raise InvalidInput("upload.not-ready")
    if request.method == "GET":
        header, rows = uploads.preview(current_portal().instance, found)
        return render_template("staff/preview.html", job=found, dataset=dataset, header=header,
                               rows=rows, errors={})
    try:
        notes = load_upload_options({"notes": request.form.get("notes", "")})["notes"]
    except ValidationError as error:
        header, rows = uploads.preview(current_portal().instance, found)
        return render_template("staff/preview.html", job=found, dataset=dataset, header=header,
                               rows=rows, errors=bilingual_errors(error.messages)), 422
    # Claimed here, before the response, so the next page shows progress and a second
    # submit of the same form is refused instead of publishing the upload twice.
    uploads.claim_for_publishing(current_portal().engine, found.id)
    run.publish_claimed(current_portal(), found.id, notes=notes.strip(), actor=actor())
    return redirect(url_for("staff.job_publish", job_id=found.id))


@bp.route("/datasets/<slug>/releases/<int:version>/withdraw", methods=["GET", "POST"])
@requires("release.withdraw")
def withdraw(slug: str, version: int):  # type: ignore[no-untyped-def]
    dataset = dataset_for(slug, "release.withdraw")
    release = catalog.get_release(current_portal().engine, dataset, version)
    if request.method == "GET":
        return render_template("staff/withdraw.html", dataset=dataset, release=release,
                               errors={}, reason="")
    try:
        reason = WithdrawSchema().load(request.form)["reason"]
    except ValidationError as error:
        return render_template("staff/withdraw.html", dataset=dataset, release=release,
                               errors=bilingual_errors(error.messages),
                               reason=request.form.get("reason", "")), 422
    withdraw_release(current_portal().instance, current_portal().engine, slug, version, reason=reason,
                     actor=actor())
    return redirect(url_for("public.release_page", slug=slug, version=version))
