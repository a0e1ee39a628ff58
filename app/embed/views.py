"""The embed pages: a map or a chart with its title, source, licence and a link back.

Any site may frame them (app/headers.py gives `/embed/` `frame-ancestors *`). They set no
cookie, run no script at all, and load nothing from anyone else: the picture is ours.
`/embed/datasets/<slug>/map` follows the latest release; `…/releases/<version>/map` is pinned.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, url_for

from app.embed import figures
from app.embed.tiles import TileLayer, tile_layer
from datasets.maps import PlaceMap
from datasets.pictures import legend_stops
from metadata.records import Dataset
from metadata.vocab import LICENCES, Licence

bp = Blueprint("embed", __name__, template_folder="templates")


def licence_of(dataset: Dataset) -> Licence | None:
    return LICENCES.get(dataset.licence)


@dataclass(frozen=True)
class PageMap:
    """What the dataset page shows of its latest release's map."""

    map: PlaceMap
    summary: str
    legend: str
    stops: list[tuple[float, str]]
    tiles: TileLayer | None


def tiles_for(found: PlaceMap) -> TileLayer | None:
    template = current_app.config["OTKRITO"].get("MAP_TILES")
    return tile_layer(found, template) if template else None


def page_map(slug: str, version: int) -> PageMap | None:
    """The map of a release for the dataset page, coloured by the reader's `measure`."""
    item = figures.subject(slug, version)
    found = figures.map_of(item, figures.requested_measure())
    if found is None:
        return None
    return PageMap(found, figures.map_summary(item, found), figures.map_caption(item, found).legend,
                   legend_stops(found), tiles_for(found))


@bp.get("/embed/datasets/<slug>/map")
@bp.get("/embed/datasets/<slug>/releases/<int:version>/map")
def map_embed(slug: str, version: int | None = None):  # type: ignore[no-untyped-def]
    item = figures.subject(slug, version)
    found = figures.map_of(item, figures.requested_measure())
    if found is None:
        abort(404)
    picture = url_for("pictures.map_picture", slug=slug, version=item.release.version, what="map-bare",
                      fmt="svg", measure=found.measure if figures.requested_measure() else None)
    return render_template("embed/map.html", item=item, map=found, picture=picture, pinned=version is not None,
                           stops=legend_stops(found), summary=figures.map_summary(item, found),
                           legend=figures.map_caption(item, found).legend, tiles=tiles_for(found))


@bp.get("/embed/datasets/<slug>/charts/<key>")
@bp.get("/embed/datasets/<slug>/releases/<int:version>/charts/<key>")
def chart_embed(slug: str, key: str, version: int | None = None):  # type: ignore[no-untyped-def]
    item = figures.subject(slug, version)
    chart = figures.chart_of(item, key)
    picture = url_for("pictures.chart_picture", slug=slug, version=item.release.version, key=key, fmt="svg")
    return render_template("embed/chart.html", item=item, chart=chart, picture=picture, pinned=version is not None)
