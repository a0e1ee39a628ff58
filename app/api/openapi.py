"""The OpenAPI 3 document of /api/v1, generated from the same marshmallow schemas it uses."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from metadata import schemas as s

COMPONENTS: dict[str, type[Schema]] = {
    "Dataset": s.DatasetSchema, "Release": s.ReleaseSchema, "ReleaseFile": s.ReleaseFileSchema,
    "Report": s.ReportSchema, "Problem": s.ProblemSchema, "SummaryLine": s.SummaryLineSchema,
    "Bilingual": s.BilingualSchema, "Withdraw": s.WithdrawSchema,
    "ReleaseUpload": s.ReleaseUploadSchema,
}
_TYPES: list[tuple[type[fields.Field], dict[str, Any]]] = [
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.String, {"type": "string"}),
]


def _name_of(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return next(name for name, known in COMPONENTS.items() if known is cls)


def field_schema(field: fields.Field) -> dict[str, Any]:
    """Return the JSON Schema of one marshmallow field."""
    if isinstance(field, fields.Nested):
        result: dict[str, Any] = {"$ref": f"#/components/schemas/{_name_of(field.nested)}"}
    elif isinstance(field, fields.List):
        result = {"type": "array", "items": field_schema(field.inner)}
    else:
        result = dict(next((t for cls, t in _TYPES if isinstance(field, cls)), {}))
    validators = field.validators if hasattr(field, "validators") else []
    for check in validators:
        if isinstance(check, validate.OneOf):
            result["enum"] = list(check.choices)
        elif isinstance(check, validate.Length):
            if check.min is not None:
                result["minLength"] = check.min
            if check.max is not None:
                result["maxLength"] = check.max
    if field.allow_none and "$ref" not in result:
        result["nullable"] = True
    if field.dump_only:
        result["readOnly"] = True
    if field.metadata.get("description"):
        result["description"] = field.metadata["description"]
    return result


def schema_object(schema: type[Schema]) -> dict[str, Any]:
    """Return the JSON Schema of a marshmallow schema."""
    instance = schema()
    properties = {f.data_key or name: field_schema(f) for name, f in instance.fields.items()}
    required = [f.data_key or n for n, f in instance.fields.items() if f.required]
    result: dict[str, Any] = {"type": "object", "properties": properties,
                              "description": (schema.__doc__ or "").strip()}
    if required:
        result["required"] = required
    return result


def _problem() -> dict[str, Any]:
    return {"type": "object", "properties": {
        "type": {"type": "string"}, "status": {"type": "integer"},
        "title": {"type": "string", "description": "In English."},
        "title_bg": {"type": "string", "description": "In Bulgarian."},
        "message_id": {"type": "string"},
        "errors": {"type": "object", "description": "Per field: {bg, en}."},
        "report": {"$ref": "#/components/schemas/Report"}}}


def _reply(description: str, ref: str | None = None, *, array: bool = False) -> dict[str, Any]:
    if ref is None:
        return {"description": description}
    body: dict[str, Any] = {"$ref": f"#/components/schemas/{ref}"}
    if array:
        body = {"type": "array", "items": body}
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _problems(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "Problem", "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/ProblemDetails"}}}} for c in codes}


def _json_body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{ref}"}}}}


_QUEUED = ("The file is checked and, unless `check` is set, published before the answer. Where "
           "a queue of workers does this (a PostgreSQL catalog), the request waits up to "
           "OTKRITO_JOBS_WAIT_SECONDS (60 by default); a job not finished by then is answered "
           "202, and it goes on: poll the `status_url`.")
_ACCEPTED = ("Still running: {job: {id, state, stage, done, total, error, version}, status_url}; "
             "the Location header is the status URL too")


def _webhook_paths() -> dict[str, Any]:
    hook = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    delivery = {"name": "delivery", "in": "path", "required": True, "schema": {"type": "integer"}}
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["url", "events"],
        "properties": {"url": {"type": "string", "format": "uri", "description": "https:// only"},
                       "events": {"type": "array", "items": {"type": "string", "enum": [
                           "release.published", "release.withdrawn", "dataset.overdue"]}},
                       "dataset": {"type": "string", "description": "one dataset's slug; "
                                                                    "omitted: all of the publisher's"}}}}}}
    return {
        "/webhooks": {
            "get": {"summary": "The token's publisher's webhooks", "responses": {"200": _reply("Webhooks"),
                                                                                  **_problems(401)}},
            "post": {"summary": "Register a webhook (Standard Webhooks signatures)", "requestBody": body,
                     "responses": {"201": _reply("Registered: the webhook and its signing secret, shown once"),
                                   **_problems(400, 401, 403, 404)}}},
        "/webhooks/{id}": {"parameters": [hook], "delete": {
            "summary": "Remove a webhook", "responses": {"204": {"description": "Removed"},
                                                         **_problems(401, 403, 404)}}},
        "/webhooks/{id}/deliveries": {"parameters": [hook], "get": {
            "summary": "The delivery log, newest first", "responses": {"200": _reply("Deliveries"),
                                                                       **_problems(401, 403, 404)}}},
        "/webhooks/{id}/deliveries/{delivery}/resend": {"parameters": [hook, delivery], "post": {
            "summary": "Send a delivery again, with the same webhook-id and body",
            "responses": {"202": _reply("Queued"), **_problems(401, 403, 404)}}},
    }


def document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI 3 document."""
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    version = {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}
    upload = schema_object(s.ReleaseUploadSchema)
    upload["properties"]["file"] = {"type": "string", "format": "binary"}
    upload["required"] = ["file"]
    paths = {
        "/datasets": {
            "get": {"summary": "List the token's publisher's datasets",
                    "responses": {"200": _reply("Datasets", "Dataset", array=True), **_problems(401)}},
            "post": {"summary": "Create a dataset", "requestBody": _json_body("Dataset"),
                     "responses": {"201": _reply("Created", "Dataset"), **_problems(401, 409, 422)}}},
        "/datasets/{slug}": {
            "parameters": [slug],
            "get": {"summary": "A dataset", "responses": {"200": _reply("Dataset", "Dataset"),
                                                           **_problems(401, 403, 404)}},
            "patch": {"summary": "Change a dataset's metadata", "requestBody": _json_body("Dataset"),
                      "responses": {"200": _reply("Updated", "Dataset"),
                                    **_problems(401, 403, 404, 422)}}},
        "/datasets/{slug}/releases": {
            "parameters": [slug],
            "get": {"summary": "A dataset's releases",
                    "responses": {"200": _reply("Releases", "Release", array=True),
                                  **_problems(401, 403, 404)}},
            "post": {"summary": "Upload a release (or only check it) and get its validation report",
                     "requestBody": {"required": True, "content": {
                         "multipart/form-data": {"schema": upload}}},
                     "description": _QUEUED,
                     "responses": {"201": _reply("Published: {release, report}"),
                                   "200": _reply("Checked: {report}"),
                                   "202": _reply(_ACCEPTED),
                                   **_problems(401, 403, 404, 409, 413, 422)}}},
        "/uploads/{job}": {
            "parameters": [{"name": "job", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"summary": "How an upload answered with 202 is doing",
                    "description": "202 again (with the same body) while it is being checked or "
                                   "published; then exactly what the upload would have answered "
                                   "had it finished in time: 201, 200, or a problem.",
                    "responses": {"201": _reply("Published: {release, report}"),
                                  "200": _reply("Checked: {report}"),
                                  "202": _reply(_ACCEPTED),
                                  **_problems(401, 403, 404, 409, 422)}}},
        "/datasets/{slug}/releases/{version}/withdraw": {
            "parameters": [slug, version],
            "post": {"summary": "Withdraw a release", "requestBody": _json_body("Withdraw"),
                     "responses": {"200": _reply("Withdrawn", "Release"),
                                   **_problems(401, 403, 404, 409, 422)}}},
        **_webhook_paths(),
    }
    components = {name: schema_object(cls) for name, cls in COMPONENTS.items()}
    components["ProblemDetails"] = _problem()
    return {
        "openapi": "3.0.3",
        "info": {"title": "Otkrito publishing API", "version": "1",
                 "description": "Publish datasets of one publisher. Authenticate with "
                                "`Authorization: Bearer <token>`; tokens are made in the staff "
                                "workspace. Errors are application/problem+json in bg and en."},
        "servers": [{"url": base_url.rstrip("/") + "/api/v1"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer"}}},
    }
