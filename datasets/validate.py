"""Validate a normalized CSV against its Table Schema; the problems come back as a Report."""
from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from frictionless import Dialect, FrictionlessException, Schema, formats, system
from frictionless.resources import TableResource

from datasets.check import Checked, Checker, supports
from datasets.report import Problem, Report, ReportBuilder
from metadata.errors import InvalidInput
from metadata.messages import MESSAGES, Text, text

# Keys through which a descriptor makes frictionless open another file or URL (SECURITY 19, 46).
_REFERENCE_KEYS = frozenset(
    {"path", "$ref", "$schema", "profile", "extrapaths", "dialect", "schema"})
_CONSTRAINT_NOTE = re.compile(r'^constraint "(?P<name>[A-Za-z]+)" is "(?P<limit>.*)"$', re.S)
_OTHER_ROW = re.compile(r"row at position (\d+)")
_HEADER_TYPES = frozenset({"extra-label", "missing-label", "duplicate-label", "blank-label",
                           "incorrect-label", "blank-header", "unmatched-header"})
# A 10 MB cell must not become a 10 MB message or report: values are cut to these lengths.
_SHOWN = 80  # characters of a value quoted in a message
_KEPT = 1000  # characters of a value kept in the Problem


def validate_csv(
    path: Path, schema: dict[str, Any], *, row_numbers: Sequence[int] | None = None,
    limit: int = 1000,
) -> Report:
    """Check a normalized CSV (UTF-8, comma, header = field names) against a Table Schema."""
    if limit < 1:
        raise InvalidInput("valid.bad-limit", limit=limit)
    check_schema(schema)
    path = Path(path)
    frictionless_schema = _to_frictionless(schema)
    builder = ReportBuilder(limit=limit)
    duplicates = _duplicate_labels(path, _Context(schema, [], row_numbers))
    if duplicates:
        # Columns are matched to fields by name, which a repeated name makes ambiguous:
        # the rows cannot be checked until the header is fixed.
        for problem in duplicates:
            builder.add(problem)
        return builder.build(row_count=_count_rows(path))
    fast = _run_checker(path, frictionless_schema, limit, row_numbers)
    if fast is not None:
        return checked_report(fast, schema, limit=limit)
    errors, labels, rows, stopped = _run_frictionless(path, frictionless_schema, limit)
    context = _Context(schema, labels, row_numbers)
    for error in errors:
        builder.add(to_problem(error, context))
    # frictionless stops reading at the error limit, so its row count is partial then.
    return builder.build(row_count=_count_rows(path) if stopped else rows)


def checked_report(checked: Checked, schema: Mapping[str, Any], *, limit: int) -> Report:
    """Turn what the streaming checker found into a Report (rows already in upload numbers)."""
    builder = ReportBuilder(limit=limit)
    context = _Context(schema, [f.get("name") for f in schema.get("fields", [])], None)
    for error in checked.errors:
        builder.add(to_problem(error, context))
    return Report(tuple(builder.problems), checked.row_count,
                  checked.error_count > len(builder.problems), checked.error_count)


def checker_for(schema: Mapping[str, Any], labels: Sequence[str], *, limit: int = 1000,
                table_keeps_key: bool = False) -> Checker | None:
    """Return a streaming checker for a file with these labels, or None: frictionless must."""
    check_schema(schema)
    frictionless_schema = _to_frictionless(schema)
    if not supports(frictionless_schema, labels):
        return None
    return Checker(frictionless_schema, limit=limit, table_keeps_key=table_keeps_key)


def _run_checker(path: Path, schema: Schema, limit: int,
                 row_numbers: Sequence[int] | None) -> Checked | None:
    """Check the file with the streaming checker; None when frictionless has to do it."""
    try:
        with open(path, encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            if not supports(schema, next(reader, [])):
                return None
            checker = Checker(schema, limit=limit)
            try:
                for index, cells in enumerate(reader):
                    source = None
                    if row_numbers is not None:
                        source = row_numbers[index] if index < len(row_numbers) else None
                    checker.row(cells, source)
                return checker.finish()
            finally:
                checker.close()
    except (UnicodeDecodeError, csv.Error):  # frictionless reports what is wrong with the file
        return None


def error_types() -> list[str]:
    """Return the frictionless error types that have a message of their own."""
    return sorted(_BUILDERS)


def check_schema(schema: Any) -> None:
    """Refuse a schema that is not an inline dict or that refers to anything outside itself."""
    if not isinstance(schema, Mapping):
        raise InvalidInput("valid.unsafe-schema", key=type(schema).__name__)
    for key, value in _walk(schema):
        if key in _REFERENCE_KEYS:
            raise InvalidInput("valid.unsafe-schema", key=key)
        if key == "resource" and value not in ("", None):
            # a foreign key into another resource would make frictionless load that resource
            raise InvalidInput("valid.unsafe-schema", key=f"resource: {str(value)[:_SHOWN]}")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield str(key), value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _to_frictionless(schema: Mapping[str, Any]) -> Schema:
    try:
        result = Schema.from_descriptor(dict(schema))
    except FrictionlessException as exception:
        raise InvalidInput("valid.bad-schema", detail=exception.error.message) from exception
    _check_bounds(result)
    return result


def _check_bounds(schema: Schema) -> None:
    # frictionless accepts a bound its field type cannot read, then crashes on the first row.
    for field in schema.fields:
        for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = (field.constraints or {}).get(name)
            if bound is not None and field.create_value_reader()(bound) is None:
                detail = f'{field.name}: constraint "{name}" is "{_shown(bound)}"'
                raise InvalidInput("valid.bad-schema", detail=detail)


# frictionless ----------------------------------------------------------------------------------

class _NoNetwork(requests.adapters.BaseAdapter):
    """Transport adapter that refuses every request."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(f"network access is disabled: {request.url}")

    def close(self) -> None:
        pass


# frictionless keeps its settings on one global `system`, swapped in and out by use_context:
# two threads validating at once would restore each other's settings, so they take turns.
_SYSTEM_LOCK = threading.Lock()


@contextmanager
def _offline() -> Iterator[None]:
    """Run frictionless untrusted and with an HTTP session that cannot reach any host."""
    with _SYSTEM_LOCK, requests.Session() as session:
        session.adapters.clear()
        session.mount("", _NoNetwork())
        with system.use_context(trusted=False, http_session=session):
            yield


def _run_frictionless(
    path: Path, schema: Schema, limit: int
) -> tuple[list[Any], list[str], int, bool]:
    """Return frictionless's errors (at most limit + 1), labels, rows read, and if it stopped."""
    dialect = Dialect(header=True, header_rows=[1], controls=[
        formats.CsvControl(delimiter=",", quote_char='"', double_quote=True)])
    # An open byte stream, not a path: frictionless then resolves no path at all.
    with _offline(), open(path, "rb") as stream:
        resource = TableResource(source=stream, format="csv", encoding="utf-8",
                                 schema=schema, dialect=dialect)
        # One error past the limit tells "exactly `limit` errors" from "more than that".
        report = resource.validate(limit_errors=limit + 1)
    task = report.tasks[0]
    stopped = any(w.startswith("reached error limit") for w in task.warnings)
    return list(task.errors), list(task.labels or []), int(task.stats.get("rows") or 0), stopped


def _duplicate_labels(path: Path, context: _Context) -> list[Problem]:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as file:
            labels = next(csv.reader(file), [])
    except csv.Error:  # a malformed header: frictionless reports it
        return []
    problems = []
    for position, label in enumerate(labels, start=1):
        if label and label in labels[: position - 1]:
            message = text("valid.duplicate-label", value=_shown(label), position=position,
                           **context.titles(label))
            row = 1 if context.row_numbers is None else None
            problems.append(Problem("duplicate-label", message, row, label, label[:_KEPT]))
    return problems


def _count_rows(path: Path) -> int:
    count = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as file:
        try:
            for _ in csv.reader(file):
                count += 1
        except csv.Error:  # a malformed tail is frictionless's to report; count what was read
            pass
    return max(count - 1, 0)


# problems --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Context:
    """What turning a frictionless error into a Problem needs to know."""

    schema: Mapping[str, Any]
    labels: list[str]
    row_numbers: Sequence[int] | None

    def field(self, name: str | None) -> Mapping[str, Any]:
        for field in self.schema.get("fields", []):
            if field.get("name") == name:
                return field
        return {"name": name or ""}

    def titles(self, name: str | None) -> dict[str, str]:
        field = self.field(name)
        fallback = name or ""
        return {"field": fallback, "field_bg": field.get("title") or fallback,
                "field_en": field.get("title_en") or field.get("title") or fallback}

    def row(self, number: int | None) -> int | None:
        """Map frictionless's row number (2 = first data row) to the upload's row number."""
        if number is None or self.row_numbers is None:
            return number
        index = number - 2
        return self.row_numbers[index] if 0 <= index < len(self.row_numbers) else None


# Each frictionless error type has a function that writes its message.
Builder = Callable[[Any, "_Context"], Text]


def to_problem(error: Any, context: _Context) -> Problem:
    """Turn one frictionless error into a Problem with a bilingual message."""
    builder = _BUILDERS.get(error.type, _other)
    field, value = _field_and_value(error, context)
    return Problem(code=error.type, message=builder(error, context), row=_row_of(error, context),
                   field=field, value=None if value is None else value[:_KEPT])


def _field_and_value(error: Any, context: _Context) -> tuple[str | None, str | None]:
    if error.type == "primary-key":
        return None, _key_value(error, context)
    if error.type in _HEADER_TYPES:
        # a column the schema lacks has no field name: its label is what the clerk sees
        label = getattr(error, "label", None) or None
        return getattr(error, "field_name", None) or label, label
    cell = getattr(error, "cell", None)
    field = getattr(error, "field_name", None) or None
    return field, None if error.type in ("missing-cell", "blank-row") else cell


def _row_of(error: Any, context: _Context) -> int | None:
    if error.type in _HEADER_TYPES:
        # The header's place in the original upload is known only when nothing was remapped.
        numbers = getattr(error, "row_numbers", None) or [None]
        return numbers[0] if context.row_numbers is None else None
    return context.row(getattr(error, "row_number", None))


def _shown(value: Any) -> str:
    value = "" if value is None else str(value)
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _cell_params(error: Any, context: _Context) -> dict[str, Any]:
    return {**context.titles(error.field_name), "value": _shown(error.cell)}


def _type_error(error: Any, context: _Context) -> Text:
    field = context.field(error.field_name)
    kind = field.get("format") if field.get("format") in ("uri", "email") else field.get("type")
    message_id = f"valid.type-error.{kind}"
    if message_id not in MESSAGES:
        message_id = "valid.type-error"
    return text(message_id, type=kind or "any", **_cell_params(error, context))


def _constraint_error(error: Any, context: _Context) -> Text:
    match = _CONSTRAINT_NOTE.match(error.note or "")
    name, limit = (match["name"], match["limit"]) if match else ("?", error.note or "")
    field = context.field(error.field_name)
    constraint = field.get("constraints", {}).get(name, limit)
    params = {**_cell_params(error, context), "constraint": name, "limit": limit,
              "length": len(error.cell or ""),
              "allowed": ", ".join(map(str, constraint)) if isinstance(constraint, list) else "",
              "hint_bg": field.get("description") or constraint,
              "hint_en": field.get("description_en") or constraint}
    message_id = f"valid.constraint.{name}"
    return text(message_id if message_id in MESSAGES else "valid.constraint-error", **params)


def _unique_error(error: Any, context: _Context) -> Text:
    other = _other_row(error, context)
    return text("valid.unique-error", other=other, **_cell_params(error, context))


def _primary_key(error: Any, context: _Context) -> Text:
    names = _primary_key_names(context)
    params = {"key": _key_value(error, context) or "", "other": _other_row(error, context),
              "columns_bg": ", ".join(context.titles(n)["field_bg"] for n in names),
              "columns_en": ", ".join(context.titles(n)["field_en"] for n in names)}
    blank = "are all" in (error.note or "")  # frictionless: key cells are all "None"
    return text("valid.primary-key.blank" if blank else "valid.primary-key", **params)


def _primary_key_names(context: _Context) -> list[str]:
    key = context.schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def _key_value(error: Any, context: _Context) -> str | None:
    cells = dict(zip(context.labels, getattr(error, "cells", None) or []))
    values = [cells.get(name) or "" for name in _primary_key_names(context)]
    return ", ".join(values) if any(values) else None


def _other_row(error: Any, context: _Context) -> str:
    match = _OTHER_ROW.search(error.note or "")
    other = context.row(int(match[1])) if match else None
    return "?" if other is None else str(other)


def _header(message_id: str) -> Builder:
    def build(error: Any, context: _Context) -> Text:
        label = getattr(error, "label", "")
        name = getattr(error, "field_name", "") or label
        # frictionless calls a nameless column an extra label when it matches fields by name
        blank = error.type == "extra-label" and not label.strip()
        return text("valid.blank-label" if blank else message_id, value=_shown(label),
                    position=getattr(error, "field_number", ""), **context.titles(name))
    return build


def _row_shape(message_id: str) -> Builder:
    def build(error: Any, context: _Context) -> Text:
        return text(message_id, value=_shown(error.cell), position=error.field_number,
                    **context.titles(error.field_name))
    return build


def _other(error: Any, context: _Context) -> Text:
    return text("valid.other", code=error.type, detail=str(error.message)[:_KEPT])


_BUILDERS: dict[str, Builder] = {
    "type-error": _type_error,
    "constraint-error": _constraint_error,
    "unique-error": _unique_error,
    "primary-key": _primary_key,
    "missing-cell": _row_shape("valid.missing-cell"),
    "extra-cell": _row_shape("valid.extra-cell"),
    "blank-row": lambda error, context: text("valid.blank-row"),
    "encoding-error": lambda error, context: text("valid.encoding-error"),
    **{code: _header(f"valid.{code}") for code in sorted(_HEADER_TYPES)},
}
