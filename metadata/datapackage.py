"""Frictionless Data Package descriptors for releases."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from metadata.records import Dataset, Publisher
from metadata.vocab import LICENCES


def data_package(dataset: Dataset, publisher: Publisher, *, version: int, created: datetime,
                 schema: dict[str, Any], data_path: str, data_bytes: int, data_sha256: str,
                 row_count: int, base_url: str | None = None,
                 others: Sequence[dict[str, Any]] = (), places: Sequence[str] = ()) -> dict[str, Any]:
    """Return the datapackage.json descriptor of one release.

    With `base_url` (the release's public URL, ending in "/") the resource path is absolute,
    so the descriptor works on its own when fetched over HTTP. `others` are the release's other
    data files (Parquet, GeoJSON) as resources with name, path, format, mediatype, bytes and
    hash; `places` the municipality codes its rows name (its spatial coverage).
    """
    licence = LICENCES.get(dataset.licence)
    descriptor: dict[str, Any] = {
        # The Parquet and GeoJSON copies are not CSV tables: the package is then a plain one.
        "profile": "data-package" if others else "tabular-data-package",
        "name": dataset.slug,
        "title": dataset.title.bg,
        "version": str(version),
        "created": created.isoformat(timespec="seconds"),
        "licenses": [{"name": dataset.licence, "path": licence.url if licence else None,
                      "title": licence.title.en if licence else dataset.licence}],
        "sources": [{"title": publisher.name.bg, **({"path": publisher.homepage}
                                                     if publisher.homepage else {})}],
        "resources": [{
            "name": dataset.slug,
            "title": dataset.title.bg,
            "path": (base_url or "") + data_path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": data_bytes,
            "hash": f"sha256:{data_sha256}",
            "schema": schema,
        }, *({**other, "path": (base_url or "") + other["path"]} for other in others)],
        "x_otkrito": {"title_en": dataset.title.en, "description_en": dataset.description.en,
                      "rows": row_count, "publisher": publisher.slug, "sample": dataset.sample},
    }
    if places:
        descriptor["x_otkrito"]["municipalities"] = list(places)
    if dataset.description.bg:
        descriptor["description"] = dataset.description.bg
    if dataset.keywords:
        descriptor["keywords"] = list(dataset.keywords)
    if licence is None:
        descriptor["licenses"][0].pop("path")
    return descriptor
