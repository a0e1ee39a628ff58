"""The publishing API /api/v1: token-authenticated JSON with the forms' marshmallow schemas."""
from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.api.openapi import document
from app.errors import HTTP_TEXT, STATUS
from app.jobs import run, tasks
from app.staff.auth import requires
from app.state import current_portal
from datasets import catalog, uploads
from datasets.edit import update_dataset
from datasets.summary import report_dict
from datasets.withdraw import withdraw_release
from metadata.errors import Forbidden, InvalidInput, OtkritoError, ValidationFailed
from metadata.messages import Text, text
from metadata.records import Dataset
from metadata.schemas import (
    ReleaseSchema,
    ReleaseUploadSchema,
    WithdrawSchema,
    bilingual_errors,
    load_dataset,
    load_upload_options,
)
from publishers.registry import get_publisher_by_id
from publishers.tokens import TokenRejected, authenticate_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi"}



def problem(status: int, message: Text, *, message_id: str = "", **extra: Any):  # type: ignore[no-untyped-def]
    """Return an application/problem+json response in both languages."""
    body = {"type": f"urn:otkrito:problem:{message_id}" if message_id else "about:blank",
            "status": status, "title": message.en, "title_bg": message.bg,
            "message_id": message_id, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.before_request
def authenticate() -> Any:
    """Every call but the OpenAPI document needs a live token."""
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else None
    g.token, email = authenticate_token(current_portal().engine, secret)
    g.api_actor = f"{email} (token {g.token.id})"
    return None


def _scoped(slug: str) -> Dataset:
    """Return the dataset if it belongs to the token's publisher, else raise Forbidden."""
    dataset = catalog.get_dataset(current_portal().engine, slug)
    _authorize(dataset.publisher_id)
    return dataset


def _authorize(publisher_id: int) -> None:
    if publisher_id != g.token.publisher_id:
        raise Forbidden("staff.forbidden")
    g.authorized = True


def _dataset_json(dataset: Dataset) -> dict[str, Any]:
    publisher = get_publisher_by_id(current_portal().engine, dataset.publisher_id)
    return {
        "slug": dataset.slug, "publisher": publisher.slug, "title_bg": dataset.title.bg,
        "title_en": dataset.title.en, "description_bg": dataset.description.bg,
        "description_en": dataset.description.en, "licence": dataset.licence,
        "frequency": dataset.frequency, "themes": list(dataset.themes),
        "keywords": list(dataset.keywords), "spatial": dataset.spatial,
        "temporal_start": dataset.temporal_start, "temporal_end": dataset.temporal_end,
        "contact_name": dataset.contact_name, "contact_email": dataset.contact_email,
        "profile": dataset.profile,
    }


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("form.invalid-input")
    return body


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(document(request.url_root))


@bp.get("/datasets")
@requires("api")
def dataset_list():  # type: ignore[no-untyped-def]
    _authorize(g.token.publisher_id)
    found = catalog.list_datasets(current_portal().engine, publisher_id=g.token.publisher_id)
    return jsonify([_dataset_json(d) for d in found])


@bp.post("/datasets")
@requires("api")
def dataset_create():  # type: ignore[no-untyped-def]
    _authorize(g.token.publisher_id)
    loaded = load_dataset(_json_body())
    publisher = get_publisher_by_id(current_portal().engine, g.token.publisher_id)
    slug = loaded.pop("slug")
    created = catalog.create_dataset(current_portal().engine, slug, publisher=publisher.slug,
                                     actor=g.api_actor, **loaded)
    return jsonify(_dataset_json(created)), 201


@bp.get("/datasets/<slug>")
@requires("api")
def dataset_get(slug: str):  # type: ignore[no-untyped-def]
    return jsonify(_dataset_json(_scoped(slug)))


@bp.patch("/datasets/<slug>")
@requires("api")
def dataset_update(slug: str):  # type: ignore[no-untyped-def]
    _scoped(slug)
    body = {k: v for k, v in _json_body().items() if k not in ("slug", "publisher")}
    loaded = load_dataset(body, partial=True, creating=False)
    updated = update_dataset(current_portal().engine, slug, actor=g.api_actor,
                             **{k: v for k, v in loaded.items() if k in body})
    return jsonify(_dataset_json(updated))


@bp.get("/datasets/<slug>/releases")
@requires("api")
def release_list(slug: str):  # type: ignore[no-untyped-def]
    dataset = _scoped(slug)
    found = catalog.list_releases(current_portal().engine, dataset.id)
    return jsonify(ReleaseSchema(many=True).dump(found))


@bp.post("/datasets/<slug>/releases")
@requires("api")
def release_upload(slug: str):  # type: ignore[no-untyped-def]
    dataset = _scoped(slug)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("upload.missing-file")
    form = ReleaseUploadSchema().load(request.form)
    options = load_upload_options({k: request.form[k] for k in
                                   ("encoding", "delimiter", "sheet", "notes") if k in request.form})
    notes = options.pop("notes")
    if not form["check"]:
        options[tasks.PUBLISH_NOTES] = notes  # a valid check goes on to publish, wherever it runs
    p = current_portal()
    job = uploads.store_upload(p.instance, p.engine, sent.stream, dataset=dataset.slug,
                               user_id=g.token.user_id, original_name=sent.filename,
                               options=options)
    # The same steps as the workspace, so a file gets the same report either way. On the
    # queue a worker runs them and this request waits, up to OTKRITO_JOBS_WAIT_SECONDS.
    deadline = time.monotonic() + p.settings["JOBS_WAIT_SECONDS"]
    done = run.check(p, job.id, actor=g.api_actor, deadline=deadline)
    if not run.settled(done):
        return _accepted(done)
    return _answer(done, dataset)


def _answer(done: uploads.UploadJob, dataset: Dataset):  # type: ignore[no-untyped-def]
    """The answer about a settled upload: its report, the release (201), or the problem."""
    error = done.error or {}
    if done.state == "failed" and done.report is None:  # the check itself failed
        bg, en = (text("upload.failed", detail=error.get(lang, "")) for lang in ("bg", "en"))
        return problem(_status_of(error, 400), Text(bg.bg, en.en), message_id="upload.failed")
    if done.state == "failed":
        return problem(_status_of(error, 409), Text(error.get("bg", ""), error.get("en", "")),
                       report=done.report)
    if done.state == "checked" and tasks.PUBLISH_NOTES not in done.options:  # a check only
        return jsonify(report=done.report)
    if done.state != "published":
        return problem(422, text("publish.invalid", count=done.report["error_count"]),
                       message_id="publish.invalid", report=done.report)
    release = catalog.get_release(current_portal().engine, dataset, done.version)
    return jsonify(release=ReleaseSchema().dump(release), report=done.report), 201


def _accepted(job: uploads.UploadJob):  # type: ignore[no-untyped-def]
    """202: the queue has not finished the job in time; its status URL tells how it ends."""
    url = url_for("api.upload_status", job_id=job.id)
    response = jsonify(job=_job_json(job), status_url=url)
    response.status_code = 202
    response.headers["Location"] = url
    return response


def _job_json(job: uploads.UploadJob) -> dict[str, Any]:
    return {"id": job.id, "state": job.state, "stage": job.stage, "done": job.done,
            "total": job.total, "error": job.error, "version": job.version}


@bp.get("/uploads/<job_id>")
@requires("api")
def upload_status(job_id: str):  # type: ignore[no-untyped-def]
    """An upload answered with 202: 202 again while it runs, then what the upload would have
    answered had it finished in time (201 with the release, the report, or the problem)."""
    engine = current_portal().engine
    job = uploads.get_job(engine, job_id)
    dataset = catalog.get_dataset(engine, uploads.slug_of(engine, job.dataset_id))
    _authorize(dataset.publisher_id)
    return _answer(job, dataset) if run.settled(job) else _accepted(job)


@bp.post("/datasets/<slug>/releases/<int:version>/withdraw")
@requires("api")
def release_withdraw(slug: str, version: int):  # type: ignore[no-untyped-def]
    _scoped(slug)
    reason = WithdrawSchema().load(_json_body())["reason"]
    p = current_portal()
    release = withdraw_release(p.instance, p.engine, slug, version, reason=reason,
                               actor=g.api_actor)
    return jsonify(ReleaseSchema().dump(release))


@bp.errorhandler(ValidationError)
def invalid_input(error: ValidationError):  # type: ignore[no-untyped-def]
    return problem(422, text("form.invalid-input"), message_id="form.invalid-input",
                   errors=_plain(bilingual_errors(error.messages)))


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return {"bg": value.bg, "en": value.en}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@bp.errorhandler(OtkritoError)
def domain_error(error: OtkritoError):  # type: ignore[no-untyped-def]
    if isinstance(error, TokenRejected):
        response = problem(401, error.text, message_id=error.message_id)
        response.headers["WWW-Authenticate"] = 'Bearer realm="otkrito"'
        return response
    extra: dict[str, Any] = {}
    if isinstance(error, ValidationFailed) and error.report is not None:
        extra["report"] = report_dict(error.report, None)
    return problem(STATUS.get(type(error), 400), error.text, message_id=error.message_id, **extra)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    status = error.code or 500
    return problem(status, HTTP_TEXT.get(status, HTTP_TEXT[400 if status < 500 else 500]))


def _status_of(error: dict[str, str], default: int) -> int:
    """The HTTP status of a job's recorded error (507 for a full disk), else `default`."""
    return next((status for kind, status in STATUS.items() if kind.__name__ == error.get("kind")),
                default)
