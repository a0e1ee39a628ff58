"""Public pages: home, catalog, dataset, release, publisher, downloads and Data Packages."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request, send_file

from datasets import catalog
from metadata.records import Release
from publishers.registry import get_publisher, get_publisher_by_id, list_publishers

bp = Blueprint("public", __name__)


def _portal():  # type: ignore[no-untyped-def]
    from app import portal_of

    return portal_of(current_app)


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    engine = _portal().engine
    items = [(d, catalog.latest_release(engine, d.id)) for d in catalog.list_datasets(engine)]
    return render_template("home.html", items=items, publishers=list_publishers(engine))


@bp.get("/datasets")
def dataset_list():  # type: ignore[no-untyped-def]
    engine = _portal().engine
    items = [(d, catalog.latest_release(engine, d.id)) for d in catalog.list_datasets(engine)]
    return render_template("datasets.html", items=items)


@bp.get("/datasets/<slug>")
def dataset_page(slug: str):  # type: ignore[no-untyped-def]
    engine = _portal().engine
    dataset = catalog.get_dataset(engine, slug)
    return render_template("dataset.html", dataset=dataset,
                           publisher=get_publisher_by_id(engine, dataset.publisher_id),
                           releases=catalog.list_releases(engine, dataset.id))


@bp.get("/datasets/<slug>/releases/<int:version>")
def release_page(slug: str, version: int):  # type: ignore[no-untyped-def]
    engine = _portal().engine
    dataset = catalog.get_dataset(engine, slug)
    return render_template("release.html", dataset=dataset,
                           release=catalog.get_release(engine, dataset, version))


@bp.get("/publishers/<slug>")
def publisher_page(slug: str):  # type: ignore[no-untyped-def]
    engine = _portal().engine
    publisher = get_publisher(engine, slug)
    items = [(d, catalog.latest_release(engine, d.id))
             for d in catalog.list_datasets(engine, publisher_id=publisher.id)]
    return render_template("publisher.html", publisher=publisher, items=items)


def _published(slug: str, version: int | None) -> tuple[str, Release]:
    engine = _portal().engine
    dataset = catalog.get_dataset(engine, slug)
    release = (catalog.latest_release(engine, dataset.id) if version is None
               else catalog.get_release(engine, dataset, version))
    if release is None:
        abort(404)
    if release.status != "published":
        abort(410)
    return dataset.slug, release


@bp.get("/datasets/<slug>/datapackage.json")
@bp.get("/datasets/<slug>/releases/<int:version>/datapackage.json")
def datapackage(slug: str, version: int | None = None):  # type: ignore[no-untyped-def]
    slug, release = _published(slug, version)
    folder = _portal().instance.release_dir(slug, release.version)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    base = f"{request.url_root}datasets/{slug}/releases/{release.version}/"
    for resource in descriptor.get("resources", []):
        resource["path"] = base + resource["path"]
    return jsonify(descriptor)


@bp.get("/datasets/<slug>/releases/<int:version>/<path:name>")
def download(slug: str, version: int, name: str):  # type: ignore[no-untyped-def]
    slug, release = _published(slug, version)
    record = next((f for f in release.files if f.name == name), None)
    if record is None:
        abort(404)  # only files the catalog lists: the name never reaches the filesystem as-is
    path = _portal().instance.release_dir(slug, release.version) / record.name
    response = send_file(path, mimetype=record.media_type, as_attachment=record.role != "datapackage",
                         download_name=record.name.rsplit("/", 1)[-1], etag=record.sha256,
                         max_age=31536000, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def init_app(app: Flask) -> None:
    """Register the public pages with language and security headers."""
    from app import headers, i18n

    i18n.init_app(app)
    headers.init_app(app)
    app.register_blueprint(bp)
