"""Webhooks in the workspace: register and remove a publisher's, read each one's delivery log,
and send a delivery again."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, redirect, render_template, request, url_for

from app.staff.auth import actor, authorize, requires
from app.staff.workspace import bp
from app.state import current_portal
from datasets import catalog, webhook_setup
from datasets.fetch import allowed_networks
from metadata.errors import InvalidInput, NotFound
from publishers import webhooks
from publishers.registry import get_publisher


def _page(owner, created=None, error=None, status: int = 200):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    with engine.connect() as conn:
        hooks = webhooks.of_publisher(conn, owner.id)
    datasets = catalog.list_datasets(engine, publisher_id=owner.id)
    return render_template("staff/webhooks.html", publisher=owner, hooks=hooks, created=created, error=error,
                           events=webhooks.EVENTS, datasets=datasets,
                           titles={d.id: d for d in datasets}), status


@bp.route("/publishers/<publisher>/webhooks", methods=["GET", "POST"])
@requires("webhook.manage")
def webhook_list(publisher: str):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("webhook.manage", owner.id)
    if request.method == "GET":
        return _page(owner)
    try:
        created = webhook_setup.add(
            current_portal().engine, publisher_id=owner.id, dataset=request.form.get("dataset") or None,
            url=request.form.get("url", "")[:4000], events=request.form.getlist("events"), actor=actor(),
            allow=allowed_networks(current_app.config["OTKRITO"].get("FETCH_ALLOW")))
    except InvalidInput as error:
        return _page(owner, error=error.text, status=422)
    return _page(owner, created=created)


def _own(owner_id: int, webhook_id: int) -> webhooks.Webhook:
    with current_portal().engine.connect() as conn:
        hook = webhooks.get(conn, webhook_id)
    if hook.publisher_id != owner_id or not hook.active:
        raise NotFound("webhook.not-found")
    return hook


@bp.post("/publishers/<publisher>/webhooks/<int:webhook_id>/remove")
@requires("webhook.manage")
def webhook_remove(publisher: str, webhook_id: int):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("webhook.manage", owner.id)
    _own(owner.id, webhook_id)
    with current_portal().engine.begin() as conn:
        webhooks.remove(conn, webhook_id, actor=actor())
    return redirect(url_for("staff.webhook_list", publisher=owner.slug))


@bp.get("/publishers/<publisher>/webhooks/<int:webhook_id>")
@requires("webhook.manage")
def webhook_log(publisher: str, webhook_id: int):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("webhook.manage", owner.id)
    hook = _own(owner.id, webhook_id)
    with current_portal().engine.connect() as conn:
        found = webhooks.log(conn, webhook_id)
    return render_template("staff/webhook_log.html", publisher=owner, hook=hook, deliveries=found,
                           resent=request.args.get("resent"))


@bp.post("/publishers/<publisher>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/resend")
@requires("webhook.manage")
def webhook_resend(publisher: str, webhook_id: int, delivery_id: int):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("webhook.manage", owner.id)
    _own(owner.id, webhook_id)
    with current_portal().engine.begin() as conn:
        webhooks.resend(conn, webhook_id, delivery_id, actor=actor(), now=datetime.now(timezone.utc))
    return redirect(url_for("staff.webhook_log", publisher=owner.slug, webhook_id=webhook_id, resent=delivery_id))
