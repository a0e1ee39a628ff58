"""CKAN package, organization, group and tag dicts, and CKAN-style search over packages.

Pure functions: the web layer fetches the catalog, these shape it the way CKAN 2.10's Action
API does, so that ckanapi and CKAN harvesters read the portal like any CKAN site.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from metadata.dcat import Site, clean_text, safe_url
from metadata.records import Dataset, Publisher, Release
from metadata.spatial import ckan_spatial
from metadata.vocab import FREQUENCIES, LICENCES, THEMES

CKAN_VERSION = "2.10.4"
FORMATS = {"data": "CSV", "sqlite": "SQLite", "zip": "ZIP", "datapackage": "JSON", "parquet": "Parquet",
           "geojson": "GeoJSON"}
FQ_FIELDS = {"organization", "tags", "res_format", "license_id", "groups", "name", "id"}
Package = dict[str, Any]


class SearchQueryError(ValueError):
    """The search parameters cannot be understood (CKAN's "Search Query Error")."""


def stable_id(site: Site, *parts: object) -> str:
    """Return a UUID that depends only on the configured site and the parts (CKAN wants UUIDs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, site.url("/".join(str(p) for p in parts))))


def _when(value: datetime | None) -> str | None:
    # CKAN writes naive UTC timestamps with microseconds.
    return value.replace(tzinfo=None).isoformat() if value else None


def organization_dict(site: Site, publisher: Publisher, *, package_count: int = 0) -> dict[str, Any]:
    """Return a publisher as a CKAN organization."""
    return {
        "id": stable_id(site, "publishers", publisher.slug), "name": publisher.slug,
        "title": clean_text(publisher.name.bg), "display_name": clean_text(publisher.name.bg),
        "description": clean_text(publisher.name.en), "type": "organization",
        "is_organization": True, "state": "active", "approval_status": "approved",
        "image_url": safe_url(publisher.logo) or "", "image_display_url": safe_url(publisher.logo) or "",
        "created": None, "package_count": package_count,
        "extras": [{"key": "homepage", "value": safe_url(publisher.homepage) or ""}],
    }


def group_dict(site: Site, code: str, *, package_count: int = 0) -> dict[str, Any]:
    """Return an EU data theme as a CKAN group (named by its lower-case code)."""
    label = THEMES[code]
    return {
        "id": stable_id(site, "themes", code), "name": code.lower(), "title": label.bg,
        "display_name": label.bg, "description": label.en, "type": "group",
        "is_organization": False, "state": "active", "approval_status": "approved",
        "image_url": "", "image_display_url": "", "created": None,
        "package_count": package_count,
        "extras": [{"key": "uri", "value": f"http://publications.europa.eu/resource/authority/data-theme/{code}"}],
    }


def tag_dict(site: Site, name: str) -> dict[str, Any]:
    name = clean_text(name)
    return {"id": stable_id(site, "tags", name), "name": name, "display_name": name,
            "state": "active", "vocabulary_id": None}


def _resources(site: Site, dataset: Dataset, release: Release, package_id: str) -> list[dict[str, Any]]:
    files = [f for f in release.files if f.role in FORMATS]
    return [{
        "id": stable_id(site, "datasets", dataset.slug, "releases", release.version, f.name),
        "package_id": package_id, "position": position,
        "name": f.name, "description": clean_text(f"{dataset.title.bg}, версия {release.version}"),
        "format": FORMATS[f.role], "mimetype": f.media_type,
        "url": site.download(dataset.slug, release.version, f.name), "url_type": None,
        "size": f.bytes, "hash": f"sha256:{f.sha256}", "created": _when(release.created_at),
        "last_modified": _when(release.created_at), "metadata_modified": _when(release.created_at),
        "state": "active", "resource_type": "file",
    } for position, f in enumerate(files)]


def package_dict(site: Site, dataset: Dataset, publisher: Publisher,
                 release: Release | None) -> Package:
    """Return the CKAN package dict of a dataset and its latest published release."""
    package_id = stable_id(site, "datasets", dataset.slug)
    licence = LICENCES.get(dataset.licence)
    frequency = FREQUENCIES.get(dataset.frequency)
    resources = _resources(site, dataset, release, package_id) if release else []
    tags = [tag_dict(site, k) for k in dataset.keywords]
    created = _when(dataset.created_at)
    extras = {"frequency": dataset.frequency,
              "frequency_label": frequency.label.en if frequency else "",
              "title_en": clean_text(dataset.title.en), "notes_en": clean_text(dataset.description.en),
              "temporal_start": dataset.temporal_start or "", "temporal_end": dataset.temporal_end or "",
              "spatial_text": clean_text(dataset.spatial or ""), "language": "bg",
              "dcat_ap": site.url(f"datasets/{dataset.slug}.ttl"), "sample": str(dataset.sample).lower(),
              **ckan_spatial(release)}
    return {
        "id": package_id, "name": dataset.slug, "title": clean_text(dataset.title.bg),
        "notes": clean_text(dataset.description.bg), "url": site.dataset(dataset.slug),
        "type": "dataset", "state": "active", "private": False,
        "version": str(release.version) if release else None,
        "author": clean_text(publisher.name.bg), "author_email": None,
        "maintainer": clean_text(dataset.contact_name or publisher.name.bg),
        "maintainer_email": clean_text(dataset.contact_email or publisher.email or "") or None,
        "license_id": dataset.licence, "license_title": licence.title.en if licence else dataset.licence,
        "license_url": licence.url if licence else None, "isopen": licence is not None,
        "metadata_created": created,
        "metadata_modified": _when(release.created_at) if release else created,
        "owner_org": stable_id(site, "publishers", publisher.slug),
        "organization": organization_dict(site, publisher),
        "groups": [group_dict(site, code) for code in dataset.themes if code in THEMES],
        "tags": tags, "num_tags": len(tags), "resources": resources,
        "num_resources": len(resources), "relationships_as_object": [],
        "relationships_as_subject": [],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }


@dataclass(frozen=True)
class SearchRequest:
    """package_search's parameters, parsed."""

    q: str = ""
    fq: str = ""
    rows: int = 10
    start: int = 0
    sort: str = "score desc, metadata_modified desc"
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = 50


_CLAUSE = re.compile(r'\s*(?:(?:AND|&&)\s+)?([+-]?)([A-Za-z_]+):("(?:[^"\\]|\\.)*"|[^\s"]+)')


def parse_filters(text: str) -> list[tuple[bool, str, str]]:
    """Parse `field:value` clauses (Solr style, ANDed) into (negated, field, value)."""
    clauses, rest = [], text.strip()
    while rest:
        match = _CLAUSE.match(rest)
        if not match:
            raise SearchQueryError(f"Cannot parse the filter {rest!r}")
        sign, field, value = match.groups()
        if field not in FQ_FIELDS and field != "text":
            raise SearchQueryError(f"Unknown filter field {field!r}; use one of {sorted(FQ_FIELDS)}")
        if value.startswith('"'):
            value = json.loads(value)
        clauses.append((sign == "-", field, value))
        rest = rest[match.end():].strip()
    return clauses


def _values(package: Package, field: str) -> list[str]:
    if field == "organization":
        return [package["organization"]["name"]]
    if field == "tags":
        return [t["name"] for t in package["tags"]]
    if field == "groups":
        return [g["name"] for g in package["groups"]]
    if field == "res_format":
        return sorted({r["format"] for r in package["resources"]})
    return [str(package.get(field) or "")]


def search_text(package: Package) -> str:
    """The text a package's words are looked for in (callers may keep it with the package)."""
    parts = [package["name"], package["title"], package["notes"] or "",
             package["organization"]["title"], *(t["name"] for t in package["tags"]),
             *(e["value"] for e in package["extras"] if e["key"] in ("title_en", "notes_en"))]
    return " ".join(parts).casefold()


def _matches(package: Package, text: str, clauses: list[tuple[bool, str, str]],
             words: list[str]) -> bool:
    for negated, field, value in clauses:
        if field == "text":
            found = value.casefold() in text
        else:
            found = value.casefold() in {v.casefold() for v in _values(package, field)}
        if found == negated:
            return False
    return all(word in text for word in words)


SORT_KEYS: dict[str, Callable[[Package], Any]] = {
    "name": lambda p: p["name"], "title_string": lambda p: p["title"].casefold(),
    "metadata_modified": lambda p: p["metadata_modified"] or "",
    "metadata_created": lambda p: p["metadata_created"] or "",
    "score": lambda p: 0, "num_resources": lambda p: p["num_resources"],
}


def _sort(packages: list[Package], sort: str) -> list[Package]:
    keys = []
    for part in [s.strip() for s in sort.split(",") if s.strip()]:
        field, _, direction = part.partition(" ")
        if field not in SORT_KEYS or direction.strip() not in ("", "asc", "desc"):
            raise SearchQueryError(f"Cannot sort by {part!r}")
        keys.append((SORT_KEYS[field], direction.strip() == "desc"))
    ordered = sorted(packages, key=lambda p: p["name"])
    for key, reverse in reversed(keys):  # stable sorts, least significant key first
        ordered.sort(key=key, reverse=reverse)
    return ordered


def _facets(packages: Sequence[Package], fields: Sequence[str], limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for field in fields:
        if field not in FQ_FIELDS:
            raise SearchQueryError(f"Cannot facet on {field!r}")
        counts: dict[str, int] = {}
        for package in packages:
            for value in set(_values(package, field)):
                counts[value] = counts.get(value, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        facets[field] = dict(top)
        search_facets[field] = {"title": field, "items": [
            {"name": name, "display_name": name, "count": count} for name, count in top]}
    return facets, search_facets


def search(packages: Sequence[Package], request: SearchRequest,
           texts: Sequence[str] | None = None) -> dict[str, Any]:
    """Return package_search's result: count, one page of results, facets, sort.

    `texts`, each package's search_text, saves building them per search (10,000 packages:
    about half of a search's time).
    """
    q = request.q.strip()
    clauses = parse_filters(request.fq)
    words: list[str] = []
    if q and q != "*:*":
        if _CLAUSE.match(q) and ":" in q:
            clauses += parse_filters(q)
        else:
            words = q.casefold().split()
    if texts is None:
        texts = [search_text(p) for p in packages]
    found = [p for p, text in zip(packages, texts) if _matches(p, text, clauses, words)]
    ordered = _sort(found, request.sort)
    facets, search_facets = _facets(found, request.facet_fields, request.facet_limit)
    return {"count": len(found), "sort": request.sort, "facets": facets,
            "search_facets": search_facets,
            "results": ordered[request.start:request.start + request.rows]}
