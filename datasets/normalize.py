"""Write a source table as a clean CSV in its schema's columns, order and value formats.

Bulgarian spreadsheet habits (decimal commas, spaces between thousands, dd.mm.yyyy г.,
да/не) become the Table Schema's canonical forms. Values that cannot be converted are
written unchanged so the validator reports them as type errors with the original text.
"""
from __future__ import annotations

import array
import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets.generated import row_function, unpack
from datasets.read import SourceTable
from datasets.report import Problem
from metadata.messages import text
from metadata.slug import safe_identifier

PROGRESS_EVERY = 10_000
_GROUP_SPACES = re.compile("[ \u00a0\u202f\u2009'\u2019]")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_INTEGER = re.compile(r"-?\d+")
_THOUSANDS = re.compile(r"\d{1,3}(X\d{3})+")  # X stands for the separator being checked
_EXPONENT = re.compile(r"(.+?)[eE]([+-]?\d+)")
_YEAR_SUFFIX = re.compile(r"\s*(г\.?|год\.?)$", re.IGNORECASE)
_DMY = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_SUFFIX = re.compile(r"(\d)\s*г\.?(?:\s+|$)")  # "14.04.2026 г. 10:30"
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*ч\.?)?")
# Values already in Table Schema form come back unchanged; checking for that first is several
# times cheaper than the general path and is what nearly every cell of a machine export hits.
_CANONICAL_INTEGER = re.compile(r"-?[0-9]+")
_CANONICAL_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_ISO_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # a date or not, it stays as it is
_BOOLEANS = {"да": "true", "не": "false", "yes": "true", "no": "false", "1": "true",
             "0": "false", "true": "true", "false": "false"}


@dataclass(frozen=True)
class Normalized:
    """The normalized CSV and what was learned while writing it."""

    path: Path
    row_count: int
    row_numbers: array.array[int]  # typecode "q"; row_numbers[i] = source record number of row i
    problems: tuple[Problem, ...]  # header/schema mismatches (errors) + the table's notices


def normalize(table: SourceTable, schema: dict[str, Any], out_path: Path, *,
              on_progress: Callable[[int], None] | None = None,
              on_row: Callable[[list[str], int], None] | None = None) -> Normalized:
    """Stream the table's rows into out_path as UTF-8 CSV in the schema's field order.

    With `on_row`, each written row is also passed on with its source record number, and
    `row_numbers` stays empty: the caller has seen every number, and memory stays constant.
    """
    fields: list[dict[str, Any]] = schema.get("fields", [])
    sources, problems = match_columns(table.header, fields, header_row=table.dialect.header_row)
    converters = [_converter(f.get("type", "string")) for f in fields]
    width = len(table.header)
    map_row = compile_map_row(sources, [f.get("type", "string") for f in fields], width) \
        or (lambda cells: _map_row(cells, sources, converters, width))
    row_numbers = array.array("q")
    with Path(out_path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([f["name"] for f in fields])
        count = 0
        for number, cells in table.rows():
            row = map_row(cells)
            writer.writerow(row)
            count += 1
            if on_row is None:
                row_numbers.append(number)
            else:
                on_row(row, number)
            if on_progress and count % PROGRESS_EVERY == 0:
                on_progress(count)
    if on_progress:
        on_progress(count)
    return Normalized(Path(out_path), count, row_numbers, tuple(problems) + tuple(table.notices))


def match_columns(header: list[str], fields: list[dict[str, Any]], *,
                  header_row: int) -> tuple[list[int | None], list[Problem]]:
    """Return, per schema field, its source column index (or None), and the mismatches."""
    lookup = _field_keys(fields)
    sources: list[int | None] = [None] * len(fields)
    problems: list[Problem] = []
    for column, name in enumerate(header):
        index = lookup.get(_key(name), lookup.get(safe_identifier(name)))
        if index is None or sources[index] is not None:
            problems.append(_problem("extra-column", name, row=header_row))
        else:
            sources[index] = column
    for field, source in zip(fields, sources):
        if source is None and field.get("constraints", {}).get("required"):
            problems.append(_problem("missing-column", field["name"], row=header_row))
    return sources, problems


def _field_keys(fields: list[dict[str, Any]]) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for index, field in enumerate(fields):
        for label in (field.get("name"), field.get("title"), field.get("title_en")):
            if label:
                lookup.setdefault(_key(label), index)
                lookup.setdefault(safe_identifier(label), index)
    return lookup


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _problem(code: str, field: str, *, row: int) -> Problem:
    return Problem(code, text(f"schema.{code}", field=field), row=row, field=field)


def _map_row(cells: list[str], sources: list[int | None],
             converters: list[Callable[[str], str]], width: int) -> list[str]:
    """Map one row, keeping raggedness visible to the validator.

    A short row is cut after the last field whose source cell exists (so the validator
    reports missing cells); a long row keeps its extra cells at the end (extra cells).
    """
    if len(cells) == width and None not in sources:  # the usual row: every field has a column
        return [convert(cells[source]) for source, convert in zip(sources, converters)]  # type: ignore[index]
    out: list[str] = []
    present = 0
    for source, convert in zip(sources, converters):
        if source is None:
            out.append("")
        elif source < len(cells):
            out.append(convert(cells[source]))
            present = len(out)
        else:
            out.append("")
    if len(cells) < width:
        return out[:present]
    return out + cells[width:]


# The converters below as expressions on a cell `c`, for compile_map_row.
_INLINE = {
    "number": "({c} if _number({c}) else _normalize_number({c}.strip()))",
    "integer": "({c} if _integer({c}) else _normalize_integer({c}.strip()))",
    "date": "({c} if len({c}) == 10 and _iso({c}) else _normalize_date({c}.strip()))",
    "datetime": "_normalize_datetime({c}.strip())",
    "boolean": "_normalize_boolean({c}.strip())",
}


def compile_map_row(sources: list[int | None], types: list[str],
                    width: int) -> Callable[[list[str]], list[str]] | None:
    """Return _map_row for these columns as one generated function (None: not applicable).

    The function does for a row of exactly `width` cells what _map_row does, with each
    field's converter inlined (a Python call per cell was most of the time); any other row
    goes through _map_row (datasets.generated).
    """
    if None in sources or not sources:
        return None
    namespace: dict[str, Any] = {
        "_number": _CANONICAL_NUMBER.fullmatch, "_integer": _CANONICAL_INTEGER.fullmatch,
        "_iso": _ISO_SHAPE.fullmatch, "_normalize_number": normalize_number,
        "_normalize_integer": lambda v: normalize_number(v, integer=True),
        "_normalize_date": normalize_date, "_normalize_datetime": normalize_datetime,
        "_normalize_boolean": normalize_boolean, "_map_row": _map_row,
        "_sources": sources, "_converters": [_converter(t) for t in types], "W": width}
    cells = [f"cells[{source}]" for source in sources]
    expressions = [_INLINE.get(t, "{c}.strip()").format(c=f"c{i}") for i, t in enumerate(types)]
    return row_function("map_row", [
        "if len(cells) != W:", "    return _map_row(cells, _sources, _converters, W)",
        unpack(len(types), ", ".join(cells) + ","),
        f"return [{', '.join(expressions)}]"], namespace)


def _converter(field_type: str) -> Callable[[str], str]:
    # Each first tries the canonical form, which the general path would return unchanged.
    number, integer = _CANONICAL_NUMBER.fullmatch, _CANONICAL_INTEGER.fullmatch
    return {
        "number": lambda v: v if number(v) else normalize_number(v.strip()),
        "integer": lambda v: v if integer(v) else normalize_number(v.strip(), integer=True),
        "date": lambda v: v if len(v) == 10 and _ISO_SHAPE.fullmatch(v)
        else normalize_date(v.strip()),
        "datetime": lambda v: normalize_datetime(v.strip()),
        "boolean": lambda v: normalize_boolean(v.strip()),
    }.get(field_type, str.strip)


def normalize_number(value: str, *, integer: bool = False) -> str:
    """Return a number in Table Schema form ("1 234,56" -> "1234.56"); else value unchanged."""
    if (_CANONICAL_INTEGER if integer else _CANONICAL_NUMBER).fullmatch(value):
        return value
    s = _GROUP_SPACES.sub("", value.strip()).replace("\u2212", "-").lstrip("+")
    exponent = _EXPONENT.fullmatch(s)
    if exponent and not integer:
        mantissa = normalize_number(exponent.group(1))
        if _NUMBER.fullmatch(mantissa):
            return f"{mantissa}e{exponent.group(2)}"
        return value
    sign, digits = ("-", s[1:]) if s.startswith("-") else ("", s)
    result = _unseparate(digits, integer=integer)
    if result is None:
        return value
    candidate = sign + result
    pattern = _INTEGER if integer else _NUMBER
    return candidate if pattern.fullmatch(candidate) else value


def _unseparate(s: str, *, integer: bool) -> str | None:
    """Drop thousands separators and make "." the decimal mark; None when ambiguous."""
    if "." in s and "," in s:
        mark = max(s.rfind("."), s.rfind(","))  # the last one is the decimal mark
        whole, fraction = s[:mark], s[mark + 1:]
        separator = "," if s[mark] == "." else "."
        if separator in whole and not _grouped(whole, separator):
            return None
        return f"{whole.replace(separator, '')}.{fraction}"
    for separator in (",", "."):
        count = s.count(separator)
        if count > 1:
            return s.replace(separator, "") if _grouped(s, separator) else None
        if count == 1:
            if separator == "." and integer and _grouped(s, "."):
                return s.replace(".", "")  # "1.234" in a whole-number column
            return s.replace(separator, ".")
    return s


def _grouped(s: str, separator: str) -> bool:
    return bool(_THOUSANDS.fullmatch(s.replace(separator, "X")))


def _date_parts(value: str) -> dt.date | None:
    s = _YEAR_SUFFIX.sub("", value.strip())
    try:
        if _ISO_DATE.fullmatch(s):
            return dt.date.fromisoformat(s)
        match = _DMY.fullmatch(s)
        if match is None:
            return None
        day, month, year = int(match.group(1)), int(match.group(3)), match.group(4)
        full_year = int(year) if len(year) == 4 else (2000 if int(year) < 70 else 1900) + int(year)
        return dt.date(full_year, month, day)
    except ValueError:
        return None


def normalize_date(value: str) -> str:
    """Return an ISO date ("14.04.2026 г." -> "2026-04-14"); else value unchanged."""
    if len(value) == 10 and value.isascii() and _ISO_DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            return value  # not a date: the general path would leave it unchanged too
    date = _date_parts(value)
    return date.isoformat() if date else value


def normalize_datetime(value: str) -> str:
    """Return an ISO datetime ("14.04.2026 10:30" -> "2026-04-14T10:30:00"); else unchanged."""
    s = _DAY_SUFFIX.sub(r"\1 ", value.strip()).strip()
    date_text, _, time_text = s.replace("T", " ", 1).partition(" ")
    date = _date_parts(date_text if time_text and _TIME.fullmatch(time_text.strip()) else s)
    if date is None:
        return value
    time = _TIME.fullmatch(time_text.strip()) if time_text else None
    if time is None:
        return f"{date.isoformat()}T00:00:00"
    hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return value
    return f"{date.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}"


def normalize_boolean(value: str) -> str:
    """Return "true"/"false" for да/не, yes/no, 1/0, true/false; else value unchanged."""
    return _BOOLEANS.get(value.strip().casefold(), value)
