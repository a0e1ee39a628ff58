"""Catalog records as plain frozen values, shared by the pipeline, pages, feeds and serializers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from metadata.messages import Text


@dataclass(frozen=True)
class Publisher:
    """An organisation that publishes datasets (a municipality, its council)."""

    id: int
    slug: str
    name: Text
    homepage: str | None = None
    email: str | None = None
    logo: str | None = None


@dataclass(frozen=True)
class ReleaseFile:
    """One immutable file of a release."""

    name: str
    role: str  # "data" (normalized CSV), "sqlite", "datapackage", "zip", "parquet", "geojson", "source"
    media_type: str
    bytes: int
    sha256: str
    # Only on a GeoJSON file: the municipality codes its rows name, the dataset's spatial coverage.
    # A list in the catalog's JSON; releases from before it have no such key and get ().
    places: tuple[str, ...] = field(default=(), compare=False, hash=False)


@dataclass(frozen=True)
class Release:
    """One published version of a dataset."""

    id: int
    dataset_id: int
    version: int
    created_at: datetime
    notes: str
    row_count: int
    files: tuple[ReleaseFile, ...]
    status: str = "published"  # or "withdrawn"
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None

    def file(self, role: str) -> ReleaseFile | None:
        return next((f for f in self.files if f.role == role), None)


@dataclass(frozen=True)
class Dataset:
    """A dataset's catalog entry (its metadata; its data lives in releases)."""

    id: int
    slug: str
    publisher_id: int
    title: Text
    description: Text
    themes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    licence: str = "CC-BY-4.0"
    frequency: str = "UNKNOWN"
    temporal_start: str | None = None
    temporal_end: str | None = None
    spatial: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    profile: str | None = None
    table_schema: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    sample: bool = False  # demo content, labelled as such everywhere
    created_at: datetime | None = None

    @property
    def table_name(self) -> str:
        """Name of the dataset's table in its SQLite database (a safe identifier)."""
        return self.slug.replace("-", "_")
