"""A release as GeoJSON (RFC 7946): one Feature per row, the row's fields as properties.

The geometry comes from the row's own coordinates when it has a latitude/longitude pair, else
from its EKATTE code (the settlement's point), else from its municipality code (the boundary).
A row whose place is unknown keeps its properties with a null geometry, as RFC 7946 allows.
Written from the normalized CSV in one streaming pass, so memory stays flat.
"""
from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from datasets.places import (
    LATITUDES,
    LONGITUDES,
    coordinate,
    ekatte_code,
    in_range,
    municipalities,
    place_columns,
    settlements,
)

MEDIA_TYPE = "application/geo+json"


def _integer(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value


def _number(value: str) -> Any:
    try:
        number = float(value)
    except ValueError:
        return value
    return number if number == number and abs(number) != float("inf") else value  # JSON has no NaN


CONVERT: dict[str, Callable[[str], Any]] = {
    "integer": _integer, "year": _integer, "number": _number,
    "boolean": lambda v: {"true": True, "false": False}.get(v, v),
}


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def _oriented(polygon: list[list[list[float]]]) -> list[list[list[float]]]:
    """RFC 7946's right-hand rule: outer ring counter-clockwise, holes clockwise."""
    rings = []
    for index, ring in enumerate(polygon):
        counter_clockwise = _signed_area(ring) > 0
        rings.append(ring if counter_clockwise == (index == 0) else ring[::-1])
    return rings


@lru_cache(maxsize=512)
def municipality_geometry(code: str) -> str | None:
    """The municipality's boundary as GeoJSON text, rings oriented as RFC 7946 says."""
    found = municipalities().get(code)
    if found is None:
        return None
    geometry = found.geometry
    if geometry["type"] == "Polygon":
        coordinates: Any = _oriented(geometry["coordinates"])
    else:
        coordinates = [_oriented(p) for p in geometry["coordinates"]]
    return json.dumps({"type": geometry["type"], "coordinates": coordinates}, separators=(",", ":"))


def _point(lon: float, lat: float) -> str:
    return f'{{"type":"Point","coordinates":[{lon!r},{lat!r}]}}'


@lru_cache(maxsize=8192)
def settlement_geometry(code: str) -> str | None:
    found = settlements().get(code)
    return None if found is None else _point(found.lon, found.lat)


def geometry_of(row: Mapping[str, str], columns: Mapping[str, str]) -> str | None:
    """Return the GeoJSON geometry text of one normalized row (None when its place is unknown)."""
    if "latitude" in columns:
        lat, lon = coordinate(row[columns["latitude"]]), coordinate(row[columns["longitude"]])
        if in_range(lat, LATITUDES) and in_range(lon, LONGITUDES):
            return _point(lon, lat)  # type: ignore[arg-type]
    if "ekatte" in columns and (found := settlement_geometry(ekatte_code(row[columns["ekatte"]]))):
        return found
    if "municipality" in columns:
        return municipality_geometry(row[columns["municipality"]].strip().upper())
    return None


def write_geojson(csv_path: Path, schema: Mapping[str, Any], out_path: Path) -> bool:
    """Write the FeatureCollection of a place-coded release; False (nothing written) otherwise."""
    columns = place_columns(schema)
    if not columns:
        return False
    fields = schema.get("fields", [])
    converters = [(f["name"], CONVERT.get(f.get("type", "string"), str)) for f in fields]
    with csv_path.open(encoding="utf-8", newline="") as source, \
            out_path.open("w", encoding="utf-8") as out:
        reader = csv.reader(source)
        names = next(reader)
        out.write('{"type":"FeatureCollection","features":[\n')
        separator = ""
        for cells in reader:
            row = dict(zip(names, cells))
            properties = {name: (convert(row[name]) if row.get(name, "") != "" else None)
                          for name, convert in converters}
            geometry = geometry_of(row, columns) or "null"
            out.write(f'{separator}{{"type":"Feature","geometry":{geometry},"properties":'
                      f'{json.dumps(properties, ensure_ascii=False)}}}')
            separator = ",\n"
        out.write("\n]}\n")
    return True
