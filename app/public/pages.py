"""Public pages: home, catalog, dataset, release and publisher (downloads live in `files`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, make_response, render_template, request, url_for
from flask_babel import lazy_gettext

from app.i18n import current_lang, localized
from app.public import files, present
from app.public.freshness import catalog_index, not_modified, with_validators
from app.state import current_portal
from datasets import catalog, search
from datasets.charts import Chart, charts_for
from datasets.dataset_withdrawal import withdrawal_of
from datasets.preview import Preview, first_rows
from datasets.sources import get_source
from metadata.records import Dataset, Release
from metadata.vocab import FREQUENCIES, LICENCES, THEMES
from publishers.registry import get_publisher, get_publisher_by_id

bp = Blueprint("public", __name__, template_folder="templates")
KEY_PROFILES = ("budget", "decisions", "indicators")
FACET_LABELS = {"publisher": lazy_gettext("Publisher"), "theme": lazy_gettext("Theme"),
                "keyword": lazy_gettext("Keyword"), "licence": lazy_gettext("Licence"),
                "format": lazy_gettext("Format"), "frequency": lazy_gettext("Update frequency")}



def _page(template: str, **context: Any) -> Response:
    return with_validators(make_response(render_template(template, **context)))


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    entries = catalog_index().entries
    released = sorted((e for e in entries if e.release), key=lambda e: e.updated, reverse=True)
    counts = {"datasets": len(entries), "publishers": len({e.publisher.slug for e in entries}),
              "releases": sum(e.release.version for e in released if e.release),
              "rows": sum(e.release.row_count for e in released if e.release)}
    key = [e for profile in KEY_PROFILES for e in entries if e.dataset.profile == profile][:6]
    return _page("home.html", latest=released[:6], key=key, counts=counts)


def _query() -> search.Query:
    filters = tuple((facet, value) for facet in search.FACETS
                    for value in dict.fromkeys(request.args.getlist(facet)) if value)
    sort = request.args.get("sort", "relevance")
    page = request.args.get("page", "1")
    return search.Query(text=request.args.get("q", "").strip()[:200], filters=filters,
                        sort=sort if sort in search.SORTS else "relevance",
                        page=int(page) if page.isdigit() else 1, lang=current_lang())


@bp.get("/datasets")
def dataset_list():  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    query = _query()
    index = catalog_index()
    publishers = {e.publisher.slug: e.publisher for e in index.entries}
    return _page("datasets.html", query=query, results=search.search(index, query),
                 publishers=publishers, facet_titles=FACET_LABELS)


def facet_label(facet: str, value: str, publishers: dict[str, Any]) -> str:
    """Return how a facet value reads to a visitor."""
    named = {"publisher": lambda: publishers[value].name, "theme": lambda: THEMES[value],
             "licence": lambda: LICENCES[value].title,
             "frequency": lambda: FREQUENCIES[value].label}
    try:
        return localized(named[facet]()) if facet in named else value
    except KeyError:
        return value


def catalog_url(query: search.Query, **change: Any) -> str:
    """Return the catalog URL for a query with one change: toggle=(facet, value), page, sort."""
    filters = list(query.filters)
    if (toggle := change.pop("toggle", None)) is not None:
        filters = [f for f in filters if f != toggle] if toggle in filters else filters + [toggle]
        change.setdefault("page", 1)
    params: dict[str, Any] = {"q": query.text or None, "sort": None if query.sort == "relevance" else query.sort,
                              "page": query.page if query.page > 1 else None}
    params.update(change)
    if params.get("page") == 1:
        params["page"] = None
    for facet in search.FACETS:
        params[facet] = [v for f, v in filters if f == facet] or None
    return url_for("public.dataset_list", **{k: v for k, v in params.items() if v is not None})


@dataclass(frozen=True)
class DatasetView:
    """What a dataset page shows beyond the catalog row (read once per release, kept in memory)."""

    fields: list[dict[str, Any]]
    preview: Preview | None
    charts: list[Chart]
    downloads: list[files.Download]


_views: dict[tuple[str, int | None, str], DatasetView] = {}


def _dataset_view(dataset: Dataset, releases: list[Release]) -> DatasetView:
    live = [r for r in releases if r.status == "published"]
    key = (dataset.slug, live[0].version if live else None, repr(dataset.table_schema))
    if key in _views:
        return _views[key]
    instance = current_portal().instance
    paths = [files.release_path(instance, dataset.slug, r, "sqlite") for r in reversed(live)]
    paths = [p for p in paths if p is not None]
    preview = first_rows(paths[-1], dataset.table_name) if paths else None
    schema = dataset.table_schema or (files.schema_of(instance, dataset.slug, live[0]) if live else None)
    view = DatasetView(
        fields=(schema or {}).get("fields", []),
        preview=preview, charts=charts_for(dataset.profile, paths, dataset.table_name),
        downloads=files.downloads(instance, dataset, live[0]) if live else [])
    if len(_views) > 512:
        _views.clear()
    _views[key] = view
    return view


def jsonld(slug: str) -> str | None:
    """Return schema.org JSON-LD for a dataset when the interoperability layer offers it."""
    build = current_app.extensions.get("jsonld")
    if build is None:
        return None
    # Harmless in a data block already; this keeps any "</script" from ending it early.
    return str(build(slug)).replace("</", "<\\/")


@bp.get("/datasets/<slug>")
def dataset_page(slug: str):  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    engine = current_portal().engine
    dataset = catalog.get_dataset(engine, slug)
    releases = catalog.list_releases(engine, dataset.id)
    release = next((r for r in releases if r.status == "published"), None)
    # The map part (app/embed) offers the map of a release, as interop offers JSON-LD.
    place_map = current_app.extensions.get("place_map")
    return _page("dataset.html", dataset=dataset, releases=releases,
                 place=place_map(slug, release.version) if place_map and release else None,
                 publisher=get_publisher_by_id(engine, dataset.publisher_id),
                 release=next((r for r in releases if r.status == "published"), None),
                 view=(view := _dataset_view(dataset, releases)), jsonld=jsonld(slug),
                 column_titles=present.column_titles(view.fields),
                 licence=LICENCES.get(dataset.licence), source=get_source(engine, slug),
                 withdrawal=withdrawal_of(engine, dataset.id),
                 base_url=current_app.config["OTKRITO"]["BASE_URL"].rstrip("/"))


@bp.get("/datasets/<slug>/releases/<int:version>")
def release_page(slug: str, version: int):  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    engine = current_portal().engine
    dataset = catalog.get_dataset(engine, slug)
    release = catalog.get_release(engine, dataset, version)
    downloads = files.downloads(current_portal().instance, dataset, release) if release.status == "published" else []
    earlier = [r.version for r in catalog.list_releases(engine, dataset.id)
               if r.status == "published" and r.version < version]
    return _page("release.html", dataset=dataset, release=release, downloads=downloads,
                 publisher=get_publisher_by_id(engine, dataset.publisher_id),
                 previous=max(earlier) if earlier and release.status == "published" else None)


@bp.get("/publishers/<slug>")
def publisher_page(slug: str):  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    publisher = get_publisher(current_portal().engine, slug)
    entries = [e for e in catalog_index().entries if e.publisher.slug == publisher.slug]
    entries.sort(key=lambda e: localized(e.dataset.title).casefold())
    latest = sorted((e for e in entries if e.release), key=lambda e: e.updated, reverse=True)[:5]
    return _page("publisher.html", publisher=publisher, entries=entries, latest=latest)
