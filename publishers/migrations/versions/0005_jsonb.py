"""JSONB for the JSON values the catalog compares, on PostgreSQL only.

PostgreSQL's `json` type has no equality operator, so a query that compares, groups or
deduplicates rows with such a column fails there. JSONB has one (and can be indexed).
A Table Schema (`datasets.table_schema`, `upload_jobs.schema`) stays `json`: JSONB would
reorder its keys, and a schema is published in the order its author wrote it.
On SQLite, JSON is text either way: nothing to do.

The publish generation's row is created here too (it was made by the first publish): every
later bump is then one UPDATE of one row, which concurrent writers queue on, on both backends.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("datasets", "themes"),
    ("datasets", "keywords"),
    ("releases", "files"),
    ("audit_events", "detail"),
    ("upload_jobs", "options"),
    ("upload_jobs", "report"),
    ("upload_jobs", "error"),
)


def _retype(kind: str) -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {kind} USING "{column}"::{kind}')


def upgrade() -> None:
    _retype("jsonb")
    op.execute("INSERT INTO state (key, value) SELECT 'generation', 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM state WHERE key = 'generation')")


def downgrade() -> None:
    _retype("json")
