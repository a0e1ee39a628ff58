"""The `/sql/` page: the SQL API's index as a portal page, paged, from the catalog.

Datasette's index listed every database and opened each one for it (43-58 s with 1,200
datasets); this page lists one page of the datasets the SQL API serves, drawn from the
catalog index the public pages already keep in memory, and never opens a release file.
It is a portal page like the catalog (same layout, languages, headers and revalidation),
so the router sends `/sql/` here; `/sql/.json` is the same list in Datasette's shape
(`app/sql/index.py`), answered beside Datasette.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, make_response, render_template, request

from app.public.freshness import catalog_index, not_modified, with_validators
from app.sql.index import PREFIX, paged

bp = Blueprint("sql", __name__, template_folder="templates")


@bp.get(PREFIX + "/")
def index():  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    # Datasets with a published release: the ones /sql/<slug> serves (the JSON's order).
    served = sorted((e for e in catalog_index().entries if e.release),
                    key=lambda e: e.dataset.slug)
    page = paged(served, request.args.get("page"))
    if page is None:
        abort(404)
    settings = current_app.config["OTKRITO"]
    return with_validators(make_response(render_template(
        "sql/index.html", page=page, seconds=settings["SQL_TIME_LIMIT_MS"] / 1000,
        max_rows=settings["SQL_MAX_ROWS"])))


def init_app(app: Flask) -> None:
    """Register the /sql/ page."""
    app.register_blueprint(bp)
