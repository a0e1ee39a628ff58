"""Harvesting other catalogs: harvest sources, the datasets each one made, and dataset withdrawal.

Text columns are plain TEXT on both backends; `last_report` is JSONB on PostgreSQL, as every
JSON value the catalog stores (see 0005).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True)),
        sa.Column("last_outcome", sa.String(12)),
        sa.Column("last_report", sa.JSON().with_variant(JSONB(), "postgresql")),
        sa.UniqueConstraint("publisher_id", "url", name="uq_harvest_source_url"),
    )
    op.create_table(
        "harvested_datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("harvest_sources.id"), nullable=False),
        sa.Column("remote_id", sa.Text, nullable=False),
        sa.Column("remote_name", sa.Text),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False,
                  unique=True),
        sa.Column("resource_url", sa.Text),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_id", "remote_id", name="uq_harvested_remote"),
    )
    op.create_table(
        "dataset_withdrawals",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dataset_withdrawals")
    op.drop_table("harvested_datasets")
    op.drop_table("harvest_sources")
