"""Publishers' data.egov.bg API keys: checked, sealed with the instance's secret, never shown.

Sealing uses Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` library) under a key
derived by HKDF-SHA256 from the instance secret key (OTKRITO_SECRET_KEY, or instance/secret_key),
the one every node of a cluster already shares. So the catalog alone (a backup, a dump, anything
read from it) holds no usable key; a changed secret makes stored keys unreadable, and the
message says to enter the key again. The key is not hashed like our own tokens: it must be sent.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Engine

from metadata.errors import InvalidInput, NotFound
from metadata.records import Publisher
from publishers import audit
from publishers.egov_store import egov_accounts

# data.egov.bg's keys are UUIDs (app/Http/Controllers/Api/UserController.php:468 with Uuid);
# any single printable token is accepted, so that a future key format still fits.
_KEY = re.compile(r"[\x21-\x7e]{8,200}")
_ORG = re.compile(r"[1-9][0-9]{0,9}")  # 'org_id' => 'int|digits_between:1,10' (DataSetController.php:86)
_PURPOSE = b"otkrito data.egov.bg api key v1"


@dataclass(frozen=True)
class Account:
    """What the portal knows of a publisher's data.egov.bg account (never the key itself)."""

    publisher_id: int
    org_id: int | None
    key_set_at: datetime
    key_set_by: str


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def parse_org(value: str | int | None) -> int | None:
    """Return the organisation id as the API wants it (an integer), or raise InvalidInput."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not _ORG.fullmatch(str(value).strip()):
        raise InvalidInput("egov.bad-org", value=str(value)[:20])
    return int(str(value).strip())


def set_key(engine: Engine, publisher: Publisher, key: str, *, org_id: int | None, secret: str,
            actor: str) -> None:
    """Store a publisher's API key, sealed, and its organisation id; replace any earlier one."""
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise InvalidInput("egov.bad-key")  # says what is wrong, never quotes the key
    sealed = _fernet(secret).encrypt(key.encode()).decode()
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        updated = conn.execute(egov_accounts.update()
                               .where(egov_accounts.c.publisher_id == publisher.id)
                               .values(key_sealed=sealed, org_id=org_id, key_set_at=now, key_set_by=actor))
        if updated.rowcount == 0:
            conn.execute(egov_accounts.insert().values(publisher_id=publisher.id, key_sealed=sealed,
                                                       org_id=org_id, key_set_at=now, key_set_by=actor))
        # The audit log says that the key changed, and who changed it: nothing of the key.
        audit.record(conn, actor=actor, action="egov.key", target=publisher.slug,
                     detail={"org_id": org_id})


def find_account(engine: Engine, publisher_id: int) -> Account | None:
    """Return the publisher's account record, or None when no key was ever entered."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(egov_accounts.c.publisher_id, egov_accounts.c.org_id,
                                     egov_accounts.c.key_set_at, egov_accounts.c.key_set_by)
                           .where(egov_accounts.c.publisher_id == publisher_id)).first()
    if row is None:
        return None
    set_at = row.key_set_at if row.key_set_at.tzinfo else row.key_set_at.replace(tzinfo=timezone.utc)
    return Account(row.publisher_id, row.org_id, set_at, row.key_set_by)


def open_key(engine: Engine, publisher: Publisher, *, secret: str) -> str:
    """Return the publisher's API key, for the one place that sends it (datasets/egov_sync.py)."""
    with engine.connect() as conn:
        sealed = conn.execute(sa.select(egov_accounts.c.key_sealed)
                              .where(egov_accounts.c.publisher_id == publisher.id)).scalar()
    if sealed is None:
        raise NotFound("egov.no-key", publisher=publisher.slug)
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise InvalidInput("egov.key-unreadable", publisher=publisher.slug) from None
