"""data.egov.bg registration: sealed API keys, remote URIs per dataset, the call log.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "egov_accounts",
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), primary_key=True),
        sa.Column("key_sealed", sa.Text, nullable=False),
        sa.Column("org_id", sa.Integer),
        sa.Column("key_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_set_by", sa.Text, nullable=False),
        sa.Column("sync_token", sa.String(64)),
        sa.Column("sync_started_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "egov_registrations",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
        sa.Column("dataset_uri", sa.String(191)),
        sa.Column("resource_uri", sa.String(191)),
        sa.Column("dataset_digest", sa.String(64)),
        sa.Column("resource_digest", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("error_bg", sa.Text),
        sa.Column("error_en", sa.Text),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "egov_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("remote_uri", sa.String(191)),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_index("ix_egov_calls_publisher", "egov_calls", ["publisher_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_egov_calls_publisher", table_name="egov_calls")
    op.drop_table("egov_calls")
    op.drop_table("egov_registrations")
    op.drop_table("egov_accounts")
