"""What a message says about one event, in the subscriber's language.

A release is described from the release diff against the previous published release (rows and
columns added, removed and changed, and the first changed values) with the column titles and
number formats of the dataset page's preview, and links to the comparison and the downloads.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.engine import Engine

from datasets import catalog, diff
from datasets.follow import Mailer, localized
from datasets.instance import Instance
from metadata.errors import OtkritoError
from metadata.mail_text import Block, phrase
from metadata.records import Dataset, Release
from metadata.vocab import FREQUENCIES

FIRST_VALUES = 5
DOWNLOAD_ROLES = ("data", "zip", "datapackage")


def number(value: Any, lang: str) -> str:
    """Format a count or a number as the pages do: grouped digits, two decimals when needed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, float) and not value.is_integer():
        return format_decimal(value, format="#,##0.00", locale=lang)
    return format_decimal(value, format="#,##0", locale=lang)


def cell(value: Any, lang: str) -> str:
    """Format a cell as the preview does: decimals formatted, everything else as stored."""
    return number(value, lang) if isinstance(value, float) else ("" if value is None else str(value))


def column_titles(dataset: Dataset, lang: str) -> dict[str, str]:
    """Each column's title in the language, as the preview shows it (its name when it has none)."""
    titles = {}
    for field in (dataset.table_schema or {}).get("fields", []):
        bg, en = field.get("title") or "", field.get("title_en") or ""
        titles[field["name"]] = ((en or bg) if lang == "en" else (bg or en)) or field["name"]
    return titles


def _dataset_url(mailer: Mailer, dataset: Dataset, lang: str) -> str:
    return mailer.url(f"/datasets/{dataset.slug}", lang)


def release_diff(instance: Instance, engine: Engine, dataset: Dataset,
                 version: int) -> tuple[int | None, diff.Diff | None]:
    """Return the previous published version and the diff against it (None when there is none)."""
    earlier = [r.version for r in catalog.list_releases(engine, dataset.id)
               if r.status == "published" and r.version < version]
    if not earlier:
        return None, None
    try:
        return max(earlier), diff.compare_releases(instance, engine, dataset.slug, max(earlier), version)
    except (OtkritoError, sqlite3.Error, OSError):
        return max(earlier), None


def release_block(mailer: Mailer, dataset: Dataset, release: Release, previous: int | None,
                  found: diff.Diff | None, lang: str) -> Block:
    """Describe a new release."""
    slug, version = dataset.slug, release.version
    facts: list[str] = []
    values: list[tuple[str, str, str, str]] = []
    titles = column_titles(dataset, lang)
    links = []
    if previous is None:
        facts.append(phrase(lang, "mail.release.first", rows=number(release.row_count, lang)))
    elif found is None:
        facts.append(phrase(lang, "mail.release.no-diff"))
    else:
        facts.append(phrase(lang, "mail.release.rows", old=number(found.old_rows, lang),
                            new=number(found.new_rows, lang)))
        for key in ("added", "removed", "changed"):
            facts.append(phrase(lang, f"mail.release.{key}", count=number(getattr(found, key), lang)))
        for key, columns in (("added", found.schema.added), ("removed", found.schema.removed)):
            if columns:
                names = ", ".join(titles.get(c.name, c.name) for c in columns)
                facts.append(phrase(lang, f"mail.release.columns-{key}", names=names))
        for change in found.changed_rows:
            row = ", ".join(cell(v, lang) for v in change.key.values())
            for column, (old, new) in change.values.items():
                values.append((row, titles.get(column, column), cell(old, lang), cell(new, lang)))
        values = values[:FIRST_VALUES]
        links.append((phrase(lang, "mail.link.compare", old=previous),
                      mailer.url(f"/datasets/{slug}/compare", lang, **{"from": previous, "to": version})))
    links.append((phrase(lang, "mail.link.release", version=version),
                  mailer.url(f"/datasets/{slug}/releases/{version}", lang)))
    for file in release.files:
        if file.role in DOWNLOAD_ROLES:
            links.append((phrase(lang, "mail.link.download", name=file.name),
                          mailer.url(f"/datasets/{slug}/releases/{version}/{file.name}", lang)))
    heads = tuple(phrase(lang, f"mail.value.{k}") for k in ("key", "column", "old", "new"))
    return Block(localized(dataset.title, lang), _dataset_url(mailer, dataset, lang),
                 phrase(lang, "mail.release.headline", version=version), tuple(facts),
                 phrase(lang, "mail.release.values") if values else "", tuple(values),
                 heads if values else (), tuple(links))


def withdrawal_block(mailer: Mailer, dataset: Dataset, release: Release, lang: str) -> Block:
    """Describe a withdrawn release."""
    return Block(localized(dataset.title, lang), _dataset_url(mailer, dataset, lang),
                 phrase(lang, "mail.withdrawal.headline", version=release.version,
                        reason=release.withdrawn_reason or "—"),
                 links=((phrase(lang, "mail.link.release", version=release.version),
                         mailer.url(f"/datasets/{dataset.slug}/releases/{release.version}", lang)),))


def overdue_block(mailer: Mailer, dataset: Dataset, due: datetime, lang: str) -> Block:
    """Describe a dataset gone overdue."""
    frequency = FREQUENCIES.get(dataset.frequency)
    label = localized(frequency.label, lang) if frequency else dataset.frequency
    return Block(localized(dataset.title, lang), _dataset_url(mailer, dataset, lang),
                 phrase(lang, "mail.overdue.headline", due=format_date(due.date(), format="long", locale=lang),
                        frequency=label),
                 links=((phrase(lang, "mail.link.dataset"), _dataset_url(mailer, dataset, lang)),
                        (phrase(lang, "mail.link.timeliness"), mailer.url("/timeliness", lang))))


def subject(kind: str, dataset: Dataset, version: int | None, lang: str) -> str:
    return phrase(lang, f"mail.{kind}.subject", title=localized(dataset.title, lang), version=version)
