"""A dataset's scheduled source in the workspace: set or remove it, fetch now, see its checks."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.jobs.scheduler import fetch_options
from app.staff.auth import actor, requires
from app.staff.workspace import bp, dataset_for
from app.state import current_portal
from datasets.source_schedule import EVERY
from datasets.sources import check_source, get_source, history, remove_source, set_source
from metadata.errors import OtkritoError


def _page(dataset, *, error=None, values=None, status=200):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    found = get_source(engine, dataset.slug)
    checks = history(engine, dataset.slug) if found is not None else []
    return render_template("staff/source.html", dataset=dataset, source=found, checks=checks,
                           schedules=list(EVERY), error=error, values=values or {}), status


@bp.route("/datasets/<slug>/source", methods=["GET", "POST"])
@requires("release.publish")
def source(slug: str):  # type: ignore[no-untyped-def]
    dataset = dataset_for(slug, "release.publish")
    if request.method == "GET":
        return _page(dataset)
    p = current_portal()
    action = request.form.get("action", "")
    try:
        if action == "set":
            set_source(p.engine, slug, request.form.get("url", ""),
                       every=request.form.get("every") or None, actor=actor())
        elif action == "remove":
            remove_source(p.engine, slug, actor=actor())
        elif action == "fetch":
            check_source(p.instance, p.engine, slug, actor=actor(), **fetch_options(p.settings))
    except OtkritoError as error:  # shown on the form, with what was typed
        return _page(dataset, error=error.text, values=request.form, status=422)
    return redirect(url_for("staff.source", slug=slug))
