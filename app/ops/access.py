"""Who may read /metrics: a client on loopback, or one with `Authorization: Bearer <token>`.

The peer is scope["client"], which uvicorn sets after resolving forwarded headers only from
trusted proxies: a forwarded header from anyone else cannot make a request look local.
"""
from __future__ import annotations

import hmac
import ipaddress

from app.asgi_types import Scope

ALLOWED, NOT_LOCAL, WRONG_TOKEN = 200, 403, 401


def is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


def bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    return None


def decide(scope: Scope, token: str | None) -> int:
    """ALLOWED, NOT_LOCAL (403: no token configured) or WRONG_TOKEN (401)."""
    offered = bearer(scope)
    if offered is None:
        if is_loopback(scope):
            return ALLOWED
        return WRONG_TOKEN if token else NOT_LOCAL
    if not token:
        return ALLOWED if is_loopback(scope) else NOT_LOCAL
    return ALLOWED if hmac.compare_digest(offered.encode(), token.encode()) else WRONG_TOKEN
