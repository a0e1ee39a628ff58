"""Change a dataset's metadata (its slug, publisher and schema stay)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.engine import Engine

from datasets.catalog import _check_vocabulary, bump_generation, get_dataset
from metadata.records import Dataset
from publishers import audit
from publishers.store import datasets

EDITABLE = ("title_bg", "title_en", "description_bg", "description_en", "licence", "frequency",
            "themes", "keywords", "spatial", "temporal_start", "temporal_end", "contact_name",
            "contact_email")


def update_dataset(engine: Engine, slug: str, *, actor: str, **changes: Any) -> Dataset:
    """Apply validated metadata changes to a dataset and record them in the audit log."""
    current = get_dataset(engine, slug)
    values = {k: v for k, v in changes.items() if k in EDITABLE}
    _check_vocabulary(profile=None, frequency=values.get("frequency", current.frequency),
                      licence=values.get("licence", current.licence),
                      themes=values.get("themes", current.themes))
    for name in ("themes", "keywords"):
        if name in values:
            values[name] = list(values[name])
    with engine.begin() as conn:
        conn.execute(datasets.update().where(datasets.c.id == current.id)
                     .values(**values, updated_at=datetime.now(timezone.utc)))
        audit.record(conn, actor=actor, action="dataset.update", target=slug,
                     detail={"fields": sorted(values)}, public=True)
        # Feeds, DCAT documents and the SQL API's titles are kept per generation.
        bump_generation(conn)
    return get_dataset(engine, slug)
