"""The map of a place-coded release: one value per place, computed from its SQLite database.

Settlements (EKATTE codes, or the rows' own coordinates) are points; municipality codes are
filled areas; the municipalities around the points are drawn as a plain backdrop. A place named
by several rows gets the sum of their values (the page says so). Like a chart, a map is plain
data: pictures are drawn from it (datasets/pictures.py) and pages print it as a table too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from datasets.places import LATITUDES, LONGITUDES, ekatte_code, in_range, place_columns
from datasets.preview import columns_of, query, quote
from metadata.geography import municipalities, settlements

NUMERIC = ("integer", "number")
# Points from coordinates are drawn one per row: a picture of more tells nothing more.
MAX_POINTS = 5000


@dataclass(frozen=True)
class Place:
    """One place on the map with its value (None when the column is empty for it)."""

    code: str
    name: str
    value: float | None
    rows: int
    lon: float | None = None  # points only
    lat: float | None = None


@dataclass(frozen=True)
class PlaceMap:
    """What a map shows: points or areas, coloured by `measure` (a numeric column) if any."""

    kind: str  # "points" | "areas"
    measure: str | None
    measures: tuple[str, ...]
    places: tuple[Place, ...]
    backdrop: tuple[str, ...]  # municipality codes drawn without colour
    summed: bool  # some place has more than one row, and its value is their sum
    truncated: bool = False

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.places if p.value is not None]


def measures_of(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The numeric columns a reader may colour the map by (coordinates excluded)."""
    return tuple(f["name"] for f in schema.get("fields", [])
                 if f.get("type") in NUMERIC and f.get("x_place") not in ("latitude", "longitude"))


def place_map(path: Path, table: str, schema: Mapping[str, Any], measure: str | None = None) -> PlaceMap | None:
    """Return the map of a release's table, or None when it has no place column."""
    columns = place_columns(schema)
    if not columns or not set(columns.values()) <= columns_of(path, table):
        return None
    measures = measures_of(schema)
    # By default the last number column: tables tend to end with their figure (code, name, … population).
    chosen = measure if measure in measures else (measures[-1] if measures else None)
    value = f"sum({quote(chosen)})" if chosen else "null"
    t = quote(table)
    if "latitude" in columns:
        lat, lon = quote(columns["latitude"]), quote(columns["longitude"])
        label = quote(columns.get("ekatte") or columns.get("municipality") or columns["latitude"])
        rows = query(path, f"select {label}, {lat}, {lon}, {quote(chosen) if chosen else 'null'} from {t} "
                           f"limit {MAX_POINTS + 1}")
        places = [Place(str(r[0]), str(r[0]), r[3], 1, float(r[2]), float(r[1])) for r in rows[:MAX_POINTS]
                  if in_range(_float(r[1]), LATITUDES) and in_range(_float(r[2]), LONGITUDES)]
        return PlaceMap("points", chosen, measures, tuple(places), (), False, len(rows) > MAX_POINTS)
    if "ekatte" in columns:
        rows = query(path, f"select {quote(columns['ekatte'])}, {value}, count(*) from {t} group by 1 order by 1")
        known = settlements()
        places = [Place(s.ekatte, s.name_bg, r[1], r[2], s.lon, s.lat)
                  for r in rows if (s := known.get(ekatte_code(r[0]))) is not None]
        backdrop = tuple(sorted({known[p.code].municipality for p in places} - {""}))
        return PlaceMap("points", chosen, measures, tuple(places), backdrop, any(p.rows > 1 for p in places))
    rows = query(path, f"select upper(trim({quote(columns['municipality'])})), {value}, count(*) from {t} "
                       f"group by 1 order by 1")
    known_areas = municipalities()
    places = [Place(str(r[0]), known_areas[r[0]].name_bg, r[1], r[2]) for r in rows if r[0] in known_areas]
    return PlaceMap("areas", chosen, measures, tuple(places), (), any(p.rows > 1 for p in places))


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
