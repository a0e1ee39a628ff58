"""Signed, single-purpose links for subscribers: confirm, unsubscribe, manage.

itsdangerous (Flask's own signer) signs a small payload with the portal's secret key; the salt
names the purpose, so a confirmation link can never be used as an unsubscribe link or the other
way round. Each payload holds the row's random secret: deleting the row kills its links.
"""
from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from metadata.errors import InvalidInput

PURPOSES = {
    "confirm": 7 * 24 * 3600,        # a confirmation is asked for now, or never
    "unsubscribe": None,             # an old message's unsubscribe link must keep working
    "manage": 365 * 24 * 3600,
}


def _signer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"otkrito.follow.{purpose}")


def make(secret_key: str, purpose: str, payload: dict[str, Any]) -> str:
    """Return a URL-safe signed token for one purpose."""
    assert purpose in PURPOSES
    return str(_signer(secret_key, purpose).dumps(payload))


def read(secret_key: str, purpose: str, token: str) -> dict[str, Any]:
    """Return the payload of a token made for `purpose`; raise InvalidInput when forged or old."""
    try:
        payload = _signer(secret_key, purpose).loads(token[:2000], max_age=PURPOSES[purpose])
    except SignatureExpired:
        raise InvalidInput("follow.token-expired") from None
    except BadSignature:
        raise InvalidInput("follow.token-invalid") from None
    if not isinstance(payload, dict):
        raise InvalidInput("follow.token-invalid")
    return payload
