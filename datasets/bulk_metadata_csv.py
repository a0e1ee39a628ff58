"""Datasets' metadata as a CSV that Excel in Bulgaria opens, and reading it back as Excel saves it.

Written as UTF-8 with a byte-order mark and `;` between cells (the list separator of a
Bulgarian Windows), so a double-click opens it in columns with Cyrillic intact. Read back with
the pipeline's own reader (datasets/read.py): UTF-8 with or without BOM or Windows-1251, `;`
`,` or tab, and XLSX if it was saved as a workbook.

Cells are text, never formulas: a cell that starts with = + - @ (or a tab or carriage return)
gets an apostrophe in front when written, so a spreadsheet shows it as text instead of running
it. So that reading undoes exactly that, a cell that already starts with an apostrophe gets
one too, and reading removes one leading apostrophe from any cell.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from datasets.read import open_table
from metadata.errors import InvalidInput

COLUMNS = ("slug", "title_bg", "title_en", "description_bg", "description_en", "licence",
           "frequency", "themes", "keywords", "spatial", "temporal_start", "temporal_end",
           "contact_name", "contact_email")
LISTS = ("themes", "keywords")
LIST_SEPARATOR = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (undone exactly by `restore`)."""
    return _GUARD + value if value.startswith(_FORMULA_START + (_GUARD,)) else value


def restore(value: str) -> str:
    """Undo `neutralise`."""
    return value[1:] if value.startswith(_GUARD) else value


def cell(name: str, value: Any) -> str:
    """A catalog value as the text of its cell: lists joined with '; ', nothing as empty."""
    if value is None:
        return ""
    if name in LISTS:
        return f"{LIST_SEPARATOR} ".join(str(v) for v in value)
    return str(value)


def write_csv(records: Iterable[Mapping[str, Any]]) -> bytes:
    """The records (one per dataset, keyed by COLUMNS) as the CSV's bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([neutralise(cell(name, record.get(name))) for name in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Row:
    """One data row of an uploaded metadata CSV: its row number and its cells by column."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Sheet:
    """An uploaded metadata CSV: the columns it has, its rows, and rows that are not rows."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    bad_rows: tuple[tuple[str, dict[str, Any]], ...]  # (message id, its parameters)


def split_list(value: str) -> list[str]:
    """A list cell's items, trimmed, empty ones dropped."""
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def read_csv(path: Path) -> Sheet:
    """Read an uploaded metadata CSV; raise InvalidInput when it cannot be one at all."""
    with open_table(path) as table:
        columns = _columns(table.header)
        rows, bad = [], []
        for number, cells in table.rows():
            if len(cells) != len(columns):
                bad.append(("bulk.csv-row-width", {"row": number, "cells": len(cells),
                                                   "columns": len(columns)}))
                continue
            rows.append(Row(number, {c: restore(v) for c, v in zip(columns, cells)}))
        # A title row above the header, or a "Total" row: the reader set it aside, and here
        # it can only be a dataset's row that would otherwise be silently skipped.
        bad.extend(("bulk.csv-unexpected-row", {"row": n.row}) for n in table.notices)
    return Sheet(columns, tuple(rows), tuple(sorted(bad, key=lambda b: b[1]["row"])))


def _columns(header: list[str]) -> tuple[str, ...]:
    names = tuple(h.strip().lower() for h in header)
    unknown = [h for h, n in zip(header, names) if n not in COLUMNS]
    if unknown:
        raise InvalidInput("bulk.csv-unknown-columns", columns=", ".join(u[:60] for u in unknown[:10]),
                           known=", ".join(COLUMNS))
    if "slug" not in names:
        raise InvalidInput("bulk.csv-no-slug")
    return names
