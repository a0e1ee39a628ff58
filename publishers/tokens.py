"""API tokens: random secrets shown once, stored as sha256, scoped to one publisher."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metadata.errors import NotFound, OtkritoError
from publishers import audit
from publishers.accounts_store import api_tokens, users

PREFIX = "otk_"


class TokenRejected(OtkritoError):
    """No token, or one that is unknown, expired or revoked."""


@dataclass(frozen=True)
class Token:
    """A token's record (never its secret)."""

    id: int
    publisher_id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def live(self) -> bool:
        now = datetime.now(timezone.utc)
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _to_token(row: sa.Row) -> Token:
    return Token(row.id, row.publisher_id, row.user_id, row.name, row.prefix,
                 _utc(row.created_at), _utc(row.expires_at), _utc(row.revoked_at),
                 _utc(row.last_used_at))


def _digest(secret: str) -> str:
    # Tokens carry 256 random bits: a fast hash is enough, unlike for passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(engine: Engine, *, publisher_id: int, user_id: int, name: str,
                 expires_at: datetime | None = None, actor: str) -> tuple[Token, str]:
    """Create a token for one publisher; return its record and the secret (shown only now)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        result = conn.execute(api_tokens.insert().values(
            publisher_id=publisher_id, user_id=user_id, name=name.strip()[:200] or "API",
            prefix=secret[:12], token_hash=_digest(secret),
            created_at=datetime.now(timezone.utc), expires_at=expires_at))
        token_id = result.inserted_primary_key[0]
        audit.record(conn, actor=actor, action="token.create", target=f"token/{token_id}",
                     detail={"publisher_id": publisher_id, "name": name[:200]})
    return get_token(engine, token_id), secret


def get_token(engine: Engine, token_id: int) -> Token:
    """Return a token's record or raise NotFound."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound("token.not-found")
    return _to_token(row)


def list_tokens(engine: Engine, publisher_id: int) -> list[Token]:
    """Return a publisher's tokens, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_tokens).where(api_tokens.c.publisher_id == publisher_id)
                            .order_by(api_tokens.c.id.desc())).all()
    return [_to_token(r) for r in rows]


def revoke_token(engine: Engine, token_id: int, *, actor: str) -> None:
    """Revoke a token at once."""
    with engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id,
                                               api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=datetime.now(timezone.utc)))
        audit.record(conn, actor=actor, action="token.revoke", target=f"token/{token_id}")


def authenticate_token(engine: Engine, secret: str | None) -> tuple[Token, str]:
    """Return the live token with this secret and its owner's e-mail, or raise TokenRejected."""
    if not secret:
        raise TokenRejected("token.missing")
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_tokens, users.c.email, users.c.active)
                           .join(users, users.c.id == api_tokens.c.user_id)
                           .where(api_tokens.c.token_hash == _digest(secret))).first()
    if row is None or not row.active or not _to_token(row).live:
        raise TokenRejected("token.invalid")
    with engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == row.id)
                     .values(last_used_at=datetime.now(timezone.utc)))
    return _to_token(row), row.email
