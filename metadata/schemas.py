"""Marshmallow schemas for what crosses a boundary: staff forms and the publishing API alike.

Error messages are message ids (see metadata.messages_staff) so that one validation gives
inline errors in Bulgarian and English; `bilingual_errors` turns them into Text values.
"""
from __future__ import annotations

from typing import Any, Mapping

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from metadata.messages import MESSAGES, Text, text
from metadata.messages_places import PLACE_KINDS
from metadata.profiles import PROFILES
from metadata.slug import is_slug
from metadata.vocab import FREQUENCIES, LICENCES, THEMES

_ERRORS = {"required": "form.required", "null": "form.required", "invalid": "form.invalid"}
FIELD_TYPES = ("string", "integer", "number", "date", "datetime", "boolean", "year")
ENCODINGS = ("utf-8", "cp1251")
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "|": "|"}


def _text(*, required: bool = False, limit: int = 200, **kwargs: Any) -> fields.String:
    return fields.String(required=required, error_messages=_ERRORS,
                         validate=validate.Length(max=limit, error="form.too-long"), **kwargs)


def _blank_to_none(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    cleaned = dict(data)
    for name in names:
        if isinstance(cleaned.get(name), str) and not cleaned[name].strip():
            cleaned[name] = None
    return cleaned


def _slug(value: str) -> None:
    if not is_slug(value):
        raise ValidationError("form.slug")


class DatasetSchema(Schema):
    """A dataset's metadata, bilingual fields side by side."""

    class Meta:
        unknown = RAISE
        ordered = True

    OPTIONAL = ("title_en", "description_en", "spatial", "temporal_start", "temporal_end",
                "contact_name", "contact_email", "profile")

    slug = fields.String(required=True, error_messages=_ERRORS, validate=_slug,
                         metadata={"description": "Address of the dataset: /datasets/<slug>"})
    publisher = fields.String(dump_only=True, metadata={"description": "Publisher slug."})
    title_bg = fields.String(required=True, error_messages=_ERRORS,
                             validate=validate.Length(min=1, max=200, error="form.required"))
    title_en = _text(allow_none=True)
    description_bg = _text(limit=20000, load_default="")
    description_en = _text(limit=20000, allow_none=True)
    licence = fields.String(load_default="CC-BY-4.0", error_messages=_ERRORS,
                            validate=validate.OneOf(list(LICENCES), error="form.choice"))
    frequency = fields.String(load_default="UNKNOWN", error_messages=_ERRORS,
                              validate=validate.OneOf(list(FREQUENCIES), error="form.choice"))
    themes = fields.List(fields.String(validate=validate.OneOf(list(THEMES), error="form.choice")),
                         load_default=list, error_messages=_ERRORS)
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=60,
                                                                  error="form.too-long")),
                           load_default=list, error_messages=_ERRORS)
    spatial = _text(allow_none=True)
    temporal_start = fields.Date(allow_none=True, error_messages={**_ERRORS, "invalid": "form.date"})
    temporal_end = fields.Date(allow_none=True, error_messages={**_ERRORS, "invalid": "form.date"})
    contact_name = _text(allow_none=True)
    contact_email = fields.Email(allow_none=True, error_messages={**_ERRORS, "invalid": "form.email"})
    profile = fields.String(allow_none=True, error_messages=_ERRORS,
                            validate=validate.OneOf(list(PROFILES), error="form.choice"))

    @validates_schema(skip_on_field_errors=False)
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and end < start:
            raise ValidationError("form.period", field_name="temporal_end")


def load_dataset(data: Mapping[str, Any], *, partial: bool = False,
                 creating: bool = True) -> dict[str, Any]:
    """Validate dataset metadata; return values ready for the catalog (dates as ISO text)."""
    schema = DatasetSchema(partial=partial, exclude=() if creating else ("slug", "profile"))
    loaded = schema.load(_blank_to_none(data, DatasetSchema.OPTIONAL))
    for name in ("temporal_start", "temporal_end"):
        if loaded.get(name) is not None:
            loaded[name] = loaded[name].isoformat()
    return loaded


class UploadOptionsSchema(Schema):
    """How to read an upload when detection guesses wrong, and the release notes."""

    class Meta:
        unknown = EXCLUDE

    encoding = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(ENCODINGS, error="form.choice"))
    delimiter = fields.String(allow_none=True, load_default=None,
                              validate=validate.OneOf(list(DELIMITERS), error="form.choice"))
    sheet = _text(allow_none=True, load_default=None)
    notes = _text(limit=5000, load_default="")


def load_upload_options(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate upload options; blank means "detect"."""
    loaded = UploadOptionsSchema().load(_blank_to_none(data, ("encoding", "delimiter", "sheet")))
    if loaded.get("delimiter"):
        loaded["delimiter"] = DELIMITERS[loaded["delimiter"]]
    return loaded


class WithdrawSchema(Schema):
    """Why a release is withdrawn (shown publicly)."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True, error_messages=_ERRORS,
                           validate=validate.Length(min=10, max=2000, error="form.reason"))


class ReviewedFieldSchema(Schema):
    """One column in the schema review."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, error_messages=_ERRORS)
    type = fields.String(required=True, error_messages=_ERRORS,
                         validate=validate.OneOf(FIELD_TYPES, error="form.choice"))
    title = fields.String(required=True, error_messages=_ERRORS,
                          validate=validate.Length(min=1, max=200, error="form.required"))
    title_en = _text(load_default="")
    description = _text(limit=2000, load_default="")
    description_en = _text(limit=2000, load_default="")
    required = fields.Boolean(load_default=False)
    unique = fields.Boolean(load_default=False)
    # What the column is as a place (datasets/places.py recognised it, staff may correct it).
    place = fields.String(load_default="", validate=validate.OneOf(("", *PLACE_KINDS), error="form.choice"))


class SchemaReviewSchema(Schema):
    """The reviewed Table Schema of a new dataset."""

    class Meta:
        unknown = EXCLUDE

    fields_ = fields.List(fields.Nested(ReviewedFieldSchema), data_key="fields", required=True)
    primaryKey = fields.List(fields.String(), load_default=list)

    @validates_schema
    def _key(self, data: dict[str, Any], **_: Any) -> None:
        names = {f["name"] for f in data.get("fields_", [])}
        if not set(data.get("primaryKey", [])) <= names:
            raise ValidationError("form.primary-key", field_name="primaryKey")


def table_schema_from_review(data: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a schema review and return the Table Schema (the base schema's other keys kept)."""
    loaded = SchemaReviewSchema().load(data)
    by_name = {f["name"]: f for f in base.get("fields", [])}
    reviewed = []
    for item in loaded["fields_"]:
        field = dict(by_name.get(item["name"], {"name": item["name"]}))
        field.update({k: item[k] for k in ("type", "title", "title_en", "description",
                                           "description_en") if item[k] != "" or k in field})
        constraints = {k: v for k, v in dict(field.get("constraints", {})).items()
                       if k not in ("required", "unique")}
        constraints.update({k: True for k in ("required", "unique") if item[k]})
        field["constraints"] = constraints
        if item["place"] and (item["place"] != "none" or "x_place" in field):
            field["x_place"] = item["place"]  # "none" only where a recognised place was refused
        reviewed.append({k: v for k, v in field.items() if v not in ("", None, {})})
    schema = {**base, "fields": [f | {"name": f["name"]} for f in reviewed]}
    if loaded["primaryKey"]:
        schema["primaryKey"] = loaded["primaryKey"]
    else:
        schema.pop("primaryKey", None)
    return schema


class BilingualSchema(Schema):
    """A message in both languages."""

    bg = fields.String()
    en = fields.String()


class ProblemSchema(Schema):
    """One validation problem."""

    code = fields.String()
    severity = fields.String()
    row = fields.Integer(allow_none=True)
    field = fields.String(allow_none=True)
    value = fields.String(allow_none=True)
    message = fields.Nested(BilingualSchema)


class SummaryLineSchema(Schema):
    """One sentence of the plain-words summary."""

    count = fields.Integer()
    message = fields.Nested(BilingualSchema)


class ReportSchema(Schema):
    """A validation report."""

    valid = fields.Boolean()
    row_count = fields.Integer()
    error_count = fields.Integer()
    truncated = fields.Boolean()
    summary = fields.List(fields.Nested(SummaryLineSchema))
    problems = fields.List(fields.Nested(ProblemSchema))


class ReleaseFileSchema(Schema):
    """A file of a release, with its checksum."""

    name = fields.String()
    role = fields.String()
    media_type = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String()


class ReleaseSchema(Schema):
    """A release (withdrawn ones keep their checksums)."""

    version = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    notes = fields.String()
    row_count = fields.Integer()
    files = fields.List(fields.Nested(ReleaseFileSchema))
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)


class ReleaseUploadSchema(UploadOptionsSchema):
    """Multipart form fields sent with a release file (the file itself goes in `file`)."""

    check = fields.Boolean(load_default=False, metadata={"description": "Only validate."})


class TokenSchema(Schema):
    """An API token's record (the secret is returned once, on creation)."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


def bilingual_errors(messages: Any) -> Any:
    """Turn marshmallow's error messages (message ids) into {bg, en} values, keeping the shape."""
    if isinstance(messages, dict):
        return {str(k): bilingual_errors(v) for k, v in messages.items()}
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            first = messages[0] if messages else "form.invalid"
            return _one(first)
        return [bilingual_errors(m) for m in messages]
    return _one(str(messages))


def _one(message: str) -> Text:
    if message in MESSAGES:
        return text(message)
    if message.startswith("Unknown field"):
        return text("form.unknown-field")
    return text("form.invalid")
