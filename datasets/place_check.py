"""Check every row's place codes while a publish normalizes it: unknown codes become warnings.

A warning never blocks a publish (the row simply has no geometry); the first LIMIT are listed
with row and value, the rest are counted. The municipalities the rows name are collected on the
way, for the dataset's spatial coverage.
"""
from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path
from typing import Any, Mapping, Sequence

from datasets.normalize import match_columns
from datasets.places import (
    LATITUDES,
    LONGITUDES,
    SAMPLE_ROWS,
    annotated,
    coordinate,
    ekatte_code,
    in_range,
    mark,
    municipalities,
    place_columns,
    recognise,
    settlements,
    sniff,
)
from datasets.read import SourceTable
from datasets.report import Problem
from metadata.messages import text
from metadata.messages_places import PLACE_KINDS

LIMIT = 100


def recognise_in(schema: dict[str, Any], table: SourceTable) -> dict[str, Any]:
    """Mark the place columns of a schema that has none decided yet, from the table's first rows.

    For a dataset whose schema came before place codes were recognised (or from a profile):
    the types are kept as they are; an integer EKATTE column is read with its zeros put back.
    """
    if annotated(schema):
        return schema
    fields = schema.get("fields", [])
    sources, _ = match_columns(table.header, fields, header_row=table.dialect.header_row)
    wanted = [(f["name"], i) for f, i in zip(fields, sources)
              if i is not None and f.get("type", "string") in ("string", "integer", "number")]
    if not wanted:
        return schema
    names = [name for name, _ in wanted]
    sample = ([cells[i] if i < len(cells) else "" for _, i in wanted]
              for _, cells in islice(table.rows(), SAMPLE_ROWS))
    return mark(schema, recognise(sniff(sample, names)))


class PlaceCheck:
    """Looks up each normalized row's place cells (cells in the schema's field order)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        names = [f["name"] for f in schema.get("fields", [])]
        self.columns = place_columns(schema)
        self.index = {kind: names.index(name) for kind, name in self.columns.items()}
        self.warnings: list[Problem] = []
        self.unknown = 0
        self.municipalities: set[str] = set()

    @property
    def active(self) -> bool:
        return bool(self.index)

    def row(self, cells: list[str], number: int) -> None:
        for kind, i in self.index.items():
            value = cells[i].strip() if i < len(cells) else ""
            if value and not self._known(kind, value):
                self._warn(kind, value, number)

    def check_file(self, csv_path: Path, row_numbers: Sequence[int]) -> None:
        """Check a normalized CSV already written (row_numbers: each row's source record number)."""
        if not self.active:
            return
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for cells, number in zip(reader, row_numbers):
                self.row(cells, number)

    def _known(self, kind: str, value: str) -> bool:
        if kind == "ekatte":
            found = settlements().get(ekatte_code(value))
            if found is not None and found.municipality:
                self.municipalities.add(found.municipality)
            return found is not None
        if kind == "municipality":
            known = value.upper() in municipalities()
            if known:
                self.municipalities.add(value.upper())
            return known
        return in_range(coordinate(value), LATITUDES if kind == "latitude" else LONGITUDES)

    def _warn(self, kind: str, value: str, number: int) -> None:
        self.unknown += 1
        if len(self.warnings) >= LIMIT:
            return
        message_id = {"ekatte": "places.unknown-ekatte",
                      "municipality": "places.unknown-municipality"}.get(kind, "places.outside-bulgaria")
        field = self.columns[kind]
        self.warnings.append(Problem("unknown-place", text(message_id, row=number, value=value, field=field),
                                     row=number, field=field, value=value, severity="warning"))

    def problems(self) -> tuple[Problem, ...]:
        """The notices of what was recognised, then the warnings (and how many were not listed)."""
        found = [Problem("place-column", text("places.recognised", field=name, kind_bg=PLACE_KINDS[kind][0],
                                                kind_en=PLACE_KINDS[kind][1]), field=name, severity="notice")
                 for kind, name in self.columns.items()]
        more = []
        if self.unknown > len(self.warnings):
            more = [Problem("unknown-place", text("places.more-unknown", count=self.unknown - len(self.warnings),
                                                   limit=LIMIT), severity="warning")]
        return (*found, *self.warnings, *more)
