"""Who the client is: forwarded headers count only from the peers in OTKRITO_TRUSTED_PROXIES.

uvicorn's own proxy handling trusts 127.0.0.1 by default, so any local client could claim any
address (and so escape the per-address limits of the SQL API, sign-in and feedback). The portal
applies uvicorn's ProxyHeadersMiddleware itself, configured only from OTKRITO_TRUSTED_PROXIES
(empty: trust nobody), and `otkrito serve` turns uvicorn's own copy off. Wrapping the app here,
not passing uvicorn options, makes the rule hold wherever the app is built, and lets a mistyped
address stop start-up instead of being silently compared as text (as uvicorn does).
"""
from __future__ import annotations

import ipaddress

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.asgi_types import ASGIApp
from metadata.errors import NotReady


def trusted_networks(value: str | None) -> list[str]:
    """The comma-separated addresses or CIDR networks, checked and written as networks."""
    networks = []
    for item in (value or "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise NotReady("config.trusted-proxies-invalid", value=item.strip()[:100]) from None
    return networks


def behind_proxies(app: ASGIApp, value: str | None) -> ASGIApp:
    """The app, seeing the client's address and scheme as a trusted proxy forwarded them.

    From a trusted peer, X-Forwarded-For gives the nearest address that is not itself a trusted
    proxy (the rightmost untrusted entry: what a client wrote further left is never believed) and
    X-Forwarded-Proto the scheme (so https turns on HSTS and Secure cookies)."""
    networks = trusted_networks(value)
    return ProxyHeadersMiddleware(app, trusted_hosts=networks) if networks else app  # type: ignore[arg-type]
