"""Staff users: argon2id password hashes, memberships of publishers, and their roles."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from metadata.errors import Conflict, InvalidInput, NotFound
from publishers import audit
from publishers.accounts_store import memberships, staff_sessions, users
from publishers.registry import get_publisher
from publishers.store import bytewise

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes the whole password: a bound only against abuse
PUBLISHER_ROLES = ("admin", "editor")
ROLES = ("site-admin",) + PUBLISHER_ROLES
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HASHER = PasswordHasher(type=Type.ID)


@dataclass(frozen=True)
class User:
    """A staff account."""

    id: int
    email: str
    name: str
    site_admin: bool
    active: bool


def _to_user(row: sa.Row) -> User:
    return User(row.id, row.email, row.name, bool(row.site_admin), bool(row.active))


def normalize_email(email: str) -> str:
    """Return the canonical form of an address or raise InvalidInput."""
    canonical = email.strip().lower()
    if not _EMAIL.match(canonical) or len(canonical) > 254:
        raise InvalidInput("staff.bad-email", email=email[:80])
    return canonical


def check_password(password: str) -> None:
    """Refuse passwords that are too short (or absurdly long); never truncate."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("staff.password-too-short", minimum=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("staff.password-too-long", maximum=MAX_PASSWORD)


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password that passes the policy."""
    check_password(password)
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Tell whether the password matches the hash (False for any malformed hash)."""
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so both answers take as long.

    Made on first use with HASHER's parameters, not at import: every `otkrito` command imports
    this module, and most never check a password.
    """
    global _DUMMY_HASH
    if _DUMMY_HASH is None or HASHER.check_needs_rehash(_DUMMY_HASH):
        _DUMMY_HASH = HASHER.hash("not-a-real-password-for-timing")
    return _DUMMY_HASH


_DUMMY_HASH: str | None = None


def add_user(engine: Engine, email: str, *, password: str, name: str = "",
             site_admin: bool = False, actor: str = "cli") -> User:
    """Create a staff user with an argon2id password hash."""
    email = normalize_email(email)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first():
            raise Conflict("staff.user-exists", email=email)
        conn.execute(users.insert().values(
            email=email, name=name.strip(), password_hash=password_hash, site_admin=site_admin,
            active=True, created_at=datetime.now(timezone.utc)))
        audit.record(conn, actor=actor, action="user.add", target=email,
                     detail={"site_admin": site_admin})
    return get_user(engine, email)


def find_user(engine: Engine, email: str) -> User | None:
    """Return the user with this address, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())).first()
    return _to_user(row) if row else None


def get_user(engine: Engine, email: str) -> User:
    """Return the user with this address or raise NotFound."""
    found = find_user(engine, email)
    if found is None:
        raise NotFound("staff.user-not-found", email=email)
    return found


def find_user_by_id(engine: Engine, user_id: int) -> User | None:
    """Return the user with this id, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _to_user(row) if row else None


def password_hash_of(engine: Engine, email: str) -> str | None:
    """Return the stored hash of an active user, or None."""
    with engine.connect() as conn:
        return conn.execute(sa.select(users.c.password_hash).where(
            users.c.email == email, users.c.active.is_(True))).scalar()


def set_password(engine: Engine, email: str, password: str, *, actor: str = "cli") -> User:
    """Replace a user's password and end every session of theirs."""
    user = get_user(engine, email)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user.id)
                     .values(password_hash=password_hash))
        conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user.id))
        audit.record(conn, actor=actor, action="user.password", target=user.email)
    return user


def grant(engine: Engine, email: str, role: str, *, publisher: str | None = None,
          actor: str = "cli") -> None:
    """Make a user site admin, or admin/editor of one publisher (replacing an older role)."""
    if role not in ROLES:
        raise InvalidInput("staff.unknown-role", role=role, choices=", ".join(ROLES))
    user = get_user(engine, email)
    with engine.begin() as conn:
        if role == "site-admin":
            conn.execute(users.update().where(users.c.id == user.id).values(site_admin=True))
            target = user.email
        else:
            if not publisher:
                raise InvalidInput("staff.role-needs-publisher", role=role)
            owner = get_publisher(engine, publisher)
            conn.execute(memberships.delete().where(memberships.c.user_id == user.id,
                                                    memberships.c.publisher_id == owner.id))
            conn.execute(memberships.insert().values(user_id=user.id, publisher_id=owner.id,
                                                     role=role))
            target = f"{user.email}@{owner.slug}"
        audit.record(conn, actor=actor, action="user.grant", target=target, detail={"role": role})


def revoke_membership(engine: Engine, user_id: int, publisher_id: int, *, actor: str) -> None:
    """Remove a user's role at a publisher."""
    with engine.begin() as conn:
        conn.execute(memberships.delete().where(memberships.c.user_id == user_id,
                                                memberships.c.publisher_id == publisher_id))
        audit.record(conn, actor=actor, action="user.revoke",
                     target=f"{user_id}@{publisher_id}")


def roles_of(engine: Engine, user_id: int) -> dict[int, str]:
    """Return the user's role at each publisher they belong to, by publisher id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(memberships.c.publisher_id, memberships.c.role)
                            .where(memberships.c.user_id == user_id)).all()
    return {row.publisher_id: row.role for row in rows}


def members_of(engine: Engine, publisher_id: int) -> list[tuple[User, str]]:
    """Return the staff of a publisher with their roles, by e-mail."""
    query = (sa.select(users, memberships.c.role)
             .join(memberships, memberships.c.user_id == users.c.id)
             .where(memberships.c.publisher_id == publisher_id).order_by(bytewise(users.c.email)))
    with engine.connect() as conn:
        return [(_to_user(row), row.role) for row in conn.execute(query).all()]
