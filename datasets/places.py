"""Recognise place codes in a table and look them up in the reference geography.

A column is a place when its values are EKATTE codes (settlements), the statistics office's
municipality codes (`PVN16`), or one of a pair of latitude/longitude columns inside Bulgaria.
What was recognised is kept on the Table Schema field as `x_place` (one of KINDS, or "none"
when staff said a column is not a place), so it travels with the schema and staff can correct it.

The reference geography (settlements and municipalities) is in metadata/geography.py.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from metadata.geography import municipalities, settlements

KINDS = ("ekatte", "municipality", "latitude", "longitude")
NOT_A_PLACE = "none"
PLACE_KEY = "x_place"
# Bulgaria's bounding box (the corpus README: every settlement point lies inside it).
LATITUDES = (41.2, 44.3)
LONGITUDES = (22.3, 28.7)
_EKATTE = re.compile(r"\d{5}")
_MUNICIPALITY = re.compile(r"[A-Z]{3}\d{2}")
_LAT_NAME = re.compile(r"lat|шир", re.IGNORECASE)
_LON_NAME = re.compile(r"lon|lng|дълж", re.IGNORECASE)
# Share of a sample's filled values that must be known codes (the rest become warnings).
KNOWN_SHARE = 0.8
SAMPLE_ROWS = 5000


def ekatte_code(value: Any) -> str:
    """Return a value as an EKATTE code: text of five digits (an integer column lost the zeros)."""
    text = str(value).strip() if value is not None else ""
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def coordinate(value: Any) -> float | None:
    """Return a decimal-comma or decimal-dot number, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def in_range(value: float | None, bounds: tuple[float, float]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


class Sniffer:
    """What a sample of one column's values looks like as places."""

    def __init__(self) -> None:
        self.filled = 0
        self.counts = dict.fromkeys(KINDS, 0)

    def see(self, value: str) -> None:
        value = value.strip()
        if not value:
            return
        self.filled += 1
        if _EKATTE.fullmatch(value):
            self.counts["ekatte"] += value in settlements()
        elif _MUNICIPALITY.fullmatch(value.upper()):
            self.counts["municipality"] += value.upper() in municipalities()
        else:
            number = coordinate(value)
            self.counts["latitude"] += in_range(number, LATITUDES)
            self.counts["longitude"] += in_range(number, LONGITUDES)

    def fits(self, kind: str) -> bool:
        share = KNOWN_SHARE if kind in ("ekatte", "municipality") else 1.0
        return self.filled > 0 and self.counts[kind] >= share * self.filled


def recognise(sniffers: Mapping[str, Sniffer]) -> dict[str, str]:
    """Return {column: kind} for the columns that are places (coordinates only as a pair)."""
    found: dict[str, str] = {}
    for kind in ("ekatte", "municipality"):
        found.update({name: kind for name, s in sniffers.items() if s.fits(kind)})
    pair = []
    for kind, hint in (("latitude", _LAT_NAME), ("longitude", _LON_NAME)):
        candidates = [name for name, s in sniffers.items() if name not in found and s.fits(kind)]
        # With several columns in range, the one whose name says so (lat, шир…) wins.
        candidates.sort(key=lambda name: not hint.search(name))
        pair.append(candidates[0] if candidates else None)
    if pair[0] and pair[1] and pair[0] != pair[1]:
        found[pair[0]], found[pair[1]] = "latitude", "longitude"
    return found


def annotated(schema: Mapping[str, Any]) -> bool:
    """Tell whether places were already decided for this schema (recognised or reviewed)."""
    return any(PLACE_KEY in f for f in schema.get("fields", []))


def place_columns(schema: Mapping[str, Any]) -> dict[str, str]:
    """Return {kind: column name} of a schema's place columns (the first of each kind)."""
    columns: dict[str, str] = {}
    for f in schema.get("fields", []):
        if f.get(PLACE_KEY) in KINDS:
            columns.setdefault(f[PLACE_KEY], f["name"])
    if not ("latitude" in columns and "longitude" in columns):
        columns.pop("latitude", None)
        columns.pop("longitude", None)
    return columns


def sniff(sample: Iterable[list[str]], names: list[str]) -> dict[str, Sniffer]:
    """Return a Sniffer per column name that has seen the sample rows' values."""
    sniffers = {name: Sniffer() for name in names}
    for cells in sample:
        for name, value in zip(names, cells):
            sniffers[name].see(value)
    return sniffers


def mark(schema: dict[str, Any], found: Mapping[str, str], *, retype: bool = False) -> dict[str, Any]:
    """Return the schema with `x_place` on the recognised columns.

    With `retype` (a schema being inferred), a code column becomes text so that leading zeros
    are never lost even when the sample had none.
    """
    if not found:
        return schema
    fields = []
    for f in schema.get("fields", []):
        kind = found.get(f["name"])
        if kind is not None:
            f = {**f, PLACE_KEY: kind}
            if retype and kind in ("ekatte", "municipality"):
                f["type"] = "string"
        fields.append(f)
    return {**schema, "fields": fields}
