"""Deliver webhooks: an HTTPS POST of the stored body, signed per Standard Webhooks.

The `standardwebhooks` library (the specification's reference implementation) makes the
`webhook-signature` (HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>", base64, "v1,"),
with a fresh timestamp on each attempt and the same id and body. The fetch rules of every
outgoing request apply (datasets/fetch.py): the host's addresses are resolved and checked before
each attempt, and the connection goes to the checked address (the name stays for TLS); private
addresses only inside OTKRITO_FETCH_ALLOW; a timeout on connecting and on the answer; redirects
are never followed (a 3xx is a failure). A 2xx answer delivers; anything else, or no answer,
is retried with a doubling wait, up to publishers.webhooks.MAX_ATTEMPTS.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

import urllib3
from sqlalchemy.engine import Engine
from standardwebhooks.webhooks import Webhook as Signer

from app.ops.metrics import WEBHOOKS, count_outcomes
from datasets.fetch import FetchError, Network, parse_target, resolve
from publishers import webhooks

log = logging.getLogger("otkrito.webhooks")
USER_AGENT = "Otkrito-Webhooks/1"


@dataclass
class Counts:
    delivered: int = 0
    retry: int = 0
    failed: int = 0


def post(held: webhooks.Leased, *, allow: Sequence[Network], timeout: float, now: datetime) -> int:
    """Send one delivery; return the HTTP status (raise FetchError when there is none)."""
    target = parse_target(held.url)
    if target.scheme != "https":
        raise FetchError("webhook.https-only")
    addresses = resolve(target.host, target.port, allow)
    signature = Signer(held.secret).sign(held.msg_id, now, held.body)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": held.msg_id,
               "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature,
               "host": target.host if target.port == 443 else f"{target.host}:{target.port}"}
    limit = urllib3.Timeout(connect=timeout, read=timeout)
    last: Exception | None = None
    for address in addresses:
        pool = urllib3.HTTPSConnectionPool(address, target.port, timeout=limit, maxsize=1, retries=False,
                                           server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED")
        try:
            response = pool.urlopen("POST", target.path, body=held.body.encode("utf-8"), headers=headers,
                                    redirect=False, retries=False, assert_same_host=False)
            return int(response.status)
        except urllib3.exceptions.ReadTimeoutError:
            raise FetchError("fetch.timeout", host=target.host[:100]) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            last = error
        finally:
            pool.close()
    raise FetchError("fetch.unreachable", host=target.host[:100]) from last


def send_due(engine: Engine, *, allow: Sequence[Network], timeout: float, lease_seconds: float,
             now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Counts:
    """Deliver every webhook due now."""
    counts = Counts()
    while (held := webhooks.lease(engine, seconds=lease_seconds, now=now())) is not None:
        status: int | None = None
        try:
            status = post(held, allow=allow, timeout=timeout, now=now())
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        except FetchError as refused:
            error = refused.text.en
        with engine.begin() as conn:
            if not error and status is not None:
                webhooks.delivered(conn, held, status, now=now())
                counts.delivered += 1
                continue
            state = webhooks.retry_later(conn, held, status, error, now=now())
        counts.failed += state == "failed"
        counts.retry += state != "failed"
        log.warning("Webhook delivery %s: %s (%s)", held.msg_id, error, state)
    count_outcomes(WEBHOOKS, counts, ("delivered", "retry", "failed"))
    return counts
