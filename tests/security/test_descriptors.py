"""Descriptors that point outside the upload are refused before frictionless sees them
(SECURITY 19, 46); remote URLs are covered in tests/datasets/test_validate.py."""
from __future__ import annotations

from typing import Any

import pytest

from datasets.validate import check_schema
from metadata.errors import InvalidInput

FIELDS = [{"name": "a", "type": "string"}]


def _reference(resource: str) -> dict[str, Any]:
    return {"fields": FIELDS, "foreignKeys": [
        {"fields": ["a"], "reference": {"resource": resource, "fields": ["a"]}}]}


@pytest.mark.parametrize("schema", [
    "/etc/passwd", "../schema.json", "file:///etc/passwd", "sqlite:////etc/x.db",
    "ftp://198.51.100.1/schema.json", "\\\\server\\share\\schema.json",
    {"path": "/etc/passwd"}, {"path": "../../schema.json"}, {"path": "file:///etc/passwd"},
    _reference("/etc/passwd"), _reference("../other.csv"), _reference("sqlite:////tmp/x.db"),
    _reference("file:///etc/passwd"),
    {"fields": [{"name": "a", "type": "string", "constraints": {"$ref": "/etc/passwd"}}]},
], ids=repr)
def test_a_schema_reaching_for_a_local_file_a_database_or_another_host_is_refused(
        schema: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_schema(schema)
    assert refused.value.message_id == "valid.unsafe-schema"
    assert refused.value.text.bg != refused.value.text.en


def test_a_plain_inline_schema_is_accepted() -> None:
    check_schema({"fields": FIELDS, "primaryKey": ["a"]})
