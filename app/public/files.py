"""Downloads: release files, Data Packages, JSON/XLSX exports, and the chart library's file."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, send_file, stream_with_context

from app.state import current_portal
from datasets import catalog, export
from datasets.instance import Instance
from datasets.storage import release_key
from metadata.dcat import Site
from metadata.records import Dataset, Release, ReleaseFile

bp = Blueprint("files", __name__)
IMMUTABLE = "public, max-age=31536000, immutable"
# The charting library, installed by `npm ci` in the setup command, served from our own origin.
VENDOR = {"chart.umd.min.js": ("chart.js", "dist/chart.umd.min.js")}
LABELS = {"data": "CSV", "zip": "ZIP", "sqlite": "SQLite", "datapackage": "JSON", "source": "original",
          "parquet": "Parquet", "geojson": "GeoJSON"}


@dataclass(frozen=True)
class Download:
    """One downloadable file of a release, as a page lists it."""

    kind: str  # data, json, xlsx, zip, datapackage, sqlite, source
    label: str
    name: str
    bytes: int | None
    sha256: str | None



def release_path(instance: Instance, slug: str, release: Release, role: str) -> Path | None:
    """Return the local path of a release's file with this role, or None.

    With object storage the file is fetched into the instance's cache on first use, checked
    against the catalog's sha256 (a store that cannot be reached raises StorageUnavailable).
    """
    record = release.file(role)
    return None if record is None else file_path(instance, slug, release, record)


def file_path(instance: Instance, slug: str, release: Release, record: ReleaseFile) -> Path:
    """Return the local path of one listed release file (fetched first, with object storage)."""
    return instance.storage.fetch(release_key(slug, release.version, record.name), record.sha256)


def schema_of(instance: Instance, slug: str, release: Release) -> dict[str, Any] | None:
    """Return the Table Schema recorded in a release's datapackage.json."""
    path = release_path(instance, slug, release, "datapackage")
    if path is None or not path.exists():
        return None
    resources = json.loads(path.read_text(encoding="utf-8")).get("resources", [])
    return resources[0].get("schema") if resources else None


def _cache(instance: Instance, slug: str, version: int) -> Path:
    return instance.export_dir(slug, version)


def _xlsx(instance: Instance, dataset: Dataset, release: Release, database: Path) -> Path | None:
    return export.release_xlsx(instance, current_portal().engine, dataset.slug, release.version,
                               database, dataset.table_name)


_json_sizes: dict[Path, int] = {}
# Sizing the JSON export means writing it out, and the XLSX export is built on its first
# download: for a big release that takes seconds to minutes, and a page never waits for it.
EAGER_EXPORT_ROWS = 50_000


def downloads(instance: Instance, dataset: Dataset, release: Release) -> list[Download]:
    """Return what a published release offers, in the order a person wants it."""
    found = [Download(f.role, LABELS.get(f.role, f.role), f.name, f.bytes, f.sha256)
             for f in release.files]
    database = release_path(instance, dataset.slug, release, "sqlite")
    if database is not None and database.exists():
        small = release.row_count <= EAGER_EXPORT_ROWS
        cache = _cache(instance, dataset.slug, release.version)
        if small and database not in _json_sizes:
            _json_sizes[database] = export.json_size(database, dataset.table_name)
        xlsx = (_xlsx(instance, dataset, release, database) if small
                else export.xlsx_path(dataset.table_name, cache=cache))
        found += [Download("json", "JSON", f"{dataset.slug}.json", _json_sizes.get(database), None),
                  Download("xlsx", "XLSX", f"{dataset.slug}.xlsx",
                           xlsx.stat().st_size if xlsx and xlsx.exists() else None, None)]
    order = ("data", "json", "xlsx", "geojson", "parquet", "zip", "datapackage", "sqlite", "source")
    return sorted(found, key=lambda d: order.index(d.kind) if d.kind in order else len(order))


def published_release(slug: str, version: int | None) -> tuple[Dataset, Release]:
    engine = current_portal().engine
    dataset = catalog.get_dataset(engine, slug)
    release = (catalog.latest_release(engine, dataset.id) if version is None
               else catalog.get_release(engine, dataset, version))
    if release is None:
        abort(404)
    if release.status != "published":
        abort(410)
    return dataset, release


@bp.get("/datasets/<slug>/datapackage.json")
@bp.get("/datasets/<slug>/releases/<int:version>/datapackage.json")
def datapackage(slug: str, version: int | None = None):  # type: ignore[no-untyped-def]
    dataset, release = published_release(slug, version)
    path = release_path(current_portal().instance, dataset.slug, release, "datapackage")
    if path is None:
        abort(404)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    # From OTKRITO_BASE_URL, as in feeds and DCAT: never from the request's Host header.
    site = Site(current_app.config["OTKRITO"]["BASE_URL"])
    for resource in descriptor.get("resources", []):
        resource["path"] = site.download(dataset.slug, release.version, resource["path"])
    return jsonify(descriptor)


def _export(dataset: Dataset, release: Release, kind: str) -> Response:
    instance = current_portal().instance
    database = release_path(instance, dataset.slug, release, "sqlite")
    if database is None:
        abort(404)
    name = f"{dataset.slug}-v{release.version}.{kind}"
    if kind == "xlsx":
        path = _xlsx(instance, dataset, release, database)
        if path is None:
            abort(410)  # withdrawn while the export was being made
        response = send_file(path, mimetype=export.MEDIA_TYPES[kind], as_attachment=True,
                             download_name=name, conditional=True)
    else:
        response = Response(stream_with_context(export.json_chunks(database, dataset.table_name)),
                            mimetype=export.MEDIA_TYPES[kind])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/datasets/<slug>/releases/<int:version>/<path:name>")
def download(slug: str, version: int, name: str):  # type: ignore[no-untyped-def]
    dataset, release = published_release(slug, version)
    for kind in export.EXPORTS:
        if name == f"{dataset.slug}.{kind}":
            return _export(dataset, release, kind)
    record = next((f for f in release.files if f.name == name), None)
    if record is None:
        abort(404)  # only files the catalog lists: the name never reaches the filesystem as-is
    path = file_path(current_portal().instance, dataset.slug, release, record)
    response = send_file(path, mimetype=record.media_type, as_attachment=record.role != "datapackage",
                         download_name=record.name.rsplit("/", 1)[-1], etag=record.sha256,
                         max_age=31536000, conditional=True)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/datasets/<slug>/latest.csv")
def latest_csv(slug: str):  # type: ignore[no-untyped-def]
    """The latest release's CSV at one stable address, for harvesters that pull on a schedule.

    Served here, not redirected: data.egov.bg fetches API resources with curl and no
    CURLOPT_FOLLOWLOCATION (governmentbg/data-gov-bg app/Http/Controllers/ResourceController.php:61-85),
    and takes the format from the Content-Type (:111-129). The ETag is the file's sha256, so an
    unchanged release answers 304 to a conditional request; it may change with the next release.
    """
    dataset, release = published_release(slug, None)
    record = release.file("data")
    if record is None:
        abort(404)
    path = file_path(current_portal().instance, dataset.slug, release, record)
    response = send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"{dataset.slug}.csv",
                         etag=record.sha256, conditional=True)
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.get("/vendor/<name>")
def vendor(name: str):  # type: ignore[no-untyped-def]
    if name not in VENDOR:
        abort(404)
    package, inside = VENDOR[name]
    path = Path(current_app.root_path).parent / "node_modules" / package / inside
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=86400, conditional=True)


def init_app(app: Flask) -> None:
    """Register the download routes."""
    app.register_blueprint(bp)
