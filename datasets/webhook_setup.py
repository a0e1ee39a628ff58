"""Register and remove webhooks, with the fetch rules of the portal's outgoing requests.

A webhook's URL must be HTTPS and must name a host whose every address is public (or inside
OTKRITO_FETCH_ALLOW): checked here when it is registered, and again by the sender before each
delivery (datasets/fetch.py), since a name can change what it points to.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.fetch import FetchError, Network, parse_target, resolve
from metadata.errors import InvalidInput
from publishers import webhooks
from publishers.webhooks import Webhook

MAX_URL = 2000


def check_url(url: str, allow: Sequence[Network]) -> str:
    """Return the URL if a webhook may be sent to it; raise InvalidInput (bilingual) if not."""
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise InvalidInput("webhook.bad-url", detail=f"> {MAX_URL}")
    target = parse_target(url)  # FetchError (an InvalidInput) for a bad URL or one with a password
    if target.scheme != "https":
        raise InvalidInput("webhook.https-only")
    resolve(target.host, target.port, allow)  # every address public, or allowed
    return url


def add(engine: Engine, *, publisher_id: int, dataset: str | None, url: str, events: Sequence[str],
        actor: str, allow: Sequence[Network]) -> tuple[Webhook, str]:
    """Register a webhook for a publisher's events (or one of its datasets'); return it and its secret."""
    chosen = webhooks.check_events(list(events))
    dataset_id = None
    if dataset:
        found = catalog.get_dataset(engine, dataset)
        if found.publisher_id != publisher_id:
            raise InvalidInput("webhook.wrong-dataset", slug=dataset)
        dataset_id = found.id
    checked = check_url(url, allow)
    with engine.begin() as conn:
        return webhooks.register(conn, publisher_id=publisher_id, dataset_id=dataset_id, url=checked,
                                 events=chosen, actor=actor, now=datetime.now(timezone.utc))


__all__ = ["FetchError", "add", "check_url"]
