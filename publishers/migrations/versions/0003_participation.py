"""Participation: citizen feedback and data requests, rate limits, usage statistics, rules.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("contact_email", sa.Text),
        sa.Column("moderation", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("fulfilled_dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
        sa.Column("lang", sa.String(2), nullable=False, server_default="bg"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_publisher", "feedback", ["publisher_id", "moderation"])
    op.create_index("ix_feedback_dataset", "feedback", ["dataset_id"])
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feedback_id", sa.Integer, sa.ForeignKey("feedback.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_index("ix_feedback_events_item", "feedback_events", ["feedback_id"])
    op.create_table(
        "daily_salts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
    )
    op.create_table(
        "feedback_rate",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("window", sa.String(13), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "usage_daily",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "rules_versions",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("body_bg", sa.Text, nullable=False),
        sa.Column("body_en", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("rules_versions", "usage_daily", "feedback_rate", "daily_salts",
                  "feedback_events", "feedback"):
        op.drop_table(table)
