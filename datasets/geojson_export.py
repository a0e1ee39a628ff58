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


def _geometry(cells: list[str], at: Mapping[str, int]) -> str | None:
    """Return the GeoJSON geometry text of one normalized row (None when its place is unknown)."""
    if "latitude" in at:
        lat, lon = coordinate(cells[at["latitude"]]), coordinate(cells[at["longitude"]])
        if in_range(lat, LATITUDES) and in_range(lon, LONGITUDES):
            return _point(lon, lat)  # type: ignore[arg-type]
    if "ekatte" in at and (found := settlement_geometry(ekatte_code(cells[at["ekatte"]]))):
        return found
    if "municipality" in at:
        return municipality_geometry(cells[at["municipality"]].strip().upper())
    return None


def write_geojson(csv_path: Path, schema: Mapping[str, Any], out_path: Path) -> bool:
    """Write the FeatureCollection of a place-coded release; False (nothing written) otherwise."""
    columns = place_columns(schema)
    if not columns:
        return False
    fields = schema.get("fields", [])
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with csv_path.open(encoding="utf-8", newline="") as source, \
            out_path.open("w", encoding="utf-8") as out:
        reader = csv.reader(source)
        names = next(reader)
        at = {name: i for i, name in enumerate(names)}
        # In the schema's order; text cells go as they are, typed ones are converted.
        order = [(f["name"], at[f["name"]], CONVERT.get(f.get("type", "string"))) for f in fields]
        place_at = {kind: at[name] for kind, name in columns.items()}
        out.write('{"type":"FeatureCollection","features":[\n')
        separator, lines = "", []
        for cells in reader:
            properties = {name: (convert(cells[i]) if convert else cells[i]) if cells[i] else None
                          for name, i, convert in order}
            geometry = _geometry(cells, place_at) or "null"
            lines.append(f'{separator}{{"type":"Feature","geometry":{geometry},"properties":{encode(properties)}}}')
            separator = ",\n"
            if len(lines) >= 1000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines) + "\n]}\n")
    return True
