"""Write one harvested record into the catalog: create or update a dataset per table, in one transaction.

The datasets of a remote dataset's tables (`metadata/harvest_tables.py`), the rows that tie
each to its remote identifiers, the audit events and the publish generation commit together,
so a run killed at any point leaves each remote dataset either as it was or fully harvested,
and the next run finds its datasets by their remote identifiers, never by their titles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets.catalog import _check_dates, _check_vocabulary, _is_iso_date, bump_generation
from datasets.dataset_withdrawal import REMOVED_AT_SOURCE, restore, withdraw
from datasets.edit import EDITABLE
from datasets.harvest_sources import HarvestSource
from metadata.errors import InvalidInput
from metadata.harvest_records import RemoteDataset
from metadata.harvest_tables import Table, plan
from metadata.harvest_vocab import first_mapped, map_frequency, map_licence, mapped_themes
from metadata.messages import Text, text
from metadata.slug import MAX_SLUG, slugify
from metadata.vocab import DEFAULT_FREQUENCY, DEFAULT_LICENCE
from publishers import audit
from publishers.harvest_store import harvested_datasets
from publishers.store import datasets

__all__ = ["REMOVED_AT_SOURCE", "Applied", "apply_record"]  # REMOVED_AT_SOURCE: where harvests take it
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


@dataclass
class Applied:
    """What writing one table did: created, updated, unchanged, restored or withdrawn, and what to report."""

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


def _free_slug(conn: Connection, record: RemoteDataset, table: Table) -> str:
    """Return a slug for a new dataset that no dataset, of any publisher, has.

    It never changes afterwards: a table of a remote dataset that had several is named by the
    remote dataset and the table ("byudzhet-2026-razhodi"), so adding a table there renames nothing.
    """
    base = slugify(record.name) or slugify(record.title_bg) or slugify(record.title_en) or "nabor"
    if table.several:
        base = f"{base[:MAX_SLUG // 2].rstrip('-')}-{slugify(table.name) or 'tablitsa'}"
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


def _match(rows: list[sa.Row[Any]], tables: list[Table]) -> tuple[dict[int, sa.Row[Any]], list[sa.Row[Any]]]:
    """Pair each table with the row it had in an earlier run; return the pairs and the rows left.

    By resource id (or URL, when it has no id), then URL, then table name: some catalogs (ours
    among them) give a new release's file a new id and URL. A row from before resources were
    told apart (key NULL), or of a dataset without a table (""), is the first table left: the
    one its scheduled source fetched. A single table left with a single row is the same table.
    """
    pairs: dict[int, sa.Row[Any]] = {}
    left = list(rows)
    tests = (lambda row, t: row.resource_key is not None and row.resource_key == t.key,
             lambda row, t: t.url is not None and row.resource_url == t.url,
             lambda row, t: bool(t.name) and row.resource_name == t.name)
    for same in tests:
        for i, table in enumerate(tables):
            found = next((row for row in left if i not in pairs and same(row, table)), None)
            if found is not None:
                pairs[i] = found
                left.remove(found)
    for row in [row for row in left if not row.resource_key]:
        free = next((i for i in range(len(tables)) if i not in pairs), None)
        if free is not None:
            pairs[free] = row
            left.remove(row)
    free_tables = [i for i in range(len(tables)) if i not in pairs]
    if len(free_tables) == 1 and len(left) == 1:
        pairs[free_tables[0]] = left.pop()
    return pairs, left


def apply_record(engine: Engine, source: HarvestSource, record: RemoteDataset, *,
                 actor: str) -> list[Applied]:
    """Create or update the datasets of the record's tables in one transaction; return what was done.

    A table no longer at the source (its resource removed) withdraws its dataset ("withdrawn").
    """
    tables, _skipped = plan(record)
    now = datetime.now(timezone.utc)
    done: list[Applied] = []
    with engine.begin() as conn:
        rows = list(conn.execute(sa.select(harvested_datasets).where(
            harvested_datasets.c.source_id == source.id,
            harvested_datasets.c.remote_id == record.remote_id).order_by(harvested_datasets.c.id).with_for_update()))
        pairs, gone = _match(rows, tables)
        for i, table in enumerate(tables):
            known = pairs.get(i)
            if known is None:
                done.append(_create(conn, source, record, table, now, actor))
            else:
                done.append(_update(conn, source, record, table, known, now, actor))
        for row in gone:
            slug = conn.execute(sa.select(datasets.c.slug).where(datasets.c.id == row.dataset_id)).scalar()
            if withdraw(conn, row.dataset_id, reason=REMOVED_AT_SOURCE, actor=actor):
                done.append(Applied(str(slug), "withdrawn"))
    return done


def _row_values(record: RemoteDataset, table: Table, now: datetime) -> dict[str, Any]:
    return {"remote_name": record.name or None, "resource_url": table.url, "resource_key": table.key,
            "resource_name": table.name or None, "last_seen_at": now}


def _values(record: RemoteDataset, table: Table, slug: str, current: sa.Row[Any] | None) -> tuple[dict[str, Any], list[Text]]:
    values, notes = metadata_values(record, slug, current)
    title_bg, title_en = table.titles(record)
    values.update(title_bg=title_bg, title_en=title_en or None)
    return values, notes


def _update(conn: Connection, source: HarvestSource, record: RemoteDataset, table: Table, known: sa.Row[Any],
            now: datetime, actor: str) -> Applied:
    current = conn.execute(sa.select(datasets).where(datasets.c.id == known.dataset_id)).one()
    if current.publisher_id != source.publisher_id:
        raise InvalidInput("harvest.not-ours", slug=current.slug)
    values, notes = _values(record, table, current.slug, current)
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
    conn.execute(harvested_datasets.update().where(harvested_datasets.c.id == known.id)
                 .values(**_row_values(record, table, now)))
    return Applied(current.slug, action, notes, table.url)


def _create(conn: Connection, source: HarvestSource, record: RemoteDataset, table: Table,
            now: datetime, actor: str) -> Applied:
    slug = _free_slug(conn, record, table)
    values, notes = _values(record, table, slug, None)
    dataset_id = conn.execute(datasets.insert().values(
        slug=slug, publisher_id=source.publisher_id, profile=None, table_schema=None,
        sample=False, created_at=now, updated_at=now, **values)).inserted_primary_key[0]
    conn.execute(harvested_datasets.insert().values(
        source_id=source.id, remote_id=record.remote_id, dataset_id=dataset_id, first_seen_at=now,
        **_row_values(record, table, now)))
    audit.record(conn, actor=actor, action="dataset.create", target=slug,
                 detail={"harvest": source.id, "remote_id": record.remote_id[:500],
                         "resource": table.key[:500]}, public=True)
    bump_generation(conn)  # the DCAT catalog lists it from now on
    return Applied(slug, "created", notes, table.url)
