"""Signing in: throttled password checks that never tell which accounts exist, and sessions.

A session is a random id kept in the (signed) cookie; the catalog keeps only its sha256, so
logging out or a password reset really ends it, and signing in always starts a new one.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metadata.errors import InvalidInput, OtkritoError
from publishers import audit
from publishers.accounts_store import login_failures, staff_sessions
from publishers.users import User, dummy_hash, find_user, password_hash_of, verify_password


class LoginFailed(InvalidInput):
    """The address and password do not match an active account (which one is never said)."""


class Throttled(OtkritoError):
    """Too many recent failures for this account or address; wait before trying again."""


@dataclass(frozen=True)
class Limits:
    """How many failures within `window` lock an account or an address out."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=8)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _failures(engine: Engine, key: str, since: datetime) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(login_failures).where(
            login_failures.c.key == key, login_failures.c.at >= since)).scalar() or 0


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()[:254]}", f"address:{address[:45]}"


def authenticate(engine: Engine, email: str, password: str, *, address: str,
                 limits: Limits = Limits()) -> User:
    """Return the user whose address and password match, or raise LoginFailed or Throttled."""
    account_key, address_key = _keys(email, address)
    since = _now() - limits.window
    if (_failures(engine, account_key, since) >= limits.per_account
            or _failures(engine, address_key, since) >= limits.per_address):
        raise Throttled("staff.login-throttled", minutes=int(limits.window.total_seconds() // 60))
    canonical = email.strip().lower()
    stored = password_hash_of(engine, canonical)
    matches = verify_password(stored or dummy_hash(), password[:4096])
    user = find_user(engine, canonical) if stored and matches else None
    if user is None:
        with engine.begin() as conn:
            conn.execute(login_failures.insert(), [{"key": account_key, "at": _now()},
                                                   {"key": address_key, "at": _now()}])
        raise LoginFailed("staff.login-failed")
    with engine.begin() as conn:
        conn.execute(login_failures.delete().where(login_failures.c.key == account_key))
        audit.record(conn, actor=user.email, action="user.login", target=user.email,
                     detail={"address": address[:45]})
    return user


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(engine: Engine, user: User) -> str:
    """Open a new session for the user and return its secret id (for the cookie only)."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(staff_sessions.insert().values(id_hash=_digest(session_id), user_id=user.id,
                                                    created_at=now, seen_at=now))
    return session_id


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def session_user(engine: Engine, session_id: str, *, limits: Limits = Limits()) -> int | None:
    """Return the user id of a live session (touching it), or None when unknown or expired."""
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(sa.select(staff_sessions).where(
            staff_sessions.c.id_hash == _digest(session_id))).first()
        if row is None:
            return None
        if now - _utc(row.seen_at) > limits.idle or now - _utc(row.created_at) > limits.lifetime:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.id_hash == row.id_hash))
            return None
        if now - _utc(row.seen_at) > timedelta(minutes=1):  # spare a write per request
            conn.execute(staff_sessions.update().where(staff_sessions.c.id_hash == row.id_hash)
                         .values(seen_at=now))
    return int(row.user_id)


def end_session(engine: Engine, session_id: str, *, actor: str) -> None:
    """End a session (logging out)."""
    with engine.begin() as conn:
        conn.execute(staff_sessions.delete().where(staff_sessions.c.id_hash == _digest(session_id)))
        audit.record(conn, actor=actor, action="user.logout", target=actor)
