"""Pictures of maps and charts as SVG or PNG, drawn on the server with matplotlib.

Why matplotlib: one well-kept library gives both formats from one drawing, with no system
libraries (its Agg renderer and its bundled DejaVu fonts, which have Cyrillic), so a picture
downloads the same everywhere and an embed needs no script at all. Maps use the Web Mercator
projection, so that an optional base map's tiles line up under them.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Sequence

from datasets.charts import Chart
from datasets.maps import PlaceMap
from metadata.geography import bbox, municipalities

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
COLOURS = "viridis"  # perceptually even and readable with colour-blindness
PALETTE = ["#0b57a4", "#b35900", "#2e7d32", "#6a1b9a", "#c62828"]  # as app/static/charts.js
MARGIN = 0.08


@dataclass(frozen=True)
class Caption:
    """The words around a downloaded picture: title, what the colour means, source and licence."""

    title: str
    legend: str
    source: str
    no_value: str = ""


def mercator_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _rings(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [[(p[0], mercator_y(p[1])) for p in ring] for polygon in polygons for ring in polygon]


def extent(place_map: PlaceMap) -> tuple[float, float, float, float]:
    """(west, south, east, north) in projected units: the places with a margin around them."""
    if place_map.kind == "points":
        xs = [p.lon for p in place_map.places if p.lon is not None]
        ys = [mercator_y(p.lat) for p in place_map.places if p.lat is not None]
        for code in place_map.backdrop:
            west, south, east, north = bbox(municipalities()[code].geometry)
            xs += [west, east]
            ys += [mercator_y(south), mercator_y(north)]
    else:
        boxes = [bbox(municipalities()[p.code].geometry) for p in place_map.places]
        xs = [b[0] for b in boxes] + [b[2] for b in boxes]
        ys = [mercator_y(b[1]) for b in boxes] + [mercator_y(b[3]) for b in boxes]
    if not xs:
        xs, ys = [22.3, 28.7], [mercator_y(41.2), mercator_y(44.3)]
    dx = max(max(xs) - min(xs), 0.05) * MARGIN
    dy = max(max(ys) - min(ys), 0.05) * MARGIN
    return min(xs) - dx, min(ys) - dy, max(xs) + dx, max(ys) + dy


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure  # imported on first picture: pages without one never pay

    return Figure(figsize=(width, height), dpi=100)


def _save(figure: Any, fmt: str, *, transparent: bool = False) -> bytes:
    import matplotlib

    out = io.BytesIO()
    # Text stays text in SVG (small, searchable); fixed ids and no date: the same map, the same bytes.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "otkrito"}):
        figure.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None,
                       transparent=transparent)
    return out.getvalue()


def draw_map(place_map: PlaceMap, fmt: str, *, caption: Caption | None = None,
             base_map: bool = False) -> bytes:
    """Draw a map. Without a caption it is the bare map for a page (the page prints the legend,
    and the figure is exactly the extent, so tiles can lie under it); with one, a picture to keep."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize

    west, south, east, north = extent(place_map)
    width = 8.0
    height = min(max(width * (north - south) / (east - west), 3.0), 10.0)
    figure = _figure(width, height + (1.6 if caption else 0))
    axes = figure.add_axes((0, 1.2 / (height + 1.6), 0.86, height / (height + 1.6)) if caption else (0, 0, 1, 1))
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_axis_off()
    axes.set_aspect("auto")
    values = place_map.values
    norm = Normalize(min(values, default=0), max(values, default=1) if max(values, default=1) != min(
        values, default=0) else min(values, default=0) + 1)
    scalar = ScalarMappable(norm=norm, cmap=COLOURS)
    around = [m for m in municipalities().values() if _overlaps(bbox(m.geometry), west, south, east, north)]
    axes.add_collection(PolyCollection([r for m in around for r in _rings(m.geometry)],
                                       facecolors="none" if base_map else "#eeeeee", edgecolors="#8a8a8a",
                                       linewidths=0.5))
    if place_map.backdrop:  # the municipalities the points belong to stand out from their neighbours
        own = [r for code in place_map.backdrop for r in _rings(municipalities()[code].geometry)]
        axes.add_collection(PolyCollection(own, facecolors="none" if base_map else "#ffffff",
                                           edgecolors="#333333", linewidths=1.2))
    if place_map.kind == "areas":
        shapes, colours = [], []
        for place in place_map.places:
            for ring in _rings(municipalities()[place.code].geometry):
                shapes.append(ring)
                colours.append(scalar.to_rgba(place.value) if place.value is not None else "#d9d9d9")
        axes.add_collection(PolyCollection(shapes, facecolors=colours, edgecolors="#222222", linewidths=0.8))
    else:
        points = [p for p in place_map.places if p.lon is not None and p.lat is not None]
        axes.scatter([p.lon for p in points], [mercator_y(p.lat) for p in points],  # type: ignore[arg-type]
                     c=[scalar.to_rgba(p.value) if p.value is not None else "#d9d9d9" for p in points],
                     s=70, edgecolors="#111111", linewidths=0.8, zorder=3)
    if caption:
        figure.text(0.02, 1 - 0.25 / (height + 1.6), caption.title, fontsize=13, va="top", wrap=True)
        figure.text(0.02, 0.35 / (height + 1.6), caption.source, fontsize=8, va="bottom", wrap=True)
        if place_map.measure and values:
            bar_axes = figure.add_axes((0.88, 1.4 / (height + 1.6), 0.025, (height - 0.6) / (height + 1.6)))
            figure.colorbar(scalar, cax=bar_axes, label=caption.legend)
    return _save(figure, fmt, transparent=base_map and caption is None)


def _overlaps(box: tuple[float, float, float, float], west: float, south: float, east: float,
              north: float) -> bool:
    return box[0] <= east and box[2] >= west and mercator_y(box[1]) <= north and mercator_y(box[3]) >= south


def legend_stops(place_map: PlaceMap, count: int = 5) -> list[tuple[float, str]]:
    """Evenly spaced values of the colour scale with their colours (hex), for an HTML legend."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    values = place_map.values
    if not values:
        return []
    low, high = min(values), max(values)
    colours = colormaps[COLOURS]
    stops = [low + (high - low) * i / (count - 1) for i in range(count)] if high != low else [low]
    return [(v, to_hex(colours((v - low) / (high - low) if high != low else 0.0))) for v in stops]


def draw_chart(chart: Chart, fmt: str, *, names: Sequence[str], caption: Caption) -> bytes:
    """Draw a chart (bars, stacked bars or lines) with its series `names` in the reader's language."""
    from matplotlib.ticker import FuncFormatter

    figure = _figure(8.0, 5.0)
    axes = figure.add_axes((0.12, 0.28, 0.85, 0.6))
    labels = list(chart.labels)
    positions = list(range(len(labels)))
    count = max(len(chart.series), 1)
    bottoms = [0.0] * len(labels)
    for index, (series, name) in enumerate(zip(chart.series, names)):
        colour = PALETTE[index % len(PALETTE)]
        values = [v or 0.0 for v in series.values]
        if chart.kind == "line":
            axes.plot(positions, values, marker="os^"[index % 3], color=colour, label=name,
                      linestyle=["-", "--", ":"][index % 3])
        elif chart.kind == "stacked":
            axes.bar(positions, values, bottom=bottoms, color=colour, label=name)
            bottoms = [b + v for b, v in zip(bottoms, values)]
        else:
            width = 0.8 / count
            axes.bar([p - 0.4 + width * (index + 0.5) for p in positions], values, width=width,
                     color=colour, label=name)
    axes.set_xticks(positions, labels, rotation=30 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center",
                    fontsize=8)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ")))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=min(count, 3), fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.text(0.02, 0.97, caption.title, fontsize=13, va="top")
    figure.text(0.02, 0.02, caption.source, fontsize=8, va="bottom")
    return _save(figure, fmt)
