"""The JSON body of a webhook delivery: the event, the release and the diff's summary.

The shape is Standard Webhooks' (`type`, `timestamp`, `data`). Counts and column names are the
diff's; the summary is the one line the comparison page shows, in both languages.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from datasets import diff
from datasets.follow import Mailer
from metadata.records import Dataset, Publisher, Release


def _release(mailer: Mailer, dataset: Dataset, release: Release) -> dict[str, Any]:
    slug, version = dataset.slug, release.version
    return {"version": version, "url": mailer.url(f"/datasets/{slug}/releases/{version}", "bg"),
            "created_at": release.created_at.isoformat(), "rows": release.row_count, "notes": release.notes,
            "status": release.status, "withdrawn_reason": release.withdrawn_reason,
            "files": [{"name": f.name, "role": f.role, "bytes": f.bytes, "sha256": f.sha256,
                       "url": mailer.url(f"/datasets/{slug}/releases/{version}/{f.name}", "bg")}
                      for f in release.files] if release.status == "published" else []}


def _diff(mailer: Mailer, dataset: Dataset, previous: int | None, found: diff.Diff | None,
          version: int) -> dict[str, Any] | None:
    if previous is None or found is None:
        return None
    summary = diff.summary(found)
    return {"from": previous, "to": version, "summary": {"bg": summary.bg, "en": summary.en},
            "old_rows": found.old_rows, "new_rows": found.new_rows, "added": found.added,
            "removed": found.removed, "changed": found.changed,
            "columns_added": [c.name for c in found.schema.added],
            "columns_removed": [c.name for c in found.schema.removed],
            "url": mailer.url(f"/datasets/{dataset.slug}/compare", "bg", **{"from": previous, "to": version})}


def body(mailer: Mailer, event_type: str, at: datetime, dataset: Dataset, publisher: Publisher, *,
         release: Release | None = None, previous: int | None = None, found: diff.Diff | None = None,
         due: datetime | None = None) -> str:
    """Return the delivery's body as JSON text (written once, sent as is on every attempt)."""
    data: dict[str, Any] = {
        "dataset": {"slug": dataset.slug, "title": {"bg": dataset.title.bg, "en": dataset.title.en},
                    "url": mailer.url(f"/datasets/{dataset.slug}", "bg"), "frequency": dataset.frequency},
        "publisher": {"slug": publisher.slug, "name": {"bg": publisher.name.bg, "en": publisher.name.en}}}
    if release is not None:
        data["release"] = _release(mailer, dataset, release)
        if event_type == "release.published":
            data["previous_version"] = previous
            data["diff"] = _diff(mailer, dataset, previous, found, release.version)
    if due is not None:
        data["due"] = due.isoformat()
    return json.dumps({"type": event_type, "timestamp": at.isoformat(), "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
