"""Write one harvested record into the catalog: create or update its dataset, in one transaction.

The dataset, the row that ties it to its remote identifier, the audit events and the publish
generation commit together, so a run killed at any point leaves each dataset either as it was
or fully harvested, and the next run finds it by its remote identifier, never by its title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets.catalog import _check_dates, _check_vocabulary, _is_iso_date, bump_generation
from datasets.dataset_withdrawal import restore
from datasets.edit import EDITABLE
from datasets.harvest_sources import HarvestSource
from metadata.errors import InvalidInput
from metadata.harvest_records import RemoteDataset
from metadata.harvest_vocab import first_mapped, map_frequency, map_licence, mapped_themes
from metadata.messages import Text, text
from metadata.slug import MAX_SLUG, slugify
from metadata.vocab import DEFAULT_FREQUENCY, DEFAULT_LICENCE
from publishers import audit
from publishers.harvest_store import harvested_datasets
from publishers.store import datasets

_removed = text("harvest.removed-at-source")
REMOVED_AT_SOURCE = f"{_removed.bg} / {_removed.en}"  # the reason harvests withdraw with, in both languages
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


@dataclass
class Applied:
    """What writing one record did: created, updated, unchanged or restored, and what to report."""

    slug: str
    action: str
    notes: list[Text] = field(default_factory=list)
    resource_url: str | None = None


def _note_unmapped(notes: list[Text], slug: str, field_id: str, value: str, kept: Text) -> None:
    label = text(f"harvest.field-{field_id}")
    notes.append(Text(text("harvest.unmapped", slug=slug, field=label.bg, value=value[:200], kept=kept.bg).bg,
                      text("harvest.unmapped", slug=slug, field=label.en, value=value[:200], kept=kept.en).en))


def _kept(current: Any, default: str) -> Text:
    return text("harvest.kept-current") if current is not None else text("harvest.kept-default", value=default)


def metadata_values(record: RemoteDataset, slug: str, current: sa.Row[Any] | None) -> tuple[dict[str, Any], list[Text]]:
    """Return the dataset's fields from the record, in our vocabularies, and what could not be mapped.

    A licence or frequency we cannot map keeps the dataset's current one (a new dataset gets the
    default, reported so that staff check it); themes we cannot map are left out.
    """
    notes: list[Text] = []
    licence, _ = first_mapped(record.licences, map_licence)
    if licence is None:
        licence = current.licence if current is not None else DEFAULT_LICENCE
        if record.licences:
            _note_unmapped(notes, slug, "licence", record.licences[0], _kept(current, licence))
    frequency, _ = first_mapped(record.frequencies, map_frequency)
    if frequency is None:
        frequency = current.frequency if current is not None else DEFAULT_FREQUENCY
        if record.frequencies:
            _note_unmapped(notes, slug, "frequency", record.frequencies[0], _kept(current, frequency))
    themes, unmapped = mapped_themes(record.themes)
    for value in unmapped:
        _note_unmapped(notes, slug, "theme", value, text("harvest.kept-none"))
    dates = []
    for value in (record.temporal_start, record.temporal_end):
        if value and not _is_iso_date(value):
            notes.append(text("harvest.bad-date", slug=slug, value=value[:40]))
        dates.append(value if value and _is_iso_date(value) else None)
    email = record.contact_email if _EMAIL.fullmatch(record.contact_email or "") else None
    values = {
        "title_bg": record.title_bg, "title_en": record.title_en or None,
        "description_bg": record.description_bg, "description_en": record.description_en or None,
        "licence": licence, "frequency": frequency, "themes": themes,
        "keywords": list(dict.fromkeys(k[:100] for k in record.keywords if k)),
        "temporal_start": dates[0], "temporal_end": dates[1], "spatial": record.spatial or None,
        "contact_name": record.contact_name or None, "contact_email": email,
    }
    _check_vocabulary(profile=None, frequency=frequency, licence=licence, themes=themes)
    _check_dates(dates[0], dates[1])
    return values, notes


def _free_slug(conn: Connection, record: RemoteDataset) -> str:
    """Return a slug for a new dataset that no dataset, of any publisher, has."""
    base = slugify(record.name) or slugify(record.title_bg) or slugify(record.title_en) or "nabor"
    base = base[:MAX_SLUG - 4].rstrip("-")
    candidate, n = base, 2
    while conn.execute(sa.select(datasets.c.id).where(datasets.c.slug == candidate)).first():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _changed(current: sa.Row[Any], values: dict[str, Any]) -> list[str]:
    changed = []
    for name in EDITABLE:
        if name not in values:
            continue
        old = current._mapping[name]
        if name in ("themes", "keywords"):
            differs = list(old or []) != values[name]
        else:  # "" and NULL are the same absent text
            differs = (old or None) != (values[name] or None)
        if differs:
            changed.append(name)
    return changed


def apply_record(engine: Engine, source: HarvestSource, record: RemoteDataset, *,
                 actor: str) -> Applied:
    """Create or update the record's dataset in one transaction; return what was done."""
    resources = record.tabular_resources()
    resource_url = resources[0].url if resources else None
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        known = conn.execute(sa.select(harvested_datasets).where(
            harvested_datasets.c.source_id == source.id,
            harvested_datasets.c.remote_id == record.remote_id).with_for_update()).first()
        if known is None:
            return _create(conn, source, record, resource_url, now, actor)
        current = conn.execute(sa.select(datasets).where(datasets.c.id == known.dataset_id)).one()
        if current.publisher_id != source.publisher_id:
            raise InvalidInput("harvest.not-ours", slug=current.slug)
        values, notes = metadata_values(record, current.slug, current)
        changed = _changed(current, values)
        action = "unchanged"
        if changed:
            conn.execute(datasets.update().where(datasets.c.id == current.id)
                         .values(**{k: values[k] for k in changed}, updated_at=now))
            audit.record(conn, actor=actor, action="dataset.update", target=current.slug,
                         detail={"fields": changed, "harvest": source.id}, public=True)
            bump_generation(conn)
            action = "updated"
        if restore(conn, current.id, actor=actor, reason=REMOVED_AT_SOURCE):
            action = "restored"
        conn.execute(harvested_datasets.update().where(harvested_datasets.c.id == known.id).values(
            remote_name=record.name or None, resource_url=resource_url, last_seen_at=now))
    return Applied(current.slug, action, notes, resource_url)


def _create(conn: Connection, source: HarvestSource, record: RemoteDataset,
            resource_url: str | None, now: datetime, actor: str) -> Applied:
    slug = _free_slug(conn, record)
    values, notes = metadata_values(record, slug, None)
    dataset_id = conn.execute(datasets.insert().values(
        slug=slug, publisher_id=source.publisher_id, profile=None, table_schema=None,
        sample=False, created_at=now, updated_at=now, **values)).inserted_primary_key[0]
    conn.execute(harvested_datasets.insert().values(
        source_id=source.id, remote_id=record.remote_id, remote_name=record.name or None,
        dataset_id=dataset_id, resource_url=resource_url, first_seen_at=now, last_seen_at=now))
    audit.record(conn, actor=actor, action="dataset.create", target=slug,
                 detail={"harvest": source.id, "remote_id": record.remote_id[:500]}, public=True)
    bump_generation(conn)  # the DCAT catalog lists it from now on
    return Applied(slug, "created", notes, resource_url)
