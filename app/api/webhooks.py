"""Webhooks in the publishing API: register, list, remove; read the delivery log; send again."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import current_app, g, jsonify

from app.api.views import _authorize, _json_body, bp
from app.staff.auth import requires
from app.state import current_portal
from datasets import webhook_setup
from datasets.fetch import allowed_networks
from metadata.errors import InvalidInput, NotFound
from publishers import webhooks
from publishers.webhooks import Delivery, Webhook


def hook_json(hook: Webhook) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "events": list(hook.events), "dataset_id": hook.dataset_id,
            "created_by": hook.created_by, "created_at": hook.created_at.isoformat()}


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "webhook_id": delivery.webhook_id, "msg_id": delivery.msg_id,
            "event_type": delivery.event_type, "state": delivery.state, "attempts": delivery.attempts,
            "last_status": delivery.last_status, "last_error": delivery.last_error,
            "created_at": delivery.created_at.isoformat(),
            "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None}


def _own(webhook_id: int) -> Webhook:
    with current_portal().engine.connect() as conn:
        hook = webhooks.get(conn, webhook_id)
    _authorize(hook.publisher_id)
    if not hook.active:
        raise NotFound("webhook.not-found")
    return hook


@bp.get("/webhooks")
@requires("api")
def webhook_list():  # type: ignore[no-untyped-def]
    _authorize(g.token.publisher_id)
    with current_portal().engine.connect() as conn:
        return jsonify([hook_json(h) for h in webhooks.of_publisher(conn, g.token.publisher_id)])


@bp.post("/webhooks")
@requires("api")
def webhook_add():  # type: ignore[no-untyped-def]
    _authorize(g.token.publisher_id)
    body = _json_body()
    events, url, dataset = body.get("events"), body.get("url"), body.get("dataset")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InvalidInput("webhook.bad-events", events=", ".join(webhooks.EVENTS))
    if not isinstance(url, str) or (dataset is not None and not isinstance(dataset, str)):
        raise InvalidInput("form.invalid-input")
    hook, secret = webhook_setup.add(
        current_portal().engine, publisher_id=g.token.publisher_id, dataset=dataset, url=url,
        events=events, actor=g.api_actor,
        allow=allowed_networks(current_app.config["OTKRITO"].get("FETCH_ALLOW")))
    response = jsonify({**hook_json(hook), "secret": secret})
    response.status_code = 201
    return response


@bp.delete("/webhooks/<int:webhook_id>")
@requires("api")
def webhook_remove(webhook_id: int):  # type: ignore[no-untyped-def]
    _own(webhook_id)
    with current_portal().engine.begin() as conn:
        webhooks.remove(conn, webhook_id, actor=g.api_actor)
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@requires("api")
def webhook_log(webhook_id: int):  # type: ignore[no-untyped-def]
    _own(webhook_id)
    with current_portal().engine.connect() as conn:
        return jsonify([delivery_json(d) for d in webhooks.log(conn, webhook_id)])


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/resend")
@requires("api")
def webhook_resend(webhook_id: int, delivery_id: int):  # type: ignore[no-untyped-def]
    _own(webhook_id)
    with current_portal().engine.begin() as conn:
        webhooks.resend(conn, webhook_id, delivery_id, actor=g.api_actor, now=datetime.now(timezone.utc))
    return jsonify({"queued": True}), 202
