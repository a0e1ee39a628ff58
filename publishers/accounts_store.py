"""Tables of the staff workspace: users, memberships, sessions, login failures, tokens, jobs.

They join the catalog's one MetaData (publishers.store.catalog) so migrations see one schema;
they are declared here to keep store.py about the public catalog.
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import JsonDocument, JsonValue, String, Text, catalog

users = sa.Table(
    "users", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", String(254), nullable=False, unique=True),
    sa.Column("name", Text, nullable=False, server_default=""),
    sa.Column("password_hash", Text, nullable=False),
    sa.Column("site_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

memberships = sa.Table(
    "memberships", catalog,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), primary_key=True),
    sa.Column("role", String(12), nullable=False),  # "admin" or "editor"
)

staff_sessions = sa.Table(
    "staff_sessions", catalog,
    sa.Column("id_hash", String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)

login_failures = sa.Table(
    "login_failures", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", String(300), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("prefix", String(16), nullable=False),
    sa.Column("token_hash", String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)

# Upload jobs live in the catalog so that any server worker can report their progress.
upload_jobs = sa.Table(
    "upload_jobs", catalog,
    sa.Column("id", String(32), primary_key=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("stored_name", String(64), nullable=False),
    sa.Column("original_name", Text, nullable=False, server_default=""),
    sa.Column("options", JsonValue, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("state", String(12), nullable=False),  # queued running checked published failed
    sa.Column("stage", String(40), nullable=False, server_default=""),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("report", JsonValue),
    sa.Column("schema", JsonDocument),
    sa.Column("schema_reviewed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("error", JsonValue),
    sa.Column("version", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
