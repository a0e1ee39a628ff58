"""E-mail subscriptions (addresses, subscriptions, events, digests waiting, the mail outbox) and
webhooks with their delivery log, and reminders to staff.

No JSON column (see 0005 about JSONB): every value is plain text, integers and times, so the
tables are the same on SQLite and PostgreSQL.

Revision ID: 0010
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("secret", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("bounces", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "follow_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("secret", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("address_id", "kind", "target", name="uq_follow_subscription"),
    )
    op.create_index("ix_follow_subscriptions_target", "follow_subscriptions", ["kind", "target", "status"])
    op.create_table(
        "follow_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_follow_events_dispatched", "follow_events", ["dispatched_at"])
    op.create_table(
        "follow_pending",
        sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id"), primary_key=True),
        sa.Column("frequency", sa.String(12), primary_key=True),
        sa.Column("lang", sa.String(2), primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("follow_events.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id")),
        sa.Column("recipient", sa.String(254)),
        sa.Column("message_id", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("state", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(32)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", sa.String(200), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhooks_publisher", "webhooks", ["publisher_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("msg_id", sa.String(40), nullable=False, unique=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(32)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_hook", "webhook_deliveries", ["webhook_id", "id"])
    op.create_table(
        "staff_reminders",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
        sa.Column("due", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("staff_reminders", "webhook_deliveries", "webhooks", "mail_outbox", "follow_pending", "follow_events", "follow_subscriptions",
                  "follow_addresses"):
        op.drop_table(table)
