"""Harvested datasets are one per tabular resource of a remote dataset, not one per remote dataset.

Revision ID: 0011
Revises: 0009

The rows already there keep resource_key NULL: the next run attaches each to the resource it
was scheduled from (datasets/harvest_apply.py), so upgrading duplicates nothing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite changes a constraint by copying the table, PostgreSQL in place
    with op.batch_alter_table("harvested_datasets") as batch:
        batch.add_column(sa.Column("resource_key", sa.Text))
        batch.add_column(sa.Column("resource_name", sa.Text))
        batch.drop_constraint("uq_harvested_remote", type_="unique")
        batch.create_unique_constraint("uq_harvested_resource", ["source_id", "remote_id", "resource_key"])


def downgrade() -> None:
    # Keeps, of each remote dataset's tables, the first harvested: the old identity had room for one.
    # The others' datasets stay, no longer harvested (as after `otkrito harvest remove`).
    op.execute("DELETE FROM harvested_datasets WHERE id NOT IN "
               "(SELECT MIN(id) FROM harvested_datasets GROUP BY source_id, remote_id)")
    with op.batch_alter_table("harvested_datasets") as batch:
        batch.drop_constraint("uq_harvested_resource", type_="unique")
        batch.create_unique_constraint("uq_harvested_remote", ["source_id", "remote_id"])
        batch.drop_column("resource_name")
        batch.drop_column("resource_key")
