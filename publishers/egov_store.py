"""Tables of the data.egov.bg registration: publishers' sealed API keys, each dataset's remote
URIs and what was last sent, and the log of every call.

They join the catalog's one MetaData (publishers.store.catalog) so migrations see one schema
(publishers/migrations/versions/0008_egov.py creates them).
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import String, Text, catalog

# One row per publisher with a key. `key_sealed` is the API key encrypted with a key derived
# from the instance's secret key (publishers/egov_keys.py): a copy of the catalog alone
# (a backup, an export, a dump) does not give the key away.
egov_accounts = sa.Table(
    "egov_accounts", catalog,
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), primary_key=True),
    sa.Column("key_sealed", Text, nullable=False),
    sa.Column("org_id", sa.Integer),
    sa.Column("key_set_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_set_by", Text, nullable=False),
    # Held while a sync runs, so two syncs of one publisher never both add a dataset.
    sa.Column("sync_token", String(64)),
    sa.Column("sync_started_at", sa.DateTime(timezone=True)),
)

# One row per dataset that a sync has touched. A URI is stored the moment the remote returns
# it, each in its own transaction: a sync that stops half-way resumes without duplicates.
egov_registrations = sa.Table(
    "egov_registrations", catalog,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
    sa.Column("dataset_uri", String(191)),
    sa.Column("resource_uri", String(191)),
    sa.Column("dataset_digest", String(64)),  # sha256 of the data[...] last accepted
    sa.Column("resource_digest", String(64)),
    sa.Column("status", String(12), nullable=False),  # registered | partial | failed | waiting
    sa.Column("error_bg", Text),
    sa.Column("error_en", Text),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("synced_at", sa.DateTime(timezone=True)),
)

# Every call sent: action, dataset, HTTP status, remote URI, the remote's message. Never the key.
egov_calls = sa.Table(
    "egov_calls", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id")),
    sa.Column("action", String(40), nullable=False),
    sa.Column("http_status", sa.Integer),  # None: no answer (unreachable)
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("remote_uri", String(191)),
    sa.Column("message", Text, nullable=False, server_default=""),
    sa.Column("actor", Text, nullable=False),
    sa.Index("ix_egov_calls_publisher", "publisher_id", "id"),
)
