"""Subscriptions without an account: an address, what it follows, and how often.

Double opt-in: a subscription is `pending` until its confirmation link is followed, and only
`confirmed` subscriptions of addresses not disabled get news. Addresses are never shown or
exported; one without a confirmed subscription (unconfirmed, unsubscribed, or disabled after
BOUNCES permanent failures) is deleted KEEP after its last change.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import metadata.messages_follow  # noqa: F401 (registers the message ids)
from metadata.errors import InvalidInput
from publishers.follow_store import follow_addresses, follow_pending, follow_subscriptions, mail_outbox
from publishers.upsert import insert_once

KINDS = ("dataset", "publisher", "theme", "keyword", "overdue")
FREQUENCIES = ("immediate", "daily", "weekly")
LANGS = ("bg", "en")
KEEP = timedelta(days=30)
BOUNCES = 3
MAX_EMAIL = 254
# ASCII addresses only: anything else (quotes, spaces, commas, line breaks) could be read as a
# second recipient or a header, and internationalised addresses need SMTPUTF8, not offered yet.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


@dataclass(frozen=True)
class Address:
    id: int
    email: str
    secret: str
    status: str
    bounces: int


@dataclass(frozen=True)
class Subscription:
    id: int
    address_id: int
    kind: str
    target: str
    frequency: str
    lang: str
    secret: str
    status: str


def normalize_email(raw: str) -> str:
    """Return the address in the form it is stored (trimmed, lower case); refuse anything else."""
    email = unicodedata.normalize("NFC", raw or "").strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.match(email) or ".." in email:
        raise InvalidInput("follow.bad-email")
    return email


def check_choice(*, kind: str, frequency: str, lang: str) -> None:
    """Refuse a kind, frequency or language the portal does not offer."""
    if kind not in KINDS:
        raise InvalidInput("follow.bad-target")
    if frequency not in FREQUENCIES:
        raise InvalidInput("follow.bad-frequency")
    if lang not in LANGS:
        raise InvalidInput("follow.bad-lang")


def _address(row: sa.Row | None) -> Address | None:
    return None if row is None else Address(row.id, row.email, row.secret, row.status, row.bounces)


def _subscription(row: sa.Row) -> Subscription:
    return Subscription(row.id, row.address_id, row.kind, row.target, row.frequency, row.lang,
                        row.secret, row.status)


def get_address(conn: Connection, address_id: int) -> Address | None:
    return _address(conn.execute(sa.select(follow_addresses).where(
        follow_addresses.c.id == address_id)).first())


def get_subscription(conn: Connection, subscription_id: int) -> Subscription | None:
    row = conn.execute(sa.select(follow_subscriptions).where(
        follow_subscriptions.c.id == subscription_id)).first()
    return None if row is None else _subscription(row)


def subscribe(conn: Connection, *, email: str, kind: str, target: str, frequency: str, lang: str,
              now: datetime) -> tuple[Address, Subscription] | None:
    """Ask for a subscription; return what a confirmation must be sent for, or None for nothing.

    Nothing is sent for a subscription already confirmed (its settings stay: an unconfirmed
    request must not change them) nor to a disabled address. The caller answers the same either
    way, so nobody learns whether an address is subscribed.
    """
    check_choice(kind=kind, frequency=frequency, lang=lang)
    email = normalize_email(email)
    insert_once(conn, follow_addresses, {"email": email, "secret": secrets.token_hex(16),
                                         "status": "pending", "bounces": 0, "created_at": now,
                                         "changed_at": now})
    address = _address(conn.execute(sa.select(follow_addresses).where(
        follow_addresses.c.email == email)).first())
    assert address is not None
    if address.status == "disabled":
        return None
    conn.execute(follow_addresses.update().where(follow_addresses.c.id == address.id)
                 .values(changed_at=now))
    insert_once(conn, follow_subscriptions, {
        "address_id": address.id, "kind": kind, "target": target, "frequency": frequency,
        "lang": lang, "secret": secrets.token_hex(16), "status": "pending", "created_at": now,
        "changed_at": now})
    where = (follow_subscriptions.c.address_id == address.id, follow_subscriptions.c.kind == kind,
             follow_subscriptions.c.target == target)
    row = conn.execute(sa.select(follow_subscriptions).where(*where)).one()
    if row.status == "confirmed":
        return None
    values: dict[str, object] = {"frequency": frequency, "lang": lang, "status": "pending",
                                 "changed_at": now}
    if row.status == "ended":
        values["secret"] = secrets.token_hex(16)  # links of the old subscription stay dead
    conn.execute(follow_subscriptions.update().where(follow_subscriptions.c.id == row.id).values(**values))
    return address, _subscription(conn.execute(sa.select(follow_subscriptions).where(
        follow_subscriptions.c.id == row.id)).one())


def confirm(conn: Connection, subscription_id: int, secret: str, *, now: datetime) -> Subscription:
    """Confirm a pending subscription (again: nothing changes); refuse a link that no longer fits."""
    found = get_subscription(conn, subscription_id)
    if found is None or not secrets.compare_digest(found.secret, str(secret)) or found.status == "ended":
        raise InvalidInput("follow.token-invalid")
    address = get_address(conn, found.address_id)
    if address is None or address.status == "disabled":
        raise InvalidInput("follow.token-invalid")
    if found.status == "pending":
        conn.execute(follow_subscriptions.update().where(follow_subscriptions.c.id == found.id)
                     .values(status="confirmed", changed_at=now))
        conn.execute(follow_addresses.update().where(follow_addresses.c.id == address.id)
                     .values(status="confirmed", changed_at=now))
    return found


def address_for(conn: Connection, address_id: int, secret: str) -> Address:
    """Return the address a signed link names, if the link's secret still fits it."""
    address = get_address(conn, address_id)
    if address is None or not secrets.compare_digest(address.secret, str(secret)):
        raise InvalidInput("follow.token-invalid")
    return address


def of_address(conn: Connection, address_id: int) -> list[Subscription]:
    """Return an address's live subscriptions (pending and confirmed), oldest first."""
    rows = conn.execute(sa.select(follow_subscriptions).where(
        follow_subscriptions.c.address_id == address_id,
        follow_subscriptions.c.status != "ended").order_by(follow_subscriptions.c.id))
    return [_subscription(r) for r in rows]


def end(conn: Connection, address_id: int, subscription_ids: Iterable[int] | None, *,
        now: datetime) -> int:
    """End some of an address's subscriptions (None: all of them); return how many ended."""
    query = follow_subscriptions.update().where(follow_subscriptions.c.address_id == address_id,
                                                follow_subscriptions.c.status != "ended")
    if subscription_ids is not None:
        query = query.where(follow_subscriptions.c.id.in_(list(subscription_ids)))
    ended = conn.execute(query.values(status="ended", changed_at=now)).rowcount
    conn.execute(follow_addresses.update().where(follow_addresses.c.id == address_id)
                 .values(changed_at=now))
    return ended


def matching(conn: Connection, targets: Iterable[tuple[str, str]]) -> list[Subscription]:
    """Return the confirmed subscriptions, of addresses not disabled, to any (kind, target)."""
    pairs = list(targets)
    if not pairs:
        return []
    query = (sa.select(follow_subscriptions)
             .join(follow_addresses, follow_addresses.c.id == follow_subscriptions.c.address_id)
             .where(follow_subscriptions.c.status == "confirmed",
                    follow_addresses.c.status == "confirmed",
                    sa.or_(*(sa.and_(follow_subscriptions.c.kind == k, follow_subscriptions.c.target == t)
                             for k, t in pairs)))
             .order_by(follow_subscriptions.c.id))
    return [_subscription(r) for r in conn.execute(query)]


def bounced(conn: Connection, address_id: int, *, now: datetime) -> bool:
    """Count a permanent failure; return True when it disabled the address."""
    conn.execute(follow_addresses.update().where(follow_addresses.c.id == address_id)
                 .values(bounces=follow_addresses.c.bounces + 1, changed_at=now))
    disabled = conn.execute(follow_addresses.update().where(
        follow_addresses.c.id == address_id, follow_addresses.c.bounces >= BOUNCES,
        follow_addresses.c.status != "disabled").values(status="disabled")).rowcount
    return disabled == 1


def purge(conn: Connection, *, now: datetime | None = None) -> int:
    """Delete what KEEP allows no longer: old unconfirmed or ended subscriptions, and addresses
    without a confirmed subscription (or disabled) last changed before the cut-off, with their
    messages. Return how many addresses went."""
    cutoff = (now or datetime.now(timezone.utc)) - KEEP
    conn.execute(follow_subscriptions.delete().where(
        follow_subscriptions.c.status != "confirmed", follow_subscriptions.c.changed_at < cutoff))
    live = sa.select(follow_subscriptions.c.address_id).where(
        follow_subscriptions.c.status == "confirmed")
    recent = sa.select(follow_subscriptions.c.address_id).where(
        follow_subscriptions.c.changed_at >= cutoff)
    gone = [r.id for r in conn.execute(sa.select(follow_addresses.c.id).where(
        follow_addresses.c.changed_at < cutoff,
        sa.or_(follow_addresses.c.status == "disabled", follow_addresses.c.id.not_in(live)),
        follow_addresses.c.id.not_in(recent)))]
    if gone:
        for table in (mail_outbox, follow_pending, follow_subscriptions):
            conn.execute(table.delete().where(table.c.address_id.in_(gone)))
        conn.execute(follow_addresses.delete().where(follow_addresses.c.id.in_(gone)))
    return len(gone)
