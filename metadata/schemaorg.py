"""schema.org `Dataset` JSON-LD for dataset pages, safe to embed in a <script> element."""
from __future__ import annotations

import json
from typing import Any

from metadata.dcat import Site, clean_text, safe_url
from metadata.records import Dataset, Publisher, Release
from metadata.spatial import schemaorg_places
from metadata.vocab import LICENCES

ENCODINGS = {"data": "text/csv", "sqlite": "application/vnd.sqlite3", "zip": "application/zip",
             "parquet": "application/vnd.apache.parquet", "geojson": "application/geo+json"}


def _temporal(dataset: Dataset) -> str | None:
    if not (dataset.temporal_start or dataset.temporal_end):
        return None
    return f"{dataset.temporal_start or '..'}/{dataset.temporal_end or '..'}"


def dataset_jsonld(site: Site, dataset: Dataset, publisher: Publisher,
                   release: Release | None) -> dict[str, Any]:
    """Return the schema.org Dataset description of a dataset and its latest release."""
    url = site.dataset(dataset.slug)
    licence = LICENCES.get(dataset.licence)
    creator: dict[str, Any] = {"@type": "Organization", "name": clean_text(publisher.name.bg),
                               "url": site.publisher(publisher.slug)}
    if safe_url(publisher.homepage):
        creator["sameAs"] = publisher.homepage
    description = clean_text(dataset.description.bg or dataset.title.bg)
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": url,
        "name": clean_text(dataset.title.bg),
        "alternateName": clean_text(dataset.title.en),
        "description": description,
        "url": url,
        "identifier": url,
        "inLanguage": "bg",
        "isAccessibleForFree": True,
        "license": licence.url if licence else dataset.licence,
        "creator": creator,
        "publisher": creator,
        "keywords": [clean_text(k) for k in dataset.keywords],
        "spatialCoverage": {"@type": "Place", "name": clean_text(dataset.spatial or "България")},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "Открито",
                                  "url": site.url("datasets")},
    }
    if places := schemaorg_places(site.base_url, release):
        document["spatialCoverage"] = places
    temporal = _temporal(dataset)
    if temporal:
        document["temporalCoverage"] = temporal
    if dataset.created_at:
        document["datePublished"] = dataset.created_at.isoformat(timespec="seconds")
    if release is not None:
        document["version"] = str(release.version)
        document["dateModified"] = release.created_at.isoformat(timespec="seconds")
        document["distribution"] = [
            {"@type": "DataDownload", "name": f.name, "encodingFormat": ENCODINGS[f.role],
             "contentUrl": site.download(dataset.slug, release.version, f.name),
             "contentSize": f"{f.bytes} B", "sha256": f.sha256}
            for f in release.files if f.role in ENCODINGS]
    return document


def script_json(document: dict[str, Any]) -> str:
    """Return JSON that cannot end a <script> element or start markup: <, >, & are escaped."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text
