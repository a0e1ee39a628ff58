"""Tables of harvesting: the catalogs a publisher harvests, what each run found, and withdrawn datasets.

They join the catalog's one MetaData (publishers.store.catalog); migration 0007 creates them.
A harvested dataset is known by its remote identifier (a CKAN package id, a DCAT dataset URI),
never by its title: titles change at the source, identifiers do not.
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import JsonValue, String, Text, catalog, datasets

harvest_sources = sa.Table(
    "harvest_sources", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("url", Text, nullable=False),
    sa.Column("kind", String(8), nullable=False),  # "ckan" or "dcat"
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", Text, nullable=False),
    sa.Column("last_run_at", sa.DateTime(timezone=True)),
    sa.Column("last_outcome", String(12)),  # "complete", "partial" or "failed"
    sa.Column("last_report", JsonValue),
    sa.UniqueConstraint("publisher_id", "url", name="uq_harvest_source_url"),
)

harvested_datasets = sa.Table(
    "harvested_datasets", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("harvest_sources.id"), nullable=False),
    sa.Column("remote_id", Text, nullable=False),
    sa.Column("remote_name", Text),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False, unique=True),
    sa.Column("resource_url", Text),  # the tabular resource its scheduled source fetches
    sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("source_id", "remote_id", name="uq_harvested_remote"),
)

# A withdrawn dataset: hidden from every listing (pages, search, DCAT, CKAN, the SQL index),
# while its record, releases and audit trail stay. Deleting the row restores it.
dataset_withdrawals = sa.Table(
    "dataset_withdrawals", catalog,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", Text, nullable=False),
    sa.Column("actor", Text, nullable=False),
)


def listed(dataset_id: sa.ColumnElement[int] = datasets.c.id) -> sa.ColumnElement[bool]:
    """A WHERE clause that keeps only datasets that are not withdrawn."""
    return dataset_id.not_in(sa.select(dataset_withdrawals.c.dataset_id))
