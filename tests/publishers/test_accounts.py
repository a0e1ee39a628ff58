"""Staff accounts in the domain: argon2id, password policy, sessions, tokens, roles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.state import Portal
from metadata.errors import Forbidden, InvalidInput
from publishers.accounts_store import api_tokens, users
from publishers.login import Limits, authenticate, session_user, start_session
from publishers.registry import add_publisher
from publishers.roles import Access
from publishers.tokens import TokenRejected, authenticate_token, create_token, revoke_token
from publishers.users import add_user, grant, roles_of, set_password

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(portal: Portal) -> Portal:
    add_publisher(portal.engine, "a", name_bg="А")
    add_publisher(portal.engine, "b", name_bg="Б")
    add_user(portal.engine, "Clerk@A.bg", password=PASSWORD)
    grant(portal.engine, "clerk@a.bg", "editor", publisher="a")
    return portal


def test_passwords_are_stored_as_argon2id_hashes(staff: Portal) -> None:
    with staff.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_passwords_shorter_than_twelve_characters_are_refused(staff: Portal, password: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_user(staff.engine, "new@a.bg", password=password)
    assert refused.value.message_id == "staff.password-too-short"


def test_long_passwords_are_not_truncated(staff: Portal) -> None:
    long = "x" * 200 + "1"
    set_password(staff.engine, "clerk@a.bg", long)
    assert authenticate(staff.engine, "clerk@a.bg", long, address="1.2.3.4")
    with pytest.raises(InvalidInput):
        authenticate(staff.engine, "clerk@a.bg", "x" * 200 + "2", address="1.2.3.4")


def test_a_password_reset_ends_every_session(staff: Portal) -> None:
    user = authenticate(staff.engine, "clerk@a.bg", PASSWORD, address="1.2.3.4")
    session_id = start_session(staff.engine, user)
    set_password(staff.engine, "clerk@a.bg", "another long password")
    assert session_user(staff.engine, session_id) is None


def test_an_idle_session_expires(staff: Portal) -> None:
    user = authenticate(staff.engine, "clerk@a.bg", PASSWORD, address="1.2.3.4")
    session_id = start_session(staff.engine, user)
    assert session_user(staff.engine, session_id) == user.id
    assert session_user(staff.engine, session_id, limits=Limits(idle=timedelta(0))) is None


def test_tokens_are_stored_hashed_and_work_only_for_their_publisher(staff: Portal) -> None:
    token, secret = create_token(staff.engine, publisher_id=1, user_id=1, name="ci", actor="t")
    with staff.engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.token_hash)).scalar()
    found, email = authenticate_token(staff.engine, secret)
    assert secret not in stored and len(stored) == 64
    assert (found.id, found.publisher_id, email) == (token.id, 1, "clerk@a.bg")


def test_revoked_and_expired_tokens_are_rejected(staff: Portal) -> None:
    _revoked, secret = create_token(staff.engine, publisher_id=1, user_id=1, name="a", actor="t")
    revoke_token(staff.engine, _revoked.id, actor="t")
    _old, expired = create_token(staff.engine, publisher_id=1, user_id=1, name="b", actor="t",
                                 expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    for candidate in (secret, expired, "otk_made-up", None):
        with pytest.raises(TokenRejected):
            authenticate_token(staff.engine, candidate)


@pytest.mark.parametrize("action,publisher_id,allowed", [
    ("release.publish", 1, True), ("dataset.edit", 1, True), ("release.withdraw", 1, True),
    ("token.manage", 1, False), ("member.manage", 1, False), ("release.publish", 2, False),
    ("dataset.edit", 2, False), ("publisher.create", None, False), ("audit.view", None, False),
])
def test_an_editor_acts_only_for_their_own_publisher(staff: Portal, action: str,
                                                      publisher_id: int | None,
                                                      allowed: bool) -> None:
    from publishers.users import get_user

    access = Access(get_user(staff.engine, "clerk@a.bg"), roles_of(staff.engine, 1))
    assert access.can(action, publisher_id) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            access.require(action, publisher_id)
