"""Tables of scheduled sources: a dataset's source URL and schedule, and every check of it.

They join the catalog's one MetaData (publishers.store.catalog); nothing in them is public
(the /sql/ API mounts only release databases, never the catalog).
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import JsonValue, String, Text, catalog

sources = sa.Table(
    "sources", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False, unique=True),
    sa.Column("url", Text, nullable=False),
    sa.Column("every", String(10)),  # hourly daily weekly monthly; NULL: the dataset's frequency
    sa.Column("etag", Text),  # validators of the content last published or found unchanged
    sa.Column("last_modified", Text),
    sa.Column("sha256", String(64)),  # of the content last published from this source
    sa.Column("next_due", sa.DateTime(timezone=True), nullable=False),
    # A scheduler claims a due source by setting a lease; another takes it only once it expired.
    sa.Column("lease_owner", String(64)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),  # in a row
    sa.Column("last_checked_at", sa.DateTime(timezone=True)),
    sa.Column("last_changed_at", sa.DateTime(timezone=True)),
    sa.Column("last_outcome", String(16)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

source_checks = sa.Table(
    "source_checks", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("url", Text, nullable=False),  # the final URL, after redirects
    sa.Column("status", sa.Integer),  # HTTP status; NULL when no answer came
    sa.Column("bytes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("outcome", String(16), nullable=False),  # published unchanged invalid failed
    sa.Column("version", sa.Integer),
    sa.Column("sha256", String(64)),
    sa.Column("error", JsonValue),  # {"bg", "en"} of a failure
    sa.Column("report", JsonValue),  # the report of an invalid file
)
sa.Index("ix_source_checks_source", source_checks.c.source_id, source_checks.c.at)
sa.Index("ix_sources_due", sources.c.next_due)
