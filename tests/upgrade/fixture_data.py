"""The v0.1.0 fixture's rows copied into another catalog (PostgreSQL): v0.1.0 built it on SQLite."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from publishers import (  # noqa: F401 (every table of the catalog, declared on store.catalog)
    accounts_store,
    bulk_store,
    egov_store,
    follow_store,
    harvest_store,
    participation_store,
    sources_store,
    store,
)

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "upgrade" / "v0.1.0"
FIXTURE_CATALOG = FIXTURE / "instance" / "catalog.db"


def fixture_revision() -> str | None:
    engine = store.connect(f"sqlite:///{FIXTURE_CATALOG}")
    try:
        return store.schema_revision(engine)
    finally:
        engine.dispose()


def load_fixture_into(engine: Engine) -> None:
    """Copy every row of the fixture into `engine`'s catalog, at the fixture's own revision or later.

    Rows are read and written with the current code's table definitions (their types: times,
    booleans, JSON), restricted to the columns the fixture has, so a column or table added by a
    later migration is simply left to its default. Sequences then continue after the copied ids.
    """
    source = store.connect(f"sqlite:///{FIXTURE_CATALOG}")
    inspector = sa.inspect(source)
    present = set(inspector.get_table_names())
    with source.connect() as reading, engine.begin() as writing:
        for table in store.catalog.sorted_tables:
            if table.name not in present:
                continue
            columns = [table.c[c["name"]] for c in inspector.get_columns(table.name) if c["name"] in table.c]
            rows = [dict(row._mapping) for row in reading.execute(sa.select(*columns))]
            if not rows:
                continue
            writing.execute(table.delete())  # rows a migration made (the publish generation)
            writing.execute(sa.insert(table), rows)
            if engine.dialect.name == "postgresql" and "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                writing.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"(SELECT MAX(id) FROM {table.name}))"))
    source.dispose()
