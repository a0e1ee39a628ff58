"""Tables of e-mail subscriptions: addresses, subscriptions, events, digests and the outbox.

They join the catalog's one MetaData (publishers.store.catalog); migration 0010 creates them.
Subscribers' addresses live only here, in the catalog, which the SQL API never mounts.
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import String, Text, catalog

# One row per address. `status`: pending (never confirmed), confirmed, disabled (3 bounces).
# `secret` is random and goes into every signed link, so a link dies with its row.
follow_addresses = sa.Table(
    "follow_addresses", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", String(254), nullable=False, unique=True),
    sa.Column("secret", String(32), nullable=False),
    sa.Column("status", String(12), nullable=False, server_default="pending"),
    sa.Column("bounces", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# kind: dataset, publisher, theme, keyword or overdue (target "").
# status: pending, confirmed, ended (unsubscribed).
follow_subscriptions = sa.Table(
    "follow_subscriptions", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id"), nullable=False),
    sa.Column("kind", String(12), nullable=False),
    sa.Column("target", String(200), nullable=False, server_default=""),
    sa.Column("frequency", String(12), nullable=False),
    sa.Column("lang", String(2), nullable=False),
    sa.Column("secret", String(32), nullable=False),
    sa.Column("status", String(12), nullable=False, server_default="pending"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("address_id", "kind", "target", name="uq_follow_subscription"),
)

# What happened, written in the transaction of the change itself (a release, a withdrawal) or
# once per overdue period: `key` makes a second write of the same event a no-op.
follow_events = sa.Table(
    "follow_events", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", String(120), nullable=False, unique=True),
    sa.Column("kind", String(12), nullable=False),  # release, withdrawal, overdue
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("dispatched_at", sa.DateTime(timezone=True)),
)

# Events waiting for a subscriber's daily or weekly digest.
follow_pending = sa.Table(
    "follow_pending", catalog,
    sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id"), primary_key=True),
    sa.Column("frequency", String(12), primary_key=True),
    sa.Column("lang", String(2), primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("follow_events.id"), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Finished messages. `raw` is the whole RFC 5322 message with its Message-ID, written once: a
# retry sends the same bytes. state: pending, sending (leased), sent, failed.
mail_outbox = sa.Table(
    "mail_outbox", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    # A subscriber's message names its address; a staff reminder its recipient instead.
    sa.Column("address_id", sa.Integer, sa.ForeignKey("follow_addresses.id")),
    sa.Column("recipient", String(254)),
    sa.Column("message_id", String(200), nullable=False, unique=True),
    sa.Column("kind", String(12), nullable=False),  # confirm, news, digest
    sa.Column("raw", Text, nullable=False),
    sa.Column("state", String(12), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_owner", String(32)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("last_error", Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)

# Webhooks for developers: an HTTPS URL told about a publisher's (or one dataset's) events.
# `secret` signs each delivery (Standard Webhooks, "whsec_…"); shown to its maker once.
webhooks = sa.Table(
    "webhooks", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
    sa.Column("url", Text, nullable=False),
    sa.Column("events", String(200), nullable=False),  # comma-separated event types
    sa.Column("secret", String(80), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_by", Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# One delivery per webhook and event; `msg_id` (the webhook-id header) stays the same on every
# attempt and on "send again", so receivers can drop repeats. state: pending, sending, delivered,
# failed.
webhook_deliveries = sa.Table(
    "webhook_deliveries", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id"), nullable=False),
    sa.Column("msg_id", String(40), nullable=False, unique=True),
    sa.Column("event_type", String(40), nullable=False),
    sa.Column("body", Text, nullable=False),
    sa.Column("state", String(12), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_owner", String(32)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
)

# Reminders to a publisher's staff: one per dataset, due date and kind ("before", "overdue"),
# written with its messages, so it is sent once and the timeliness page can say it was.
staff_reminders = sa.Table(
    "staff_reminders", catalog,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
    sa.Column("due", String(10), primary_key=True),
    sa.Column("kind", String(10), primary_key=True),
    sa.Column("recipients", sa.Integer, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)
