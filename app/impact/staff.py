"""The staff form of the impact methodology: the baseline period and yearly targets (site admins).

Under /staff with the workspace's guard (sign-in, CSRF); the domain checks every value and
answers bad input with a bilingual message, so the form changes nothing then.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from app.staff.auth import guard_workspace, no_store, requires, site_admin
from app.state import current_portal
from datasets.impact import INDICATORS, status_year
from datasets.impact_methodology import current, history, set_baseline, set_target
from metadata.errors import OtkritoError

bp = Blueprint("impact_staff", __name__, url_prefix="/staff")
bp.before_request(guard_workspace)
bp.after_request(no_store)


@bp.route("/impact", methods=["GET", "POST"])
@requires("impact.edit")
def methodology_edit():  # type: ignore[no-untyped-def]
    actor = site_admin()
    engine = current_portal().engine
    error = None
    values = {k: request.form.get(k, "") for k in ("start", "end", "indicator", "year", "value", "note")}
    if request.method == "POST":
        try:
            if request.form.get("change") == "baseline":
                set_baseline(engine, start=values["start"], end=values["end"], note=values["note"], actor=actor)
            else:
                set_target(engine, key=values["indicator"], year=values["year"], value=values["value"],
                           note=values["note"], actor=actor)
            return redirect(url_for("impact_staff.methodology_edit", saved=1))
        except OtkritoError as failed:
            error = failed.text
    return render_template("impact/staff_methodology.html", methodology=current(engine), versions=history(engine),
                           indicators=INDICATORS, values=values, error=error, saved=request.args.get("saved"),
                           year=status_year()), 422 if error else 200
