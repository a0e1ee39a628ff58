"""Picture downloads of maps and charts: `/pictures/<slug>/<version>/map.svg`, `chart-<key>.png`…

A release never changes, so a picture is drawn once per (release, picture, language) and kept in
a bounded memory cache; it is served as immutable. `map-bare` is the map without title and
legend that the dataset page and the embeds show (their HTML carries legend and caption).
"""
from __future__ import annotations

from collections import OrderedDict

from flask import Blueprint, Response, abort, current_app

from app.embed import figures
from app.i18n import current_lang, localized
from datasets.pictures import FORMATS, draw_chart, draw_map

bp = Blueprint("pictures", __name__)
IMMUTABLE = "public, max-age=31536000, immutable"
KEEP = 64
_drawn: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


def _kept(key: tuple[object, ...], draw) -> bytes:  # type: ignore[no-untyped-def]
    if key in _drawn:
        _drawn.move_to_end(key)
        return _drawn[key]
    body = draw()
    _drawn[key] = body
    while len(_drawn) > KEEP:
        _drawn.popitem(last=False)
    return body


def _answer(body: bytes, fmt: str, name: str, download: bool) -> Response:
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Cache-Control"] = IMMUTABLE
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def tiles_configured() -> bool:
    return bool(current_app.config["OTKRITO"].get("MAP_TILES"))


@bp.get("/pictures/<slug>/<int:version>/<any(map, 'map-bare'):what>.<any(svg, png):fmt>")
def map_picture(slug: str, version: int, what: str, fmt: str):  # type: ignore[no-untyped-def]
    item = figures.subject(slug, version)
    measure = figures.requested_measure()
    found = figures.map_of(item, measure)
    if found is None:
        abort(404)
    bare = what == "map-bare"
    base_map = bare and tiles_configured()
    key = (slug, version, what, found.measure, current_lang(), fmt, base_map)
    body = _kept(key, lambda: draw_map(found, fmt, caption=None if bare else figures.map_caption(item, found),
                                       base_map=base_map))
    return _answer(body, fmt, f"{slug}-v{version}-map", download=not bare)


@bp.get("/pictures/<slug>/<int:version>/chart-<key>.<any(svg, png):fmt>")
def chart_picture(slug: str, version: int, key: str, fmt: str):  # type: ignore[no-untyped-def]
    item = figures.subject(slug, version)
    chart = figures.chart_of(item, key)
    cache_key = (slug, version, "chart", key, current_lang(), fmt)
    body = _kept(cache_key, lambda: draw_chart(chart, fmt, names=[localized(s.name) for s in chart.series],
                                               caption=figures.chart_caption(item, chart)))
    return _answer(body, fmt, f"{slug}-v{version}-{key}", download=True)
