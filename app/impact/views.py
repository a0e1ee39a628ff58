"""The public impact page: every indicator's monthly series against its baseline and target."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, request

from app.i18n import current_lang
from app.impact.i18n import _i
from app.impact.present import panel, shown_months
from app.participation.responses import page
from app.state import current_portal
from datasets import catalog
from datasets.impact import IMPACT_SLUG, INDICATORS, RULE, monthly_figures, status_year
from datasets.impact_methodology import current, history, statuses_of
from publishers.registry import get_publisher, list_publishers
from publishers.store import publishers

bp = Blueprint("impact", __name__, template_folder="templates")


def _opened(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.min(publishers.c.created_at))).scalar()
    return found.date() if found is not None else None


@bp.get("/impact")
def impact_page():  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    slug = request.args.get("publisher", "").strip() or None
    chosen = get_publisher(engine, slug) if slug else None  # NotFound (404) for an unknown slug
    now = datetime.now(timezone.utc)
    methodology = current(engine)
    year = status_year(now)
    start, end = shown_months(_opened(engine), now.date(), methodology.baseline_start)
    figures = monthly_figures(engine, start=start, end=end, publisher=slug, now=now)
    names = {"actual": _i("Value"), "baseline": _i("Baseline"), "path": _i("Path to the target")}
    lang = current_lang()
    panels = []
    for item, found in statuses_of(figures, methodology, year=year, publisher=slug, now=now):
        panels.append(panel(item, found, figures, lang=lang, year=year, names=names))
    dataset = catalog.find_dataset(engine, IMPACT_SLUG)
    return page("impact/impact.html", panels=panels, methodology=methodology, rule=RULE, year=year,
                publishers=list_publishers(engine), chosen=chosen, dataset=dataset, start=start, end=end)


def methodology_summary() -> dict[str, Any]:
    """Return the methodology in force and its history, for the rules page."""
    engine = current_portal().engine
    return {"current": current(engine), "history": history(engine), "indicators": INDICATORS, "rule": RULE}
