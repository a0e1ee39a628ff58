"""One neutral record of a dataset read from another catalog, whatever kind the catalog is.

`metadata/harvest_ckan.py` and `metadata/harvest_dcat.py` read their kind into these records;
`metadata/harvest_vocab.py` maps their licences, frequencies and themes to ours, and
`datasets/harvest.py` writes them into the catalog.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

# The formats our upload pipeline reads (or, for JSON, may read): the preferred first.
TABULAR_FORMATS = ("CSV", "XLSX", "JSON")
_MEDIA_TYPES = {
    "text/csv": "CSV", "application/csv": "CSV", "text/comma-separated-values": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/json": "JSON",
}


@dataclass(frozen=True)
class RemoteResource:
    """A downloadable file of a remote dataset (a CKAN resource, a DCAT distribution)."""

    url: str
    format: str = ""  # as the source says it: "CSV", "csv", ".../file-type/CSV", ...
    media_type: str = ""
    name: str = ""

    @property
    def tabular(self) -> str | None:
        """Return CSV, XLSX or JSON when the resource is such a table by format or media type."""
        declared = self.format.strip().rstrip("/").rsplit("/", 1)[-1].upper().lstrip(".")
        if declared in TABULAR_FORMATS:
            return declared
        media = self.media_type.strip().rsplit("/media-types/", 1)[-1].split(";")[0].strip().lower()
        return _MEDIA_TYPES.get(media)


@dataclass(frozen=True)
class RemoteDataset:
    """A dataset as another catalog describes it, before our vocabularies are applied."""

    remote_id: str  # CKAN package id, DCAT dataset URI: what identifies it across runs
    name: str  # a slug-like name when the source has one (CKAN), else ""
    title_bg: str
    title_en: str = ""
    description_bg: str = ""
    description_en: str = ""
    keywords: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()  # every licence value the source gives, most specific first
    frequencies: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    temporal_start: str = ""
    temporal_end: str = ""
    spatial: str = ""
    contact_name: str = ""
    contact_email: str = ""
    resources: tuple[RemoteResource, ...] = field(default_factory=tuple)

    def tabular_resources(self) -> list[RemoteResource]:
        """Its tabular resources with an http(s) URL, the preferred format first (CSV, XLSX, JSON)."""
        found = [r for r in self.resources if r.tabular and _is_web_url(r.url)]
        return sorted(found, key=lambda r: TABULAR_FORMATS.index(r.tabular or "JSON"))


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
