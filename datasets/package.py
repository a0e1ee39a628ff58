"""The files of a release other than its database: Parquet, GeoJSON, datapackage.json, the zip.

Written into the publish's private build directory (in the background while the database is
indexed), so they are renamed into place with everything else or not at all.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from datasets.files import describe
from datasets.geojson_export import MEDIA_TYPE as GEOJSON
from datasets.geojson_export import write_geojson
from metadata.datapackage import data_package
from metadata.records import Dataset, Publisher, ReleaseFile

# The derived copies a release offers besides the CSV (bench/geo_publish.py turns them off to compare).
DERIVED = ("parquet", "geojson")


def _derived(build: Path, slug: str, data: Path, schema: dict[str, Any],
             kinds: Sequence[str], places: Sequence[str]) -> list[ReleaseFile]:
    made = []
    if "parquet" in kinds:
        # Imported here: pyarrow (with numpy) costs every portal and CLI process ~0.15 s at
        # start-up, and only a publish needs it.
        from datasets.parquet_export import MEDIA_TYPE, write_parquet

        write_parquet(data, schema, build / f"{slug}.parquet")
        made.append(describe(build / f"{slug}.parquet", build, role="parquet", media_type=MEDIA_TYPE))
    if "geojson" in kinds and write_geojson(data, schema, build / f"{slug}.geojson"):
        geojson = describe(build / f"{slug}.geojson", build, role="geojson", media_type=GEOJSON)
        made.append(replace(geojson, places=tuple(places)))
    return made


def _resource(dataset: Dataset, record: ReleaseFile) -> dict[str, Any]:
    # "file": frictionless checks its bytes and hash, and does not read it as a table.
    return {"name": f"{dataset.slug}-{record.role}", "title": f"{dataset.title.bg} ({record.role})",
            "type": "file", "profile": "data-resource", "path": record.name, "format": record.role, "mediatype": record.media_type,
            "bytes": record.bytes, "hash": f"sha256:{record.sha256}"}


def package_files(build: Path, dataset: Dataset, publisher: Publisher, *, version: int,
                  created: datetime, schema: dict[str, Any], row_count: int, data_name: str,
                  places: Sequence[str] = (), kinds: Sequence[str] = DERIVED) -> tuple[ReleaseFile, ...]:
    """Write the release's package files into `build`; return them described (sizes, sha256)."""
    slug = dataset.slug
    data = describe(build / data_name, build, role="data", media_type="text/csv")
    derived = _derived(build, slug, build / data_name, schema, kinds, places)
    descriptor = data_package(dataset, publisher, version=version, created=created, schema=schema,
                              data_path=data.name, data_bytes=data.bytes, data_sha256=data.sha256,
                              row_count=row_count, others=[_resource(dataset, d) for d in derived],
                              places=places)
    (build / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2),
                                            encoding="utf-8")
    zip_path = build / f"{slug}-v{version}.zip"
    # Level 1 deflates CSV about 5x faster than the default 6 for a file ~15 % larger; the
    # zip is a convenience copy of files also served uncompressed (and gzipped by the server).
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=1) as archive:
        archive.write(build / "datapackage.json", "datapackage.json")
        archive.write(build / data_name, data_name)
        for record in derived:  # Parquet is compressed already
            archive.write(build / record.name, record.name,
                          compress_type=zipfile.ZIP_STORED if record.role == "parquet" else None)
    source = next((build / "source").iterdir())
    return (
        data,
        describe(build / "datapackage.json", build, role="datapackage",
                 media_type="application/json"),
        describe(zip_path, build, role="zip", media_type="application/zip"),
        *derived,
        describe(source, build, role="source", media_type="application/octet-stream"),
    )
