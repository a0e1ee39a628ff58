"""The reference geography of Bulgaria: settlements by EKATTE code and municipality boundaries.

The files in `metadata/reference/` (see its README for their origin and licence) are read on
first use, once per process (about 1 MB of text, a few MB in memory): a process that never
meets a place never reads them. Exports (DCAT, schema.org, CKAN) name areas from here.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

REFERENCE = Path(__file__).with_name("reference")


@dataclass(frozen=True)
class Settlement:
    ekatte: str
    name_bg: str
    municipality: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Municipality:
    code: str
    name_bg: str
    geometry: dict[str, Any]


@lru_cache(maxsize=1)
def settlements() -> dict[str, Settlement]:
    """Every settlement by EKATTE code (text: "00761" keeps its zeros)."""
    with (REFERENCE / "bg-settlement-points.csv").open(encoding="utf-8", newline="") as handle:
        return {r["ekatte"]: Settlement(r["ekatte"], r["name_bg"], r["municipality_code"],
                                        float(r["lon"]), float(r["lat"]))
                for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def municipalities() -> dict[str, Municipality]:
    """The 265 municipalities by code, with their boundaries; names from the settlement points."""
    names: dict[str, str] = {}
    with (REFERENCE / "bg-settlement-points.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            if r["municipality_code"]:
                names.setdefault(r["municipality_code"], r["municipality_bg"])
    collection = json.loads((REFERENCE / "bg-municipalities.geojson").read_text(encoding="utf-8"))
    found = {}
    for feature in collection["features"]:
        code = feature["properties"]["nuts4"]
        found[code] = Municipality(code, names.get(code, code), feature["geometry"])
    return found


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    xs = [p[0] for polygon in polygons for ring in polygon for p in ring]
    ys = [p[1] for polygon in polygons for ring in polygon for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def areas(codes: Iterable[str]) -> list[Municipality]:
    """Return the known municipalities among the codes, in code order."""
    known = municipalities()
    return [known[c] for c in sorted(set(codes)) if c in known]
