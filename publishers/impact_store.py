"""The table of the impact methodology's versions; migration 0012 creates it.

Each change of the baseline period or of a target writes a whole new version, so the history of
the methodology is the table itself (who, when, what changed).
"""
from __future__ import annotations

import sqlalchemy as sa

from publishers.store import String, Text, catalog

impact_methodology = sa.Table(
    "impact_methodology", catalog,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("baseline_start", String(7)),  # "YYYY-MM"
    sa.Column("baseline_end", String(7)),
    sa.Column("targets", Text, nullable=False, server_default=""),  # "2026:key=120;2027:key=150"
    sa.Column("change", Text, nullable=False, server_default=""),  # what this version changed
    sa.Column("author", Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
