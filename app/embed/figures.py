"""What the maps and charts of a release are, and their captions: shared by the dataset page,
the picture downloads and the embed pages (each release is immutable, so results are kept)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request
from flask_babel import gettext

from app.i18n import field_text, localized
from app.public import files
from app.state import current_portal
from datasets import catalog
from datasets.charts import Chart, charts_for
from datasets.maps import PlaceMap, place_map
from datasets.pictures import Caption
from metadata.errors import InvalidInput
from metadata.records import Dataset, Publisher, Release
from metadata.vocab import LICENCES
from publishers.registry import get_publisher_by_id

_maps: dict[tuple[str, int, str | None], PlaceMap | None] = {}
_charts: dict[tuple[str, int], list[Chart]] = {}
KEEP = 256


@dataclass(frozen=True)
class Subject:
    """A published release, its dataset, publisher and Table Schema."""

    dataset: Dataset
    publisher: Publisher
    release: Release
    schema: dict[str, Any]


def subject(slug: str, version: int | None) -> Subject:
    """The latest (version None) or a given published release; 404 or 410 otherwise."""
    dataset, release = files.published_release(slug, version)
    # The release's own schema says which columns are places (a profile's schema does not).
    schema = files.schema_of(current_portal().instance, slug, release) or dataset.table_schema or {}
    return Subject(dataset, get_publisher_by_id(current_portal().engine, dataset.publisher_id), release, schema)


def requested_measure() -> str | None:
    return request.args.get("measure") or None


def map_of(item: Subject, measure: str | None) -> PlaceMap | None:
    """The release's map coloured by `measure`; a measure that is no number column is bad input."""
    key = (item.dataset.slug, item.release.version, measure)
    if key not in _maps:
        database = files.release_path(current_portal().instance, item.dataset.slug, item.release, "sqlite")
        found = place_map(database, item.dataset.table_name, item.schema, measure) if database else None
        if len(_maps) > KEEP:
            _maps.clear()
        _maps[key] = found
    found = _maps[key]
    if found is not None and measure is not None and found.measure != measure:
        raise InvalidInput("places.no-number", field=measure[:80])
    return found


def charts_of(item: Subject) -> list[Chart]:
    """The charts as they were at this release (its own and the earlier published ones)."""
    key = (item.dataset.slug, item.release.version)
    if key not in _charts:
        engine, instance = current_portal().engine, current_portal().instance
        live = [r for r in catalog.list_releases(engine, item.dataset.id)
                if r.status == "published" and r.version <= item.release.version]
        paths = [files.release_path(instance, item.dataset.slug, r, "sqlite") for r in reversed(live)]
        if len(_charts) > KEEP:
            _charts.clear()
        _charts[key] = charts_for(item.dataset.profile, [p for p in paths if p is not None],
                                  item.dataset.table_name)
    return _charts[key]


def chart_of(item: Subject, key: str) -> Chart:
    found = next((c for c in charts_of(item) if c.key == key), None)
    if found is None:
        abort(404)
    return found


def column_title(item: Subject, name: str | None) -> str:
    field = next((f for f in item.schema.get("fields", []) if f["name"] == name), None)
    return (field_text(field, "title") or name or "") if field else (name or "")


def source_line(item: Subject) -> str:
    licence = LICENCES.get(item.dataset.licence)
    base = current_app.config["OTKRITO"]["BASE_URL"].rstrip("/")
    return gettext("Source: %(publisher)s · licence %(licence)s · %(url)s",
                   publisher=localized(item.publisher.name),
                   licence=localized(licence.title) if licence else item.dataset.licence,
                   url=f"{base}/datasets/{item.dataset.slug}")


def map_caption(item: Subject, found: PlaceMap) -> Caption:
    legend = column_title(item, found.measure)
    if found.summed:
        legend = gettext("%(column)s (sum of the rows of each place)", column=legend)
    return Caption(gettext("Map: %(title)s", title=localized(item.dataset.title)), legend,
                   source_line(item) + " · " + gettext("Boundaries and points: yurukov/Bulgaria-geocoding, "
                                                       "© OpenStreetMap contributors"))


def chart_caption(item: Subject, chart: Chart) -> Caption:
    return Caption(localized(chart.title) + (f" ({chart.unit})" if chart.unit else ""), "", source_line(item))


def map_summary(item: Subject, found: PlaceMap) -> str:
    """The text alternative of a map: what it shows and its extremes (the table has the rest)."""
    what = (gettext("%(count)s settlements as points", count=len(found.places)) if found.kind == "points"
            else gettext("%(count)s municipalities as areas", count=len(found.places)))
    valued = [p for p in found.places if p.value is not None]
    if not found.measure or not valued:
        return what + "."
    high, low = max(valued, key=lambda p: p.value or 0), min(valued, key=lambda p: p.value or 0)
    return gettext("%(what)s, coloured by %(column)s: highest %(high)s (%(high_value)s), lowest %(low)s "
                   "(%(low_value)s).", what=what, column=column_title(item, found.measure),
                   high=high.name, high_value=_plain(high.value), low=low.name, low_value=_plain(low.value))


def _plain(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}".replace(",", "\u00a0") if float(value).is_integer() else f"{value:,.2f}"
