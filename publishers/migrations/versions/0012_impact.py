"""The impact methodology: its versions (baseline period and yearly targets), each one kept.

Targets are plain text ("2026:requests_filed=120;...") rather than JSON (see 0005 about JSONB),
so the table is the same on SQLite and PostgreSQL.

Revision ID: 0012
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "impact_methodology",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("baseline_start", sa.String(7)),
        sa.Column("baseline_end", sa.String(7)),
        sa.Column("targets", sa.Text, nullable=False, server_default=""),
        sa.Column("change", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("impact_methodology")
