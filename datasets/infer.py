"""Infer a Table Schema for a custom dataset from a sample of its rows.

Types follow Bulgarian spreadsheet habits: decimal commas mean numbers, dd.mm.yyyy means
dates, да/не means booleans, and codes with leading zeros (EKATTE "00761") stay strings.
Columns of place codes or coordinates are marked as places (datasets/places.py).

`infer_schema` consumes the table's rows: reopen the file before normalizing it, or call
`infer_file`, which opens and closes a table of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from datasets.normalize import normalize_date, normalize_datetime, normalize_number
from datasets.places import Sniffer, mark, recognise
from datasets.read import SourceTable, open_table
from datasets.width import check_width
from metadata.slug import safe_identifier

# Most specific first: the first type every sampled value fits wins.
_TYPES = ("boolean", "integer", "number", "date", "datetime")
_BOOLEAN_WORDS = {"да", "не", "yes", "no", "true", "false"}
_LEADING_ZERO = re.compile(r"[-+]?0\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")
_INTEGER = re.compile(r"-?\d+")
_KEY_NAME = re.compile(r"^(id|code|kod|ekatte)$|_(id|code|kod|no)$|^(id|kod|code)_")


@dataclass
class _Column:
    """What the sample showed about one column."""

    candidates: set[str] = field(default_factory=lambda: set(_TYPES))
    filled: int = 0
    empty: int = 0
    values: set[str] | None = None  # kept only for key-like columns, to check uniqueness
    unique: bool = True

    def see(self, value: str) -> None:
        value = value.strip()
        if not value:
            self.empty += 1
            return
        self.filled += 1
        self.candidates = {t for t in self.candidates if _fits(t, value)}
        if self.values is not None and self.unique:
            self.unique = value not in self.values
            self.values.add(value)

    def inferred_type(self) -> str:
        if not self.filled:
            return "string"
        return next((t for t in _TYPES if t in self.candidates), "string")


def infer_schema(table: SourceTable, *, sample_size: int = 5000) -> dict[str, Any]:
    """Return a Table Schema dict inferred from the header and up to sample_size rows.

    Consumes the table's rows; reopen the file (or use `infer_file`) to read it again.
    Raises InvalidInput when the header has more columns than a release can hold.
    """
    check_width(table.header)
    names = _field_names(table.header)
    columns = [_Column(values=set() if _KEY_NAME.search(n) else None) for n in names]
    sniffers = [Sniffer() for _ in names]
    for _, cells in islice(table.rows(), sample_size):
        for index, column in enumerate(columns):
            value = cells[index] if index < len(cells) else ""
            column.see(value)
            sniffers[index].see(value)
    fields = [_field(name, title, column) for name, title, column in zip(names, table.header, columns)]
    schema: dict[str, Any] = {"fields": fields}
    key = next((n for n, c in zip(names, columns) if _is_key(c)), None)
    if key is not None:
        schema["primaryKey"] = [key]
    # Place codes (EKATTE, municipality) and coordinate pairs: see datasets/places.py.
    return mark(schema, recognise(dict(zip(names, sniffers))), retype=True)


def infer_file(path: Path | str, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None, sample_size: int = 5000) -> dict[str, Any]:
    """Open a file, infer its Table Schema and close it again."""
    with open_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet) as table:
        return infer_schema(table, sample_size=sample_size)


def _field_names(header: list[str]) -> list[str]:
    taken: set[str] = set()
    names = []
    for title in header:
        name = safe_identifier(title, taken=taken)
        taken.add(name)
        names.append(name)
    return names


def _field(name: str, title: str, column: _Column) -> dict[str, Any]:
    result: dict[str, Any] = {"name": name, "type": column.inferred_type(), "title": title}
    if title.isascii():
        result["title_en"] = title
    result["constraints"] = {"required": column.filled > 0 and column.empty == 0}
    return result


def _is_key(column: _Column) -> bool:
    return column.values is not None and column.unique and column.filled > 0 and not column.empty


def _fits(type_: str, value: str) -> bool:
    if type_ == "boolean":
        return value.casefold() in _BOOLEAN_WORDS
    if type_ in ("integer", "number"):
        if _LEADING_ZERO.match(value):
            return False  # a code such as EKATTE "00761": numbers would lose the zeros
        pattern = _INTEGER if type_ == "integer" else _NUMBER
        return bool(pattern.fullmatch(normalize_number(value, integer=type_ == "integer")))
    if type_ == "date":
        return bool(_ISO_DATE.fullmatch(normalize_date(value)))
    if type_ == "datetime":
        return bool(_ISO_DATETIME.fullmatch(normalize_datetime(value))) and ":" in value
    return False
