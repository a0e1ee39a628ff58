"""The workspace's data.egov.bg page: each dataset's registration status and last error, the
latest calls, and (for the publisher's admins) the form that stores its API key.

The key goes in, never out: the page says whether a key is stored and since when, never the
key; a refused form is shown again with the key field empty.
"""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from app.staff.auth import actor, authorize, requires
from app.staff.workspace import bp
from app.state import current_portal
from datasets.catalog import latest_release, list_datasets
from metadata.errors import InvalidInput
from metadata.messages import text
from publishers.egov_keys import find_account, parse_org, set_key
from publishers.egov_registry import Registration, list_calls, registrations
from publishers.registry import get_publisher


def _page(publisher: str, *, error=None, saved: bool = False, status: int = 200):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    owner = get_publisher(engine, publisher)
    you = authorize("egov.view", owner.id)
    known = registrations(engine, owner.id)
    rows = [(d, known.get(d.id, Registration(d.id)), latest_release(engine, d.id) is not None)
            for d in list_datasets(engine, publisher_id=owner.id)]
    return render_template(
        "staff/egov.html", publisher=owner, rows=rows, account=find_account(engine, owner.id),
        calls=list_calls(engine, owner.id, limit=20), may_manage=you.can("egov.manage", owner.id),
        error=error, saved=text("egov.key-saved", publisher=owner.slug) if saved else None,
        egov_url=current_app.config["OTKRITO"]["EGOV_URL"]), status


@bp.get("/publishers/<publisher>/egov")
@requires("egov.view")
def egov_status(publisher: str):  # type: ignore[no-untyped-def]
    return _page(publisher, saved=request.args.get("saved") == "1")


@bp.post("/publishers/<publisher>/egov/key")
@requires("egov.manage")
def egov_key(publisher: str):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    owner = get_publisher(engine, publisher)
    authorize("egov.manage", owner.id)
    try:
        set_key(engine, owner, request.form.get("api_key", ""), org_id=parse_org(request.form.get("org_id")),
                secret=current_app.config["SECRET_KEY"], actor=actor())
    except InvalidInput as refused:
        return _page(owner.slug, error=refused.text, status=422)
    return redirect(url_for("staff.egov_status", publisher=owner.slug, saved=1))
