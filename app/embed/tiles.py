"""An optional base map under a map: tiles from OTKRITO_MAP_TILES (`…/{z}/{x}/{y}.png`).

Off by default: boundaries are enough and nobody is tracked. When it is set, pages and embeds
load tiles from that server, which then sees readers' addresses, so it is the operator's
choice. The map picture is drawn in Web Mercator over exactly its extent, so tiles of the same
projection line up under it; both are placed in one inline SVG (no inline styles, which the
CSP forbids).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from datasets.maps import PlaceMap
from datasets.pictures import extent

TILE = 256
MOST_TILES = 6  # across the map: enough detail, few requests


@dataclass(frozen=True)
class Tile:
    url: str
    x: float
    y: float


@dataclass(frozen=True)
class TileLayer:
    width: float
    height: float
    tiles: tuple[Tile, ...]


def tile_layer(place_map: PlaceMap, template: str) -> TileLayer:
    """The tiles that cover the map's extent, in the coordinates of a box of width × height."""
    west, south, east, north = extent(place_map)
    zoom = max(1, min(16, int(math.log2(MOST_TILES * 360 / max(east - west, 1e-6)))))
    scale = 2 ** zoom * TILE

    def px(lon: float) -> float:
        return (lon + 180) / 360 * scale

    def py(mercator: float) -> float:  # the picture's y is Web Mercator in degrees
        return (1 - mercator / 180) / 2 * scale

    x0, y0 = px(west), py(north)
    tiles = tuple(Tile(template.format(z=zoom, x=tx, y=ty), tx * TILE - x0, ty * TILE - y0)
                  for ty in range(int(y0 // TILE), int(py(south) // TILE) + 1)
                  for tx in range(int(x0 // TILE), int(px(east) // TILE) + 1))
    return TileLayer(px(east) - x0, py(south) - y0, tiles)
