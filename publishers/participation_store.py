"""Tables of citizen participation: feedback and requests, rate limits, usage, rules.

They join the catalog's one MetaData (publishers.store.catalog); migration 0003 creates them.
E-mail addresses given by citizens live only here, in catalog.db, which the SQL API never sees.
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import String, Text, catalog

feedback = sa.Table(
    "feedback", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", String(12), nullable=False),  # "comment" or "request"
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
    sa.Column("title", Text, nullable=False, server_default=""),
    sa.Column("body", Text, nullable=False),
    sa.Column("contact_email", Text),  # never shown, erased when the item is closed
    sa.Column("moderation", String(12), nullable=False, server_default="pending"),
    sa.Column("status", String(16), nullable=False, server_default="new"),
    sa.Column("answer", Text, nullable=False, server_default=""),
    sa.Column("reason", Text, nullable=False, server_default=""),
    sa.Column("fulfilled_dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
    sa.Column("lang", String(2), nullable=False, server_default="bg"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

feedback_events = sa.Table(
    "feedback_events", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feedback_id", sa.Integer, sa.ForeignKey("feedback.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", String(20), nullable=False),
    sa.Column("actor", Text, nullable=False),
)

# One random salt per day: yesterday's hashes cannot be linked to today's, nor reversed.
daily_salts = sa.Table(
    "daily_salts", catalog,
    sa.Column("day", String(10), primary_key=True),
    sa.Column("salt", String(64), nullable=False),
)

feedback_rate = sa.Table(
    "feedback_rate", catalog,
    sa.Column("key_hash", String(64), primary_key=True),
    sa.Column("window", String(13), primary_key=True),  # "YYYY-MM-DDTHH" or "YYYY-MM-DD"
    sa.Column("count", sa.Integer, nullable=False),
)

usage_daily = sa.Table(
    "usage_daily", catalog,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
    sa.Column("day", String(10), primary_key=True),
    sa.Column("kind", String(10), primary_key=True),  # "view", "download", "api"
    sa.Column("count", sa.Integer, nullable=False),
)

rules_versions = sa.Table(
    "rules_versions", catalog,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body_bg", Text, nullable=False),
    sa.Column("body_en", Text, nullable=False),
    sa.Column("note", Text, nullable=False, server_default=""),
    sa.Column("author", Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
