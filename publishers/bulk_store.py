"""Tables of bulk work in the workspace: a batch of uploaded files, and a previewed metadata CSV.

Both live in the catalog (not in a session or a page) so that the next step of the flow may be
served by any web node, and so that a second submit of the same step finds it already done.
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import JsonValue, String, catalog

# items: one entry per file, in the order sent: its display name, its stored name, the dataset
# it was matched to or why none, and, once matched, its upload job.
bulk_uploads = sa.Table(
    "bulk_uploads", catalog,
    sa.Column("id", String(32), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("state", String(12), nullable=False),  # matching, matched
    sa.Column("items", JsonValue, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# changes: per dataset, every editable field as it was at the preview ("before"), and the fields
# the CSV changes ("after"); applying compares "before" with the catalog to refuse stale previews.
bulk_edits = sa.Table(
    "bulk_edits", catalog,
    sa.Column("id", String(32), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("state", String(12), nullable=False),  # previewed, applied, refused
    sa.Column("changes", JsonValue, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
